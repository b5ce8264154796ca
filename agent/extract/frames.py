"""Candidate stances from grammar: who supports, opposes or condemns whom, with direction
read off the dependency tree rather than guessed by a model.

A cue (a verb such as "back", a noun such as "support", the preposition
"alongside") opens a frame; its holder and target come from grammatical roles:
- active verbs: subject -> object ("X backs Y");
- passives and participles: the "by" agent -> the subject or modified noun
  ("Y is backed by X", "Y, backed by X");
- nouns: "Y has/received the support of/from X", "X's support for Y",
  "in support of Y", "their opposition to Y";
- coordinated lists ("X, W and Z") give one holder each, so countries merely
  listed together are never linked to each other.
- proxies: "fighters from X hired by Y" (X supports Y);
- a holder or target that refers without naming ("He ...", "forces loyal to the
  commander", "their attacks") is kept as a reference, for extraction to resolve;
- judgements: a word said of an actor or of its deed, words or possession, by whoever calls,
  finds or says it ("X called Y's plan 'desperate'"), its direction from the word's rated
  valence (`agent.text.valence`).
Hedges ("claims of", "believed to", "allegedly") mark a frame claimed; a denial
of a claim marks it denied; "not" marks it denied.
Two names tied by a verb on no list are an open link (`open_links`): extraction asks
the model what the words mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from agent import data
from agent.extract import lexicon
from agent.extract.lexicon import Lexicon
from agent.text.valence import valence

if TYPE_CHECKING:  # spaCy loads in ~1 s; a cached re-run never needs it
    from spacy.tokens import Span, Token

ACTOR_LABELS = {"GPE", "NORP", "ORG", "PERSON"}
MAYBE_ACTOR_LABELS = {"LOC", "PRODUCT", "FAC"}  # the small parser mislabels some countries

# The cue words are data (`agent/data/lexicon.toml`, extended by a user's file): callers pass
# the lexicon in; this one, the shipped words alone, is the default.
DEFAULT_LEXICON = lexicon.load()
REFERRING_PRONOUNS = {"he", "she", "they"}
OBJECT_PRONOUNS = {"him", "her", "them"}
PRONOUNS = {"it", "they", "he", "she", "its", "their", "his", "her", "them", "which", "who", "that", "this"}
# A judgement word opens a frame when its valence (-4 to 4) is at least this far from neutral.
JUDGEMENT_VALENCE = 1.0
COPULAS = {"be", "seem", "remain", "look", "sound", "appear", "become", "prove"}
POSSESSIVES = {"his", "her", "its", "their"}
REFLEXIVES = {"itself", "themselves", "himself", "herself"}
RELATIVE = {"which", "who", "that"}
# Prepositions that set the scene (place, time, source, reason) rather than lead to a target.
_SCENE_PREPS = {"in", "during", "after", "before", "since", "until", "from", "of", "as", "like", "despite", "over", "throughout", "within", "about"}
_TRANSPARENT = {"compound", "amod", "det", "punct", "cc", "dep", "flat", "nmod", "case", "nummod", "quantmod", "advmod"}


@dataclass(frozen=True)
class Mention:
    text: str
    start: int  # character offsets into the article
    end: int
    label: str  # spaCy entity label, or "NP" for a descriptive noun phrase ("the Velmora-based government")


@dataclass
class Frame:
    holders: list[Mention]
    relation: str  # supports | opposes | condemns | calls_for; "open" for a link the model judges
    targets: list[Mention]
    cue: str
    status: str = "stated"
    attribution: str | None = None
    # calls_for names a demand, not an actor: "a ceasefire".
    demand: str | None = None
    notes: list[str] = field(default_factory=list)
    # A holder the grammar finds but cannot name: a pronoun or a descriptive phrase ("He
    # condemned X", "The rebel commander backed X"). Extraction resolves it by a closed choice.
    reference: Mention | None = None
    # An open link (relation "open"): the verb's lemma with the words leading to the target
    # ("lash out at"), off every lexicon list; the model judges it.
    verb: str | None = None
    # The same for a target: "X attacked him", "strikes against forces loyal to the rebel commander".
    target_reference: Mention | None = None


class SentenceFrames:
    """Frames of one parsed sentence. `offset` turns sentence positions into article offsets."""

    def __init__(self, sent: Span, offset: int, words: Lexicon = DEFAULT_LEXICON) -> None:
        self.sent = sent
        self.offset = offset
        self.words = words
        self.mentions: dict[int, Mention] = {}
        for ent in sent.ents:
            if ent.label_ in ACTOR_LABELS or (ent.label_ in MAYBE_ACTOR_LABELS and ent.root.pos_ == "PROPN"):
                self._add(ent, ent.label_)
        # Proper nouns the entity recogniser missed ("Cyprus", garbled names) are candidates too.
        run: list[Token] = []
        for token in list(sent) + [None]:  # type: ignore[list-item]
            if token is not None and token.pos_ == "PROPN" and token.i not in self.mentions and token.ent_type_ not in {"DATE", "TIME", "CARDINAL"}:
                run.append(token)
                continue
            if run:
                self._add(sent.doc[run[0].i : run[-1].i + 1], "PROPN")
                run = []
        for token in sent:
            if (pair := _and_name(token)) is not None:
                self._add(sent.doc[token.i : pair.i + 1], "ORG")
            if (words := _titled_phrase(token)) is not None:
                self._add(words, "ORG")

    def _add(self, span: Span, label: str) -> None:
        tokens = [t for t in span if not (t.dep_ == "case" or t.lower_ in {"the", "'s", "’s"})]
        if not tokens:
            return
        first, last = tokens[0], tokens[-1]
        start, end = first.idx, last.idx + len(last.text)
        mention = Mention(self.sent.doc.text[start:end], self.offset + start, self.offset + end, label)
        for token in span:
            self.mentions[token.i] = mention

    # --- arguments ------------------------------------------------------------------

    def actors(self, head: Token | None) -> list[Mention]:
        """One actor per conjunct of the phrase headed by `head`."""
        if head is None:
            return []
        found: list[Mention] = []
        for conjunct in _conjuncts(head):
            for mention in self._actor_of(conjunct, depth=0):
                if mention not in found:
                    found.append(mention)
        return found

    def _actor_of(self, head: Token, depth: int) -> list[Mention]:
        if depth > 4:
            return []
        if head.lower_ in PRONOUNS:
            return []
        generic = head.lemma_.lower() in self.words.actor_nouns or head.lower_ in self.words.actor_nouns
        if head.i in self.mentions and not generic:
            return [self.mentions[head.i]]
        children = list(head.children)
        for child in children:
            if child.dep_ == "appos":
                found = self.actors(child)
                if found:
                    return found
        for child in children:
            # "ministers of X and Y", "forces loyal to X", "the government of X"
            if child.dep_ == "prep" and (child.lower_ == "of" and self._owned_by_of(head) or self._member_prep(child)):
                found = [m for p in _pobjs(child) for m in self.actors(p)]
                if found:
                    return found
            if (child.dep_ == "amod" and child.lemma_.lower() in {"loyal", "aligned", "allied", "close"}) or (
                child.dep_ == "acl" and child.lemma_.lower() in {"align", "ally"}
            ):
                found = [m for prep in child.children if prep.dep_ == "prep" for p in _pobjs(prep) for m in self.actors(p)]
                if found:
                    return found
        possessors = [m for c in children if c.dep_ == "poss" for m in self.actors(c)]
        if generic:
            # "the Velmora government", "the self-styled X army": the phrase names the actor;
            # "X's militia" is X's.
            left = [t for t in head.subtree if t.i <= head.i and t.dep_ not in {"det", "punct"} and t.lower_ not in PRONOUNS]
            span = self.sent.doc[min(t.i for t in left) : head.i + 1]
            if not any(t.pos_ == "PROPN" or t.ent_type_ in ACTOR_LABELS for t in span):
                return []  # "ground troops", "the government": no one named
            listed = list(dict.fromkeys(self.mentions[t.i] for t in span if t.i in self.mentions and t.dep_ in {"amod", "compound", "nmod", "conj"}))
            if len(listed) > 1 and any(t.dep_ == "cc" for t in span):
                return listed  # "the Velorian and Ostravan governments": each its own actor
            words = " ".join(t.text for t in span if t.dep_ != "case" and t.text not in {"'s", "’s"})
            name = re.sub(r"\s*([-‐])\s*", r"\1", words)
            begin = span.start_char
            return [Mention(name, self.offset + begin, self.offset + begin + len(span.text), "NP")]
        found = list(dict.fromkeys(self._named_modifiers(head) + possessors)) or self._employer(head)
        if not found and depth == 0:
            # "in support of the commander in the east, General X": the name hangs deeper in the parse.
            for token in head.subtree:
                if token.dep_ == "appos" and token.i in self.mentions and not any(a.dep_ == "relcl" for a in token.ancestors):
                    return self.actors(token)
        return found

    def _named_modifiers(self, head: Token) -> list[Mention]:
        """The names that modify `head` ("the Velmora army", "a Velorian and Ostravan offer")."""
        return [
            self.mentions[c.i] for child in head.children if child.dep_ in {"amod", "compound", "nmod"}
            for c in _conjuncts(child) if c.i in self.mentions and c.lower_ not in PRONOUNS
        ]

    def subject(self, verb: Token, depth: int = 0) -> list[Mention]:
        """The actors doing `verb`, climbing through infinitives, conjoined verbs and pronouns,
        with their companions ("X, along with Y, backs Z")."""
        found = self._subject(verb, depth)
        if not found and depth == 0 and verb is not self.sent.root and verb.dep_ in {"conj", "advcl", "xcomp"}:
            found = self._antecedent(verb)
        if found:
            for anchor in (verb, *[c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}]):
                found = found + [m for m in self._companions(anchor) if m not in found]
        return found

    def _companions(self, token: Token) -> list[Mention]:
        out = []
        for child in token.children:
            if child.dep_ == "prep" and child.lower_ in {"along", "together"}:
                out += [m for w in child.children if w.lower_ == "with" for p in _pobjs(w) for m in self.actors(p)]
            elif child.dep_ == "prep" and child.lower_ == "with" and child.head.lower_ in {"along", "together"}:
                out += [m for p in _pobjs(child) for m in self.actors(p)]
        return out

    def _subject(self, verb: Token, depth: int = 0) -> list[Mention]:
        for child in verb.children:
            if child.dep_ in {"nsubj", "nsubjpass", "csubj"}:
                if child.lower_ in RELATIVE and verb.dep_ == "relcl":
                    return self.actors(verb.head)
                if child.lower_ in PRONOUNS:
                    return self._antecedent(verb)
                found = self.actors(child)
                if found:
                    return found
        if verb.dep_ == "relcl":
            return self.actors(verb.head)
        if verb.dep_ == "pcomp" and verb.head.head.lemma_.lower() in {"accuse", "suspect", "charge"}:
            # "A accused B of arming C": B is the one said to act.
            return [m for c in verb.head.head.children if c.dep_ in {"dobj", "obj"} for m in self.actors(c)]
        if verb.dep_ == "acl" and verb.tag_ == "VBG" and verb.head.pos_ in {"NOUN", "PROPN"}:
            # "the Velmora army fighting X"; "a Velmora government claim accusing X", "Y's statement
            # condemning X": the claim's owner
            noun = verb.head
            return self.actors(noun) or self._owners(noun) or [m for c in noun.children if c.dep_ == "compound" for m in self.actors(c)]
        if verb.dep_ in {"xcomp", "advcl", "conj", "ccomp", "pcomp", "acl"} and depth < 3 and verb.head is not verb:
            if verb.dep_ == "pcomp" or verb.head.pos_ not in {"VERB", "AUX"}:
                return []
            if verb.dep_ == "xcomp" and (asked := [c for c in verb.head.children if c.dep_ in {"dobj", "obj"}]):
                return self.actors(asked[0])  # "X asked Y to expel Z": Y is the one to act
            holders = self._subject(verb.head, depth + 1)
            if not holders and verb.dep_ == "advcl" and verb.tag_ == "VBG":
                # "The reaction came from X, condemning Y": the participle's actor is where it came from.
                holders = [m for c in verb.head.children if c.dep_ == "prep" and c.lower_ == "from" for p in _pobjs(c) for m in self.actors(p)]
            if verb.head.lemma_.lower() == "join":  # "X joined Y and Z to support W"
                holders += [m for c in verb.head.children if c.dep_ == "dobj" for m in self.actors(c)]
            return holders
        return []

    def _antecedent(self, verb: Token) -> list[Mention]:
        """'it'/'they' in a clause: the subject of the sentence's main verb, if that is an actor."""
        root = self.sent.root
        if root is verb:
            return []
        for child in root.children:
            if child.dep_ in {"nsubj", "nsubjpass"} and child.lower_ not in PRONOUNS:
                return self.actors(child)
        return []

    # --- frames ---------------------------------------------------------------------

    def frames(self) -> list[Frame]:
        frames: list[Frame] = []
        for token in self.sent:
            lemma = token.lemma_.lower()
            frame = None
            if token.pos_ in {"VERB", "AUX"} or token.tag_.startswith("VB"):
                lemma = self._verb_lemma(token)
                if lemma in self.words["verbs.supports"]:
                    frame = self._verb_frame(token, "supports", {"with"})
                elif lemma in self.words["verbs.opposes"]:
                    frame = self._verb_frame(token, "opposes", {"against", "with"})
                elif lemma in self.words["verbs.condemns"]:
                    frame = self._verb_frame(token, "condemns", set())
                elif lemma in self.words["verbs.calls_for"]:
                    frame = self._call_frame(token)
                elif lemma in self.words["verbs.hires"]:
                    frame = self._hire_frame(token)
                elif (forms := {lemma, self._phrasal(token, lemma)}) & self.words["verbs.welcomes"]:
                    frame = self._deed_frame(token, "supports")
                elif forms & self.words["verbs.rejects"]:
                    frame = self._deed_frame(token, "opposes")
            elif token.pos_ in {"NOUN", "PROPN"}:
                if lemma in self.words["nouns.supports"]:
                    frame = self._noun_frame(token, "supports", holder_preps={"of", "from", "by"}, target_preps={"for", "to"})
                elif lemma in self.words["nouns.supporters"]:
                    frame = self._role_frame(token, "supports")
                elif lemma in self.words["nouns.opponents"]:
                    frame = self._role_frame(token, "opposes")
                elif lemma in self.words["nouns.opposes"]:
                    frame = self._noun_frame(token, "opposes", holder_preps={"by", "from"}, target_preps={"to", "against", "of"})
                elif lemma in self.words["nouns.condemns"]:
                    frame = self._noun_frame(token, "condemns", holder_preps={"by", "from"}, target_preps={"of", "against"})
                elif lemma in self.words["nouns.attacks"]:
                    frame = self._noun_frame(token, "opposes", holder_preps={"by"}, target_preps={"against", "on"})
            elif token.dep_ == "prep" and token.lower_ == "alongside":
                frame = Frame(self.subject(token.head), "supports", [m for p in _pobjs(token) for m in self.actors(p)], token.text)
            if frame is None and token.pos_ in {"ADJ", "NOUN"} and token.dep_ in {"acomp", "attr", "oprd", "amod", "ccomp", "xcomp", "advcl"}:
                frame = self._judgement(token)
            if frame is not None and frame.holders and not frame.targets and frame.relation != "calls_for":
                frame.target_reference = self._target_reference(token)
                deed = frame.target_reference is not None and frame.target_reference.label == "DEED"
                if deed and token.dep_ == "conj" and token.head.i < token.i:
                    # "X closed the border, and Y condemned the move": the deed is the first clause's.
                    doers = [m for m in self._subject(token.head) if m not in frame.holders]
                    if doers:
                        frame.targets, frame.target_reference = doers, None
            if frame is not None and (frame.holders or frame.targets):
                self._qualify(frame, token)
                frames.append(frame)
                if frame.relation == "opposes" and frame.holders and frame.targets and self._reciprocal(token, frame.targets):
                    frames.append(Frame(frame.targets, "opposes", frame.holders, frame.cue, frame.status, frame.attribution))
        return frames + self._elaborations()

    def _judgement(self, word: Token) -> Frame | None:
        """A judgement passed on an actor, or on what an actor did, said or owns: "X called Y's
        rebate 'unjustified'", "X dismissed Y's plan as desperate", "X said Y's style was
        'corrosive'", "X found Y's policies abhorrent". The word's valence (`valence`) says
        which way; who judges is the subject of the judging verb (`[verbs] judges`) or whoever
        says or thinks the clause (`[qualifiers] speech`, `opinion`); the judged is the actor
        the word is said of, or the owner of the thing it is said of."""
        score = _valence(word)
        if abs(score) < JUDGEMENT_VALENCE:
            return None
        if word.pos_ == "NOUN" and (word.dep_ not in {"attr", "oprd"} or score > 0):
            # "Y is a threat" judges Y; a favourable noun names as often as it praises ("the
            # offer was an agreement in principle")
            return None
        found = self._judgement_parts(word)
        if found is None:
            return None
        holders, reference, targets, _ = found
        return Frame(holders, "condemns" if score < 0 else "supports", targets, word.text, reference=None if holders else reference)

    def _unrated_judgements(self) -> list[Frame]:
        """Judgements in a word the valence lexicon does not rate, said outright of an actor or
        of what it did ("X said Y's style was 'corrosive'"): open links, for the model to read."""
        found = []
        for word in self.sent:
            if word.pos_ != "ADJ" or word.dep_ not in {"acomp", "oprd", "ccomp", "xcomp"} or _valence(word):
                continue
            parts = self._judgement_parts(word)
            if parts is not None and parts[0]:
                holders, _, targets, expression = parts
                found.append(Frame(holders, "open", targets, word.text, verb=expression))
        return found

    def _judgement_parts(self, word: Token) -> tuple[list[Mention], Mention | None, list[Mention], str] | None:
        """Who passes the judgement in `word` (named, or a reference), on whom, and the words
        that pass it ("call Y's rebate unjustified", "say Y's style was corrosive"); None when
        the word is denied or is said of no actor's doing."""
        if any(c.dep_ == "neg" for w in (word, word.head) for c in w.children):
            return None  # "Y's plan is not bad" is no judgement either way
        judged, judge = self._judged(word)
        if judged is None:
            return None
        if judge is not None:
            holders, reference = self.subject(judge), self._reference(judge)
        else:
            holders, reference = self._opinion_holder(judged)
        if judged.i in self.mentions and word.dep_ != "amod":
            targets = self.actors(judged)  # "X said Y was corrupt"; not "the corrupt Y", a label
        else:
            targets = self._owners(judged) or self._own_pronoun_owner(judged)
        targets = [m for m in targets if m not in holders]
        if not targets or not (holders or reference):
            return None
        thing = self.sent.doc[judged.left_edge.i : judged.right_edge.i + 1].text
        if judge is not None:
            expression = f"{judge.lemma_.lower()} {thing} {word.text}"
        elif word.dep_ == "amod":
            expression = f"say {thing}"
        else:
            expression = f"say {thing} {word.head.text} {word.text}"
        return holders, reference, targets, expression

    def _judged(self, word: Token) -> tuple[Token | None, Token | None]:
        """What `word` is said of, and the verb that says it when one judges ("call", "find",
        "dismiss ... as"): "Y's plan was desperate" (plan, None), "called Y's plan desperate"
        (plan, called), "found Y's policies 'abhorrent'" (policies, found)."""
        judges = self.words["verbs.judges"]
        head = word.head
        if head.dep_ == "prep" and head.lower_ == "as":  # "dismissed the plan as 'desperate'"
            head = head.head
            word_dep = "oprd"
        elif word.dep_ == "advcl" and any(c.lower_ == "as" for c in word.children):  # parsed as a clause
            word_dep = "oprd"
        else:
            word_dep = word.dep_
        if word_dep in {"oprd", "ccomp", "xcomp"} or word_dep == "amod" and word.head.dep_ in {"dobj", "obj"}:
            verb = head if word_dep != "amod" else word.head.head
            if verb.lemma_.lower() in judges:
                # "found Y's policies abhorrent": the object, or the small clause's subject
                objects = [c for c in verb.children if c.dep_ in {"dobj", "obj"}] + [c for c in word.children if c.dep_ == "nsubj"]
                judged = next((c for c in objects if c.i < word.i), None)
                return judged, verb
            if word_dep != "amod":
                return None, None
        if word_dep in {"acomp", "attr"} and head.lemma_.lower() in COPULAS:
            subject = next((c for c in head.children if c.dep_ == "nsubj"), None)
            return (subject, None) if subject is not None and subject.lower_ not in PRONOUNS else (None, None)
        if word_dep == "amod" and word.head.pos_ == "NOUN":
            return word.head, None
        return None, None

    def _opinion_holder(self, judged: Token) -> tuple[list[Mention], Mention | None]:
        """Who says or thinks the clause `judged` stands in: the subject of the nearest speech or
        opinion verb above it ("X said he thought Y's plan was ...": X), or of one the clause's
        verb hangs on ("'Y's plan is ...,' X said"). A pronoun there is a reference to resolve."""
        said = self.words["qualifiers.speech"] | self.words["qualifiers.opinion"]
        token, reference = judged, None
        while token.head.i != token.i:
            clause, token = token, token.head
            if token.pos_ in {"VERB", "AUX"} and clause.dep_ in {"ccomp", "parataxis"} and token.lemma_.lower() in said:
                if found := self.subject(token):
                    return found, None
                reference = reference or self._reference(token)
        root = self.sent.root
        for child in root.children:
            if child.dep_ in {"ccomp", "parataxis"} and child.lemma_.lower() in said and child.i > judged.i:
                if found := self.subject(child):
                    return found, None
                reference = reference or self._reference(child)
        return [], reference

    def _own_pronoun_owner(self, thing: Token) -> list[Mention]:
        """The owner of "his bid" or "their policies": the subject of the clause it stands in,
        when named ("Y is recycling it in his desperate bid": Y)."""
        if not any(c.dep_ == "poss" and c.lower_ in POSSESSIVES for c in thing.children):
            return []
        verb = next((t for t in thing.ancestors if t.pos_ in {"VERB", "AUX"}), None)
        return [] if verb is None else self._subject(verb)

    def _elaborations(self) -> list[Frame]:
        """Names that spell out whom an earlier stance left unnamed: "Among the accused were X, Y
        and Z", "Among those targeted are X and Y", "X is among the companies sued", "Those
        sued include X". The participle says what was done to them; who did it is named in its
        own "by" phrase, or earlier in the article (a `GROUP` reference, which extraction
        resolves to the holder of the nearest earlier stance of that kind with no named target)."""
        found: list[Frame] = []
        for verb in self.sent:
            lemma = verb.lemma_.lower()
            if lemma == "be":
                groups = [p for c in verb.children if c.dep_ == "prep" and c.lower_ == "among" for p in _pobjs(c)]
                lists = [c for c in verb.children if c.dep_ in {"nsubj", "attr"}]
            elif lemma == "include" and verb.pos_ == "VERB":
                groups = [c for c in verb.children if c.dep_ == "nsubj"]
                lists = [c for c in verb.children if c.dep_ in {"dobj", "obj"}]
            else:
                continue
            for group in groups:
                done = group if group.tag_ == "VBN" or (group.pos_ in {"NOUN", "ADJ"} and group.lower_.endswith("ed")) else None
                done = done or next((c for c in group.children if c.dep_ == "acl" and c.tag_ == "VBN"), None)
                relation = self._relation_of(done) if done is not None else None
                if relation is None:
                    continue
                targets = list(dict.fromkeys(
                    self.mentions[t.i] for head in lists for t in head.subtree
                    if (t is head or t.dep_ in {"conj", "appos"}) and t.i in self.mentions and t.lower_ not in PRONOUNS
                ))
                if not targets:
                    continue
                holders = [m for c in done.children if c.dep_ == "agent" for p in _pobjs(c) for m in self.actors(p)]
                phrase = None if holders else self._span_mention(min(t.i for t in group.subtree), max(t.i for t in group.subtree), "GROUP")
                found.append(Frame(holders, relation, targets, done.text, reference=phrase))
        return found

    def _relation_of(self, verb: Token) -> str | None:
        """The stance a verb on the lexicon's supports, opposes or condemns lists states."""
        lemma = self._verb_lemma(verb)
        return next((r for r in ("supports", "opposes", "condemns") if lemma in self.words[f"verbs.{r}"]), None)

    def _reciprocal(self, verb: Token, targets: list[Mention]) -> bool:
        """A fight is both sides': "X is battling forces aligned with Y" says Y fights X too,
        when the verb is `[verbs] reciprocal` and its objects are actors themselves (not
        "fought Y's bill") holding every target."""
        if verb.pos_ not in {"VERB", "AUX"} or self._verb_lemma(verb) not in self.words["verbs.reciprocal"] or _passive(verb):
            return False
        objects = [c for c in verb.children if c.dep_ in {"dobj", "obj"}]
        objects += [p for c in verb.children if c.dep_ == "prep" and c.lower_ in {"with", "against"} for p in _pobjs(c)]
        spans = [(self.offset + min(t.idx for t in o.subtree), self.offset + max(t.idx + len(t) for t in o.subtree)) for o in objects]
        held = all(any(a <= m.start and m.end <= b for a, b in spans) for m in targets)
        return bool(objects) and held and all(
            (o.i in self.mentions or o.lemma_.lower() in self.words.actor_nouns or o.lower_ in self.words.actor_nouns)
            and not any(c.dep_ == "poss" for c in o.children)
            for o in objects
        )

    def open_links(self) -> list[Frame]:
        """Two named actors tied by a verb off the lexicon ("X lashed out at Y", "X torpedoed Y's
        proposal", "Y was snubbed by X"): candidates whose meaning the model judges. Direction is
        the parse's; `cue` is the text from the verb to the target ("lashed out at Y"). Kept
        narrow, since the small model reads almost any tie as approval: the holder is the verb's
        own subject (or passive agent), both ends are names (or "the Velmora cabinet"), and
        verbs known to carry no attitude (`[verbs] neutral`) are never asked about."""
        found: list[Frame] = []
        for verb in self.sent:
            if verb.pos_ != "VERB" or verb.dep_ == "amod":
                continue
            lemma = self._verb_lemma(verb)
            if lemma in self.words.unjudged_verbs and not (self._light_phrase(verb, lemma) or _predicate(verb)):
                continue
            reached = None
            if _passive(verb):
                holders = [m for c in verb.children if c.dep_ == "agent" for p in _pobjs(c) for m in self._named(p)]
                subjects = [c for c in verb.children if c.dep_ == "nsubjpass"]
                targets = [m for c in subjects for m in self._named(c)]
                first, last = (subjects[0].i, verb.i) if subjects else (verb.i, verb.i)
            else:
                holders = [m for c in verb.children if c.dep_ == "nsubj" for m in self._named(c)] or self._controller(verb)
                targets, last = self._open_targets(verb)
                first = verb.i
                if holders and self._received(verb, lemma, targets):  # "X won the trust of Y": Y trusts X
                    reached = targets[0]  # what the words lead to, for the verb's expression
                    holders, targets = targets, holders
                    first = min(t.i for c in verb.children if c.dep_ == "nsubj" for t in c.subtree)
            if holders and targets:
                doc = self.sent.doc
                cue = doc.text[doc[first].idx : doc[last].idx + len(doc[last].text)]
                frame = Frame(holders, "open", targets, cue, verb=self._expression(verb, lemma, reached or targets[0]))
                self._qualify(frame, verb)
                found.append(frame)
        return found + self._unrated_judgements()

    def _received(self, verb: Token, lemma: str, targets: list[Mention]) -> bool:
        """Whether the subject receives what the object noun says from the targets ("X had the
        full confidence of Y", "X won the trust of Y", `[qualifiers] receive`)."""
        if lemma not in self.words["qualifiers.receive"]:
            return False
        carriers = [verb, *(c for c in verb.children if c.dep_ in {"dobj", "obj"})]
        sources = [p for w in carriers for p in w.children if p.dep_ == "prep" and p.lower_ in {"of", "from"}]
        spans = [(self.offset + p.idx, self.offset + p.right_edge.idx + len(p.right_edge)) for p in sources]
        return any(a <= m.start and m.end <= b for m in targets for a, b in spans)

    def _controller(self, verb: Token) -> list[Mention]:
        """The named subject of the verb an infinitive completes: "X voted to expel Y", "X used
        his speech to snub Y". Not when that verb's object is someone, who is then the one to
        act: "X asked Y to expel Z", "X urged them to snub Z". An infinitive on the object noun
        is the subject's too: "X took the opportunity to snub Y"."""
        head = verb.head
        if verb.dep_ == "acl" and head.dep_ in {"dobj", "obj"} and head.head.lemma_.lower() in self.words["verbs.light"]:
            head, verb = head.head, head  # "X took the opportunity to snub Y"; not "X criticised the decision to back Y"
        elif verb.dep_ != "xcomp":
            return []
        if head.pos_ not in {"VERB", "AUX"}:
            return []
        objects = [c for c in head.children if c.dep_ in {"dobj", "obj", "dative"}]
        if any(self._named(o) or o.i in self.mentions or self._referring(o, OBJECT_PRONOUNS) for o in objects):
            return []
        return [m for c in head.children if c.dep_ == "nsubj" for m in self._named(c)]

    def _light_phrase(self, verb: Token, lemma: str) -> bool:
        """A light verb whose object noun carries the meaning: "paid tribute to", "took a
        swipe at" (`[verbs] light`); the verb alone may be neutral."""
        return lemma in self.words["verbs.light"] and any(
            c.dep_ in {"dobj", "obj"} and c.pos_ == "NOUN" and c.i not in self.mentions for c in verb.children
        )

    def _expression(self, verb: Token, lemma: str, target: Mention) -> str:
        """The verb's lemma with the words that lead from it to the target: "snub", "lash out
        at", "throw his weight behind"; or around it, when the object comes after the target:
        "give someone a standing ovation"."""
        doc = self.sent.doc
        after = [c for c in verb.children if c.dep_ in {"dobj", "obj", "oprd"} and c.left_edge.idx + self.offset >= target.end]
        if after:
            words = [t.text for t in after[0].subtree if t.i <= after[0].i]  # not "... after her speech"
            return " ".join([lemma, "someone", *words])
        lead = [t for t in doc[verb.i + 1 :] if t.idx + self.offset < target.start]

        def describes_target(token: Token) -> bool:  # "the", or "manager" in "sacked manager Sven Orlov"
            return token.lower_ in {"the", "a", "an"} or any(target.start <= a.idx + self.offset < target.end for a in token.ancestors)

        while lead and describes_target(lead[-1]):
            lead.pop()
        return " ".join([lemma, *(t.text for t in lead)])

    def _member_prep(self, prep: Token) -> bool:
        """"analysts at X", "a spokesman for X": people who work or speak for X (`[nouns] members`)."""
        return prep.lower_ in {"at", "for", "from", "of"} and prep.head.lemma_.lower() in self.words["nouns.members"]

    def _employer(self, member: Token) -> list[Mention]:
        """The organisation a `[nouns] members` object works for when the parser hangs "at X" on
        the verb instead: "praised the engineers at X". Only an organisation: "at Y" with a
        place is where it happened."""
        if member.dep_ not in {"dobj", "obj"} or member.lemma_.lower() not in self.words["nouns.members"]:
            return []
        preps = [c for c in member.head.children if c.dep_ == "prep" and c.lower_ in {"at", "from"}]
        return [m for c in preps for p in _pobjs(c) for m in self._named(p) if m.label == "ORG"]

    def _named(self, head: Token) -> list[Mention]:
        """The names a phrase stands for, when it is a name itself or an actor noun that names
        qualify ("the Velmora cabinet"); not "the Velmora-based government", not "X's militia",
        not a demonym such as "Velmoran"."""
        named = [m for c in _conjuncts(head) if c.i in self.mentions for m in [self.mentions[c.i]] if m.label not in {"NORP", "NP"}]
        if not named and (head.lemma_.lower() in self.words.actor_nouns or head.lower_ in self.words.actor_nouns):
            # "the Velmora cabinet": an actor noun that a name qualifies, not one a name merely owns
            left = [t for t in head.subtree if t.i < head.i and t.dep_ != "det"]
            if left and all(t.i in self.mentions for t in left):  # not "the Velmora-based government"
                named = [m for m in self.actors(head) if m.label == "NP"]
        named = named or [m for c in head.children if c.dep_ == "appos" for m in self._named(c)]  # "its owner, X,"
        return named or [m for c in head.children if c.dep_ == "prep" and self._member_prep(c) for p in _pobjs(c) for m in self._named(p)]

    def _open_targets(self, verb: Token) -> tuple[list[Mention], int]:
        """The named target of `verb` and the last token of the words that lead to it."""
        objects = [c for c in verb.children if c.dep_ in {"dobj", "obj"}]
        for receiver in (c for c in verb.children if c.dep_ == "dative" and c.pos_ != "ADP"):
            if named := self._named(receiver):  # "X gave Y a standing ovation": the words run to the object
                return named, max(t.i for o in [receiver, *objects] for t in o.subtree)
        for obj in objects:
            if named := self._named(obj):
                last = max(t.i for t in obj.subtree if t.i <= obj.i or t.dep_ in {"compound", "flat"})  # "X snubbed Y"
                return named, max([last, *self._through(named), *(p.i for p in _predicate(verb))])  # "X called Y a liar"
            if owners := self._owners(obj):
                return owners, max([obj.i, *self._through(owners)])
        # "X lashed out at Y", "X threw its weight behind Y", "X paid tribute to Y"
        carriers = [verb, *objects, *(c for c in verb.children if c.dep_ == "prt")]
        # "from" is a scene after most verbs, but not after "distanced itself", "cut himself off"
        scenes = _SCENE_PREPS - {"from"} if any(o.lower_ in REFLEXIVES for o in objects) else _SCENE_PREPS
        for prep in (c for w in carriers for c in w.children if c.dep_ in {"prep", "dative"} and c.lower_ not in scenes):  # "paid tribute to": dative
            for obj in _pobjs(prep):
                if named := self._named(obj):
                    return named, max(t.i for t in obj.subtree if t.i <= obj.i or t.dep_ in {"compound", "flat", "prep", "pobj"} and t.ent_type_)
                if owners := self._owners(obj):
                    return owners, max([obj.i, *self._through(owners)])  # "X took aim at Y's policy"
        return [], verb.i

    def _through(self, mentions: list[Mention]) -> list[int]:
        """The tokens up to the end of `mentions`: where words that lead to them stop."""
        return [t.i for m in mentions for t in self.sent if t.idx + self.offset < m.end]

    def _owners(self, thing: Token) -> list[Mention]:
        """Whose `thing` is, when it is no stance of its own: "Y's proposal", "the findings of Y"
        (not "the support of Y", which the noun frames read). "of" counts after "the" only (not
        in "took control of Y"), and not for a place, which it more often locates than owns
        ("the city of Y", "the north of Y")."""
        owners = [m for c in thing.children if c.dep_ == "poss" for m in self._named(c)]
        definite = any(c.dep_ == "det" and c.lower_ in {"the", "this", "that", "these", "those"} for c in thing.children)
        if owners or not definite or thing.lemma_.lower() in self.words.stance_nouns or not self._owned_by_of(thing):
            return owners
        named = [m for c in thing.children if c.dep_ == "prep" and c.lower_ == "of" for p in _pobjs(c) for m in self._named(p)]
        return [m for m in named if m.label not in {"GPE", "LOC", "FAC"}]

    def _owned_by_of(self, noun: Token) -> bool:
        """Whether "of" after `noun` names its owner ("the ministers of X", "the plan of X"), not
        who suffers it ("the invasion of X": `[nouns] undergone`) nor a stance's own argument."""
        lemma = noun.lemma_.lower()
        return lemma not in self.words["nouns.supports"] | self.words["nouns.attacks"] | self.words["nouns.undergone"]

    def _verb_lemma(self, verb: Token) -> str:
        """The parser's lemma, or the cue word the surface form inflects when the parser's
        lemma is none ("fined" is lemmatised "fin")."""
        lemma = verb.lemma_.lower()
        cues = self.words.frame_verbs
        if lemma in cues:
            return lemma
        word = verb.lower_
        return next((word[:-n] for n in (1, 2, 3, 4) if len(word) - n >= 3 and word[:-n] in cues and _inflection(word[-n:], word[-n - 1])), lemma)

    def _verb_frame(self, verb: Token, relation: str, target_preps: set[str]) -> Frame:
        if verb.dep_ == "amod":  # "the Turkish-backed government": too compressed to read reliably
            return Frame([], relation, [], verb.text)
        passive = _passive(verb) or (verb.dep_ == "acl" and verb.tag_ == "VBN")
        if passive:
            holders = [m for c in verb.children if c.dep_ == "agent" for p in _pobjs(c) for m in self.actors(p)]
            if not holders:
                # "X was accused of blocking Y by Z": the parser hangs the passive's "by" on the
                # active gerund after it, which takes no agent of its own.
                gerunds = [g for c in verb.children if c.dep_ == "prep" for g in _pobjs(c) if g.tag_ == "VBG" and not _passive(g)]
                holders = [m for g in gerunds for c in g.children if c.dep_ == "prep" and c.lower_ == "by" for p in _pobjs(c) for m in self.actors(p)]
            subjects = [c for c in verb.children if c.dep_ == "nsubjpass"]
            if subjects:
                targets = self.actors(subjects[0]) if subjects[0].lower_ not in PRONOUNS else self._antecedent(verb)
            elif verb.dep_ == "acl":
                targets = self.actors(verb.head)
            else:
                targets = []
            return Frame(holders, relation, targets, verb.text)
        holders = self.subject(verb)
        objects = [c for c in verb.children if c.dep_ in {"dobj", "obj"}]
        targets = [m for c in objects for m in self.actors(c)]
        if not targets and relation != "supports":
            # "condemned the attack by X": the deed's author is the target.
            targets = [m for c in objects for p in c.children if p.dep_ in {"prep", "agent"} and p.lower_ == "by" for o in _pobjs(p) for m in self.actors(o)]
        if not targets:
            targets = [m for c in verb.children if c.dep_ == "prep" and c.lower_ in target_preps for p in _pobjs(c) for m in self.actors(p)]
        if not targets and holders and not any(c.dep_ in {"dobj", "obj"} for c in verb.children):
            targets = self._first_actor_after(verb)
        return Frame(holders, relation, targets, verb.text, reference=None if holders else self._reference(verb))

    def _reference(self, verb: Token) -> Mention | None:
        """The subject of `verb` when it refers to an actor without naming one: a personal
        pronoun, or a definite phrase headed by an actor noun or a title and holding no name."""
        for child in verb.children:
            if child.dep_ == "nsubj":
                return self._referring(child, REFERRING_PRONOUNS)
        return None

    def _target_reference(self, cue: Token) -> Mention | None:
        """The target of `cue` when it refers to an actor without naming one: the subject of a
        passive ("He was attacked by X"), else an object of the cue or of its prepositions
        ("attacked him", "criticism of the commander", "strikes against forces loyal to the
        rebel commander")."""
        if any(c.dep_ == "auxpass" for c in cue.children):
            return next((self._referring(c, REFERRING_PRONOUNS) for c in cue.children if c.dep_ == "nsubjpass"), None)
        if cue.pos_ == "NOUN" and cue.dep_ == "pobj" and cue.head.lower_ == "with" and _passive(cue.head.head):
            # "The move was met with resistance from X": what was met is the target
            met = cue.head.head
            return next((self._referring(c, REFERRING_PRONOUNS) or self._deed(c) for c in met.children if c.dep_ == "nsubjpass"), None)
        carriers = [cue]
        slot = self._counted(cue)
        if cue.pos_ == "NOUN" and slot.dep_ in {"dobj", "obj"} and slot.head.lemma_.lower() in self.words["qualifiers.conduct"]:
            carriers.append(slot.head)  # "carried out airstrikes against him"
        heads = [c for c in cue.children if c.dep_ in {"dobj", "obj"}]
        heads += [p for w in carriers for c in w.children if c.dep_ == "prep" and c.lower_ in {"against", "on", "at", "to", "for", "of", "with"} for p in _pobjs(c)]
        return next((found for head in heads if (found := self._referring(head, OBJECT_PRONOUNS) or self._deed(head))), None)

    def _phrasal(self, verb: Token, lemma: str) -> str:
        """The verb with its particle, as a lexicon may list it: "turn down"."""
        return " ".join([lemma, *(c.lower_ for c in verb.children if c.dep_ == "prt")])

    def _deed_frame(self, verb: Token, relation: str) -> Frame | None:
        """A stance toward whoever owns the deed a `[verbs] welcomes` or `rejects` verb takes
        ("X welcomed Y's offer", "X rejected the plan by Y", "X vetoed Y's bill"), or toward the
        doer of a deed named bare ("X welcomed the move"). Welcoming a person is no stance."""
        if _passive(verb):
            return None
        for obj in (c for c in verb.children if c.dep_ in {"dobj", "obj"}):
            if obj.lemma_.lower() not in self.words["nouns.deeds"]:
                continue
            owners = [m for c in obj.children if c.dep_ == "poss" for m in self.actors(c)]
            # "the ruling by Y", "an offer from Y": on the object, or on the verb where the parse hangs it
            owners += [m for c in obj.children if c.dep_ in {"prep", "agent"} and c.lower_ in {"by", "from"} for p in _pobjs(c) for m in self.actors(p)]
            owners += [m for c in verb.children if c.dep_ == "prep" and c.lower_ == "by" for p in _pobjs(c) for m in self.actors(p)]
            if not owners:
                # "X rejected a Velorian offer", "X challenged a Dunmar Council ruling": the name
                # that modifies the deed is whose it is.
                owners = self._named_modifiers(obj)
            return Frame(self.subject(verb), relation, list(dict.fromkeys(owners)), verb.text)  # no owner: `_target_reference` finds "the move"
        return None

    def _deed(self, head: Token) -> Mention | None:
        """`head`'s phrase when it names an earlier deed and nothing more: "the move", "this
        decision" (a `[nouns] deeds` word with a definite determiner, no name and no words of
        its own saying what the deed was, as in "the decision to close the border"). Labelled
        "DEED": extraction finds who did it, and a stance toward the deed is one toward them."""
        determiners = {c.lower_ for c in head.children if c.dep_ == "det"}
        plain = all(c.dep_ in {"det", "amod", "advmod", "punct"} for c in head.children)
        if head.lemma_.lower() in self.words["nouns.deeds"] and determiners & {"the", "this", "that", "such"} and plain:
            return self._span_mention(min(t.i for t in head.subtree), head.i, "DEED")
        return None

    def actor_pairs(self) -> list[tuple[Mention, Mention]]:
        """The pairs of named actors a clause links (their paths in the parse meet at a verb, or
        one is the subject, agent or possessor on the path to the other), each pair of names
        once, in order of appearance: the attitude judge's candidates. Never a name and a part
        of it, a bare title ("President"), nor two conjuncts of one list ("X, Y and Z condemned
        W" links each of them to W, never X to Y)."""
        named: dict[str, Mention] = {}
        for mention in self.mentions.values():
            if mention.label in ACTOR_LABELS | {"PROPN"} and mention.text.lower() not in role_nouns():
                named.setdefault(mention.text.lower(), mention)
        names = list(named.items())
        pairs = []
        for n, (first_name, first) in enumerate(names):
            for second_name, second in names[n + 1 :]:
                if first_name in second_name or second_name in first_name:
                    continue
                link = self._link(first, second)
                if link is not None and (link[1] != link[2] or link[0].pos_ in {"VERB", "AUX"}):
                    pairs.append((first, second))
        return pairs

    def direction(self, first: Mention, second: Mention) -> int:
        """Which way the parse points between two mentions: 1 when `first` is the subject,
        passive agent or possessor on the path to `second` ("X criticised Y", "Y was praised by
        X", "X's support for Y"), -1 the other way, 0 when neither is. A hint for the attitude
        judge, not a verdict: "X won the backing of Y" points the wrong way."""
        link = self._link(first, second)
        if link is None or link[1] == link[2]:
            return 0
        return 1 if link[1] else -1

    def speaker(self, first: Mention, second: Mention) -> int:
        """1 when `first` says something in which `second` stands ("X said Y had ...", "'Y is
        ...,' says X"), -1 the reverse, 0 when neither does. Whoever speaks most often holds
        the attitude a quote voices toward someone in it: a hint for the attitude judge."""
        if self._speaks(first, second):
            return 1
        return -1 if self._speaks(second, first) else 0

    def _speaks(self, speaker: Mention, about: Mention) -> bool:
        """Whether `speaker` is the subject of a speech verb (`[qualifiers] speech`) and `about`
        stands in what it says: a clause under the verb, or the quote the verb hangs on. Not its
        object or a phrase on the verb ("X told the BBC", "X said in a statement to Y")."""
        subject, other = self._head_of(speaker), self._head_of(about)
        if subject is None or other is None or subject.dep_ != "nsubj":
            return False
        verb = subject.head
        if verb.lemma_.lower() not in self.words["qualifiers.speech"]:
            return False
        said = {t.i for c in verb.children if c.dep_ in {"ccomp", "parataxis", "xcomp"} for t in c.subtree}
        if verb.dep_ in {"ccomp", "parataxis"} and verb.head.i != verb.i:  # "'...,' said X" on the quote's verb
            said |= {t.i for t in verb.head.subtree} - {t.i for t in verb.subtree}
        return other.i in said

    def _link(self, first: Mention, second: Mention) -> tuple[Token, bool, bool] | None:
        """Where the two mentions' paths up the parse meet, and whether each comes to it as
        its doer (`_acts_on`); None when they share a token or lie apart."""
        a, b = self._head_of(first), self._head_of(second)
        if a is None or b is None or a.i == b.i:
            return None
        up_a, up_b = [a, *a.ancestors], [b, *b.ancestors]
        on_b = {t.i for t in up_b}
        common = next((t for t in up_a if t.i in on_b), None)
        if common is None:
            return None
        acting = [path[0].i != common.i and _acts_on(path[[t.i for t in path].index(common.i) - 1], common) for path in (up_a, up_b)]
        return common, acting[0], acting[1]

    def _head_of(self, mention: Mention) -> Token | None:
        """The token of `mention` whose head lies outside it."""
        inside = [t for t in self.sent if mention.start <= t.idx + self.offset < mention.end]
        return next((t for t in inside if not (mention.start <= t.head.idx + self.offset < mention.end) or t.head.i == t.i), None)

    def main_subject(self) -> list[Mention]:
        """The actors doing what the sentence's main verb says ("X closed the border"): whose
        deed "the move" in the next sentence most likely is."""
        root = self.sent.root
        if root.pos_ not in {"VERB", "AUX"}:
            return []
        if _passive(root):  # "The border was closed by X"
            return [m for c in root.children if c.dep_ == "agent" for p in _pobjs(c) for m in self.actors(p)]
        return self._subject(root)

    def titles(self) -> dict[Mention, set[str]]:
        """The titles each named person carries here, by their last word: "Field Marshal and
        army chief Arno Kell" gives Kell "marshal" and "chief"; "Arno Kell, the army chief," too."""
        tokens: dict[Mention, list[int]] = {}
        for index, mention in self.mentions.items():
            tokens.setdefault(mention, []).append(index)
        found: dict[Mention, set[str]] = {}
        doc, roles = self.sent.doc, role_nouns()
        for mention, indices in tokens.items():
            if not is_person(mention):
                continue
            first = min(indices)
            words = {mention.text.split()[0].lower()}  # "Marshal Arno Kell", unrecognised as a person
            i = first - 1
            while i >= self.sent.start and first - i <= 8:
                token = doc[i]
                if token.ent_type_ == "PERSON" or not (token.pos_ in {"PROPN", "NOUN", "ADJ"} or token.lower_ in {"and", "of", "-"}):
                    break
                words.add(token.lower_)
                i -= 1
            last = doc[max(indices)]
            words |= {c.lower_ for c in last.children if c.dep_ == "appos"}  # "Arno Kell, the army chief,"
            if last.dep_ == "appos":
                words.add(last.head.lower_)  # "The army chief, Arno Kell,"
            if titles := words & roles:
                found[mention] = titles
        return found

    def _referring(self, head: Token, pronouns: set[str], depth: int = 0) -> Mention | None:
        """`head`'s phrase when it refers to an actor without naming one: a personal pronoun, or
        a definite phrase headed by an actor noun or a title and holding no name; through "forces
        loyal to ..." and "the men of ..." to the one they belong to."""
        if depth > 3:
            return None
        for child in head.children:
            if (child.dep_ == "amod" and child.lemma_.lower() in {"loyal", "aligned", "allied", "close"}) or (
                child.dep_ == "prep" and child.lower_ == "of" and head.lemma_.lower() in self.words.actor_nouns
            ):
                preps = [child] if child.dep_ == "prep" else [c for c in child.children if c.dep_ == "prep"]
                for prep in preps:
                    for obj in _pobjs(prep):
                        if found := self._referring(obj, pronouns, depth + 1):
                            return found
        if head.lower_ in pronouns:
            return self._span_mention(head.i, head.i, "PRON")
        determiners = {c.lower_ for c in head.children if c.dep_ in {"det", "poss"}}
        lemma = head.lemma_.lower()
        role = lemma in self.words.actor_nouns or head.lower_ in self.words.actor_nouns or lemma in role_nouns()
        subtree = list(head.subtree)
        if role and determiners & {"the", "his", "her", "their", "its"} and not _names_anyone(subtree):
            return self._span_mention(subtree[0].i, head.i, "REF")  # "the rebel commander", without what follows
        clause = min((t.i for c in head.children if c.dep_ in {"relcl", "acl"} for t in c.subtree), default=subtree[-1].i + 1)
        if role and determiners & {"a", "an"} and not _names_anyone([t for t in subtree if t.i < clause]):
            # "a union leader (who said ...)": someone new, whom news names in the next sentence
            return self._span_mention(subtree[0].i, head.i, "INDEF")
        return None

    def _span_mention(self, first: int, last: int, label: str) -> Mention:
        doc = self.sent.doc
        start, end = doc[first].idx, doc[last].idx + len(doc[last].text)
        return Mention(doc.text[start:end], self.offset + start, self.offset + end, label)

    def _first_actor_after(self, verb: Token) -> list[Mention]:
        """When the parse loses the object ("backs X's Velmora-based, recognised Government"),
        take the first actor after the verb, before its clause ends."""
        stop = {c.i for c in verb.children if c.dep_ in {"cc", "conj", "ccomp", "relcl"}}
        for token in self.sent:
            if token.i <= verb.i or token.i - self.sent.start > 40:
                continue
            if token.i in stop or token.text in {";", ":"} or token.dep_ == "mark" or (token.pos_ == "VERB" and any(c.dep_ == "nsubj" for c in token.children)):
                return []
            if token.i in self.mentions:
                return self.actors(token)
        return []

    def _noun_frame(self, noun: Token, relation: str, holder_preps: set[str], target_preps: set[str]) -> Frame:
        slot = self._counted(noun)  # "a series of airstrikes" stands where "airstrikes" would
        head = slot.head
        possessor = [c for c in noun.children if c.dep_ == "poss"]
        if possessor and possessor[0].lower_ not in PRONOUNS and "of" in holder_preps:
            # "X's backing of Y": the possessor gives, "of" names who receives.
            holder_preps, target_preps = holder_preps - {"of"}, target_preps | {"of"}
        holders = [m for c in noun.children if c.dep_ == "prep" and c.lower_ in holder_preps for p in _pobjs(c) for m in self.actors(p)]
        targets = [m for c in noun.children if c.dep_ == "prep" and c.lower_ in target_preps for p in _pobjs(c) for m in self.actors(p)]
        # "Y was met with resistance from X", "Y was greeted with praise by X": the verb the noun came with
        met_with = slot.dep_ == "pobj" and head.lower_ == "with" and _passive(head.head)
        receiver = head.head if met_with else head
        received = slot.dep_ in {"dobj", "obj", "attr"} or (slot.dep_ == "nsubj" and not possessor) or met_with  # not "X's criticism drew applause"
        if received and receiver.lemma_.lower() in self.words["qualifiers.receive"]:
            # "Y has the support of X", "Y received support from X"
            targets = targets or self.subject(receiver)
            holders = holders or [
                m for c in receiver.children if c.dep_ == "prep" and c.lower_ in {"from", "of"} or c.dep_ == "agent" for p in _pobjs(c) for m in self.actors(p)
            ]
        elif relation == "supports" and slot.dep_ == "pobj" and _support_prep(head):
            verb = head.head.head if head.lower_ == "to" else head.head
            counterpart = self.subject(verb) if verb.pos_ in {"VERB", "AUX"} else self.actors(verb)
            of_actors = [m for c in noun.children if c.dep_ == "prep" and c.lower_ == "of" for p in _pobjs(c) for m in self.actors(p)]
            if head.lower_ == "in":  # "X deployed in support of Y"; else "Y won with/thanks to the support of X"
                holders, targets = counterpart, of_actors or targets
            else:  # "Y advanced with the support of X"
                holders, targets = of_actors or holders, counterpart
        else:
            if possessor and possessor[0].lower_ not in PRONOUNS:
                holders = holders or self.actors(possessor[0])
            elif slot.dep_ in {"dobj", "obj"} and head.lemma_.lower() in self.words["qualifiers.give"] | self.words["qualifiers.conduct"]:
                holders = holders or self.subject(head)
                # "X voiced support for Y", "X expressed solidarity with Y", "X filed a lawsuit against Y"
                given_to = target_preps | {"to"} | ({"with"} if relation == "supports" else set())
                targets = targets or [m for c in head.children if c.dep_ in {"prep", "dative"} and c.lower_ in given_to for p in _pobjs(c) for m in self.actors(p)]
        if not targets and noun.lemma_.lower() in self.words["nouns.attacks"]:
            # "launched an offensive to take the capital from Y": Y is the side attacked.
            purposes = [v for w in (noun, head) for v in w.children if v.dep_ in {"acl", "xcomp", "advcl"} and v.pos_ == "VERB"]
            targets = [m for v in purposes for c in v.children if c.dep_ == "prep" and c.lower_ == "from" for p in _pobjs(c) for m in self.actors(p)]
        # "their attacks against Y", "his criticism of Y": whose, extraction resolves
        owner = possessor[0] if possessor and possessor[0].lower_ in POSSESSIVES else None
        reference = self._span_mention(owner.i, owner.i, "PRON") if owner is not None and not holders else None
        return Frame(holders, relation, targets, noun.text, reference=reference)

    def _counted(self, noun: Token) -> Token:
        """The quantity phrase a noun is counted by ("a series of airstrikes"), else the noun."""
        if noun.dep_ == "pobj" and noun.head.lower_ == "of" and noun.head.head.lemma_.lower() in self.words["qualifiers.quantities"]:
            return noun.head.head
        return noun

    def _role_frame(self, noun: Token, relation: str) -> Frame:
        """What a noun says one actor is to another: "X is a key backer of Y", "Y's allies X
        and Z" (supports); "X, a vocal critic of Y", "Y's foes" (opposes)."""
        targets = [m for c in noun.children if c.dep_ == "prep" and c.lower_ == "of" for p in _pobjs(c) for m in self.actors(p)]
        targets += [m for c in noun.children if c.dep_ == "poss" for m in self.actors(c)]
        holders = [m for c in noun.children if c.dep_ == "appos" for m in self.actors(c)]
        if noun.dep_ == "appos":
            holders = holders or self.actors(noun.head)
        if noun.dep_ == "attr":
            holders = holders or self.subject(noun.head)
        return Frame(holders, relation, targets, noun.text)

    def _hire_frame(self, verb: Token) -> Frame | None:
        """Support through proxies: "fighters from X were hired by Y", "Y recruited X's
        mercenaries": whoever the hired men come from supports the one who hires them."""
        if _passive(verb):
            hired = [c for c in verb.children if c.dep_ == "nsubjpass"]
            hirers = [m for c in verb.children if c.dep_ == "agent" for p in _pobjs(c) for m in self.actors(p)]
        else:
            hired = [c for c in verb.children if c.dep_ in {"dobj", "obj"}]
            hirers = self.subject(verb)
        if not hired or hired[0].lemma_.lower() not in self.words["nouns.proxies"]:
            return None  # "X hired a lawyer": no proxy
        phrase = hired[0]
        sources = [c for c in phrase.children if c.dep_ in {"amod", "compound", "nmod", "poss"} and c.i in self.mentions]
        sources = [self.mentions[c.i] for c in sources]
        sources += [m for w in (phrase, verb) for c in w.children if c.dep_ == "prep" and c.lower_ == "from" for p in _pobjs(c) for m in self.actors(p)]
        return Frame(list(dict.fromkeys(sources)), "supports", hirers, verb.text)

    def _call_frame(self, verb: Token) -> Frame | None:
        demand = None
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ == "for":
                objects = list(_pobjs(child))
                if objects:
                    demand = _phrase(objects[0])
            elif child.dep_ in {"dobj", "xcomp", "ccomp"} and verb.lemma_.lower() != "call":
                demand = _phrase(child)
        if verb.lemma_.lower() == "call" and demand is None:
            return None
        if demand is None:
            return None
        return Frame(self.subject(verb), "calls_for", [], verb.text, demand=demand)

    def _qualify(self, frame: Frame, cue: Token) -> None:
        chain = [cue, *cue.ancestors]
        if any(t.dep_ == "neg" or t.dep_ == "det" and t.lower_ == "no" for c in chain[:2] for t in c.children):  # "not", "no ally"
            frame.status = "denied"
        if cue.head.lemma_.lower() in self.words["qualifiers.denials"] and cue.dep_ in {"xcomp", "ccomp", "pcomp", "dobj", "obj"}:
            frame.status = "denied"
            return
        # The cue itself is no hedge on its own stance: "X accused Y" states X's condemnation.
        hedged = any(t.lemma_.lower() in self.words["qualifiers.hedges"] for t in chain[1:]) or any(
            t.lower_ in self.words["qualifiers.hedge_adverbs"] for c in chain for t in c.children
        )
        if hedged and frame.status == "stated":
            frame.status = "claimed"
            if any(t.lemma_.lower() in self.words["qualifiers.denials"] for t in self.sent):
                frame.status = "denied"
        for token in self.sent:
            if token.lower_ == "according" and token.nbor(1).lower_ == "to" if token.i + 1 < len(token.doc) else False:
                sources = [m.text for p in _pobjs(token.nbor(1)) for m in self.actors(p)]
                if sources:
                    frame.attribution = ", ".join(sources)
        for ancestor in cue.ancestors:
            if ancestor.lemma_.lower() in self.words["qualifiers.speech"] and frame.attribution is None:
                speakers = [m.text for c in ancestor.children if c.dep_ == "nsubj" for m in self.actors(c)]
                if speakers:
                    frame.attribution = ", ".join(speakers)
                break


def _valence(word: Token) -> float:
    """The valence of the parser's lemma, else of the word as written (a lemma may be a verb VADER does not rate)."""
    return valence(word.lemma_) or valence(word.text)


def _inflection(tail: str, before: str) -> bool:
    """Whether `tail` inflects a verb: "fine-d", "sue-s", "ban-ned", not "counter-act"."""
    return tail in {"s", "es", "d", "ed", "ing"} or (tail[1:] in {"ed", "ing"} and tail[0] == before)


def _support_prep(prep: Token) -> bool:
    if prep.lower_ in {"in", "with"}:
        return prep.head is not prep
    return prep.lower_ == "to" and prep.head.lower_ in {"thanks", "due", "owing"} and prep.head.head is not prep.head


def _predicate(verb: Token) -> list[Token]:
    """What the verb says its object is: "a liar" in "X called Y a liar", "X branded Y a traitor"."""
    return [c for c in verb.children if c.dep_ == "oprd" and c.pos_ in {"NOUN", "ADJ"}]


def _acts_on(arm: Token, head: Token) -> bool:
    """Whether the branch `arm` of `head` is its doer: a subject, a passive's agent, or the
    possessor of a noun ("X's criticism")."""
    return arm.dep_ in {"nsubj", "csubj", "agent"} or (arm.dep_ == "poss" and head.pos_ in {"NOUN", "PROPN"})


def _passive(verb: Token) -> bool:
    return any(c.dep_ in {"nsubjpass", "auxpass"} for c in verb.children)


def _conjuncts(token: Token) -> list[Token]:
    out = [token]
    for child in token.children:
        if child.dep_ == "conj":
            out.extend(_conjuncts(child))
    return out


def _and_name(token: Token) -> Token | None:
    """The last word of a name written "X and Y" that ends a list ("A, B and Brask and Lund"):
    a list joins its last item with one "and", so a second joins the words of one name."""
    if token.dep_ != "conj" or token.pos_ != "PROPN" or any(c.dep_ == "compound" for c in token.children):
        return None
    joined = [c for c in token.children if c.dep_ == "conj" and c.pos_ == "PROPN" and not any(g.dep_ == "compound" for g in c.children)]
    if not joined or not any(c.dep_ == "cc" and c.i < joined[0].i for c in token.children):
        return None
    items = [token.head]
    while items[-1].dep_ == "conj":
        items.append(items[-1].head)
    listed = any(c.dep_ == "cc" and c.i < token.i for c in token.head.children) and any(c.text == "," for item in items for c in item.children)
    return joined[0] if listed and joined[0].i == token.i + 2 else None


def _titled_phrase(token: Token) -> Span | None:
    """The name a capitalised preposition inside a sentence joins ("Reporters Without Borders",
    "Doctors Without Borders"): in running text only a name capitalises "Without"; the
    capitalised words on both sides are the rest of it."""
    sent = token.sent
    if token.pos_ not in {"ADP", "CCONJ"} or not token.text[:1].isupper() or token.i == sent.start or token.i + 1 >= sent.end:
        return None
    first = token.i
    while first > sent.start and _capitalised_noun(token.doc[first - 1]):
        first -= 1
    last = token.i
    while last + 1 < sent.end and _capitalised_noun(token.doc[last + 1]):
        last += 1
    return token.doc[first : last + 1] if first < token.i < last else None


def _capitalised_noun(token: Token) -> bool:
    return token.text[:1].isupper() and token.is_alpha and token.pos_ in {"NOUN", "PROPN"}


def _names_anyone(tokens) -> bool:
    return any(t.ent_type_ or t.pos_ == "PROPN" for t in tokens)


def _pobjs(prep: Token):
    for child in prep.children:
        if child.dep_ in {"pobj", "pcomp"}:
            yield child


def _phrase(token: Token) -> str:
    tokens = [t for t in token.subtree if t.dep_ not in {"relcl", "acl"}]
    start, end = min(t.i for t in tokens), max(t.i for t in tokens)
    return token.doc[start : end + 1].text


def is_person(mention: Mention) -> bool:
    """A person's name: one the recogniser calls so, or a title and at least two more words
    ("Marshal Arno Kell", which the recogniser leaves a bare proper noun)."""
    words = mention.text.split()
    titled = len(words) >= 3 and words[0].lower() in role_nouns() and mention.label not in {"NP", "REF"}  # not "General X's militia"
    return mention.label == "PERSON" or titled


@lru_cache(maxsize=1)
def role_nouns() -> frozenset[str]:
    """Nouns that stand for a person by role ("the commander", "the president"): the last
    word of each title in `data/titles.txt`."""
    return frozenset(title.split()[-1] for title in data.titles())
