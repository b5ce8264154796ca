"""Scoring against gold: alias mapping, stance P/R/F1 rules, grounding, dates. Offline, no model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.evaluation.score import (
    AliasMap,
    agrees_at_precision,
    evaluate,
    event_match_score,
    fold_name,
    format_report,
    load_gold,
    map_actor,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "libya"
DEV_JSON = ROOT.parent / "shared" / "eval" / "dev.json"

A0, A1, A2 = "000_9d2263bbbf356092.txt", "001_1dc8111de523b102.txt", "002_f78050063894d683.txt"
ART = {"000": A0, "001": A1, "002": A2}

ALIASES = {
    "GNA": ["gna", "government of national accord", "tripoli government",
            "internationally recognized government", "fayez al-serraj", "al-serraj", "serraj",
            "sarraj", "fayez al-sarraj", "gna forces"],
    "LNA": ["lna", "libyan national army", "haftar", "khalifa haftar", "hifter",
            "general khalifa haftar", "haftar's lna", "eastern-based libyan national army",
            "pro-haftar fighters"],
    "Turkey": ["turkey", "ankara", "erdogan", "recep tayyip erdogan", "turkish"],
    "Russia": ["russia", "moscow", "kremlin", "putin", "vladimir putin", "russian",
               "russian military contractors"],
    "Qatar": ["qatar"],
    "UN": ["un", "united nations", "the un", "u.n."],
    "Italy": ["italy", "italian"],
    "Egypt": ["egypt", "cairo"],
    "UAE": ["united arab emirates", "emirates", "the united arab emirates"],
    "Saudi Arabia": ["saudi arabia", "saudi"],
    "Jordan": ["jordan"],
    "France": ["france", "french"],
    "Germany": ["germany", "german", "berlin", "heiko maas"],
    "UK": ["british"],
    "Greece": ["greece"],
    "Cyprus": ["cyprus"],
    "EU": ["eu", "european union", "european officials"],
}
_STANCES = """
000 Russia supports LNA|000 Saudi Arabia supports LNA|000 Egypt supports LNA|000 Jordan supports LNA
000 UAE supports LNA|000 UN supports GNA|000 Turkey supports GNA|000 Qatar supports GNA
000 UK opposes Turkey|000 France opposes Turkey|000 Germany opposes Turkey|000 Italy opposes Turkey
000 LNA opposes GNA|001 Russia supports LNA|001 UAE supports LNA|001 Jordan supports LNA
001 Egypt supports LNA|001 Turkey supports GNA|001 France opposes Turkey|001 Egypt opposes Turkey
001 Greece opposes Turkey|001 Cyprus opposes Turkey|001 LNA opposes GNA|001 GNA opposes LNA
002 Russia supports LNA|002 Egypt supports LNA|002 UAE supports LNA|002 Saudi Arabia supports LNA
002 Turkey supports GNA|002 UN supports GNA|002 Italy supports GNA
"""
_AMBIGUOUS = """
000 France supports LNA|001 EU opposes Turkey|002 LNA opposes GNA|000 GNA opposes LNA
002 GNA opposes LNA|000 EU opposes Turkey|001 UN supports GNA|001 Italy supports GNA
001 Italy supports LNA
"""


def _entries(spec: str) -> list[dict]:
    out = []
    for item in spec.replace("\n", "|").split("|"):
        item = item.strip()
        if not item:
            continue
        art, rest = item.split(" ", 1)
        for rel in ("supports", "opposes"):
            if f" {rel} " in rest:
                holder, target = rest.split(f" {rel} ")
                out.append({"article": ART[art], "holder": holder, "relation": rel, "target": target})
    return out


DATES = [
    (A0, "ceasefire starts", "--01-12", "day"),
    (A1, "ceasefire starts", "2020-01-12", "day"),
    (A2, "ceasefire starts", "2020-01-12", "day"),
    (A1, "Turkey and Russia call for a ceasefire (Erdogan-Putin talks in Istanbul)", "2020-01-08", "day"),
    (A2, "Turkey and Russia call for a ceasefire (Erdogan-Putin talks in Istanbul)", "2020-01-08", "day"),
    (A1, "LNA takes control of Sirte", "2020-01-06", "day"),
    (A2, "LNA takes control of Sirte", "2020-01-06", "day"),
    (A1, "clashes near al-Washka between Sirte and Misrata", "2020-01-07", "day"),
    (A1, "LNA offensive on Tripoli begins", "2019-04", "month"),
    (A1, "Gaddafi toppled", "2011", "year"),
]

GOLD = {
    "aliases": ALIASES,
    "stances": _entries(_STANCES),
    "ambiguous": _entries(_AMBIGUOUS),
    "disputed": [{"article": A0, "holder": "France", "relation": "supports", "target": "LNA",
                  "status": "denied"}],
    "dates": [{"article": a, "event": e, "value": v, "precision": p} for a, e, v, p in DATES],
    "unanchored": [{"article": A0, "text": "Wednesday"}],
}


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {name: (EXAMPLES / name).read_text(encoding="utf-8") for name in (A0, A1, A2)}


def ev(texts: dict[str, str], article: str, quote: str) -> dict:
    """Evidence for the first occurrence of `quote` in the article (which must hold it)."""
    start = texts[article].index(quote)
    return {"article": article, "start": start, "end": start + len(quote), "quote": quote}


def stance(texts, article, holder, relation, target, quote="Libya", status="stated") -> dict:
    return {"type": "stance", "holder": holder, "relation": relation, "target": target,
            "status": status, "attribution": None, "evidence": ev(texts, article, quote)}


def date(texts, article, text, event, value, precision="day", anchor="2020-01-08") -> dict:
    return {"type": "date", "text": text, "event": event, "value": value, "precision": precision,
            "anchor": anchor, "unresolved": value is None, "evidence": ev(texts, article, text)}


def perfect_records(gold: dict, texts: dict[str, str]) -> list[dict]:
    recs = []
    for i, s in enumerate(gold["stances"]):
        t = texts[s["article"]]
        start = (37 * i) % (len(t) - 40)
        quote = t[start:start + 25]
        recs.append({"type": "stance", "holder": s["holder"], "relation": s["relation"],
                     "target": s["target"], "status": "stated", "attribution": None,
                     "evidence": {"article": s["article"], "start": start, "end": start + 25,
                                  "quote": quote}})
    for d in gold["dates"]:
        t = texts[d["article"]]
        anchor = None if d["value"].startswith("--") else "2020-01-08"
        recs.append({"type": "date", "text": t[10:20], "event": d["event"], "value": d["value"],
                     "precision": d["precision"], "anchor": anchor, "unresolved": False,
                     "evidence": {"article": d["article"], "start": 10, "end": 20, "quote": t[10:20]}})
    return recs


# --------------------------------------------------------------------------- alias mapping


def test_fold_name():
    assert fold_name("  The   Libyan\nNational Army ") == "libyan national army"
    assert fold_name("Turkey\u2019s") == "turkey"
    assert fold_name("Haftar's") == "haftar"
    assert fold_name("Theodore") == "theodore"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("GNA", "GNA"),                                   # canonical name
        ("Libyan National Army", "LNA"),                  # exact alias
        ("the United Nations", "UN"),                     # leading "the"
        ("The UN", "UN"),
        ("Turkey's", "Turkey"),                           # possessive
        ("Turkey\u2019s", "Turkey"),                      # curly possessive
        ("Turkish troops", "Turkey"),                     # containment
        ("Khalifa Haftar's Libyan National Army", "LNA"),  # containment, longest alias
        ("Haftar's LNA", "LNA"),                          # alias with a possessive inside
        ("Russian contract soldiers", "Russia"),
        ("French President Emmanuel Macron", "France"),
        ("Fayez al-Serraj", "GNA"),
        ("Moscow and Ankara", "Russia"),                  # tie on length: earliest wins
        ("Hamburg", "hamburg"),                           # unmapped: folded form
        ("The Wagner Group", "wagner group"),
        ("Saudi-led coalition", "Saudi Arabia"),
        ("unsaid", "unsaid"),                             # "un" only as a whole word
    ],
)
def test_map_actor(name, expected):
    assert map_actor(name, ALIASES) == expected


def test_longest_alias_wins():
    amap = AliasMap({"Russia": ["russian"], "Wagner": ["russian military contractors"]})
    assert amap.map("Russian military contractors deployed") == "Wagner"
    assert amap.map("Russian diplomats") == "Russia"


# --------------------------------------------------------------------------- stances


def test_perfect_predictions_score_one(texts):
    report = evaluate(GOLD, perfect_records(GOLD, texts), texts, seconds={A0: 2.0, A1: 4.0, A2: 6.0})
    assert (report.micro.tp, report.micro.fp, report.micro.fn) == (31, 0, 0)
    assert report.micro.precision == report.micro.recall == report.micro.f1 == 1.0
    assert report.corpus.precision == report.corpus.recall == 1.0
    assert report.corpus.tp == 18  # 13 in 000, +4 new in 001, +1 new (Italy>GNA) in 002
    assert set(report.per_article) == {A0, A1, A2}
    assert report.per_article[A1].tp == 11 and report.per_article[A1].f1 == 1.0
    assert report.macro_f1 == 1.0
    assert report.grounding_rate == 1.0 and report.grounded == report.total_records == 41
    assert (report.dates.correct, report.dates.total) == (10, 10)
    assert report.fabricated_dates.count == 0  # values equal gold; "2011" etc. are not flagged
    assert report.seconds_per_article == 4.0
    assert report.false_positives == [] and report.false_negatives == []
    text = format_report(report)
    assert "micro" in text and "dates 10/10" in text


@pytest.mark.skipif(not DEV_JSON.exists(), reason="shared eval/dev.json not present")
def test_perfect_predictions_from_dev_json(texts):
    gold = load_gold(DEV_JSON)
    report = evaluate(gold, perfect_records(gold, texts), texts)
    assert report.micro.f1 == 1.0 and report.corpus.f1 == 1.0
    assert report.micro.tp == len({(s["article"], s["holder"], s["relation"], s["target"])
                                   for s in gold["stances"]})
    assert report.dates.correct == report.dates.total == len(gold["dates"])


def test_surface_names_condemns_and_duplicates(texts):
    recs = [
        stance(texts, A0, "Russia", "supports", "Haftar"),
        stance(texts, A0, "Moscow", "supports", "the Libyan National Army"),  # duplicate tuple
        stance(texts, A0, "British, French, German, and Italian foreign ministers", "condemns",
               "Turkey's plans"),  # condemns -> opposes; holder: longest aliases tie, earliest = UK
        stance(texts, A0, "Turkey", "calls_for", "ceasefire"),  # not scored
        stance(texts, A0, "Egypt", "supports", "GNA"),  # FP
    ]
    report = evaluate(GOLD, recs, texts)
    # Russia>LNA (one unique tuple), UK opposes Turkey, Egypt>GNA (FP)
    pa = report.per_article[A0]
    assert pa.tp == 2 and pa.fp == 1 and pa.fn == 11
    assert pa.precision == round(2 / 3, 4)
    assert [(t.holder, t.relation, t.target) for t in report.false_positives] == [("Egypt", "supports", "GNA")]
    assert report.per_article[A1].tp == 0 and report.per_article[A1].fn == 11
    assert report.micro.tp == 2 and report.micro.fp == 1 and report.micro.fn == 29
    assert report.total_records == 5 and report.grounded == 5


def test_condemns_counts_as_opposes(texts):
    report = evaluate(GOLD, [stance(texts, A1, "Greece", "condemns", "Turkey")], texts)
    assert report.per_article[A1].tp == 1 and report.per_article[A1].fp == 0


def test_ambiguous_neither_rewarded_nor_penalised(texts):
    base = [stance(texts, A1, "Russia", "supports", "LNA")]
    with_amb = base + [stance(texts, A1, "European Union", "opposes", "Turkey"),
                       stance(texts, A1, "United Nations", "supports", "GNA")]
    r0, r1 = evaluate(GOLD, base, texts), evaluate(GOLD, with_amb, texts)
    assert r0.per_article[A1].model_dump() == r1.per_article[A1].model_dump()
    assert (r1.per_article[A1].tp, r1.per_article[A1].fp) == (1, 0)
    assert r1.ignored_ambiguous == 2
    # UN supports GNA is gold in 000 and 002, so at corpus level it is a TP
    assert r1.corpus.tp == 2 and r1.corpus.fp == 0


def test_disputed_stated_is_fp_denied_is_handled(texts):
    stated = evaluate(GOLD, [stance(texts, A0, "France", "supports", "Haftar")], texts)
    assert stated.per_article[A0].fp == 1 and stated.per_article[A0].tp == 0
    assert stated.false_positives[0].reason.startswith("disputed")
    assert stated.disputed_handled == 0
    assert stated.corpus.fp == 1

    for status in ("denied", "claimed"):
        hedged = evaluate(GOLD, [stance(texts, A0, "France", "supports", "LNA", status=status)], texts)
        assert hedged.per_article[A0].fp == 0 and hedged.per_article[A0].tp == 0
        assert hedged.disputed_handled == 1
        assert hedged.corpus.fp == 0


def test_claimed_not_disputed_is_ignored(texts):
    report = evaluate(GOLD, [stance(texts, A0, "Russia", "supports", "LNA", status="claimed"),
                             stance(texts, A0, "Qatar", "opposes", "LNA", status="denied")], texts)
    assert (report.micro.tp, report.micro.fp) == (0, 0)
    assert report.disputed_handled == 0


def test_ungrounded_quote_is_fp(texts):
    good = stance(texts, A2, "Russia", "supports", "LNA")
    bad = stance(texts, A2, "Egypt", "supports", "LNA")
    bad["evidence"] = {**bad["evidence"], "quote": "Egypt backs Haftar"}  # not at those offsets
    shifted = stance(texts, A2, "UAE", "supports", "LNA", quote="United Arab Emirates")
    shifted["evidence"] = {**shifted["evidence"], "start": shifted["evidence"]["start"] + 1,
                           "end": shifted["evidence"]["end"] + 1}
    unknown = stance(texts, A2, "UN", "supports", "GNA")
    unknown["evidence"] = {**unknown["evidence"], "article": "999_missing.txt"}
    report = evaluate(GOLD, [good, bad, shifted, unknown], texts)
    pa = report.per_article[A2]
    # the unknown article is not a scored article, so only grounding notices it
    assert (pa.tp, pa.fp, pa.fn) == (1, 2, 6)
    assert {t.holder for t in report.false_positives} == {"Egypt", "UAE"}
    assert all(t.reason == "evidence quote not verbatim" for t in report.false_positives)
    assert report.grounded == 1 and report.total_records == 4 and report.grounding_rate == 0.25
    assert report.corpus.fp == 2


def test_only_gold_articles_scored(texts):
    rec = stance(texts, A0, "Egypt", "supports", "GNA")
    rec["evidence"] = {**rec["evidence"], "article": "003_102be30d7dd56491.txt"}
    t = {**texts, "003_102be30d7dd56491.txt": texts[A0]}
    report = evaluate(GOLD, [rec], t)
    assert report.micro.fp == 0 and "003_102be30d7dd56491.txt" not in report.per_article
    assert report.grounded == 1


def test_article_path_falls_back_to_basename(texts):
    rec = stance(texts, A0, "Qatar", "supports", "GNA")
    rec["evidence"] = {**rec["evidence"], "article": f"examples/libya/{A0}"}
    report = evaluate(GOLD, [rec], texts)
    assert report.per_article[A0].tp == 1 and report.grounded == 1


def test_self_stance_is_fp(texts):
    report = evaluate(GOLD, [stance(texts, A0, "Erdogan", "supports", "Turkish troops")], texts)
    assert report.per_article[A0].fp == 1
    assert report.false_positives[0].holder == report.false_positives[0].target == "Turkey"


def test_unmapped_names_are_fps(texts):
    report = evaluate(GOLD, [stance(texts, A0, "The Wagner Group", "supports", "Haftar")], texts)
    assert report.false_positives[0].holder == "wagner group"
    assert report.micro.fp == 1 and report.corpus.fp == 1


def test_empty_predictions(texts):
    report = evaluate(GOLD, [], texts)
    assert report.micro.model_dump() == {"tp": 0, "fp": 0, "fn": 31, "precision": 0.0,
                                         "recall": 0.0, "f1": 0.0}
    assert report.grounding_rate == 0.0 and report.total_records == 0
    assert report.dates.correct == 0 and report.dates.total == 10
    assert report.seconds_per_article is None
    assert len(report.false_negatives) == 31


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("pred", "gold", "precision", "ok"),
    [
        ("2020-01-12", "2020-01-12", "day", True),
        ("2020-01-11", "2020-01-12", "day", False),
        ("2020-01", "2020-01-12", "day", False),      # coarser than gold
        ("2019-04", "2019-04", "month", True),
        ("2019-04-01", "2019-04", "month", True),     # finer is fine
        ("2019-05", "2019-04", "month", False),
        ("2011", "2011", "year", True),
        ("2011-02-17", "2011", "year", True),
        ("2012", "2011", "year", False),
        ("--01-12", "--01-12", "day", True),
        ("2020-01-12", "--01-12", "day", False),      # fabricated year
        ("--01-13", "--01-12", "day", False),
        ("--01-12", "2020-01-12", "day", False),      # year missing
        (None, "2011", "year", False),
    ],
)
def test_agrees_at_precision(pred, gold, precision, ok):
    assert agrees_at_precision(pred, gold, precision) is ok


@pytest.mark.parametrize(
    ("gold_event", "sentence", "matches"),
    [
        ("LNA takes control of Sirte",
         "Haftar's LNA took control of Sirte, a strategically important city in the centre of "
         "Libya's Mediterranean coastline, in a rapid advance on Monday", True),
        ("LNA takes control of Sirte",
         "He took control of the city of Surt on Monday and was closer to threatening capital "
         "with a peace plan.", True),
        ("Gaddafi toppled", "strongman Muammar Qaddafi was toppled and killed by rebels in late 2011",
         True),
        ("Turkey and Russia call for a ceasefire (Erdogan-Putin talks in Istanbul)",
         "Turkey and Russia urged Libya's warring parties on Wednesday to declare a ceasefire on "
         "Sunday", True),
        ("clashes near al-Washka between Sirte and Misrata",
         "On Tuesday afternoon, clashes broke out around al-Washka, on the road between Sirte and "
         "Misrata", True),
        ("ceasefire starts", "calling for a truce in Libya, starting at midnight on January 12", True),
        ("Gaddafi toppled", "The Benghazi-based LNA took control of strategic coastal city Sirte on "
         "Monday.", False),
        ("clashes near al-Washka between Sirte and Misrata",
         "GNA forces said on Tuesday they had withdrawn from Sirte to avoid bloodshed.", False),
    ],
)
def test_event_matching(gold_event, sentence, matches):
    assert (event_match_score(gold_event, sentence) >= 0.5) is matches


def _sentence(texts: dict[str, str], article: str, fragment: str) -> str:
    t = texts[article]
    i = t.index(fragment)
    start = max(t.rfind(". ", 0, i) + 2, t.rfind("\n", 0, i) + 1)
    end = t.find(".", i)
    return t[start:end + 1]


def test_dates_from_real_sentences(texts):
    S = lambda a, frag: _sentence(texts, a, frag)  # noqa: E731
    recs = [
        # 000: no publication date: January 12 keeps no year; Wednesday stays unresolved
        date(texts, A0, "January 12", S(A0, "declare a ceasefire on January 12"), "--01-12", anchor=None),
        date(texts, A0, "Wednesday", S(A0, "declare a ceasefire on January 12"), None, None, anchor=None),
        # 001
        date(texts, A1, "Sunday", S(A1, "to declare a ceasefire on Sunday"), "2020-01-12"),
        date(texts, A1, "Wednesday", S(A1, "to declare a ceasefire on Sunday"), "2020-01-08"),
        date(texts, A1, "Monday", S(A1, "in a rapid advance on Monday"), "2020-01-06"),
        date(texts, A1, "On Tuesday afternoon", S(A1, "clashes broke out around al-Washka"), "2020-01-07"),
        date(texts, A1, "Since April", S(A1, "Since April, the LNA"), "2020-04", "month"),  # wrong year
        date(texts, A1, "2011", S(A1, "was toppled in 2011"), "2011", "year"),
        # 002
        date(texts, A2, "January 12", S(A2, "starting at midnight on January 12"), "2020-01-12"),
        date(texts, A2, "Saturday night", S(A2, "start the ceasefire in Libya on Saturday"), "2020-01-11"),
        date(texts, A2, "Wednesday", S(A2, "start the ceasefire in Libya on Saturday"), "2020-01-08"),
        date(texts, A2, "Monday", S(A2, "city of Surt on Monday"), "2020-01-07"),  # wrong day
    ]
    report = evaluate(GOLD, recs, texts)
    by = {(d.article, d.event): d for d in report.dates.details}
    assert by[(A0, "ceasefire starts")].correct
    assert by[(A1, "ceasefire starts")].correct
    assert by[(A2, "ceasefire starts")].correct
    assert by[(A1, DATES[3][1])].correct and by[(A2, DATES[4][1])].correct
    assert by[(A1, "LNA takes control of Sirte")].correct
    assert not by[(A2, "LNA takes control of Sirte")].correct
    assert by[(A2, "LNA takes control of Sirte")].best.value == "2020-01-07"
    assert by[(A1, "clashes near al-Washka between Sirte and Misrata")].correct
    assert not by[(A1, "LNA offensive on Tripoli begins")].correct
    assert by[(A1, "Gaddafi toppled")].correct
    assert (report.dates.correct, report.dates.total) == (8, 10)
    assert report.fabricated_dates.count == 0
    assert "dates 8/10" in format_report(report)


def test_fabricated_year_and_unanchored(texts):
    sent = _sentence(texts, A0, "declare a ceasefire on January 12")
    recs = [
        date(texts, A0, "January 12", sent, "2020-01-12", anchor=None),     # invented year
        date(texts, A0, "Wednesday", sent, "2020-01-08", anchor=None),      # unanchored + year
        date(texts, A0, "last week", _sentence(texts, A0, "last week passed"), "2020-W01",
             "day", anchor=None),                                           # year, no anchor
        date(texts, A0, "2011", _sentence(texts, A0, "late 2011"), "2011", "year", anchor=None),  # fine
        date(texts, A1, "Sunday", _sentence(texts, A1, "ceasefire on Sunday"), "2020-01-12"),  # anchored
    ]
    report = evaluate(GOLD, recs, texts)
    assert not report.dates.details[0].correct  # gold --01-12, predicted 2020-01-12
    fab = report.fabricated_dates
    assert fab.count == 3
    assert [f.text for f in fab.records] == ["January 12", "Wednesday", "last week"]
    assert len(fab.records[1].reasons) == 2
    assert fab.records[1].reasons[0].startswith("resolves unanchored")


def test_unanchored_resolved_without_year_is_fabricated(texts):
    sent = _sentence(texts, A0, "declare a ceasefire on January 12")
    report = evaluate(GOLD, [date(texts, A0, "on Wednesday", sent, "--01-08", anchor=None)], texts)
    assert report.fabricated_dates.count == 1


def test_ungrounded_date_is_not_a_candidate(texts):
    rec = date(texts, A1, "2011", _sentence(texts, A1, "was toppled in 2011"), "2011", "year")
    rec["evidence"] = {**rec["evidence"], "start": rec["evidence"]["start"] + 3,
                       "end": rec["evidence"]["end"] + 3}
    report = evaluate(GOLD, [rec], texts)
    assert report.dates.correct == 0 and report.grounding_rate == 0.0


def test_report_is_json_serialisable(texts):
    report = evaluate(GOLD, perfect_records(GOLD, texts)[:3], texts, seconds={A0: 1.5})
    data = json.loads(json.dumps(report.to_dict()))
    assert data["micro"]["tp"] == 3 and data["seconds_per_article"] == 1.5
    assert evaluate(GOLD, perfect_records(GOLD, texts)[:3], texts).model_dump() == \
        evaluate(GOLD, perfect_records(GOLD, texts)[:3], texts).model_dump()
