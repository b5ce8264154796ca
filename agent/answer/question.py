"""What a question asks, read off its parse: its parts, the names it rests on, what it is
about (its focus), what kind of answer it expects, and which route answers it.

Names are the parser's entities and runs of proper nouns, never a word merely written
with a capital ("Please be brief."). The focus is the first noun that is not a name and
not a mere answer type ("the *population* of X": a passage about X's history does not
answer it; "which *country*": any country answers it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from agent import data
from agent.errors import DossierError
from agent.extract.frames import DEFAULT_LEXICON, SentenceFrames
from agent.extract.lexicon import Lexicon
from agent.text.names import NAME_JOINERS
from agent.text.nlp import parse
from agent.text.sentences import split_sentences

MAX_QUESTION_CHARS = 1000
NAME_LABELS = {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
NOT_NAME_LABELS = {"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"}
# The auxiliaries that open a yes/no question, or a part of one ("..., and was it ...?").
_AUX_WORDS = ("did", "does", "do", "is", "are", "was", "were", "has", "have", "had", "can", "could", "will")
_AUX = rf"(?:{'|'.join(_AUX_WORDS)})\b"
_WH = rf"(?:who|whom|whose|what|which|when|where|why|how|{'|'.join(_AUX_WORDS)})"
_QUESTION_START = re.compile(rf"^(?:{_WH}|in\s+what|in\s+which|on\s+what|according\s+to|name|list|tell)\b", re.IGNORECASE)
# "Who backs X and who backs Y?", "When did X happen, and what did Y say?"
_PART_JOIN = re.compile(rf"\s*,?\s+(?:and|while|but)\s+(?={_WH}\b)", re.IGNORECASE)
_COUNT = re.compile(r"\bhow many (?:different )?(articles|outlets|sources|reports|stories|newspapers|papers)\b", re.IGNORECASE)
_YES_NO = re.compile(rf"^{_AUX}", re.IGNORECASE)
_NUMBER_Q = re.compile(r"^(?:how (?:many|much|far|long|old|big|large|tall|high|deep|wide)|what (?:percentage|proportion|number|share))\b", re.IGNORECASE)
_DATE_NOUNS = ("year", "date", "day", "month", "decade", "century")
_DATE_Q = re.compile(rf"^(?:when\b|(?:in |on )?(?:what|which) (?:{'|'.join(_DATE_NOUNS)})\b)", re.IGNORECASE)
_NAME_Q = re.compile(r"^(?:who|whom|whose|where)\b", re.IGNORECASE)
_ABOUT_SPEECH = {"say", "tell", "think", "announce", "claim", "why", "how", "when", "where", "meet", "talk"}


@dataclass(frozen=True)
class StanceQuery:
    """'Who backs X?' asks for holders; 'Whom does X back?' for targets; 'Does X back Y?'
    asks for holders of support for Y among `among`."""

    relation: str
    ask_for: str  # "holders" | "targets"
    names: tuple[str, ...]
    among: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    text: str
    names: tuple[str, ...]
    focus: str | None  # lemma of the noun a passage must be about
    content: tuple[str, ...]  # lemmas of the content words, names excluded
    expects: str  # number | date | name | place | yesno | any
    hops: bool  # the question reaches its answer through another thing ("the city where X was born")
    stance: StanceQuery | None
    counts: str | None  # "articles", "outlets"... for "how many articles say X?"
    terms: tuple[str, ...] = ()  # the content words' lemmas, each once: what a passage should cover
    measure: str | None = None  # what the answer must measure: money, length, percent (measures.toml) or clause ("why")
    # False: read off a stance-question pattern without the parser (`read`); its focus and
    # content are empty, so a route other than the stance graph must `analyse` it first.
    parsed: bool = True
    # The wh-phrase is the subject of an active verb ("Which group complained to X?", "Who
    # told X ...?"): a passage answers it with the subject of its own clause.
    asks_subject: bool = False
    # The words that say which one of the focus is meant: "general" in "the general election".
    qualifiers: tuple[str, ...] = ()
    # The kind of thing "which/what NOUN" asks for, as a lemma ("bank" in "Which bank sued
    # X?"), and whether it asks for more than one ("Which banks ...?").
    kind: str | None = None
    asks_many: bool = False
    # The noun "how many" counts, as a lemma: "subscriber" in "How many subscribers ...?".
    counted: str | None = None
    # The words of the one the question sets aside ("besides the Force India driver born in
    # 1990"), lower-case: an answer a sentence describes in all of them is that one.
    excluded: tuple[str, ...] = ()
    # The lemma of the question's main verb, unless a light one ("be", "have"): "produce" in
    # "Who produced the single ...?". A passage copied whole answers "who" only if it says it.
    predicate: str | None = None
    # The wh-phrase is the object of that verb: "X starred which actress?", "Whom did X blame?".
    asks_object: bool = False

    @property
    def asks_an_argument(self) -> bool:
        """Whether it asks who or what fills a role at its own verb: the subject or the object
        of `predicate` ("Who founded X?", "X starred which actress?")."""
        return self.predicate is not None and (self.asks_subject or self.asks_object)

    @property
    def route(self) -> str:
        if self.counts:
            return "count"
        if self.stance:
            return "stance"
        if self.expects == "date":
            return "date"
        return "extract"


def check_question(question: str) -> str:
    question = " ".join(question.split())
    if not question:
        raise DossierError("the question is empty: ask something, e.g. ask \"Who supports whom?\"")
    if len(question) > MAX_QUESTION_CHARS:
        raise DossierError(f"the question is {len(question)} characters; keep it under {MAX_QUESTION_CHARS}")
    if not re.search(r"\w", question):
        raise DossierError(f"the question {question!r} has no words in it")
    return question


def split_parts(question: str) -> list[str]:
    """The questions inside `question`: "Who backs X and who backs Y?" is two; "Who backs X?
    Please be brief." is one (a request about the answer's form is not a question). Sentences
    split as articles' do: "Why did U.S. emissions fall?" is one."""
    sentences = [question[start:end] for start, end in split_sentences(question)]
    asked = [s for s in sentences if s.endswith("?") or _QUESTION_START.match(s)] or sentences
    parts: list[str] = []
    for sentence in asked:
        pieces = [p.strip(" ,") for p in _PART_JOIN.split(sentence) if p.strip(" ,")]
        if len(pieces) > 1 and all(len(p.split()) >= 3 for p in pieces) and not _continues_a_clause(sentence):
            pieces = [_with_shared_predicate(p, after) for p, after in zip(pieces, pieces[1:] + [""])]
            parts += [p if p.endswith("?") else p + "?" for p in pieces]
        else:
            parts.append(sentence)
    return parts


_WHICH_PHRASE = re.compile(r"^(?:which|what)\s+\w", re.IGNORECASE)


def _with_shared_predicate(piece: str, after: str) -> str:
    """A piece with no verb asks what the piece after it asks: "Which former Cabinet Secretary
    and which Lib Dem figure backed X?" is "Which former Cabinet Secretary backed X?" too."""
    if not all(_WHICH_PHRASE.match(p) for p in (piece, after)):
        return piece  # "Who backs X and who backs Y?": each has its verb, no parse needed
    doc, doc_after = parse([piece, after])
    if any(t.pos_ in {"VERB", "AUX"} for t in doc):
        return piece
    _, asked = _wh_phrase(doc_after)
    if not asked or 0 not in asked:
        return piece
    rest = doc_after[max(asked) + 1 :]
    return f"{piece.rstrip(' ?')} {rest.text}" if rest and rest[0].pos_ in {"VERB", "AUX"} else piece


def _continues_a_clause(sentence: str) -> bool:
    """An "and" that continues a relative clause joins two things said of one noun, not two
    questions: "the song that was inspired by X and was the first track on Y", "the
    university whose campus is in X and whose branches are in Y" (the relative word again)."""
    joins = [m.end() for m in _PART_JOIN.finditer(sentence)]
    for end in joins:
        relative = re.match(r"(whose|which|who|whom|where|when)\b", sentence[end:], re.IGNORECASE)
        if relative and re.search(rf"\s{relative.group(1)}\b", sentence[:end], re.IGNORECASE):
            return True
    if not any(re.match(_AUX, sentence[end:], re.IGNORECASE) for end in joins):
        return False  # "and who ...", "and what ...": a question of its own
    (doc,) = parse([sentence])
    starts = {t.i for t in doc if any(t.idx == end for end in joins)}
    # The parser may hang the verb on the main clause: a verb with no subject of its own after
    # a relative clause is read as continuing it.
    return any(
        t.lower_ in _AUX_WORDS and not any(c.dep_ in {"nsubj", "nsubjpass", "expl"} for c in t.children)
        and any(u.dep_ == "relcl" for u in doc[: t.i])
        for t in (doc[i] for i in starts)
    )


_PERSON_PRONOUNS = {"he", "him", "his", "she", "her"}
_THING_PRONOUNS = {"it", "its"}
_REFERRING = re.compile(r"\b(?:he|him|his|she|her|it|its|that|this)\b", re.IGNORECASE)


def referred(part: str, earlier: str, answer: str | None = None) -> str | None:
    """`part` with the pronouns that point back into the earlier part of one question replaced
    by what they stand for, so the part can be read and searched alone: "Who leads Kelm, and
    who is *its* chairman?" asks for Kelm's chairman; "Which magazine does Ida Brenholt edit,
    and who wrote in *it*?" means the magazine the first part found (`answer`). "he", "his",
    "she" and "her" stand for the earlier part's first person (or its answer to "who"); "it"
    and "its" for its answer to "which/what X", else its first name that is no person. Only a
    pronoun that is a subject, an owner or after a preposition is replaced: "did it ratify it?"
    keeps its object. "that company" after "Which company ...?" is the answer too. None when
    the part points at an answer the earlier part did not find ("Which country refused, and
    which of its officials...?" with no country found): the part cannot be read alone."""
    if not _REFERRING.search(part):
        return part  # nothing points back: no parse ("Who backs X and who backs Y?" stays light)
    doc_part, doc_earlier = parse([part, earlier])
    persons = [e.text for e in doc_earlier.ents if e.label_ == "PERSON"]
    kinds = {w.head.lemma_.lower() for w in doc_earlier if w.tag_ in {"WDT", "WP"} and w.dep_ == "det"}
    who_asked = doc_earlier[:1].text.lower() in {"who", "whom"}
    person = persons[0] if persons else (answer if who_asked else None)
    others = [n for n in _names(doc_earlier) if not any(n in p or p in n for p in persons)]
    thing = answer if kinds else (others[0] if others else None)
    # What a pronoun stands for is the earlier part's answer, which it did not find.
    unknown = (_THING_PRONOUNS if kinds and answer is None else set()) | (_PERSON_PRONOUNS if person is None and who_asked else set())
    out = []
    for token in doc_part:
        pronoun = token.lower_
        if pronoun in {"that", "this"} and token.dep_ == "det" and token.head.lemma_.lower() in kinds:
            if answer is None:
                return None  # "that company" no earlier part found
            continue  # its noun is replaced below
        if answer and token.pos_ == "NOUN" and token.lemma_.lower() in kinds and any(
            c.dep_ == "det" and c.lower_ in {"that", "this"} for c in token.children
        ):
            out.append(answer + token.whitespace_)
            continue
        stands_for = person if pronoun in _PERSON_PRONOUNS else thing if pronoun in _THING_PRONOUNS else None
        owner = token.tag_ == "PRP$" or pronoun == "its"
        referring = owner or token.dep_ in {"nsubj", "nsubjpass", "pobj"}
        if referring and pronoun in unknown:
            return None
        if stands_for and referring:
            out.append((f"{stands_for}'s" if owner else stands_for) + token.whitespace_)
        else:
            out.append(token.text_with_ws)
    return "".join(out)


def read(text: str, words: Lexicon = DEFAULT_LEXICON) -> Question:
    """What `text` asks: a plain who-backs-whom question by pattern (no parser to load,
    so a CLI question that the stance graph answers starts fast), anything else by `analyse`.
    `words` is the stance lexicon extraction used, so a question's verb means what it meant there."""
    return read_stance_question(text, words) or analyse(text, words)


# A name as a question writes it: capitalised words, "of" between them ("Council of Elders").
_NAME = r"[A-Z][\w.’'-]*(?:\s+(?:of\s+)?[A-Z][\w.’'-]*)*"
_ASKED_HOLDERS = re.compile(
    rf"^(?P<wh>(?i:who|(?:which|what)\s+[a-z]+))\s+(?P<aux>(?i:(?:is|are|was|were|has|have)\s+been|is|are|was|were|has|have)\s+)?"
    rf"(?P<verb>[a-z]+)\s+(?:with\s+)?(?:the\s+)?(?P<target>{_NAME})\s*\?$"
)
_ASKED_TARGETS = re.compile(rf"^(?P<wh>(?i:who|whom|what|which\s+[a-z]+))\s+(?i:does|did|do)\s+(?:the\s+)?(?P<holder>{_NAME})\s+(?P<verb>[a-z]+)\s*\?$")
_ASKED_YES_NO = re.compile(rf"^(?i:does|did|do)\s+(?:the\s+)?(?P<holder>{_NAME})\s+(?P<verb>[a-z]+)\s+(?:with\s+)?(?:the\s+)?(?P<target>{_NAME})\s*\?$")


def read_stance_question(text: str, words: Lexicon = DEFAULT_LEXICON) -> Question | None:
    """"Who backs X?", "Which countries oppose X?", "Whom does X support?", "Does X back Y?"
    with X and Y plain names and a lexicon verb, read without the parser; None otherwise."""
    if (m := _ASKED_HOLDERS.match(text)) and (relation := _cue_relation(m["verb"], words, m["aux"])):
        names, stance = (m["target"],), StanceQuery(relation, "holders", (m["target"],))
        expects = "name" if m["wh"].lower() == "who" else "any"
    elif (m := _ASKED_TARGETS.match(text)) and (relation := _cue_relation(m["verb"], words, base_only=True)):
        names, stance = (m["holder"],), StanceQuery(relation, "targets", (m["holder"],))
        expects = "name" if m["wh"].lower() in {"who", "whom"} else "any"
    elif (m := _ASKED_YES_NO.match(text)) and (relation := _cue_relation(m["verb"], words, base_only=True)):
        names, stance = (m["holder"], m["target"]), StanceQuery(relation, "holders", (m["target"],), (m["holder"],))
        expects = "yesno"
    else:
        return None
    if any(re.search(r"['’]s?$", n) or n.lower() in _QUESTION_WORDS for n in names):
        return None  # a possessive or a question word: the parser reads those
    return Question(text=text, names=names, focus=None, content=(), expects=expects, hops=False, stance=stance, counts=None, parsed=False)


def _cue_relation(verb: str, words: Lexicon, aux: str | None = None, base_only: bool = False) -> str | None:
    """The stance a lexicon verb names in any of its forms ("backs", "backed", "backing");
    after "is" only the -ing form reads as the subject acting ("Who is backing X?")."""
    progressive = bool(aux) and not re.match(r"(?i)ha(?:s|ve)\s*$", aux)
    for base, relation in words.stance_cues.items():
        if base_only:
            forms = {base}
        elif progressive:
            forms = {base + "ing", base[:-1] + "ing", base + base[-1] + "ing"}
        elif aux:  # "Who has backed X?"
            forms = {base + "ed", base + "d", base + base[-1] + "ed"}
        else:
            forms = {base, base + "s", base + "es", base + "ed", base + "d", base + base[-1] + "ed"}
        if verb.lower() in forms:
            return relation
    return None


@lru_cache(maxsize=256)
def analyse(text: str, words: Lexicon = DEFAULT_LEXICON) -> Question:
    (doc,) = parse([text])
    names = _names(doc)
    name_tokens = {t.i for t in doc if any(t.text in n.split() for n in names) and t.pos_ == "PROPN" or t.ent_type_ in NAME_LABELS}
    generic = _answer_type_nouns()
    # "Which film won ...", "What position did X play": the wh-word's noun phrase is the kind
    # of answer wanted, not what a passage must be about.
    kind_token, asked_kind = _wh_phrase(doc)
    nouns = [
        _compound_head(t, generic).lemma_.lower() for t in doc
        if t.pos_ == "NOUN" and t.i not in name_tokens and t.i not in asked_kind and len(t.text) > 2
    ]
    focus = next((n for n in nouns if n not in generic), None)
    content = tuple(
        dict.fromkeys(
            form for t in doc
            if t.pos_ in {"NOUN", "VERB", "ADJ", "NUM"} and t.i not in name_tokens and not t.is_stop and len(t.text) > 2
            and t.lemma_.lower() not in _LIGHT_VERBS
            for form in (t.lemma_.lower(), t.lower_)
        )
    )
    terms = tuple(dict.fromkeys(
        t.lemma_.lower() for t in doc
        if t.pos_ in {"NOUN", "VERB", "ADJ", "NUM"} and t.i not in name_tokens and not t.is_stop and len(t.text) > 2
        and t.lemma_.lower() not in _LIGHT_VERBS
    ))
    focus_token = next((t for t in doc if t.pos_ == "NOUN" and t.lemma_.lower() == focus), None)
    first_name = next((t for t in doc if t.i in name_tokens), None)
    # "the population of the village where X was born": another noun stands between what is
    # asked and the name, so the answer may take a second passage (a bridge).
    hops = bool(
        focus_token is not None and first_name is not None and focus_token.i < first_name.i
        and any(t.pos_ == "NOUN" and t.i not in name_tokens for t in doc[focus_token.i + 1 : first_name.i])
    ) or any(
        (t.dep_ == "relcl" or (t.dep_ == "acl" and t.tag_ == "VBN")) and not _describes_answer(t, kind_token)
        and not _owned_by_a_name(t.head, name_tokens)
        for t in doc
    )
    counts = _COUNT.search(text)
    if _NUMBER_Q.match(text):
        expects = "number"
    elif _DATE_Q.match(text):
        expects = "date"
    elif re.match(r"^where\b", text, re.IGNORECASE):
        expects = "place"
    elif _NAME_Q.match(text):
        expects = "name"
    elif _YES_NO.match(text):
        expects = "yesno"
    elif kind_token is not None and kind_token.lemma_.lower() in _DATE_NOUNS:
        expects = "date"  # "... has worked in France since what year?"
    else:
        expects = "any"
    measure = _measure(doc, [doc[i].lemma_.lower() for i in sorted(asked_kind) if doc[i].pos_ == "NOUN"] + [focus])
    return Question(
        text=text, names=names, focus=focus, content=content, expects=expects, hops=hops,
        stance=claim_query(count_claim(text), words) if counts else stance_query(text, doc, words),
        counts=counts.group(1).lower() if counts else None, terms=terms,
        measure=measure,
        asks_subject=_asks_subject(doc, kind_token),
        qualifiers=_qualifiers(focus_token) if focus_token is not None else (),
        **_kind_asked(kind_token, expects, measure),
        counted=next((t.head.lemma_.lower() for t in doc[1:] if t.lower_ == "many" and doc[t.i - 1].lower_ == "how" and t.head.pos_ == "NOUN"), None),
        excluded=_excluded(doc),
        predicate=_predicate(doc),
        asks_object=_asks_object(doc, kind_token),
    )


def _predicate(doc) -> str | None:
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ != "VERB" or root.lemma_.lower() in _LIGHT_VERBS:
        return None
    return root.lemma_.lower()


_RELATIVE = frozenset({"which", "that", "who", "whom", "where", "when"})
_DO = {"VBD": "did", "VBZ": "does", "VBP": "do"}


@lru_cache(maxsize=256)
def bridge_question(text: str) -> tuple[str, str] | None:
    """A question through a bridge asked as two: the question a relative clause asks of its
    noun, and the phrase its answer stands for. "When did X open in the city where the Kesh
    Museum is located?" -> ("Where is the Kesh Museum located?", "the city where the Kesh
    Museum is located"); "the association which published X" -> "Which association published
    X?". The innermost clause first; None where no clause describes a noun the question does
    not itself ask for, or where the clause holds the asked wh-word ("an actress who starred
    in what?")."""
    (doc,) = parse([text])
    kind_token, _ = _wh_phrase(doc)
    clauses = [
        t for t in doc
        if t.dep_ == "relcl" and t.head.pos_ == "NOUN" and (kind_token is None or t.head.i != kind_token.i)
        and not any(w.dep_ == "relcl" and w.i != t.i for w in t.subtree)
    ]
    for clause in clauses:
        noun = clause.head
        if noun.dep_ in {"attr", "nsubj"} and noun.head.lemma_ == "be" and noun.head.dep_ == "ROOT":
            continue  # "How big is the rebate that X wants back?": the clause says which one is asked
        first = min(t.i for t in noun.subtree if t.i <= noun.i)
        phrase = doc[first : clause.right_edge.i + 1]
        if clause.right_edge.i + 1 < len(doc) and doc[clause.right_edge.i + 1].is_quote:
            continue  # cut inside a title
        described = " ".join(t.text for t in doc[first : noun.i + 1] if t.dep_ not in {"det", "poss"})
        body = list(clause.subtree)
        while body and (body[-1].dep_ == "cc" or body[-1].is_punct):
            body.pop()  # "who is known for X and who's ...": the first of two clauses
        opening_words = body[:2] if body and body[0].dep_ == "prep" else body[:1]  # "in which", "where"
        relative = next((t for t in opening_words if t.lower_ in _RELATIVE and t.dep_ != "det"), None)
        preposition = body[0] if relative is not None and len(opening_words) == 2 else None
        left = {t.i for t in (relative, preposition) if t is not None}
        body = [t for t in body if t.i not in left]
        if any(t.tag_ in {"WDT", "WP", "WRB"} for t in body):
            continue  # "another sport that was started when?": the clause holds what is asked
        if relative is not None and relative.dep_ in {"nsubj", "nsubjpass"}:
            opening = "Who" if relative.lower_ == "who" else f"Which {described}"
            asked = f"{opening} {_joined(body)}?"
        elif relative is not None and relative.lower_ in {"where", "when"}:
            asked = f"{relative.lower_.capitalize()} {_inverted(body, clause)}?"
        else:
            opening = f"{preposition.lower_.capitalize()} which" if preposition is not None else "Which"
            asked = f"{opening} {described} {_inverted(body, clause)}?"
        return asked, phrase.text
    return _role_bridge(doc, kind_token)


def _role_bridge(doc, kind_token) -> tuple[str, str] | None:
    """"What position did the receiver of the Kesh Shoe play?" -> ("Who is the receiver of
    the Kesh Shoe?", "the receiver of the Kesh Shoe"): one named by a role in something named,
    where the question asks something else of them. Not where the question asks the role
    itself ("Who is the father of X?")."""
    for of in doc[1:]:
        noun = doc[of.i - 1]
        if of.lower_ != "of" or noun.pos_ != "NOUN" or (kind_token is not None and noun.i == kind_token.i):
            continue
        determiner = doc[noun.i - 1] if noun.i and doc[noun.i - 1].lower_ in {"the", "this", "that"} else None
        end = _name_phrase_end(doc, of.i + 1)
        if determiner is None or end is None:
            continue
        if end >= len(doc) - 1 and doc[0].lower_ in {"who", "what", "which"}:
            continue  # "Who is the father of X?": the role is what is asked
        return f"Who is the {doc[noun.i : end].text}?", doc[determiner.i : end].text
    return None


def _name_phrase_end(doc, start: int) -> int | None:
    """Where the noun phrase that opens at `start` ends, when it holds a name ("the romantic
    comedy "Big Stone Gap"", "the 2007 Kesh Cup"): a quoted title runs to its closing quote;
    None for a phrase that names nothing."""
    i, named = start, False
    while i < len(doc):
        token = doc[i]
        if token.is_quote:
            close = next((k for k in range(i + 1, len(doc)) if doc[k].is_quote), None)
            if close is None:
                return None
            i, named = close + 1, True
            continue
        if token.pos_ in {"VERB", "AUX", "PRON", "ADV", "SCONJ"} or (token.is_punct and token.text != "-") or token.tag_ in {"WDT", "WP", "WRB"}:
            break
        if named and token.is_lower and not (token.lower_ in NAME_JOINERS and i + 1 < len(doc) and doc[i + 1].text[:1].isupper()):
            break  # after the name, a lower-case word is the clause's: "the Kesh Cup winner play"
        named = named or token.pos_ == "PROPN" or token.text[:1].isupper()
        i += 1
    while i > start and doc[i - 1].pos_ in {"ADP", "CCONJ", "DET"}:
        i -= 1  # "the Kesh Cup in": the phrase ends at its last name
    return i if named and i > start else None


def _joined(tokens: list, verb=None) -> str:
    """The tokens' words as the text spaced them; `verb`, if given, in its dictionary form."""
    return "".join((t.lemma_ if verb is not None and t.i == verb.i else t.text) + t.whitespace_ for t in tokens).strip()


def _inverted(body: list, verb) -> str:
    """A clause's words in a question's order: "the museum is located" -> "is the museum
    located", "the singer lived" -> "did the singer live"."""
    subject = next((t for t in body if t.dep_ in {"nsubj", "nsubjpass"} and t.head.i == verb.i), None)
    if subject is None:
        return _joined(body)
    said = list(subject.subtree)
    rest = [t for t in body if not said[0].i <= t.i <= said[-1].i]
    aux = next((t for t in rest if t.dep_ in {"aux", "auxpass"} and t.head.i == verb.i), None)
    if aux is None and verb.lemma_ == "be":
        aux = verb
    if aux is not None:
        return f"{aux.text} {_joined(said)} {_joined([t for t in rest if t.i != aux.i])}"
    return f"{_DO.get(verb.tag_, 'did')} {_joined(said)} {_joined(rest, verb)}"


_NO_KIND = frozenset({"kind", "type", "sort"})  # "What kind of plane ...?" asks for a description


def _wh_phrase(doc) -> tuple:
    """The head noun of the phrase "which/what" opens, and the positions of that phrase up to
    its head: "Which Labour former minister accused X?" -> minister, {0, 1, 2, 3}; also where
    the parser took the wh-word for a pronoun of its own, as it does before some nouns."""
    wh = next((t for t in doc if t.tag_ in {"WDT", "WP"} and t.lower_ in {"which", "what"}), None)
    if wh is None:
        return None, set()
    if wh.dep_ == "det":
        return wh.head, {t.i for t in wh.head.subtree if t.i <= wh.head.i}
    named = _named_noun(wh)
    if named is not None:  # "What is the name of the judge who ...?" asks which judge
        return named, {wh.i} | {t.i for t in named.head.head.subtree if t.i <= named.i}
    run = []
    for token in doc[wh.i + 1 :]:
        if token.pos_ not in {"NOUN", "PROPN", "ADJ"}:
            break
        run.append(token)
    inside = {t.i for t in run}
    head = next((t for t in reversed(run) if t.pos_ == "NOUN" and t.head.i not in inside), None)
    return (head, {wh.i} | {i for i in inside if i <= head.i}) if head is not None else (None, set())


def _owned_by_a_name(noun, name_tokens: set[int]) -> bool:
    """`noun` is already one named thing, whatever a clause adds: "the UK's rebate that X wants
    back" (a possessor that is a name), not "the city where X was born"."""
    return noun.pos_ == "NOUN" and any(t.dep_ == "poss" and t.i in name_tokens for t in noun.subtree if t.i < noun.i)


def _describes_answer(clause, kind_token) -> bool:
    """The clause holds what the question asks and describes something the question names or
    says the named things are ("X and Y are both dog breeds developed during which century?"):
    no bridge stands between them and the answer. Not a clause on an unnamed noun ("a
    physicist that has worked in France since what year"): who that is takes a passage first."""
    inside = list(clause.subtree)
    holds = kind_token in inside if kind_token is not None else any(
        t.lower_ in {"what", "whom"} and t.dep_ in {"pobj", "dobj", "attr", "oprd"} for t in inside
    )
    return holds and (clause.head.pos_ == "PROPN" or clause.head.dep_ == "attr")


def _named_noun(wh):
    """The noun whose name "what" asks for when the question is "What is/was the name of the
    NOUN ...?": its head, the object of "of"; None otherwise."""
    verb = wh.head
    if verb.lemma_ != "be" or wh.dep_ not in {"nsubj", "attr"}:
        return None
    name = next((c for c in verb.children if c is not wh and c.dep_ in {"nsubj", "attr"} and c.lemma_.lower() == "name"), None)
    of = next((c for c in name.children if c.dep_ == "prep" and c.lower_ == "of"), None) if name is not None else None
    noun = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
    return noun if noun is not None and noun.pos_ == "NOUN" else None


def _kind_asked(head, expects: str, measure: str | None) -> dict:
    """The noun a "which/what" opens (`_wh_phrase`), when the answer is a name of that kind:
    "bank" in "Which bank sued X?", plural in "Which parties oppose X?". Not for numbers, dates
    or measures ("What price ...?")."""
    # A title the tagger reads as a name is still a kind: "Which former Cabinet Secretary ...?"
    title = head is not None and head.pos_ == "PROPN" and head.lower_ in data.titles()
    if head is None or (head.pos_ != "NOUN" and not title) or expects not in {"any", "name"} or measure is not None:
        return {}
    if head.lemma_.lower() in _NO_KIND:
        return {}
    return {"kind": head.lemma_.lower(), "asks_many": head.tag_ == "NNS"}


def _excluded(doc) -> tuple[str, ...]:
    """The content words of the description a question sets aside with "besides", "except",
    "other than" or "apart/aside from" ("the Force India driver born in 1990"), lower-case.
    A name set aside ("besides Kesh Mills") leaves none: the sentence that names it may hold
    the answer beside it, and an answer that is the name is refused already (`names_beyond`)."""
    for token in doc:
        sets_aside = token.lower_ in {"besides", "except"} or (
            token.lower_ == "than" and token.head.lower_ == "other"
        ) or (token.lower_ == "from" and token.head.lower_ in {"apart", "aside"})
        phrase = next((c for c in token.children if c.dep_ == "pobj"), None) if sets_aside else None
        if phrase is not None and phrase.pos_ != "PROPN":
            # up to the first comma: a parser may hang the question's own clause on the phrase
            words = doc[phrase.left_edge.i : phrase.right_edge.i + 1]
            end = next((t.i for t in words if t.is_punct), phrase.right_edge.i + 1)
            return tuple(dict.fromkeys(
                t.lower_ for t in doc[phrase.left_edge.i : end] if t.pos_ in {"NOUN", "PROPN", "VERB", "ADJ", "NUM"} and not t.is_stop
            ))
    return ()


def _qualifiers(noun) -> tuple[str, ...]:
    """The adjectives and nouns before `noun` that say which one is meant ("general" and
    "UK" in "the UK general election"), lower-case."""
    return tuple(c.lemma_.lower() for c in noun.children if c.dep_ in {"amod", "compound"} and c.i < noun.i and not c.is_stop)


def _asks_subject(doc, kind_token=None) -> bool:
    """The wh-word, or the noun it opens ("which group", `_wh_phrase`), is the subject of an
    active verb other than "be": "Who is X's leader?" is answered by a name anywhere, not a subject."""
    wh = next((t for t in doc if t.tag_ in {"WP", "WDT"} and t.lower_ in {"who", "which", "what"}), None)
    if wh is None:
        return False
    subject = kind_token if kind_token is not None else wh
    return subject.dep_ == "nsubj" and subject.head.pos_ in {"VERB", "AUX"} and subject.head.lemma_ != "be"


def _asks_object(doc, kind_token=None) -> bool:
    """The wh-word, or the noun it opens, is the object of a verb other than "be"."""
    wh = next((t for t in doc if t.tag_ in {"WP", "WDT"} and t.lower_ in {"who", "whom", "which", "what"}), None)
    if wh is None:
        return False
    asked = kind_token if kind_token is not None else wh
    # "whom" is an object however the parser labels it ("Whom did X blame?" parses as a subject)
    return (asked.dep_ == "dobj" or asked.lower_ == "whom") and asked.head.pos_ == "VERB" and asked.head.lemma_ != "be"


def _compound_head(token, generic: frozenset[str]):
    """The noun a modifying noun stands in: "arms embargo" is about the embargo, "tobacco
    companies" about companies; "growth figures" stays about growth, a head that only names
    the kind of answer (`generic`) saying nothing of what a passage must be about."""
    head = token
    while head.dep_ == "compound" and head.head.pos_ == "NOUN" and head.head.i != head.i:
        head = head.head
    return token if head.lemma_.lower() in generic else head


def _measure(doc, nouns: list[str | None]) -> str | None:
    """What the answer must measure, read off the parse: "why" wants a clause; "how far" a
    length; "how much money" or "how much did X pay" money; "what price", "the price of X"
    money (`nouns`: the wh-word's nouns, then the focus; the kinds and their words:
    measures.toml)."""
    asks = data.measures()["asks"]

    def kind(lemma: str | None) -> str | None:
        return next((k for k, words in asks.items() if lemma in words), None)

    for token in doc:
        if token.lower_ == "why":
            return "clause"
        if token.lower_ == "how" and token.i + 1 < len(doc):
            after = doc[token.i + 1]
            if after.lower_ != "much":
                return kind(after.lemma_.lower())
            noun = doc[token.i + 2] if token.i + 2 < len(doc) and doc[token.i + 2].pos_ == "NOUN" else None
            verb = next((t for t in doc if t.pos_ == "VERB"), None)
            return kind(noun.lemma_.lower()) if noun is not None else kind(verb.lemma_.lower() if verb is not None else None)
    return next((k for k in map(kind, nouns) if k), None)


def count_claim(text: str) -> str:
    """What a count question asks to be counted: "How many outlets say X backs Y?" -> "X backs Y"."""
    return re.sub(
        r"^.*?\b(?:say|says|said|report|reports|reported|mention|mentions|mentioned|state|states|claim|claims)\b\s*(?:that\s+)?",
        "", text, flags=re.IGNORECASE,
    ).rstrip("?")


def claim_query(claim: str, words: Lexicon = DEFAULT_LEXICON) -> StanceQuery | None:
    """A stance a claim states ("X backs Y"), as a query for its holder among X; else None."""
    if not claim or claim.lower().startswith("how many"):
        return None
    (doc,) = parse([claim])
    for frame in SentenceFrames(doc[:], 0, words).frames():
        if frame.relation != "calls_for" and frame.holders and frame.targets:
            return StanceQuery(frame.relation, "holders", tuple(m.text for m in frame.targets), tuple(m.text for m in frame.holders))
    return None


def _names(doc) -> tuple[str, ...]:
    """Entities and proper-noun runs; a question word or a lone capitalised common word is not a name."""
    found: list[str] = []
    covered: set[int] = set()
    for ent in doc.ents:
        if ent.label_ in NAME_LABELS:
            text = re.sub(r"^(?:the|The)\s+", "", ent.text)
            text = re.sub(r"['’]s$", "", text)
            found.append(text)
            covered.update(range(ent.start, ent.end))
    # Runs of capitalised words holding a proper noun ("Northern Compact": the parser tags
    # "Northern" an adjective); a capitalised word opening a sentence counts only as a proper noun.
    run: list = []
    for token in list(doc) + [None]:
        capitalised = token is not None and token.i not in covered and token.ent_type_ not in NOT_NAME_LABELS and (
            token.pos_ == "PROPN" or (token.text[:1].isupper() and not token.is_sent_start and token.pos_ in {"ADJ", "NOUN"})
        )
        if capitalised:
            run.append(token)
            continue
        if run and any(t.pos_ == "PROPN" for t in run):
            found.append(doc[run[0].i : run[-1].i + 1].text)
        run = []
    # A name in a cased script starts with a capital; in an uncased one the parser cannot tell.
    return tuple(n for n in dict.fromkeys(found) if n[:1].isupper() and n.lower() not in _QUESTION_WORDS)


_LIGHT_VERBS = frozenset("be have do get happen go come become".split())
_QUESTION_WORDS = frozenset("who whom whose what when where which why how did does do is are was were".split())


@lru_cache(maxsize=1)
def _answer_type_nouns() -> frozenset[str]:
    """Nouns that name the kind of answer wanted, not what it is about (data file)."""
    text = data.text("answer_type_nouns.txt")
    return frozenset(w.strip() for w in text.split() if w.strip() and not w.startswith("#"))


def stance_query(question: str, doc=None, words: Lexicon = DEFAULT_LEXICON) -> StanceQuery | None:
    """Read a who-supports-whom question off its grammar, or None for any other question."""
    said = re.findall(r"\w+", question.lower())
    if any(w in _ABOUT_SPEECH or w in {"says", "said", "told", "met", "meeting"} for w in said):
        return None  # "What did X say about support for Y?" asks about words, not sides
    yes_no = bool(_YES_NO.match(question))
    if not yes_no and not any(w in {"who", "whom", "which", "what"} for w in said):
        return None
    if doc is None:
        (doc,) = parse([question])
    sentence = SentenceFrames(doc[:], 0, words)
    # "Which countries back ..." asks for holders (the wh-word is the subject), "Whom does X
    # back?" for targets: a frame read the other way is another stance inside the question
    # ("each side in X's war").
    wh_role = next((w.head.dep_ if w.dep_ == "det" else w.dep_ for w in doc if w.tag_ in {"WDT", "WP"}), None)
    for frame in sentence.frames():
        if frame.relation == "calls_for":
            continue
        holders, targets = _asked(frame.holders), _asked(frame.targets)
        if targets and not holders and not yes_no and wh_role not in {"nsubjpass", "dobj"}:
            return StanceQuery(frame.relation, "holders", targets)
        if holders and not targets and not yes_no and wh_role != "nsubj":
            return StanceQuery(frame.relation, "targets", holders)
        if holders and targets and yes_no:
            return StanceQuery(frame.relation, "holders", targets, holders)
    # The small parser can miss the verb of a short question ("Which countries back X?"
    # tags "back" as an adverb): a cue word followed by names still asks who does it. A name
    # owning a thing is not the side asked about ("each side in X's war").
    cues = words.stance_cues
    sides = [m for i, m in sentence.mentions.items() if not _owner_of_a_thing(doc[i], words)]
    for token in doc:
        relation = cues.get(re.sub(r"(ing|ed|es|s)$", "", token.lower_)) or cues.get(token.lower_)
        if relation:
            after = _asked(m for m in sides if m.start > token.idx)
            before = _asked(m for m in sides if m.start < token.idx)
            if after and (yes_no == bool(before)):
                return StanceQuery(relation, "holders", after, before if yes_no else ())
            if before and not after and not yes_no:  # "Whom does X support?"
                return StanceQuery(relation, "targets", before)
    return None


def _owner_of_a_thing(token, words: Lexicon) -> bool:
    """'X' in "X's war": a possessor of a common noun that names no actor ("X's army" is X's side)."""
    return token.dep_ == "poss" and token.head.pos_ == "NOUN" and token.head.lemma_.lower() not in words.actor_nouns


def _asked(mentions) -> tuple[str, ...]:
    """The names of a frame's mentions, without the question word ("Whom does X back?")."""
    return tuple(dict.fromkeys(m.text for m in mentions if m.text.lower() not in _QUESTION_WORDS))


# --- comparisons ------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A question about two things named side by side.

    `asks` is "which" ("Who is older, X or Y?": one of the two is the answer), "both" ("Are X
    and Y both Z?": yes when each is) or "same" ("Were X and Y of the same nationality?").
    `asked` is the question without the two: "Who is older?", or for "both", the question put
    to each, with "{}" for the thing ("Is {} from the United States?")."""

    options: tuple[str, str]
    asks: str
    asked: str

    def put_to(self, option: str) -> str:
        return self.asked.format(option)

    @property
    def decided_by_date(self) -> str | None:
        """"earlier" or "later" when the calendar decides the choice ("older", "first")."""
        if self.asks != "which":
            return None
        return next((side for side in self._decided_by() if side in {"earlier", "later"}), None)

    @property
    def by_country(self) -> bool:
        """"Were X and Y of the same nationality?": the countries their passages name decide."""
        return self.asks == "same" and "by_country" in self._decided_by()

    def _decided_by(self) -> list[str]:
        table = data.comparatives()
        return [table[w] for w in re.findall(r"[a-z]+", self.asked.lower()) if w in table]


_OPTION = r"[^,:;?]{1,80}?"
# "Who is older, X or Y?"; "Which dog ...: the X or the Y?"
_CHOICE_AFTER = re.compile(rf"^(?P<asked>.+)[,:]\s+(?P<a>{_OPTION}),?\s+or\s+(?P<b>{_OPTION})\s*\?\s*$")
# "Which band, X or Y, had more members?"
_CHOICE_INSIDE = re.compile(rf"^(?P<wh>(?:which|what|who)\b[^,]*),\s+(?P<a>{_OPTION}),?\s+or\s+(?P<b>{_OPTION}),\s+(?P<rest>.+?)\s*\?\s*$", re.IGNORECASE)
# "Between X and Y, who is older?"; "Which of X and Y is older?"
_CHOICE_BETWEEN = re.compile(rf"^between\s+(?P<a>{_OPTION}),?\s+and\s+(?P<b>{_OPTION}),\s+(?P<asked>.+?\?)\s*$", re.IGNORECASE)
_CHOICE_OF = re.compile(rf"^(?P<wh>which|who)\s+of\s+(?P<a>{_OPTION}),?\s+(?:and|or)\s+(?P<b>[A-Z][^,:;?]{{0,79}}?)\s+(?P<rest>(?:is|was|are|were|has|had|did|does|do|came|comes|won|made)\b.+?)\s*\?\s*$", re.IGNORECASE)
# "Are (both) X and Y (both) ...?"
_PAIR = re.compile(r"^(?P<aux>are|were|do|did|have|had)\s+(?P<both>both\s+)?(?P<a>.+?),?\s+and\s+(?P<rest>.+?)\s*\?\s*$", re.IGNORECASE)
_SINGULAR = {"are": "Is", "were": "Was", "do": "Does", "did": "Did", "have": "Has", "had": "Had"}


@lru_cache(maxsize=256)
def comparison(text: str) -> Comparison | None:
    """The two things a question compares, and what it asks of them; None when it compares nothing."""
    text = " ".join(text.split())
    if (m := _CHOICE_INSIDE.match(text) or _CHOICE_OF.match(text) or _CHOICE_AFTER.match(text) or _CHOICE_BETWEEN.match(text)):
        a, b = (_option(m.group(k)) for k in ("a", "b"))
        asked = f"{m.group('wh')} {m.group('rest')}?" if "wh" in m.groupdict() else m.group("asked").rstrip("?") + "?"
        asked = asked[0].upper() + asked[1:]
        if a and b and len(a.split()) <= 8 and len(b.split()) <= 8 and len(asked.split()) >= 2:
            return Comparison((a, b), "which", asked)
        return None
    m = _PAIR.match(text)
    if m is None:
        return None
    a = _option(m.group("a"))
    both = bool(m.group("both"))
    if not both and (marked := re.match(r"^(.+?)\s+both\s+(.+)$", m.group("rest"))):
        (b, predicate), both = (_option(marked.group(1)), marked.group(2)), True  # "X and Y both Z"
    else:
        b, predicate = _leading_name(m.group("rest"))
    if not a or not b or not predicate or not a[0].isupper() or len(a.split()) > 8:
        return None
    if re.search(r"\bsame\b", predicate, re.IGNORECASE):
        return Comparison((a, b), "same", text)
    if both:
        return Comparison((a, b), "both", f"{_SINGULAR[m.group('aux').lower()]} {{}} {predicate}?")
    return None


def _option(text: str) -> str:
    return text.strip(" ,.\"'“”")


def _leading_name(text: str) -> tuple[str, str]:
    """The capitalised name that opens `text` ("Gerald R. Ford International Airport located
    in Michigan"), and the words after it."""
    words = text.split()
    end = 0
    for i, word in enumerate(words):
        if word[:1].isupper() or word[:1].isdigit():
            end = i + 1
        elif word.lower() not in NAME_JOINERS or i == 0:
            break
    return _option(" ".join(words[:end])), " ".join(words[end:])
