"""Finding and resolving date expressions: deterministic, anchored on the publication date only."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import pytest

from agent.extract.dates import find_date_mentions, resolve
from agent.ingest.published import parse_published
from agent.models import Article, DateMention
from agent.text.dates import languages_naming_a_month

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "libya"
WED = date(2020, 1, 8)  # a Wednesday
ANCHORS = {"000": None, "001": WED, "002": WED, "003": None, "004": None}


def make_article(text: str, published: date | None = None, article_id: str = "invented.txt") -> Article:
    return Article(
        id=article_id,
        path=article_id,
        text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        published=published,
    )


def example(prefix: str, published: date | None = None) -> Article:
    (path,) = EXAMPLES.glob(f"{prefix}_*.txt")
    return make_article(path.read_text(encoding="utf-8"), published, path.name)


def by_text(mentions: list[DateMention], text: str, in_event: str = "") -> DateMention:
    found = [m for m in mentions if m.text == text and in_event in m.event]
    assert found, f"no mention {text!r} (event containing {in_event!r}) in {[m.text for m in mentions]}"
    return found[0]


# --- the example articles ------------------------------------------------------------


def test_unanchored_article_leaves_relative_dates_unresolved():
    mentions = find_date_mentions(example("000"))
    wednesday = by_text(mentions, "on Wednesday", "called on warring sides")
    assert (wednesday.value, wednesday.precision, wednesday.anchor, wednesday.unresolved) == (None, None, None, True)
    for text in ("on Monday", "last week", "on Tuesday", "on Tuesday afternoon"):
        m = by_text(mentions, text)
        assert m.unresolved and m.value is None and m.precision is None and m.anchor is None


def test_unanchored_article_keeps_day_and_month_without_inventing_a_year():
    mentions = find_date_mentions(example("000"))
    ceasefire = by_text(mentions, "on January 12")
    assert (ceasefire.value, ceasefire.precision, ceasefire.unresolved) == ("--01-12", "day", False)
    assert "declare a ceasefire" in ceasefire.event
    april = by_text(mentions, "in April")
    assert (april.value, april.precision) == ("--04", "month")
    assert by_text(mentions, "in late 2011").value == "2011"


@pytest.mark.parametrize("prefix", sorted(ANCHORS))
def test_no_fabricated_year_without_anchor(prefix):
    """With no publication date, a value may hold a year only when the expression states it."""
    for m in find_date_mentions(example(prefix)):
        year = re.match(r"\d{4}", m.value or "")
        if year:
            assert year.group() in m.text, m
        if m.value is None:
            assert m.unresolved and m.precision is None


def test_anchored_article_resolves_weekdays_months_and_years():
    mentions = find_date_mentions(example("001", WED))
    expected = {
        ("on Wednesday", "urged Libya's warring parties"): ("2020-01-08", "day"),
        ("on Sunday", "declare a ceasefire"): ("2020-01-12", "day"),
        ("on Monday", "took control of Sirte"): ("2020-01-06", "day"),
        ("on Tuesday", "withdrawn from Sirte"): ("2020-01-07", "day"),
        ("On Tuesday afternoon", "al-Washka"): ("2020-01-07", "day"),
        ("late on Wednesday", "serious call"): ("2020-01-08", "day"),
        ("Since April", "waging a campaign"): ("2019-04", "month"),
        ("in November", "maritime deal"): ("2019-11", "month"),
        ("in 2011", "toppled"): ("2011", "year"),
        ("since 2014", "divided"): ("2014", "year"),
        ("in late 2016", "Islamic State"): ("2016", "year"),
    }
    for (text, event), (value, precision) in expected.items():
        m = by_text(mentions, text, event)
        assert (m.value, m.precision, m.unresolved) == (value, precision, False), m
    # Relative values record the anchor they used; absolute ones do not need it.
    assert by_text(mentions, "on Sunday").anchor == WED
    assert by_text(mentions, "in 2011").anchor is None


def test_last_week_spanning_two_months_stays_unresolved():
    m = by_text(find_date_mentions(example("001", WED)), "last week")
    # 2019-12-30 .. 2020-01-05: no honest single value at day, month or year precision.
    assert (m.value, m.precision, m.anchor, m.unresolved) == (None, None, None, True)


def test_second_anchored_article():
    mentions = find_date_mentions(example("002", WED))
    assert by_text(mentions, "on Saturday night").value == "2020-01-11"  # "to start the ceasefire": future
    assert by_text(mentions, "the night from Saturday to Sunday").value == "2020-01-11"
    assert by_text(mentions, "Today").value == "2020-01-08"
    assert {m.value for m in mentions if m.text == "on January 12"} == {"2020-01-12"}
    assert by_text(mentions, "on Monday").value == "2020-01-06"
    assert (by_text(mentions, "last year").value, by_text(mentions, "last year").precision) == ("2019", "year")


def test_datelines_and_urls_are_not_event_dates():
    m001 = find_date_mentions(example("001", WED))
    assert not [m for m in m001 if "2020" in m.text]  # "January 08, 2020" line, ".../2020/01/08/..." URL
    m002 = find_date_mentions(example("002", WED))
    assert not [m for m in m002 if "2020-01-08" in m.text]  # "date 2020-01-08 ISTANBUL –"
    dateline = find_date_mentions(example("001", WED), include_datelines=True)
    assert [m.value for m in dateline if m.text == "January 08, 2020"] == ["2020-01-08"]


@pytest.mark.parametrize("prefix", sorted(ANCHORS))
@pytest.mark.parametrize("anchored", [True, False])
def test_exact_offsets_in_every_example(prefix, anchored):
    article = example(prefix, ANCHORS[prefix] if anchored else None)
    mentions = find_date_mentions(article)
    assert mentions
    for m in mentions:
        ev = m.evidence
        assert ev.article == article.id
        assert article.text[ev.start : ev.end] == ev.quote == m.text
        assert m.event and m.text.split()[-1] in m.event
        assert len(m.event) <= 310
        assert m.unresolved == (m.value is None)
        assert (m.value is None) == (m.precision is None)


def test_example_false_positives():
    texts = " | ".join(m.text for p in sorted(ANCHORS) for m in find_date_mentions(example(p, ANCHORS[p])))
    for noise in ("35", "370", "2510", "00:00", "40 years", "190"):
        assert noise not in texts
    # "In the last month" (004) is a duration, not a date.
    assert "last month" not in texts


# --- invented sentences ----------------------------------------------------------------

FRI_ANCHOR = date(2021, 3, 10)  # a Wednesday


@pytest.mark.parametrize(
    ("sentence", "expression", "expected"),
    [
        ("The Northern Compact seized the port of Veloria on Friday.", "on Friday", "2021-03-05"),
        ("The Northern Compact will hold elections on Friday.", "on Friday", "2021-03-12"),
        ("Voting will be free, the Compact said on Friday.", "on Friday", "2021-03-05"),
        ("Veloria's council is due to meet on Friday.", "on Friday", "2021-03-12"),
        ("The envoy urged both militias on Monday to lay down arms on Friday.", "on Monday", "2021-03-08"),
        ("The envoy urged both militias on Monday to lay down arms on Friday.", "on Friday", "2021-03-12"),
        ("A truce takes hold starting Saturday.", "starting Saturday", "2021-03-13"),
        ("The Compact met in Veloria on Wednesday.", "on Wednesday", "2021-03-10"),
        ("The Compact will meet in Veloria on Wednesday.", "on Wednesday", "2021-03-17"),
        ("Talks stalled last Wednesday.", "last Wednesday", "2021-03-03"),
        ("Talks resume next Monday.", "next Monday", "2021-03-15"),
        ("Rebels crossed the river Tuesday afternoon.", "Tuesday afternoon", "2021-03-09"),
        ("Troops must leave Veloria by Friday, the envoy warned.", "by Friday", "2021-03-12"),
        ("The Compact agreed to withdraw within a month, after talks on Friday.", "on Friday", "2021-03-05"),
        ("The envoy urged the militias, on Monday, to disarm on Friday.", "on Friday", "2021-03-12"),
        (
            "The council will lift the curfew in the night from Saturday to Sunday.",
            "in the night from Saturday to Sunday",
            "2021-03-13",
        ),
    ],
)
def test_weekday_rule(sentence, expression, expected):
    assert resolve(expression, FRI_ANCHOR, sentence) == (expected, "day")
    mention = by_text(find_date_mentions(make_article(sentence, FRI_ANCHOR)), expression)
    assert mention.value == expected and mention.anchor == FRI_ANCHOR


def test_weekdays_without_anchor_are_unresolved():
    article = make_article("The Northern Compact shelled Veloria on Thursday and withdrew on Friday night.")
    mentions = find_date_mentions(article)
    assert [m.text for m in mentions] == ["on Thursday", "on Friday night"]
    assert all(m.unresolved and m.value is None and m.anchor is None for m in mentions)
    assert resolve("Thursday", None) == (None, None)


@pytest.mark.parametrize(
    ("expression", "anchor", "expected"),
    [
        # Without a sentence marking it future, a day and month lies on or before publication.
        ("January 12", WED, ("2019-01-12", "day")),
        ("December 28", WED, ("2019-12-28", "day")),  # the nearer year, not the anchor's
        ("January 3", date(2020, 12, 30), ("2020-01-03", "day")),
        ("February 29", date(2021, 1, 10), ("2020-02-29", "day")),
        ("January 12", None, ("--01-12", "day")),
        ("12 January", None, ("--01-12", "day")),
        ("Jan. 12", None, ("--01-12", "day")),
        ("January 12th", None, ("--01-12", "day")),
        ("the 12th of January", None, ("--01-12", "day")),
        ("January 19, 2020", None, ("2020-01-19", "day")),
        ("19 January 2020", WED, ("2020-01-19", "day")),
        ("Sept. 3, 2019", None, ("2019-09-03", "day")),
        ("2020-01-19", None, ("2020-01-19", "day")),
        ("Monday, January 6, 2020", None, ("2020-01-06", "day")),
        ("Monday, January 6", date(2021, 3, 10), ("2020-01-06", "day")),  # the year the weekday fits
        ("January 6", date(2021, 3, 10), ("2021-01-06", "day")),
        ("in April", WED, ("2019-04", "month")),
        ("in January", WED, ("2020-01", "month")),
        ("in April", None, ("--04", "month")),
        ("April 2019", None, ("2019-04", "month")),
        ("since April 2019", WED, ("2019-04", "month")),
        ("in November last year", WED, ("2019-11", "month")),
        ("in November last year", None, (None, None)),  # relative, like "last year": no anchor, no value
        ("last April", WED, ("2019-04", "month")),
        ("in 2011", None, ("2011", "year")),
        ("since 2014", None, ("2014", "year")),
        ("late 2016", None, ("2016", "year")),
        ("the end of 2019", None, ("2019", "year")),
        ("yesterday", WED, ("2020-01-07", "day")),
        ("today", WED, ("2020-01-08", "day")),
        ("tomorrow", WED, ("2020-01-09", "day")),
        ("three days ago", WED, ("2020-01-05", "day")),
        ("last year", WED, ("2019", "year")),
        ("last month", WED, ("2019-12", "month")),
        ("next month", date(2020, 12, 3), ("2021-01", "month")),
        ("last week", WED, (None, None)),  # Dec 30 .. Jan 5
        ("last week", date(2021, 3, 17), ("2021-03", "month")),  # Mar 8 .. Mar 14
        ("this week", date(2021, 3, 17), ("2021-03", "month")),
        ("yesterday", None, (None, None)),
        ("last week", None, (None, None)),
        ("last year", None, (None, None)),
        ("12 janvier 2020", None, ("2020-01-12", "day")),  # through dateparser, absolute only
        ("12 janvier", WED, ("2019-01-12", "day")),
        ("3 janvier", date(2020, 1, 8), ("2020-01-03", "day")),
        ("12 janvier", None, ("--01-12", "day")),
        ("03/04", WED, (None, None)),  # ambiguous day/month order: no guess
        ("banana", WED, (None, None)),
        ("", WED, (None, None)),
    ],
)
def test_resolve(expression, anchor, expected):
    assert resolve(expression, anchor) == expected


def test_month_marked_future_resolves_forward():
    assert resolve("in April", WED, "Veloria will vote in April.") == ("2020-04", "month")
    assert resolve("in April", WED, "Veloria voted in April.") == ("2019-04", "month")


def test_found_expressions_cover_the_forms():
    text = (
        "The Northern Compact was founded in 1998 and split in late 2016. Since April 2019 it has held "
        "the valley; on March 3, 2020 it lost Veloria, and on 12 January it signed a truce. "
        "Its leader resigned yesterday, talks collapsed last week and the council met mid-March. "
        "The archive lists 2020-01-19 as the day of the vote."
    )
    mentions = find_date_mentions(make_article(text))
    assert [m.text for m in mentions] == [
        "in 1998",
        "in late 2016",
        "Since April 2019",
        "on March 3, 2020",
        "on 12 January",
        "yesterday",
        "last week",
        "mid-March",
        "2020-01-19",
    ]
    assert [m.value for m in mentions] == [
        "1998", "2016", "2019-04", "2020-03-03", "--01-12", None, None, "--03", "2020-01-19",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "The militias may march on Veloria if talks fail.",
        "May the talks succeed, the envoy told the Northern Compact.",
        "March through the capital was peaceful, officials said.",
        "The Compact deployed 35 advisers some 370 kilometers from the coast.",
        "The council adopted Resolution 2510 and Resolution 2011 without a vote.",
        "The truce holds from 00:00 until further notice.",
        "Source: https://example.org/2020/01/08/veloria-ceasefire-2019",
        "See www.veloria-news.example/archive/2014/talks for details.",
        "Protesters marked Bloody Sunday in Veloria.",
        "The Compact sent in 2000 troops and raised its budget to 1990 units.",
        "In the last month, the Northern Compact has lost ground.",
        "The curfew runs until 2200 GMT.",
        "Markets open on Mondays.",
    ],
)
def test_false_positives(sentence):
    assert find_date_mentions(make_article(sentence, WED)) == []


def test_year_ranges():
    mentions = find_date_mentions(make_article("The Northern Compact ruled Veloria from 2011 to 2014."))
    assert [(m.text, m.value) for m in mentions] == [("from 2011", "2011"), ("to 2014", "2014")]
    mentions = find_date_mentions(make_article("Between 2015 and 2018 the Compact grew."))
    assert [(m.text, m.value) for m in mentions] == [("Between 2015", "2015"), ("and 2018", "2018")]


def test_long_sentence_event_is_capped_around_the_expression():
    filler = "the Northern Compact moved its convoys along the coast road " * 10
    text = f"After weeks of delay {filler} and finally entered Veloria on Friday {filler}."
    (mention,) = find_date_mentions(make_article(text, FRI_ANCHOR))
    assert "entered Veloria on Friday" in mention.event
    assert len(mention.event) <= 310
    assert text[mention.evidence.start : mention.evidence.end] == "on Friday"


# --- publication dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("January 08, 2020", date(2020, 1, 8)),
        ("2020-01-08", date(2020, 1, 8)),
        ("8 Jan 2020", date(2020, 1, 8)),
        ("Published: Jan. 8, 2020", date(2020, 1, 8)),
        ("Wednesday, January 8, 2020", date(2020, 1, 8)),
        ("2020-01-08T10:32:00Z", date(2020, 1, 8)),
        ("Wed, 08 Jan 2020 10:32:00 GMT", date(2020, 1, 8)),
        ("8 janvier 2020", date(2020, 1, 8)),
        ("13/04/2020", date(2020, 4, 13)),
        ("03/04/2020", None),  # day-month order unknown
        ("January 2020", None),  # no day: not a publication date
        ("yesterday", None),  # never relative to the system clock
        ("2 hours ago", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_published(raw, expected):
    assert parse_published(raw) == expected


@pytest.mark.parametrize(
    ("text", "language", "date_read"),
    [
        ("8. Januar 2020", "de", date(2020, 1, 8)),
        ("8 января 2020", "ru", date(2020, 1, 8)),
        ("2020年1月8日", "zh", date(2020, 1, 8)),
        ("15 listopada 2019", "pl", date(2019, 11, 15)),
    ],
)
def test_dates_in_other_languages_are_read_by_the_languages_naming_their_month(text, language, date_read):
    assert language in languages_naming_a_month(text)
    assert parse_published(text) == date_read


def test_text_naming_no_month_is_tried_in_english_alone():
    # Not in all 205 languages, which costs dateparser about 4 s on its first such text.
    assert languages_naming_a_month("G20 summit") == ["en"]
    assert languages_naming_a_month("Summary of 2020") == ["en"]  # "mar" inside a word is no month
    assert parse_published("G20 summit") is None


def test_module_names_no_corpus_entities():
    source = (ROOT / "agent" / "extract" / "dates.py").read_text(encoding="utf-8")
    for name in ("GNA", "LNA", "Haftar", "Libya", "Tripoli", "Sirte", "Erdogan", "Putin", "Serraj", "Turkey", "Russia"):
        assert name not in source


# --- the parse decides which side of publication a date lies (issue 25) ----------------------

AUG_21 = date(2019, 8, 21)  # a Wednesday


def _misread(cases: list[tuple[str, str, date, str | None]]) -> list[str]:
    """The cases whose expression does not resolve to the expected value, in the article and alone."""
    wrong = []
    for sentence, expression, anchor, expected in cases:
        found = by_text(find_date_mentions(make_article(sentence, anchor)), expression).value
        alone = resolve(expression, anchor, sentence)[0]
        if (found, alone) != (expected, expected):
            wrong.append(f"{sentence!r}: {expression!r} -> {found} / {alone}, expected {expected}")
    return wrong


def test_a_weekday_after_publication_needs_a_verb_that_looks_ahead():
    assert not _misread([
        ("As of Monday, 500 people had registered for the vote.", "As of Monday", FRI_ANCHOR, "2021-03-08"),
        ("Starting Monday, protesters gathered outside the council.", "Starting Monday", FRI_ANCHOR, "2021-03-08"),
        ("Kessa said on Monday that the council would vote on Friday.", "on Friday", FRI_ANCHOR, "2021-03-12"),
        ("Kessa said on Monday that the council would vote on Friday.", "on Monday", FRI_ANCHOR, "2021-03-08"),
        ("A spokesman for the Compact declined to comment on Friday.", "on Friday", FRI_ANCHOR, "2021-03-05"),
        ("The Compact appealed to all parties to stop fighting on Friday.", "on Friday", FRI_ANCHOR, "2021-03-12"),
        ("If talks fail on Friday, the strike goes on.", "on Friday", FRI_ANCHOR, "2021-03-12"),
    ])


def test_a_month_after_publication_needs_a_verb_that_looks_ahead():
    assert not _misread([
        ("The harbour exhibition runs through October.", "through October", AUG_21, "2019-10"),
        ("The ferry service resumes in mid-September.", "in mid-September", AUG_21, "2019-09"),
        ("The ferry service was suspended in mid-September.", "in mid-September", AUG_21, "2018-09"),
        ("Sales at the Velmora docks fell in October.", "in October", AUG_21, "2018-10"),
    ])


def test_a_day_and_month_after_publication_needs_a_verb_that_looks_ahead():
    assert not _misread([
        ("The truce began on January 12.", "on January 12", WED, "2019-01-12"),
        ("The truce will begin on January 12.", "on January 12", WED, "2020-01-12"),
        ("Parliament reconvenes on January 3.", "on January 3", date(2020, 12, 30), "2021-01-03"),
    ])


def test_today_and_tomorrow_resolve_only_when_they_name_a_day():
    assert not _misread([
        ("If I wake up tomorrow and the river has risen, we leave the valley.", "tomorrow", AUG_21, None),  # a condition
        ("Today the Velmora valley has a reputation for its wine.", "Today", AUG_21, None),  # generic: nowadays
        ("'I walk the dogs to the harbour today, as I do every day,' Kessa said.", "today", AUG_21, None),  # a habit
        ("'Every morning I tell myself that tomorrow will be better,' the farmer said.", "tomorrow", AUG_21, None),
        ("The leaders of tomorrow met in Velmora.", "tomorrow", AUG_21, None),
        ("Their plan will not create a better tomorrow for the valley.", "tomorrow", AUG_21, None),
        ("Kessa wrote that the boat had to leave tonight, the court papers say.", "tonight", AUG_21, None),  # her night
        ("The minister said today that the talks had failed.", "today", AUG_21, "2019-08-21"),
        ("The council voted today on the harbour plan.", "today", AUG_21, "2019-08-21"),
        ("Today the mayor is visiting the harbour.", "Today", AUG_21, "2019-08-21"),
        ("The council will vote tomorrow on the harbour plan.", "tomorrow", AUG_21, "2019-08-22"),
        ("The ferry leaves tomorrow at noon.", "tomorrow", AUG_21, "2019-08-22"),
    ])
