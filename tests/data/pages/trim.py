"""How the saved pages were made smaller: scripts (all but JSON-LD), styles, SVG drawings,
comments, `<link>`, `<noscript>`, `<iframe>` and inline `style`/`data-*` attributes are removed;
text, markup, `<meta>` tags and JSON-LD are kept as the site served them.

    python tests/data/pages/trim.py SOURCE.html OUT.html
"""

from __future__ import annotations

import sys

from lxml import etree, html

DROPPED_TAGS = ("style", "svg", "link", "noscript", "iframe", "template")


def trim(source: str) -> str:
    tree = html.fromstring(source)
    for element in list(tree.iter()):
        if element.getparent() is None:
            continue
        if isinstance(element, etree._Comment) or (
            isinstance(element.tag, str) and element.tag in DROPPED_TAGS
        ) or (element.tag == "script" and element.get("type") != "application/ld+json"):
            element.drop_tree()
    for element in tree.iter():
        if isinstance(element.tag, str):
            for name in list(element.attrib):
                if name == "style" or name.startswith("data-") or name in {"srcset", "sizes"}:
                    del element.attrib[name]
    return "<!doctype html>\n" + html.tostring(tree, encoding="unicode")


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as file:
        page = trim(file.read())
    with open(sys.argv[2], "w", encoding="utf-8") as file:
        file.write(page)
