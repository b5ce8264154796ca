"""Checking answers against passages, in code: close word forms, names, numbers, spans.

Paraphrase must not defeat the check ("Did X meet Y?" is answered by "Y held talks
with X"), and a passage about the wrong thing must not pass it (the distance of another
city). So: names and numbers must match, words match on close forms ("Turkish" and
"Turkey", "founder" and "founded"), a span the model copied must stand verbatim in its
passage, and a passage must be about what was asked (its focus noun).
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache

from agent import data
from agent.answer.question import NAME_LABELS, Question
from agent.text.countries import country_code
from agent.text.dates import MONTH_NAMES
from agent.text.memo import BatchMemo
from agent.text.names import name_key
from agent.text.nlp import parse

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_STOP = frozenset(
    "a an and are as at be been by did do does for from had has have he her his how i in into is it its of on or "
    "she so than that the their them they this to was were what when where which who whom whose why will with "
    "not no yes also said says say would could should can may might over about after before".split()
)
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9,
}
_MONTHS = [name.lower() for name in MONTH_NAMES]
_DAYS = "monday tuesday wednesday thursday friday saturday sunday".split()


def words(text: str) -> list[str]:
    return [re.sub(r"['’]s$", "", w.lower()) for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in _STOP and not w.isdigit()]


def close(a: str, b: str) -> bool:
    """Two lower-case words are forms of one word: 'turkish'/'turkey', 'troops'/'troop',
    'founder'/'founded', 'distance'/'distant' (a shared prefix of all but the last few letters)."""
    if a == b:
        return True
    shorter = min(len(a), len(b))
    return shorter >= 4 and _shared_prefix(a, b) >= max(4, shorter - 3)


def _forms_of(texts: list[str]) -> list[frozenset[str]]:
    return [frozenset(words(text)) | frozenset(t.lemma_.lower() for t in doc if t.is_alpha) for text, doc in zip(texts, parse(texts))]


_FORMS: BatchMemo[frozenset[str]] = BatchMemo(_forms_of, limit=4096)


def forms(text: str) -> frozenset[str]:
    """The words of `text` and their lemmas from the parser ('led' -> 'lead', 'born' -> 'bear')."""
    return _FORMS[text]


def learn_forms(texts: list[str]) -> None:
    """Parse the texts whose forms are not known yet, in one batch: the parser reads a batch
    of short texts about twice as fast as the same texts one call each."""
    _FORMS.learn(texts)


def has_word(text: str, word: str) -> bool:
    word = word.lower()
    return any(close(word, w) for w in words(text))


def has_form(text: str, word: str) -> bool:
    """Like `has_word`, also matching the parser's lemmas of `text`."""
    word = word.lower()
    return any(close(word, w) for w in forms(text))


def naming_words(name: str) -> list[str]:
    return [w for w in words(name) if len(w) > 1 and w not in _STOP and w not in {"al", "el", "bin", "ibn", "de", "van", "von"}]


_NAME_ENDINGS = frozenset(["", "n", "an", "ian", "ish", "i", "s", "es", "ese", "a", "y", "ey", "ia", "e"])


def close_name(a: str, b: str) -> bool:
    """Forms of one name: 'veloria'/'velorian', 'ostrava'/'ostravan', never 'kel'/'kell'."""
    if a == b:
        return True
    prefix = _shared_prefix(a, b)
    return prefix >= 4 and a[prefix:] in _NAME_ENDINGS and b[prefix:] in _NAME_ENDINGS


def _shared_prefix(a: str, b: str) -> int:
    return len(os.path.commonprefix([a, b]))


def mentions(text: str, name: str) -> bool:
    """`text` names `name` by its last naming word in a close form ('Arno Kell' is mentioned
    by 'Kell', 'Velorian' by 'Veloria'), not by a first name alone; a pair of names joined
    by a hyphen ("the Kell-Brask rift") by both; an abbreviation and its expansion by each
    other ("EU" and "European Union")."""
    found = naming_words(name)
    letters = re.sub(r"[\W_]", "", name)
    if not found:
        # An abbreviation ("U.S."): its letters, with or without the dots, as written.
        return bool(letters) and (
            bool(re.search(r"(?<!\w)" + r"\.?".join(map(re.escape, letters)) + r"\.?(?!\w)", text))
            or letters.upper() in initials(text)
        )
    said = words(text)
    if any(close_name(found[-1], w) for w in said):
        return True
    if "-" in found[-1]:
        return all(any(close_name(part, w) for w in said) for part in found[-1].split("-") if len(part) > 1)
    if name.isupper() and 2 <= len(letters) <= 6:
        return letters in initials(text)
    expanded = [w for w in _WORD.findall(name) if w[0].isupper() and w.lower() not in _STOP]
    return len(expanded) >= 2 and bool(re.search(rf"(?<!\w){re.escape(''.join(w[0] for w in expanded))}(?!\w)", text))


_NAME_JOINERS = frozenset(["of", "for", "and", "the", "de", "on"])


@lru_cache(maxsize=1024)
def initials(text: str) -> frozenset[str]:
    """The abbreviations `text` spells out: the initials of each run of two or more
    capitalised words ("European Union" -> "EU", "International Energy Agency" -> "IEA"), a
    word in capitals giving all its letters ("UK Independence Party" -> "UKIP"); joining words
    ("of", "for") inside a run are skipped."""
    out: set[str] = set()
    run: list[str] = []
    for word in [*_WORD.findall(text), ""]:
        if word[:1].isupper():
            run.append(word if word.isupper() else word[0])
            continue
        if word.lower() in _NAME_JOINERS and run:
            continue
        for i in range(len(run)):
            for j in range(i + 2, len(run) + 1):
                out.add("".join(run[i:j]))
        run = []
    return frozenset(out)


# "one" as a pronoun counts nothing: "one of the biggest", "one another", "no one".
_PRONOUN_ONE = re.compile(r"\bno one\b|\bone (?:of|another)\b")


def numbers(text: str) -> set[str]:
    """Numbers written in digits or words, normalised ('35', 'thirty-five' -> '35')."""
    out = {re.sub(r"[,\s]", "", n) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}
    for match in re.finditer(r"[a-z]+(?:-[a-z]+)?", _PRONOUN_ONE.sub(" ", text.lower())):
        parts = match.group().split("-")
        if all(p in NUMBER_WORDS for p in parts):
            out.add(str(sum(NUMBER_WORDS[p] for p in parts)))
    return {n.rstrip(".") for n in out}


_OPENERS = frozenset("yes no there here after before since while according both all some many".split())


def proper_names(sentence: str) -> list[str]:
    """Capitalised words, the first one unless it is a common opener ("The", "Yes"), without a
    possessive 's (as `words` reads them: "Kell's" is the name Kell)."""
    found = []
    for i, match in enumerate(_WORD.finditer(sentence)):
        word = re.sub(r"['’]s$", "", match.group())
        if all(part in NUMBER_WORDS for part in word.lower().split("-")):
            continue  # numbers are checked as numbers
        if word[0].isupper() and len(word) > 1 and word.lower() not in _STOP and not (i == 0 and word.lower() in _OPENERS):
            found.append(word)
    return found


def supports(sentence: str, quote: str, given: tuple[str, ...] = ()) -> bool:
    """The quote states the sentence, allowing paraphrase: its numbers are there, its names
    are there (names `given` by the question may stand elsewhere in the article), and it
    shares a content word in a close form, unless the sentence is names and numbers only."""
    if not numbers(sentence) <= numbers(quote):
        return False
    for name in proper_names(sentence):
        if not any(close_name(name.lower(), w) for w in words(quote)) and not any(has_word(g, name) for g in given):
            return False
    ours = [w for w in content_words(sentence) if not any(has_word(g, w) for g in given)]
    theirs = content_words(quote)
    return not ours or any(close(a, b) for a in ours for b in theirs)


def about(text: str, question: Question) -> bool:
    """The passage is about what the question asks: its focus noun, in a close form, or for
    one who does something, the doing ("the singer of X" in "X, sung by Ida Lee")."""
    if question.focus is not None:
        return has_form(text, question.focus) or any(has_form(text, stem) for stem in _agent_stems(question.focus))
    if len(question.names) >= 2 or not question.content:
        return True  # "Where did X and Y meet?": both names together are what it is about
    # One name and no focus noun ("When did X die?"): a passage naming X must also say what
    # X did, in some form of the question's own words.
    return any(has_form(text, word) for word in question.content)


def _agent_stems(noun: str) -> tuple[str, ...]:
    """The verb an agent noun is made from, as a stem to match forms against: "singer" ->
    "sing", "director" -> "direct", "receiver" -> "receiv"; none for other nouns."""
    stem = re.sub(r"(?:er|or|ist)$", "", noun)
    return (stem,) if stem != noun and len(stem) >= 3 else ()


def another_one(text: str, question: Question) -> bool:
    """The passage speaks of another one of what the question asks about: wherever it names
    the focus, a word of the question's that says which one ("general" in "the general
    election") is missing, and a name or a nationality of its own says which it is ("the
    European elections"). A passage that names the focus plainly is no other one."""
    if question.focus is None or not question.qualifiers:
        return False
    spelled = initials(text)
    if all(has_form(text, word) or word.upper() in spelled for word in question.qualifiers):
        # "the format, HD-DVD" for "the HD-DVD format", "from the European Union" for "the EU
        # rebate": the words that say which are there
        return False
    (doc,) = parse([text])
    found = [t for t in doc if t.pos_ in {"NOUN", "PROPN"} and close(t.lemma_.lower(), question.focus)]
    if not found:
        return False
    asked = {name_key(w) for w in question.qualifiers}  # "U.S." is "US"
    for noun in found:
        own = [t for t in noun.subtree if t.i < noun.i and t.dep_ != "det"]  # "the US bankruptcy court judge"
        said = {name_key(w) for t in own for w in (t.lemma_, t.text)}
        named = [t for t in own if t.ent_type_ in {"NORP", "GPE", "ORG", "LOC"} or t.pos_ == "PROPN"]
        if asked <= said or not any(name_key(t.text) not in asked for t in named):
            return False
    return True


def sets_aside(text: str, question: Question) -> bool:
    """`text` describes the one the question sets aside (`Question.excluded`), in every word
    the question uses for it: "born 26 January 1990 ... driving for Force India" is the
    driver "besides the Force India driver born in 1990"."""
    return len(question.excluded) >= 2 and all(has_form(text, word) for word in question.excluded)


def coverage(text: str, question: Question) -> float:
    """How much of what the question rests on `text` covers, 0 to 1: its names (weight 2 each,
    by `mentions`), its focus noun (2) and its other content words (1 each), in close forms.
    The evidence a refusal is decided on: the threshold is fitted on development questions."""
    parts = [(2, mentions(text, name)) for name in question.names]
    if question.focus:
        parts.append((2, has_form(text, question.focus)))
    parts += [(1, has_form(text, term)) for term in question.terms if term != question.focus]
    total = sum(weight for weight, _ in parts)
    return sum(weight for weight, found in parts if found) / total if total else 0.0


def locate(span: str, passage: str) -> tuple[int, int] | None:
    """Where `span` stands verbatim (case and spacing aside) in `passage`, or None."""
    parts = _WORD.findall(span)
    if not parts:
        return None
    # Words in order, with only spacing and punctuation between them ("VNC led" finds "VNC) led"),
    # or the "and" of a list a small model left out ("Ann Lee, Mia Vask" finds "Ann Lee and Mia Vask").
    pattern = r"(?<!\w)" + r"[\W_]+(?:(?:and|or)[\W_]+)?".join(re.escape(part) for part in parts) + r"(?!\w)"
    match = re.search(pattern, passage, re.IGNORECASE)
    if not match:
        return None
    # A currency sign before the words and a percent sign after them are part of the answer
    # ("$280bn", "51%"), when the span has them and the passage writes them there.
    start, end = match.span()
    sign = span.lstrip()[:1]
    before = passage[start - 1 : start] if start else ""
    if before and unicodedata.category(before) == "Sc" and (before == sign or sign.isdigit()):
        start -= 1  # "$8bn" for a copied "8bn": the sign is the number's
    if span.rstrip().endswith("%") and re.match(r"\s?%", passage[end:]):
        end = passage.index("%", end) + 1
    return start, end


_MEASURE_TOKEN = re.compile(r"\d[\d,.]*[^\W\d_]*|[^\W_]+|[^\w\s]", re.UNICODE)


def measured(text: str, kind: str) -> bool:
    """`text` holds a number in `kind`'s units (measures.toml), the unit beside the number or
    after a multiplier: "12 euros", "US$1 billion", "£155bn", "450 km", "3.5 per cent"."""
    units = data.measures()["units"].get(kind)
    if not units:
        return True
    tokens = [t.lower() for t in _MEASURE_TOKEN.findall(text)]
    for i, token in enumerate(tokens):
        if not token[0].isdigit() and token not in NUMBER_WORDS:
            continue
        near = tokens[max(0, i - 2) : i] + tokens[i + 1 : i + 4] + [re.sub(r"^[\d,.]+", "", token)]  # "5km" -> "km"
        pairs = [f"{a} {b}" for a, b in zip(near, near[1:])]
        if any(w in units or w.removesuffix("s") in units or w.removesuffix("es") in units for w in near + pairs if w):
            return True
    return False


def of_kind(span: str, question: Question) -> bool:
    """The span is the measure the question asks for: money for a price, a length for a
    distance, a clause (a verb, or a cause: "because of ...") for "why"."""
    if question.measure is None:
        return True
    if question.measure == "clause":
        (doc,) = parse([span])
        return any(t.pos_ in {"VERB", "AUX"} for t in doc) or doc[0].pos_ in {"SCONJ", "ADP"}
    return measured(span, question.measure)


# A number as news writes an amount: a currency sign or code before it ("US$", "£"), a
# multiplier or a percent after it ("bn", "million", "%"), then at most one unit word ("tonnes").
_AMOUNT = re.compile(
    r"(?:\b[A-Z]{1,3})?[^\w\s(]?(?<![\w.,])\d+(?:,\d{3})*(?:\.\d+)?"
    r"(?:\s?(?:bn|m|tn|k|%)(?!\w)|\s(?:billion|million|trillion|thousand|per cent|percent)\b)?(?P<unit>\s[a-z]+s\b)?"
)


def sole_amount(passage: str, question: Question) -> tuple[int, int] | None:
    """Where the passage states the one amount of the kind a "how much/many" question asks
    (its units, when it asks a measure), none of the question's own numbers; of several, the
    one counted in the question's words ("12 seats" for "how many seats"); None when it
    states none or several. The same amount in other units in brackets is one: "$6.75bn
    (£3.6bn)"."""
    given = numbers(question.text)
    found: list[tuple[int, int]] = []
    matches = list(_AMOUNT.finditer(passage))
    doc = parse([passage])[0] if matches else None
    for match in matches:
        start, end = match.span()
        if match["unit"] and not _is_noun_at(doc, match.start("unit") + 1):
            end = match.start("unit")  # "in 2011, has": a verb, not what was counted
        if _is_year(doc, start, end):
            continue  # "since 2011" says when, not how much
        if unicodedata.category(passage[start])[0] not in "NS" and not passage[start].isupper():
            start += 1  # a quote mark or a dash before the number
        amount = passage[start:end]
        if not numbers(amount) - given or not of_kind(amount, question):
            continue
        if found and re.fullmatch(r"\s*\(\s*", passage[found[-1][1] : start]):
            continue  # "(£3.6bn)" after "$6.75bn"
        found.append((start, end))
    if len(found) > 1:  # "How many seats ...?": "12 seats", not "16.1%"
        found = [(a, b) for a, b in found if any(has_word(question.text, w) for w in words(passage[a:b]) if not w[0].isdigit())]
    return found[0] if len(found) == 1 else None


def _is_noun_at(doc, char: int) -> bool:
    token = next((t for t in doc if t.idx == char), None)
    return token is not None and token.pos_ == "NOUN"


def _is_year(doc, start: int, end: int) -> bool:
    """The number alone (no sign, no unit) and the parser reads it as a date."""
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and len(span) == 1 and span[0].like_num and span[0].ent_type_ == "DATE"


def offers(passage: str, question: Question) -> bool:
    """The passage holds something of the kind asked for beyond what the question itself
    says: a number not in the question for "how many", a date for "when", a name other than
    the question's for "who"/"where". Never for a yes/no question: a quote says neither."""
    if question.measure not in (None, "clause") and not measured(passage, question.measure):
        return False
    if question.kind and not kind_spans(passage, question) and not _nationality_of(passage, question.kind):
        return False  # "which judge" and the passage says "the bankruptcy court judge": not which
    if question.expects == "number":
        return bool(numbers(passage) - numbers(question.text))
    if question.expects == "date":
        return fits(passage, "date")
    if question.expects in {"name", "place"}:
        return names_beyond(passage, question)
    return question.expects != "yesno"


_COUNTRY_KINDS = frozenset({"country", "nation"})


def is_clause(span: str) -> bool:
    """The span is a clause with a verb of its own ("The former secretary said in an
    interview ..."), not a noun phrase ("Tory MP Ann Lee", "the war crimes tribunal") nor a
    title whose every word is capitalised ("South Park Is Gay")."""
    said = _WORD.findall(span)
    if len(said) < 4 or all(w[:1].isupper() or w.lower() in _NAME_JOINERS for w in said):
        return False
    (doc,) = parse([span])
    return any(t.dep_ == "ROOT" and t.pos_ in {"VERB", "AUX"} for t in doc)


@lru_cache(maxsize=1024)  # a passage is read for each question part that asks for a kind
def kind_names(text: str, kind: str) -> tuple[tuple[int, int], ...]:
    """Where `text` names something it says is a `kind` (the lemma of "which bank ...?"),
    as the sentence itself says it: the name ends or begins with the noun ("Deutsche Bank",
    "the Veritas Party", "the Bank of Kesh", "Judge Ida Lee"); the noun stands beside it
    ("investment bank Deutsche Bank", "a little-known firm, Tarsk Finance", "Tarsk Oil, a
    state-run group", "the Tarsk Rovers team"); the name is one ("Ann Lee is an actress"), or
    is called so ("a new party called Veritas"); for "which country", a country's name.
    Character spans, in order."""
    (doc,) = parse([text])
    found = []
    seen: set[int] = set()
    for name in _name_spans(doc):
        root = name.root
        while root.dep_ == "compound" and root.head.pos_ == "PROPN":
            root = root.head  # "Veritas - Latin for truth" parsed as one name: its relations are the last word's
        if root.i in seen:
            continue  # the first of the words that stand as one name
        seen.add(root.i)
        beside = [c for c in root.children if c.dep_ in {"compound", "appos", "nmod"} and not name.start <= c.i < name.end]
        if root.dep_ == "appos" or root.dep_ == "compound" and root.head.pos_ == "NOUN":
            beside.append(root.head)  # "a firm, Tarsk Finance"; "the Tarsk Rovers team"
        if root.dep_ == "nsubj" and root.head.lemma_ == "be":
            beside += [c for c in root.head.children if c.dep_ == "attr"]  # "Ann Lee is an actress"
        if root.dep_ in {"oprd", "xcomp", "dobj", "attr"} and root.head.lemma_ in {"call", "name"} and root.head.dep_ == "acl":
            beside.append(root.head.head)  # "a party called Veritas"
        own = len(name) > 1 and any(close(t.lemma_.lower(), kind) for t in (name[0], name[-1]))  # "Deutsche Bank", "Bank of Kesh", "Judge Ida Lee"
        if root.dep_ == "conj" and any(a <= root.head.idx < b for a, b in found):
            found.append((name.start_char, name.end_char))  # "actresses Ann Lee, Ida Brenholt and Mia Vask": the list is
        elif own or any(t.pos_ == "NOUN" and close(t.lemma_.lower(), kind) for t in beside) or (
            kind in _COUNTRY_KINDS and country_code(name_key(name.text))[1] == "country name"
        ):
            found.append((name.start_char, name.end_char))
    return tuple(found)


def kind_spans(passage: str, question: Question) -> list[tuple[int, int]]:
    """The names of the kind the question asks for ("which bank", `kind_names`) that the
    passage gives and the question does not."""
    return [(a, b) for a, b in kind_names(passage, question.kind) if names_beyond(passage[a:b], question) and not _given(passage[a:b], question)]


def _given(name: str, question: Question) -> bool:
    """`name` is one the question gives, in some form ("UK Independence Party" for "UKIP"),
    or with only the kind asked for added ("the Veritas Party" for "Veritas"); not a longer
    name that holds it ("Halden International Airport" for "Halden")."""
    for given in question.names:
        if mentions(given, name):
            return True
        if mentions(name, given):
            said, asked = set(naming_words(name)), set(naming_words(given))
            if not asked <= said or said - asked <= {question.kind}:
                return True  # its initials ("UK Independence Party" for "UKIP"), or the name and the kind
    return False


def _nationality_of(text: str, kind: str) -> bool:
    """A nationality says which of `kind` the text means ("the Danish and German
    governments"), though it names none."""
    (doc,) = parse([text])
    return any(
        t.ent_type_ == "NORP" and t.dep_ == "amod" and t.head.pos_ == "NOUN" and close(t.head.lemma_.lower(), kind) for t in doc
    )


def countries_said(text: str) -> frozenset[str]:
    """The countries `text` names, as codes, by name or by nationality ("an American director",
    "a band from the United States")."""
    (doc,) = parse([text])
    return frozenset(code for ent in doc.ents if ent.label_ in {"GPE", "NORP"} and (code := country_code(name_key(ent.text))[0]))


def _name_spans(doc) -> list:
    """The names in a parsed sentence: its entities of a naming kind, without a leading "the"
    or anything from a spaced dash on, and runs of proper nouns (joined across a hyphen:
    "Kilroy-Silk"); names that touch are one ("Lord" "Butler", "UK" "Independence Party")."""
    spans = []
    for ent in doc.ents:
        if ent.label_ not in NAME_LABELS:
            continue
        start = ent.start + (doc[ent.start].lower_ == "the")
        end = next((t.i for t in ent if t.is_punct and t.i > start and doc[t.i - 1].whitespace_), ent.end)
        owner = next((t.i for t in doc[start:end] if t.tag_ == "POS"), None)  # "Ann Lee's Tarsk Party": two names
        for a, b in ((start, owner), (owner + 1, end)) if owner is not None else ((start, end),):
            if a < b:
                spans.append(doc[a:b])
    taken = {i for span in spans for i in range(span.start, span.end)}
    run: list = []
    for token in list(doc) + [None]:
        joins = token is not None and token.text == "-" and run and not run[-1].whitespace_ and token.i + 1 < len(doc) and doc[token.i + 1].pos_ == "PROPN"
        if token is not None and token.i not in taken and (token.pos_ == "PROPN" or joins):
            run.append(token)
            continue
        if run:
            spans.append(doc[run[0].i : run[-1].i + 1])
        run = []
    joined: list = []
    for span in sorted(spans, key=lambda span: span.start):
        if joined and joined[-1].end == span.start:
            joined[-1] = doc[joined[-1].start : span.end]
        else:
            joined.append(span)
    return joined


def counts_only_others(passage: str, question: Question) -> bool:
    """Every number the passage adds to the question's counts something else than what "how
    many X" asks: "only one mobile network" says nothing of how many subscribers it has."""
    if question.counted is None:
        return False
    (doc,) = parse([passage])
    given = numbers(question.text)
    added = [t for t in doc if t.like_num and numbers(t.text) - given]
    return bool(added) and all(
        t.dep_ == "nummod" and t.head.pos_ == "NOUN" and not close(t.head.lemma_.lower(), question.counted) for t in added
    )


def names_beyond(text: str, question: Question) -> bool:
    """`text` holds a proper name the question does not, a title aside: "Who was Ida pregnant
    with?" is not answered by "Ida was six months pregnant", nor "Who told Kell ...?" by "Mr Kell"."""
    titles = data.titles()
    return any(
        not any(close_name(w.lower(), n) for name in question.names for n in naming_words(name))
        for w in proper_names(text) if w.lower() not in titles
    )


def restates(span: str, question: str) -> bool:
    """Every word of the span that carries meaning is already the question's: "What do Ann
    Lee and Tim Brask have in common?" is not answered by "Ann Lee"."""
    said = [w for w in words(span) if w not in _STOP]
    return bool(said) and all(has_word(question, w) for w in said)


def fits(span: str, expects: str) -> bool:
    """The span is the kind of answer the question wants (a number for 'how many'...)."""
    lowered = span.lower()
    if expects == "number":
        return bool(numbers(span))
    if expects == "date":
        return bool(re.search(r"\d", span)) or any(m in lowered for m in _MONTHS + _DAYS)
    if expects in {"name", "place"}:
        return any(w[0].isupper() for w in _WORD.findall(span))
    return True
