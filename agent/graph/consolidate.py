"""Across articles: one canonical actor per real-world entity, and a stance graph between them.

Surface forms ("NDA", "Ruritania's President Varga", "Dulov's forces", "Brasilia") are merged in
layers, each of which records why (`Merge`: reason, detail, evidence), so every merge can be
explained (`agent actors --why NAME`) and reversed (`aliases.toml`). In order:

1. user pins ("same") from `aliases.toml`; user splits ("not same") veto any later merge;
2. aliases an article itself gives: "Long Name (ACR)", a short form of a longer name;
3. titles, possessives and epithets around a name: "Italian Prime Minister X" is X,
   "X's Northern Army" is the Northern Army (and X leads it), "the self-styled Y" is Y;
4. countries: names, demonyms ("Brazilian"), seats of government ("the White House") and
   capitals that act ("Brasilia said ..."), from the data file `data/countries.tsv`;
   "the Ruritanian government", "the <capital> government" are one government;
5. fuzzy spelling (rapidfuzz) on name words only, never on generic words such as
   "government"; a person's bare surname when only one person in the corpus has it;
6. a leader's group: "X's forces", "forces loyal to X", "pro-X fighters" are the group X
   leads, once any article links X to it (or X itself, when X is a state or group);
7. epithets: "the internationally recognised government" is the actor one article called
   "the internationally recognised Council of Unity", when no other actor is called so.
A name merely contained in a longer one is not merged ("Northern" is not the "Northern Defence Army").
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import JaroWinkler

from agent import data
from agent.data import lines, name_suffixes
from agent.errors import DossierError
from agent.models import (
    Actor, CanonicalActor, Edge, Evidence, Link, Listing, Merge, MergeReason, Record, Stance,
)
from agent.text.countries import country_code, country_tables, only_adjectives
from agent.text.names import name_key

__all__ = ["Consolidation", "Edge", "Overrides", "consolidate", "stance_graph"]

PERSON_WORD_SIMILARITY = 0.85  # Jaro-Winkler: "Qarawi"/"Karawi" passes; "Hassan"/"Hussein" (0.77) does not
GIVEN_NAME_SIMILARITY = 0.8
SURNAME_ALONE_SIMILARITY = 0.9  # a bare surname has no given name to confirm it
NAME_WORD_SIMILARITY = 0.9  # stricter for organisations and places, which share more words
_PARTICLE = re.compile(r"^(al|el|ad|an|as|ash|at|az|bin|ibn|abu|de|del|der|van|von|da|di|du|le|la)[-‐’']", re.I)


# --- data ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _titles() -> tuple[dict[str, bool], re.Pattern]:
    leader = data.titles()
    alternatives = "|".join(re.escape(t) for t in sorted(leader, key=len, reverse=True))
    return leader, re.compile(rf"^(?:{alternatives})(?=\s|$)\s*", re.I)


@lru_cache(maxsize=1)
def _word_sets() -> tuple[frozenset[str], frozenset[str]]:
    return (
        frozenset(w.lower() for w in lines("generic_words.txt")),
        frozenset(w.lower() for w in lines("force_nouns.txt")),
    )


# --- names ----------------------------------------------------------------------------------


def _words(key: str) -> list[str]:
    return [w for w in re.split(r"[\s,]+", key) if w]


def _name_words(key: str) -> list[str]:
    generic = _word_sets()[0]
    return [w for w in _words(key) if w not in generic]


def _skeleton(word: str) -> str:
    """Consonants, doubled ones once: transliterations of one name differ in their vowels ("Kaldor"/"Keldur")."""
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[aeiouy'’-]", "", word.lower()))


def _alike(x: str, y: str) -> float:
    """How alike two name words are: 1.0 for the same consonants (4 or more: "Hassan" and
    "Hussein" share 3 and are two names), else Jaro-Winkler."""
    if x == y or (len(_skeleton(x)) >= 4 and _skeleton(x) == _skeleton(y)):
        return 1.0
    return JaroWinkler.similarity(x, y)


def _strip_particle(word: str) -> str:
    return _PARTICLE.sub("", word)


# Words that link a name's words and say nothing of what it names ("Council *of* National Unity").
_LINKING_WORDS = frozenset({"of", "the", "and", "for", "in", "on"})


def _initials(display: str) -> str | None:
    """'CNU' for 'Council of National Unity'; None for one word or lower-case words."""
    words = [w for w in re.split(r"[\s-]+", display) if w.lower() not in _LINKING_WORDS]
    if len(words) < 2 or not all(w[:1].isupper() for w in words):
        return None
    return "".join(w[0] for w in words)


def _is_acronym(name: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][A-Z.&-]{1,7}", name.strip()))


@dataclass
class _Form:
    key: str
    displays: Counter = field(default_factory=Counter)
    articles: set[str] = field(default_factory=set)
    types: Counter = field(default_factory=Counter)
    evidence: list[Evidence] = field(default_factory=list)
    holder: bool = False  # holds a stance somewhere: acts

    @property
    def display(self) -> str:
        return max(self.displays, key=lambda d: (self.displays[d], d[:1].isupper(), -len(d)))


@dataclass
class Overrides:
    """User decisions from `aliases.toml`: names pinned as one actor, pairs kept apart."""

    same: list[list[str]] = field(default_factory=list)
    not_same: list[list[str]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Overrides:
        """`[[same]] names = [...]` and `[[not_same]] names = [...]`; a missing file means no overrides."""
        if not path.is_file():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DossierError(f"{path}: not valid TOML ({exc})") from exc
        out = cls()
        for section in ("same", "not_same"):
            for number, entry in enumerate(data.get(section, []), start=1):
                names = entry.get("names") if isinstance(entry, dict) else None
                if not isinstance(names, list) or len(names) < 2 or not all(isinstance(n, str) for n in names):
                    raise DossierError(f"{path}: [[{section}]] entry {number} needs names = [two or more strings]")
                getattr(out, section).append(names)
        unknown = set(data) - {"same", "not_same"}
        if unknown:
            raise DossierError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}: use [[same]] and [[not_same]]")
        return out


# --- the layers -----------------------------------------------------------------------------


class Consolidation:
    """Canonical actors and their merges, built from the records extraction stored."""

    def __init__(self, records: Iterable[Record], outlets: dict[str, str] | None = None, overrides: Overrides | None = None) -> None:
        records = list(records)
        self.outlets = outlets or {}
        self.overrides = overrides or Overrides()
        self.forms: dict[str, _Form] = {}
        self._parent: dict[str, str] = {}
        self._merges: list[Merge] = []
        self._leads: list[tuple[str, str, Evidence | None]] = []  # (leader key, led key, evidence)
        self._epithets: list[tuple[str, str, Evidence | None]] = []  # (epithet, described key, evidence)
        self._apart: list[tuple[str, str]] = []
        self._clusters: tuple[int, dict[str, list[str]]] | None = None
        self._actors = [r for r in records if isinstance(r, Actor)]
        self._stances = [r for r in records if isinstance(r, Stance)]
        self._links = [r for r in records if isinstance(r, Link)]
        self._collect()
        self._user()
        self._article_aliases()
        self._titles_possessives_epithets()
        self._countries()
        self._fuzzy()
        self._leader_groups()
        self._epithet_names()

    # --- forms and union-find ---------------------------------------------------------------

    def _form(self, display: str, evidence: Evidence | None = None) -> _Form | None:
        display = " ".join(display.split()).strip(" ,;:")
        key = name_key(display)
        if not key or not re.search(r"\w", key):
            return None
        form = self.forms.get(key)
        if form is None:
            form = self.forms[key] = _Form(key)
            self._parent[key] = key
        form.displays[display] += 1
        if evidence is not None:
            form.articles.add(evidence.article)
            form.evidence.append(evidence)
        return form

    def _collect(self) -> None:
        for actor in self._actors:
            for name in [actor.name, *actor.aliases]:
                form = self._form(name, actor.evidence)
                if form:
                    form.types[actor.actor_type] += 1
        for stance in self._stances:
            holder = self._form(stance.holder, stance.evidence)
            if holder:
                holder.holder = True
            if stance.relation != "calls_for":
                self._form(stance.target, stance.evidence)
        for link in self._links:
            if link.kind != "epithet":
                self._form(link.source, link.evidence)
            if link.kind == "epithet" and not _name_words(name_key(link.target)):
                continue  # "the internationally recognised Government": no name to describe
            target = self._form(link.target, link.evidence)
            if link.kind == "leads" and target is not None:
                source = self._form(link.source)
                if source is not None:
                    if not _is_country_form(source.key):  # "Ruritania's army" is led by no person
                        source.types["person"] += 1
                    self._leads.append((source.key, target.key, link.evidence))
            elif link.kind == "epithet" and target is not None and _name_words(target.key):
                self._epithets.append((link.source, target.key, link.evidence))
                # The phrase as written, and its last epithet with the name, both verbatim:
                # "Coast-based, internationally recognised Council", "internationally recognised Council".
                self._form(link.evidence.quote, link.evidence)
                last = re.split(r",\s*", link.source)[-1]
                if last != link.source and link.evidence.quote.endswith(f"{last} {link.target}"):
                    self._form(f"{last} {link.target}", link.evidence)

    def find(self, key: str) -> str:
        while self._parent[key] != key:
            self._parent[key] = self._parent[self._parent[key]]
            key = self._parent[key]
        return key

    def _union(self, a: str, b: str, reason: MergeReason, detail: str = "", evidence: Evidence | None = None) -> bool:
        """Merge the actor of form `a` into the actor of form `b`, unless a user split forbids it."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        for x, y in self._apart:
            rx, ry = self.find(x), self.find(y)
            if {rx, ry} == {ra, rb}:
                return False
        self._parent[ra] = rb
        self._clusters = None
        self._merges.append(Merge(alias=self.forms[a].display, into=self.forms[b].display, reason=reason, detail=detail, evidence=evidence))
        return True

    def _members(self) -> dict[str, list[str]]:
        """Cluster root -> its form keys; recomputed only after a merge or a new form."""
        if self._clusters is None or self._clusters[0] != len(self.forms):
            out: dict[str, list[str]] = defaultdict(list)
            for key in self.forms:
                out[self.find(key)].append(key)
            self._clusters = (len(self.forms), out)
        return self._clusters[1]

    def _is_person(self, key: str) -> bool:
        votes = Counter()
        for member in self._members()[self.find(key)]:
            votes.update(self.forms[member].types)
        return votes["person"] > 0 and votes["person"] >= max(votes.values())

    # --- 1. the user's decisions -----------------------------------------------------------

    def _user(self) -> None:
        for names in self.overrides.not_same:
            keys = [name_key(n) for n in names]
            self._apart += [(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]]
        for names in self.overrides.same:
            forms = [f for f in (self._form(n) for n in names) if f is not None]
            for form in forms[1:]:
                self._union(form.key, forms[0].key, "user", "pinned in aliases.toml")

    # --- 2. what an article says itself -----------------------------------------------------

    def _article_aliases(self) -> None:
        for actor in self._actors:
            for alias in actor.aliases:
                kind = "acronym" if _is_acronym(alias) else "short form"
                self._union(name_key(alias), name_key(actor.name), "article alias", f"{kind} in {actor.evidence.article}", actor.evidence)
        for link in self._links:
            if link.kind == "alias" and _is_acronym(link.source):
                self._union(name_key(link.source), name_key(link.target), "acronym", f"{link.target} ({link.source})", link.evidence)
            elif link.kind == "alias":
                reason = "possessive" if _split_possessive(link.source)[0] else "title"
                self._union(name_key(link.source), name_key(link.target), reason, link.source, link.evidence)
            elif link.kind == "refers_to" and name_key(link.source) in self.forms and name_key(link.target) in self.forms:
                # The model's closed choice of whom a descriptive phrase stands for (extraction).
                self._union(name_key(link.source), name_key(link.target), "model choice", f"{link.source} -> {link.target}", link.evidence)
        # An acronym and the one multi-word name in the corpus whose initials spell it ("UN").
        initials: dict[str, set[str]] = defaultdict(set)
        for key, form in self.forms.items():
            letters = _initials(form.display)
            if letters:
                initials[letters].add(key)
        for key, form in list(self.forms.items()):
            if _is_acronym(form.display):
                owners = {self.find(k) for k in initials.get(form.display.replace(".", "").upper(), set())}
                if len(owners) == 1:
                    owner = owners.pop()
                    self._union(key, owner, "acronym", f"the initials of {self.forms[owner].display}")

    # --- 3. titles, possessives, epithets ---------------------------------------------------

    def _titles_possessives_epithets(self) -> None:
        for key in list(self.forms):
            form = self.forms[key]
            if _force_target(form.display):
                continue  # "X's forces": the leader's-group layer decides
            evidence = form.evidence[0] if form.evidence else None
            display = form.display
            possessor, rest = _split_possessive(display)
            if possessor:
                core = self._form(rest)
                owner = self._form(possessor)
                if core is None or owner is None:
                    continue
                title, name, leader = _strip_title(rest)
                if title and name:
                    person = self._form(name)
                    if person is not None:
                        person.types["person"] += 1
                        self._union(key, person.key, "title", f"{possessor}'s {title} {name}", evidence)
                        if leader:
                            self._leads.append((person.key, owner.key, evidence))
                    continue
                self._union(key, core.key, "possessive", f"{possessor}'s {rest}", evidence)
                if not _is_country_form(owner.key):
                    self._leads.append((owner.key, core.key, evidence))
                continue
            title, name, leader = _strip_title(display)
            if title and name:
                # "Ruritanian President X", "President X of Ruritania"
                place = _leading_demonym(title)
                of = re.match(r"^(.+?)\s+of\s+(.+)$", name)
                if of and _is_country_form(name_key(of.group(2))):
                    name, place = of.group(1), of.group(2)
                person = self._form(name)
                if person is not None:
                    person.types["person"] += 1
                    self._union(key, person.key, "title", title, evidence)
                    owner = self._form(place) if leader and place else None
                    if owner is not None:
                        self._leads.append((person.key, owner.key, evidence))
                continue
            epithet, core_name = _strip_epithet(display)
            if epithet and core_name:
                core = self._form(core_name)
                if core is not None:
                    self._union(key, core.key, "epithet", f"{epithet!r} before the name", evidence)
                    self._epithets.append((epithet, core.key, evidence))

    # --- 4. countries, their capitals, seats and governments --------------------------------

    def _countries(self) -> None:
        countries = country_tables()
        by_code: dict[str, list[tuple[str, MergeReason]]] = defaultdict(list)
        governments: dict[str, list[str]] = defaultdict(list)
        for key, form in self.forms.items():
            code, reason = country_code(key)
            if code and reason == "capital" and not form.holder:
                code = None  # a capital is only the state when it acts ("Brasilia said"), not where fighting is
            if code:
                by_code[code].append((key, reason))
                continue
            government = _government_of(key)
            if government:
                governments[government].append(key)
        for code, keys in by_code.items():
            keys.sort(key=lambda kr: (kr[1] != "country name", -sum(self.forms[kr[0]].displays.values())))
            anchor = keys[0][0]
            for key, reason in keys[1:]:
                self._union(key, anchor, reason, f"{self.forms[key].display} -> {countries.display[code]}")
        for code, keys in governments.items():
            for key in keys[1:]:
                self._union(key, keys[0], "government of", f"the government of {countries.display[code]}")

    # --- 5. spellings --------------------------------------------------------------------------

    def _fuzzy(self) -> None:
        keys = sorted(self.forms)
        together = self._named_apart_by_an_article()
        is_person = {k: self._is_person(k) for k in keys}
        for a, b in _candidate_pairs(keys, is_person):
            if self.find(a) == self.find(b) or ((a, b) in together and not _same_words(a, b)):
                continue  # two names one article uses apart are two actors, unless only their order differs
            if _is_country_form(a) or _is_country_form(b):
                continue  # countries are told apart by data, not spelling ("Austria" / "Australia")
            person = is_person[a] and is_person[b]
            score = _person_similarity(a, b) if person else _name_similarity(a, b)
            if score is not None:
                self._union(a, b, "fuzzy", f"{'person' if person else 'name'} words alike, {score:.2f}")
        # "Quorra Holdings" is "Quorra", "Harbour City FC" is "Harbour City": a legal or club suffix.
        for key in keys:
            bare = _without_suffix(key)
            if bare and bare in self.forms and not self._is_person(key):
                self._union(bare, key, "name suffix", f"{self.forms[key].display} without {key[len(bare):].strip()!r}")
        # A bare surname ("Varga") is the one person in the corpus whose name ends with it.
        surnames: dict[str, set[str]] = defaultdict(set)
        for key in keys:
            words = _words(key)
            if len(words) > 1 and self._is_person(key):
                surnames[_strip_particle(words[-1])].add(self.find(key))
        for key in keys:
            words = _words(key)
            if len(words) != 1 or not self._is_person(key):
                continue
            word = _strip_particle(words[0])
            owners = {self.find(o) for o in surnames.get(word, set())}
            detail = "the only person with this surname"
            if not owners:
                close = {s: _alike(word, s) for s in surnames}
                owners = {self.find(o) for s, score in close.items() if score >= SURNAME_ALONE_SIMILARITY for o in surnames[s]}
                detail = "the only person with a surname spelt alike"
            if len(owners) == 1:
                self._union(key, owners.pop(), "person's name", detail)

    def _named_apart_by_an_article(self) -> set[tuple[str, str]]:
        """Two spellings one article uses for two separate actors are never one by fuzziness."""
        by_article: dict[str, set[str]] = defaultdict(set)
        for actor in self._actors:
            by_article[actor.evidence.article].add(name_key(actor.name))
        apart = set()
        for names in by_article.values():
            apart |= {(a, b) for a in names for b in names if a < b}
        return apart

    # --- 6. a leader's group -----------------------------------------------------------------

    def _led(self) -> dict[str, list[tuple[str, Evidence | None]]]:
        """Leader cluster -> the clusters it leads (persons only lead; a state does not 'lead' its capital)."""
        out: dict[str, list[tuple[str, Evidence | None]]] = defaultdict(list)
        for leader, led, evidence in self._leads:
            rl, rg = self.find(leader), self.find(led)
            if rl != rg and self._is_person(leader) and not self._is_person(led) and rg not in [g for g, _ in out[rl]]:
                out[rl].append((rg, evidence))
        return out

    def _leader_groups(self) -> None:
        led = self._led()
        for key in list(self.forms):
            form = self.forms[key]
            target = _force_target(form.display)
            if not target:
                continue
            owner = self._resolve(target)
            if owner is None:
                continue
            if self._is_person(owner):
                groups = led.get(self.find(owner), [])
                if len(groups) == 1:
                    group, evidence = groups[0]
                    self._union(key, group, "leader's group", f"{target} leads {self.forms[group].display}", evidence)
            else:
                self._union(key, owner, "forces of", f"the forces of {target}")

    def _resolve(self, name: str) -> str | None:
        """The form key a name inside a longer phrase stands for: itself, without a title, or a unique surname."""
        for candidate in (name, _strip_title(name)[1]):
            if candidate and name_key(candidate) in self.forms:
                return name_key(candidate)
        code = country_code(name_key(name))[0]
        if code:  # "Ruritanian troops": the country, under any of its names
            return next((k for k in self.forms if country_code(k)[0] == code), None)
        words = _words(name_key(name))
        if not words:
            return None
        surname = _strip_particle(words[-1])
        owners = {self.find(k) for k in self.forms if self._is_person(k) and _strip_particle(_words(k)[-1]) == surname}
        return owners.pop() if len(owners) == 1 else None

    # --- 7. epithets ----------------------------------------------------------------------------

    def _epithet_names(self) -> None:
        described: dict[str, set[str]] = defaultdict(set)
        evidence_of: dict[str, tuple[str, str, Evidence | None]] = {}
        for epithet, key, evidence in self._epithets:
            head = _head_noun(self.forms[key].display if key in self.forms else key)
            if not head:
                continue
            for variant in _epithet_keys(epithet, head):
                described[variant].add(self.find(key))
                evidence_of.setdefault(variant, (epithet, key, evidence))
        for variant, roots in described.items():
            roots = {self.find(r) for r in roots}
            if len(roots) != 1 or variant not in self.forms:
                continue  # unknown, or two actors share the epithet: ambiguous
            (root,) = roots
            epithet, key, evidence = evidence_of[variant]
            where = f" in {evidence.article}" if evidence else ""
            self._union(variant, root, "epithet", f"{epithet!r} describes {self.forms[key].display}{where}, no other actor", evidence)

    # --- results -------------------------------------------------------------------------------

    def canonical(self, name: str) -> str:
        """The canonical actor name for a surface form (the form itself when it was never seen)."""
        key = name_key(name)
        if key not in self.forms:
            return name
        return self._name(self.find(key))

    def _name(self, root: str) -> str:
        members = self._members()[root]
        code = self._code(members)
        if code:
            countries = [m for m in members if country_code(m) == (code, "country name")]
            if not countries:
                return country_tables().display[code]  # "British" alone: the United Kingdom
            return self.forms[max(countries, key=lambda m: sum(self.forms[m].displays.values()))].display

        def rank(member: str):
            form = self.forms[member]
            plain = not (_force_target(form.display) or _split_possessive(form.display)[0] or _strip_title(form.display)[0] or _strip_epithet(form.display)[0])
            # A plain name first, spelt out rather than an acronym ("Northern Defence Army", not "NDA"),
            # and a full name before a lone word ("Alda Varga", not "Varga", however often the surname
            # alone is used); then the form used most.
            return (plain, not _is_acronym(form.display), len(_words(member)) > 1, sum(form.displays.values()), len(member))

        return self.forms[max(members, key=rank)].display

    def _code(self, members: list[str]) -> str | None:
        """The country a cluster is, if any (a capital only counts when it acts)."""
        for member in members:
            code, reason = country_code(member)
            if code and (reason != "capital" or self.forms[member].holder):
                return code
        return None

    def _governs(self, members: dict[str, list[str]], government: str, country: str) -> bool:
        """Whether the actor `government` is, by one of its names, the government of `country`."""
        if name_key(country) not in self._parent or name_key(government) not in self._parent:
            return False
        code = self._code(members.get(self.find(name_key(country)), []))
        keys = members.get(self.find(name_key(government)), [])
        return code is not None and any(_government_of(k) == code for k in keys)

    def _type(self, members: list[str]):
        if self._code(members):
            return "state"
        votes = Counter()
        for member in members:
            votes.update(self.forms[member].types)
        if self._is_person(members[0]):
            return "person"
        ranked = [t for t, _ in votes.most_common() if t not in {"other", "person"}]
        return ranked[0] if ranked else "other"

    def actors(self) -> Listing:
        led = self._led()
        members = self._members()
        names = {root: self._name(root) for root in members}
        leaders: dict[str, list[str]] = defaultdict(list)
        for leader, groups in led.items():
            for group, _ in groups:
                leaders[group].append(names[leader])
        merges_by_root: dict[str, list[Merge]] = defaultdict(list)
        for merge in self._merges:
            merges_by_root[self.find(name_key(merge.alias))].append(merge)
        out = []
        for root, keys in members.items():
            forms = [self.forms[k] for k in keys]
            articles = sorted({a for f in forms for a in f.articles})
            if not articles:
                continue  # a name only the user or a rule supplied, never seen in an article
            if all(only_adjectives(k) for k in keys) and not self._code(keys):
                continue  # "European": an adjective, no actor
            aliases = sorted({d for f in forms for d in f.displays}, key=lambda d: (d != names[root], d.lower()))
            out.append(CanonicalActor(
                name=names[root], type=self._type(keys), aliases=aliases,
                leads=[names[g] for g, _ in led.get(root, [])], led_by=sorted(leaders.get(root, [])),
                articles=articles, outlets=sorted({self.outlets.get(a, a) for a in articles}),
                merges=merges_by_root.get(root, []),
            ))
        return Listing(sorted(out, key=lambda a: (-len(a.articles), a.name.lower())))

    def group_of(self, name: str) -> str:
        """A leader's canonical group when he leads exactly one, else his own canonical name."""
        key = name_key(name)
        if key not in self.forms:
            return name
        groups = self._led().get(self.find(key), [])
        return self._name(groups[0][0]) if len(groups) == 1 else self._name(self.find(key))

    def stance_graph(self, leaders_as_groups: bool = True) -> Listing:
        """One edge per (holder, relation, target) between canonical actors, with all its evidence.

        A leader stands for the group he leads (`leaders_as_groups`); a bare adjective
        ("European") holds no stance; a claim and its denial make the edge contested."""
        name = self.group_of if leaders_as_groups else self.canonical
        grouped: dict[tuple[str, str, str], list[Stance]] = defaultdict(list)
        members = self._members()
        for stance in self._stances:
            holder_key = name_key(stance.holder)
            if (only_adjectives(holder_key) or not _name_words(holder_key)) and not country_code(holder_key)[0]:
                continue  # "European", "Parliament": an adjective or a bare common noun names no one
            target = stance.target if stance.relation == "calls_for" else name(stance.target)
            holder = name(stance.holder)
            if holder == target or self._governs(members, stance.target, stance.holder):
                continue  # "Ruritania backs the Ruritanian government": a garbled list, not a stance
            grouped[(holder, stance.relation, target)].append(stance)
        edges = []
        for (holder, relation, target), members in grouped.items():
            evidence: dict[Evidence, str] = {}
            for s in members:
                evidence.setdefault(s.evidence, s.status)
            articles = sorted({s.evidence.article for s in members})
            edges.append(Edge(
                holder=holder, relation=relation, target=target, status=_edge_status(set(evidence.values())),  # type: ignore[arg-type]
                articles=articles, outlets=sorted({self.outlets.get(a, a) for a in articles}),
                evidence=list(evidence), statuses=list(evidence.values()),  # type: ignore[arg-type]
            ))
        return Listing(sorted(edges, key=lambda e: (e.relation, e.target, -len(e.articles), e.holder)))


def _edge_status(statuses: set[str]) -> str:
    if "denied" in statuses and statuses & {"stated", "claimed"}:
        return "contested"
    for status in ("stated", "claimed", "denied"):
        if status in statuses:
            return status
    return "stated"


# --- phrase shapes --------------------------------------------------------------------------


def _split_possessive(display: str) -> tuple[str, str]:
    match = re.match(r"^(.+?)['’]s\s+(.+)$", display)
    if not match or not match.group(2)[:1].isupper():
        return "", display
    return match.group(1).strip(), match.group(2).strip()


def _strip_title(display: str) -> tuple[str, str, bool]:
    """('Prime Minister', 'X Y', True) for 'Ruritanian Prime Minister X Y'; ('', display, False) when no title."""
    leader_titles, pattern = _titles()
    rest, titles, leader = display, [], False
    first = re.match(r"^([A-Z][\w-]+)\s+", rest)
    demonym = bool(first and name_key(first.group(1)) in country_tables().demonyms and pattern.match(rest[first.end():]))
    if demonym:
        titles.append(first.group(1))
        rest = rest[first.end():]
    while True:
        match = pattern.match(rest)
        if not match or match.end() == len(rest):
            break
        title = match.group(0).strip()
        titles.append(title)
        leader = leader or leader_titles.get(title.lower(), False)
        rest = rest[match.end():]
    if len(titles) == (1 if demonym else 0) or not rest[:1].isupper():
        return "", display, False
    return " ".join(titles), rest, leader


def _leading_demonym(title: str) -> str | None:
    first = title.split()[0] if title else ""
    code = country_tables().demonyms.get(name_key(first))
    return country_tables().display[code] if code else None


def _strip_epithet(display: str) -> tuple[str, str]:
    """('internationally recognised', 'Council of Unity') for 'internationally recognised Council of Unity'."""
    words = display.replace(",", " ").split()
    cut = 0
    while cut < len(words) - 1:
        word = words[cut]
        descriptive = (word[:1].islower() and not _PARTICLE.match(word)) or re.search(r"-(based|led|backed|allied|aligned|styled)$", word, re.I)
        if not descriptive:
            break
        cut += 1
    core = words[cut:]
    if cut == 0 or not core[0][:1].isupper() or all(w.lower() in _word_sets()[0] for w in core):
        return "", display  # "the internationally recognised Government": no name left to stand on
    return " ".join(words[:cut]), " ".join(core)


def _force_target(display: str) -> str | None:
    """'X' for "X's forces", "forces loyal to X", "pro-X fighters", "the self-styled X army", "X militia"."""
    forces = _word_sets()[1]
    text = " ".join(display.replace("’", "'").split())
    noun = r"(?:" + "|".join(sorted(forces, key=len, reverse=True)) + r")"
    for pattern in (
        rf"^{noun}\s+(?:loyal|aligned|allied|close|belonging)\s+(?:to|with)\s+(?:the\s+)?(.+)$",
        rf"^pro-(.+?)\s+{noun}$",
        rf"^(?:self-styled\s+)?(.+?)'s\s+{noun}$",
        rf"^(?:self-styled\s+)?(.+?)\s+{noun}$",
    ):
        match = re.match(pattern, text, re.I)
        if not match:
            continue
        if not pattern.startswith(f"^{noun}") and not text.split()[-1].islower():
            return None  # "the Northern Defence Army" is a name, not somebody's army
        target = match.group(1).strip()
        words = target.split()
        if words and words[0][:1].isupper() and not any(w.lower() in _word_sets()[0] for w in words[1:]):
            return target
        return None
    return None


def _head_noun(display: str) -> str | None:
    generic = _word_sets()[0]
    for word in _words(name_key(display)):
        if word in generic and word not in {"of", "the", "and", "for", "in", "on", "al", "national", "united", "international"}:
            return word
    return None


def _epithet_keys(epithet: str, head: str) -> list[str]:
    """'coast-based, internationally recognised' + 'council' -> 'coast-based council',
    'coast council', 'internationally recognized council' (each phrase of the epithet)."""
    keys = []
    for phrase in re.split(r"\s*(?:,|\band\b)\s*", name_key(epithet)):
        if not phrase:
            continue
        keys.append(f"{phrase} {head}")
        based = re.match(r"^(.+)-based$", phrase)
        if based:
            keys.append(f"{based.group(1)} {head}")
    return list(dict.fromkeys(keys))


def _is_country_form(key: str) -> bool:
    return country_code(key)[0] is not None


def _government_of(key: str) -> str | None:
    """The country whose government "<Ruritanian|capital|capital-based> government" or
    "government of Ruritania" names."""
    nouns = r"(government|administration|authorities|cabinet)"
    match = re.match(rf"^(.+?)(?:-based)? {nouns}$", key) or re.match(rf"^{nouns} (?:of|in) (.+)$", key)
    if not match:
        return None
    place = match.group(1) if match.re.pattern.startswith("^(.+?)") else match.group(2)
    countries = country_tables()
    for table in (countries.demonyms, countries.names, countries.capitals):
        if place in table:
            return table[place]
    return None


def _without_suffix(key: str) -> str | None:
    """'quorra' for 'quorra holdings'; None when no suffix ends the name or nothing is left."""
    for suffix in name_suffixes():
        if key.endswith(" " + suffix):
            bare = key[: -len(suffix) - 1].strip(" ,")
            return bare if bare and not _is_country_form(bare) else None
    return None


def _candidate_pairs(keys: list[str], is_person: dict[str, bool]) -> list[tuple[str, str]]:
    """Pairs worth a fuzzy comparison, so a large corpus is not compared all against all:
    persons sharing their surname's first letter or its consonants; other names sharing
    their generic words and the first letters of their name words."""
    generic = _word_sets()[0]
    buckets: dict[tuple, list[str]] = defaultdict(list)
    for key in keys:
        words = _words(key)
        if not words:
            continue
        if is_person[key]:
            surname = _strip_particle(words[-1])
            buckets[("person", surname[:1])].append(key)
            buckets[("person-consonants", _skeleton(surname)[1:4])].append(key)
        else:
            names = sorted(w[:1] for w in words if w not in generic)
            buckets[("name", frozenset(w for w in words if w in generic) - {"of", "the", "and"}, tuple(names))].append(key)
    pairs = {(a, b) for members in buckets.values() for i, a in enumerate(members) for b in members[i + 1 :]}
    return sorted(pairs)


def _person_similarity(a: str, b: str) -> float | None:
    """Transliterations of one person's name: same number of name words, the surname close
    and every other word close (or an initial)."""
    wa = [_strip_particle(w) for w in _words(a)]
    wb = [_strip_particle(w) for w in _words(b)]
    size = min(len(wa), len(wb))
    if size < 2:
        return None
    wa, wb = wa[-size:], wb[-size:]  # "Alda Varga" is the end of "Maria Alda Varga"
    surname = _alike(wa[-1], wb[-1])
    if surname < PERSON_WORD_SIMILARITY:
        return None
    scores = [surname]
    for x, y in zip(wa[:-1], wb[:-1]):
        if len(x.rstrip(".")) == 1 or len(y.rstrip(".")) == 1:
            if x[0] != y[0]:
                return None
            continue
        scores.append(_alike(x, y))  # given names vary more: "Jalifa"/"Khalifa" 0.85
    if min(scores) < GIVEN_NAME_SIMILARITY:
        return None
    return min(scores)


def _same_words(a: str, b: str) -> bool:
    """"Northern Unity Government" and "Government of Northern Unity": the same words in another order."""
    return a != b and sorted(w for w in _words(a) if w not in _LINKING_WORDS) == sorted(w for w in _words(b) if w not in _LINKING_WORDS)


def _name_similarity(a: str, b: str) -> float | None:
    """Organisations and places: generic words ("government", "national") must agree exactly;
    the remaining name words, in any order, must each be close."""
    generic = _word_sets()[0]
    wa, wb = _words(a), _words(b)
    if any(_is_acronym(w.upper()) and len(w) <= 4 for w in (a, b)) or len(a) < 5 or len(b) < 5:
        return None
    ga, gb = {w for w in wa if w in generic} - {"of", "the", "and"}, {w for w in wb if w in generic} - {"of", "the", "and"}
    na, nb = sorted(w for w in wa if w not in generic), sorted(w for w in wb if w not in generic)
    if ga != gb or not na or len(na) != len(nb):
        return None
    if na == nb:
        return 1.0  # the same name words in another order ("Accord Council" / "Council of Accord")
    pairs = list(zip(na, nb))
    if any(x != y and (min(len(x), len(y)) < 4 or x[0] != y[0]) for x, y in pairs):
        return None  # short words and different initials ("Eastern" / "Western") are different names
    scores = [JaroWinkler.similarity(x, y) for x, y in pairs]
    if min(scores) < NAME_WORD_SIMILARITY:
        return None
    return min(scores)


# --- entry points ---------------------------------------------------------------------------


def consolidate(records: Iterable[Record], outlets: dict[str, str] | None = None, overrides: Overrides | None = None) -> Consolidation:
    return Consolidation(records, outlets, overrides)


def stance_graph(actors: Iterable[Actor], stances: Iterable[Stance], outlets: dict[str, str] | None = None,
                 overrides: Overrides | None = None) -> list[Edge]:
    """One edge per (holder, relation, target) after name merging, with all its evidence."""
    return Consolidation([*actors, *stances], outlets, overrides).stance_graph()
