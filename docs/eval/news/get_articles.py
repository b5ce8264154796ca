"""Materialise the 36 BBC articles of this set into articles/ from a copy of the collection.

The texts are the BBC's (see README.md), so the repository keeps only their ids, paths and
sha256 (articles.json). Give a clone of the collection's repository, a bare git mirror of it,
or an unpacked bbc-fulltext folder:

    git clone https://github.com/moztom/bbc_ml /tmp/bbc_ml
    python docs/eval/news/get_articles.py /tmp/bbc_ml
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read(source: Path, path: str, commit: str) -> bytes:
    for candidate in (source / path, source / path.removeprefix("bbc/")):
        if candidate.is_file():
            return candidate.read_bytes()
    # A bare mirror (or a clone): read the file at the pinned commit.
    return subprocess.run(
        ["git", f"--git-dir={source / '.git' if (source / '.git').exists() else source}", "show", f"{commit}:{path}"],
        check=True, capture_output=True,
    ).stdout


def main(source: Path) -> None:
    manifest = json.loads((HERE / "articles.json").read_text(encoding="utf-8"))
    out = HERE / "articles"
    out.mkdir(exist_ok=True)
    for name, entry in manifest["files"].items():
        data = read(source, entry["path"], manifest["commit"])
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            sys.exit(f"{entry['path']} in {source} is not the annotated text (sha256 differs)")
        (out / name).write_bytes(data)
    print(f"wrote {len(manifest['files'])} articles to {out}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
