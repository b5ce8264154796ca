"""A web page -> its article's text and metadata, each taken from where the page states it best.

Metadata in order of trust: the page's JSON-LD article object (`datePublished`,
`headline`, `publisher`, `articleBody`), then its `<meta>` tags (`article:published_time`,
`og:title`, `og:site_name`, ...), then what trafilatura guesses from the visible page.
trafilatura's date guess is the weakest: it may come from a related-article teaser lower
on the page. A date that the page's own title or the article's dateline contradicts (more
than a day apart from the one stated there) is not used.

The body is trafilatura's main text, read favouring precision, unless that is a small
share of a fuller version of the same article: the JSON-LD `articleBody` (a site that
renders its story in a script), or the page's text read favouring recall (a page whose
"main" block is a comment policy). The replacement is reported (`PageText.note`).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import date

from lxml import html as lxml_html

from agent.ingest.published import full_dates_in, parse_published
from agent.text.datelines import head_date

# trafilatura's main text under this share of the JSON-LD articleBody is replaced by it.
# The articleBody is the publisher's own copy of the story, so a modest gap is enough.
ARTICLE_BODY_SHARE = 0.8
# ... and under this share of the page's text read favouring recall, by that text: recall
# also keeps menus and comments, so only a large gap says the main text was missed.
PAGE_TEXT_SHARE = 0.5
DATE_TOLERANCE_DAYS = 1

_ARTICLE_TYPES = re.compile(r"(?:Article|BlogPosting|Report)$")
# <meta> names and properties that state when the article was first published, most trusted first.
_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "datepublished", "publication_date",
    "publish-date", "pubdate", "dc.date.issued", "dcterms.issued", "dc.date", "date", "sailthru.date",
    "parsely-pub-date",
)


@dataclass(frozen=True)
class PageText:
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: date | None = None
    note: str | None = None  # why the body is not trafilatura's main text, if it is not


def read_page(source: str) -> PageText:
    """The article a web page holds: its text and metadata (see the module doc)."""
    import trafilatura  # a second to import: only pages need it

    # No `deduplicate`: its cache is process-wide, so a page read twice would lose its text.
    options = {"with_metadata": True, "include_comments": False, "include_tables": True}
    precise = trafilatura.bare_extraction(source, favor_precision=True, **options)
    full = trafilatura.bare_extraction(source, favor_recall=True, **options)
    guessed = precise or full
    tree = _tree(source)
    article = _json_ld_article(tree) if tree is not None else {}
    metas = _metas(tree) if tree is not None else {}

    text, note = _paragraphs(precise.text if precise else ""), None
    article_body = _plain_text(article.get("articleBody"))
    page_text = _paragraphs(full.text if full else "")
    if article_body and len(text) < ARTICLE_BODY_SHARE * len(article_body):
        note = f"the main text found held {_share(text, article_body)} of the page's JSON-LD articleBody: the articleBody is stored"
        text = article_body
    elif page_text and len(text) < PAGE_TEXT_SHARE * len(page_text):
        note = f"the main text found held {_share(text, page_text)} of the page's text: the whole text is stored"
        text = page_text

    titles = [_string(article.get("headline")), metas.get("og:title"), guessed.title if guessed else None]
    dates = [_string(article.get("datePublished")), *(metas.get(name) for name in _PUBLISHED_META), guessed.date if guessed else None]
    # The <title> element, site name and all ("... | DW | 28.04.2023"), may state the date too.
    stated = [d for t in (*titles, _html_title(tree)) if t for d in _title_dates(t)] + [head_date(text) or ""]
    stated_url = _string(article.get("url"), "")
    return PageText(
        text=text,
        title=next(filter(None, titles), None),
        outlet=_publisher(article) or metas.get("og:site_name") or (guessed.sitename if guessed else None),
        url=stated_url if stated_url.startswith("http") else (guessed.url if guessed else None),
        published=published_date(dates, stated),
        note=note,
    )


def published_date(candidates: list[str | None], stated: list[str]) -> date | None:
    """The first candidate that reads as a date and that no full date stated in `stated` (a
    date standing alone in the page's title, its dateline) contradicts; else the date stated
    there, if any."""
    stated_dates = [d for s in stated for d in full_dates_in(s)]
    for raw in candidates:
        value = parse_published(raw) if raw else None
        if value is None:
            continue
        if not stated_dates or any(abs((value - d).days) <= DATE_TOLERANCE_DAYS for d in stated_dates):
            return value
    return stated_dates[0] if stated_dates else None


# --- the page's own statements -------------------------------------------------------------


def _tree(source: str):
    try:
        return lxml_html.fromstring(source.encode("utf-8", "replace"))
    except (ValueError, lxml_html.etree.ParserError):
        return None


def _json_ld_article(tree) -> dict:
    """The page's JSON-LD object of an article type; the one with a body when there are
    several (a page may also describe related stories)."""
    found: list[dict] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content())
        except ValueError:
            continue  # a malformed block says nothing
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                types = item.get("@type")
                if any(_ARTICLE_TYPES.search(t) for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)):
                    found.append(item)
                stack.extend(v for k, v in item.items() if k == "@graph")
    return max(found, key=lambda item: bool(item.get("articleBody")), default={})


def _metas(tree) -> dict[str, str]:
    out: dict[str, str] = {}
    for meta in tree.xpath("//meta[@content]"):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        content = meta.get("content", "").strip()
        if name and content:
            out.setdefault(name, content)
    return out


def _title_dates(title: str) -> list[str]:
    """The parts of a title that are a date alone ("… | DW | 28.04.2023"), not a date the
    headline is about ("The flood of 12 March 1953 | Herald")."""
    return [part for part in re.split(r"\s+[|–—·•]\s+", title) if full_dates_in(part) and len(re.findall(r"[^\W\d_]{2,}", part)) <= 2]


def _html_title(tree) -> str | None:
    if tree is None:
        return None
    titles = tree.xpath("//title/text()")
    return " ".join(titles[0].split()) if titles else None


def _publisher(article: dict) -> str | None:
    publisher = article.get("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    return _string(publisher.get("name")) if isinstance(publisher, dict) else _string(publisher)


def _string(value: object, default: str | None = None) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else default


def _plain_text(body: object) -> str:
    """An articleBody as plain text: entities decoded, markup (some sites leave it in) removed."""
    if not isinstance(body, str) or not body.strip():
        return ""
    if re.search(r"</?(?:p|br|div|a|em|strong|span)\b", body):
        fragment = lxml_html.fragment_fromstring(body, create_parent="div")
        for tag in fragment.iter("p", "br", "div", "li", "h2", "h3"):
            tag.tail = "\n\n" + (tag.tail or "")
        body = fragment.text_content()
    return _paragraphs(html.unescape(body))


def _paragraphs(text: str) -> str:
    """One blank line between paragraphs, as in the plain-text articles the chunker expects."""
    lines = (" ".join(line.split()) for line in text.strip().splitlines())
    return "\n\n".join(line for line in lines if line)


def _share(part: str, whole: str) -> str:
    return f"{len(part) / len(whole):.0%}"
