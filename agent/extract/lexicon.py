"""The stance lexicon as data: `agent/data/lexicon.toml`, plus the user's own file.

Cue words open a frame (`frames`); the parse decides its direction. A user teaches a
domain by adding words in a file of the same format, named by `DOSSIER_LEXICON` or saved
as `lexicon.toml` beside the index; the words are added to the shipped ones.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from agent.data import text as shipped_text
from agent.errors import DossierError

_SECTIONS = {
    "verbs": ("supports", "opposes", "condemns", "calls_for", "hires", "reciprocal", "welcomes", "rejects", "judges", "neutral", "light"),
    "nouns": ("supports", "supporters", "opponents", "opposes", "condemns", "attacks", "deeds", "undergone", "proxies", "members"),
    "qualifiers": ("receive", "give", "conduct", "quantities", "hedges", "hedge_adverbs", "denials", "speech", "opinion"),
}
SHIPPED = "agent/data/lexicon.toml"
ACTOR_TYPES = {"state", "government", "armed_group", "international_organisation", "person", "other"}


@dataclass(frozen=True, eq=False)
class Lexicon:
    words: dict[str, frozenset[str]]  # "verbs.supports" -> lemmas
    actor_nouns: dict[str, str]  # head noun -> actor type
    digest: str  # changes with any word: part of the extraction cache key

    # Two lexicons read from the same texts are the same; hashable, so readings cache per lexicon.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lexicon) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __getitem__(self, key: str) -> frozenset[str]:
        return self.words[key]

    @cached_property
    def frame_verbs(self) -> frozenset[str]:
        """Every verb that opens a frame: every [verbs] list but the neutral and light ones."""
        return frozenset().union(*(self.words[f"verbs.{k}"] for k in _SECTIONS["verbs"] if k not in {"neutral", "light"}))

    @cached_property
    def stance_cues(self) -> dict[str, str]:
        """Verb lemma -> the stance it names, for reading questions: supports, opposes, condemns."""
        return {w: relation for relation in ("supports", "opposes", "condemns") for w in self.words[f"verbs.{relation}"]}

    @cached_property
    def stance_nouns(self) -> frozenset[str]:
        """Nouns that open a frame of their own: "the support of X", "a critic of X"."""
        kinds = ("supports", "supporters", "opponents", "opposes", "condemns", "attacks")
        return frozenset().union(*(self.words[f"nouns.{k}"] for k in kinds))

    @cached_property
    def unjudged_verbs(self) -> frozenset[str]:
        """Verbs never put to the model as an open link: those that open a frame, the neutral
        ones, and speech verbs. Welcoming and rejecting open a frame only for a deed; "X
        dismissed Y's findings" is still the model's to judge."""
        deeds_only = self.words["verbs.welcomes"] | self.words["verbs.rejects"]
        return (self.frame_verbs - deeds_only) | self.words["verbs.neutral"] | self.words["qualifiers.speech"]


def _read(text: str, source: str) -> dict:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DossierError(f"the lexicon {source} is not valid TOML: {exc}") from None
    for section, value in data.items():
        known = _SECTIONS.get(section, ())
        if section == "actor_nouns":
            bad = {k: v for k, v in value.items() if v not in ACTOR_TYPES}
            if bad:
                raise DossierError(f"the lexicon {source}: [actor_nouns] types must be one of {sorted(ACTOR_TYPES)}, not {bad}")
            continue
        if not known:
            raise DossierError(f"the lexicon {source} has an unknown section [{section}]: use {', '.join([*_SECTIONS, 'actor_nouns'])}")
        for key, words in value.items():
            if key not in known:
                raise DossierError(f"the lexicon {source} has an unknown list {section}.{key}: use {', '.join(known)}")
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise DossierError(f"the lexicon {source}: {section}.{key} must be a list of words")
    return data


@lru_cache(maxsize=8)
def load(user_file: Path | None = None) -> Lexicon:
    """The shipped lexicon, with the words of `user_file` added."""
    shipped = shipped_text("lexicon.toml")
    texts = [(shipped, SHIPPED)]
    if user_file is not None:
        try:
            texts.append((Path(user_file).read_text(encoding="utf-8"), str(user_file)))
        except OSError as exc:
            raise DossierError(f"cannot read the lexicon {user_file}: {exc.strerror or exc}") from None
    words: dict[str, set[str]] = {f"{s}.{k}": set() for s, keys in _SECTIONS.items() for k in keys}
    actor_nouns: dict[str, str] = {}
    for text, source in texts:
        data = _read(text, source)
        for section, value in data.items():
            if section == "actor_nouns":
                actor_nouns.update({k.lower(): v for k, v in value.items()})
            else:
                for key, listed in value.items():
                    words[f"{section}.{key}"] |= {w.strip().lower() for w in listed if w.strip()}
    digest = hashlib.sha256("\n".join(t for t, _ in texts).encode()).hexdigest()[:16]
    return Lexicon({k: frozenset(v) for k, v in words.items()}, actor_nouns, digest)


def user_file(index_path: Path, configured: Path | None) -> Path | None:
    """The user's lexicon: `DOSSIER_LEXICON`, else `lexicon.toml` in the index folder, else none."""
    if configured is not None:
        return configured
    beside = index_path / "lexicon.toml"
    return beside if beside.is_file() else None
