"""The directed-attitude set and its scoring: pure, no model."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.evaluation.attitudes import AttitudeItem, balanced_sample, format_attitudes, load_attitudes, score, triples
from agent.models import ReadStance

SET = Path(__file__).parent / "data" / "attitudes.json"


def test_the_set_covers_the_kinds_it_promises():
    items = load_attitudes(SET)
    assert 60 <= len(items) <= 80
    assert {i.domain for i in items} == {"politics", "business", "sport", "courts"}
    kinds = " ".join(i.kind for i in items)
    for kind in ("passive", "participle", "possessive noun", "neutral", "negation", "off-list verb"):
        assert kind in kinds
    for item in items:  # both actors are named in the sentence
        for actor in (item.holder, item.target):
            assert any(name in item.text for name in [actor, *item.aliases.get(actor, [])]), item.text


def test_the_held_out_set_names_both_actors_and_has_neutral_sentences():
    items = load_attitudes(SET.with_name("attitudes_holdout.json"))
    assert len(items) == 30 and {i.attitude for i in items} == {"positive", "negative", "none"}
    for item in items:
        for actor in (item.holder, item.target):
            assert actor in item.text, item.text


ITEM = AttitudeItem(
    text="The reaction came from Dunmar's president, Tomas Vell, condemning the move by Ostrava.",
    holder="Tomas Vell", attitude="negative", target="Ostrava", aliases={"Tomas Vell": ["Dunmar"]},
)


def test_names_map_to_the_sentences_actors_and_only_stated_attitudes_count():
    read = [
        ReadStance(holder="Dunmar", relation="condemns", target="the Ostrava government"),  # alias, longer name
        ReadStance(holder="Tomas Vell", relation="supports", target="Ostrava", status="denied"),  # not stated
        ReadStance(holder="Tomas Vell", relation="calls_for", target="a vote"),  # no target actor
        ReadStance(holder="Kelm", relation="opposes", target="Ostrava"),  # a third party
    ]
    assert triples(ITEM, read) == {("Tomas Vell", "negative", "Ostrava")}


def test_a_sentence_is_right_only_with_exactly_the_gold_attitude():
    neutral = ITEM.model_copy(update={"attitude": "none"})
    answers = {
        "right": [ReadStance(holder="Tomas Vell", relation="condemns", target="Ostrava")],
        "reversed": [ReadStance(holder="Ostrava", relation="condemns", target="Tomas Vell")],
        "both signs": [ReadStance(holder="Tomas Vell", relation="condemns", target="Ostrava"),
                       ReadStance(holder="Tomas Vell", relation="supports", target="Ostrava")],
        "nothing": [],
    }
    report = score("x", [ITEM] * 4 + [neutral] * 2, lambda text, it=iter(
        [answers["right"], answers["reversed"], answers["both signs"], answers["nothing"], answers["nothing"], answers["right"]]): next(it))
    assert [r.correct for r in report.results] == [True, False, False, False, True, False]
    assert (report.correct, report.total, report.accuracy) == (2, 6, round(2 / 6, 4))
    text = format_attitudes([report, report])
    assert text.startswith("attitudes: x 2/6 (33%") and "gold Tomas Vell negative Ostrava" in text


# The directed-sentiment format (Park et al. 2021), with invented sentences: tab-separated
# sentence (both mentions in brackets), p, q, label 0-4; some lines quoted CSV-style.
DIRECTED = "\n".join([
    "[Tomas Vell] praised [Ostrava] for its restraint.\tTomas Vell\tOstrava\t1",
    "[Ostrava] won the backing of [Tomas Vell].\tOstrava\tTomas Vell\t2",
    '"[Kelm] called the ""reforms"" of [Dunmar] a fraud."\tKelm\tDunmar\t3',
    "[Dunmar]s were sued by [Kelm Holdings].\tDunmar\tKelm Holdings\t4",
    "[Kelm] met [Dunmar] on Tuesday.\tKelm\tDunmar\t0",
    "[Varga] and [Orlov] shook hands.\tVarga\tOrlov\t0",
])


def test_the_directed_sentiment_format_reads_as_items_with_the_five_classes(tmp_path):
    path = tmp_path / "valid.txt"
    path.write_text(DIRECTED + "\n", encoding="utf-8")
    items = load_attitudes(path)
    assert [i.label for i in items] == ["p+q", "q+p", "p-q", "q-p", "none", "none"]
    assert items[0].text == "Tomas Vell praised Ostrava for its restraint."
    assert (items[1].holder, items[1].attitude, items[1].target, items[1].pair) == ("Tomas Vell", "positive", "Ostrava", ("Ostrava", "Tomas Vell"))
    assert items[2].text == 'Kelm called the "reforms" of Dunmar a fraud.'  # CSV quoting undone
    assert items[3].aliases == {"Dunmar": ["Dunmars"]}  # the word the brackets cut
    # An answer is scored in the item's own p/q terms: "Ostrava supports Tomas Vell" is p+q there, wrong.
    answers = iter([
        [ReadStance(holder="Tomas Vell", relation="supports", target="Ostrava")],
        [ReadStance(holder="Ostrava", relation="supports", target="Tomas Vell")],
        [ReadStance(holder="Kelm", relation="condemns", target="Dunmar")],
        [ReadStance(holder="Kelm Holdings", relation="opposes", target="Dunmars")],
        [],
        [ReadStance(holder="Varga", relation="supports", target="Orlov"), ReadStance(holder="Orlov", relation="supports", target="Varga")],
    ])
    report = score("x", items, lambda text: next(answers))
    assert [r.predicted for r in report.results] == ["p+q", "p+q", "p-q", "q-p", "none", "several"]
    assert report.correct == 4 and report.confusion["q+p"]["p+q"] == 1 and report.confusion["none"]["several"] == 1
    # F1 per class: p+q 2/3, q+p 0, p-q 1, q-p 1, none 2/3
    assert report.macro_f1 == round((2 / 3 + 0 + 1 + 1 + 2 / 3) / 5, 4)
    table = format_attitudes([report])
    assert "macro-F1 0.67" in table and "several" in table


def test_a_malformed_directed_sentiment_line_is_named(tmp_path):
    path = tmp_path / "valid.txt"
    path.write_text(DIRECTED + "\nA sentence with no label\tKelm\tDunmar\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"valid\.txt:7: expected `sentence<TAB>p<TAB>q<TAB>label 0-4`"):
        load_attitudes(path)


def test_a_balanced_sample_takes_as_many_of_each_class_and_the_same_ones_each_time(tmp_path):
    path = tmp_path / "valid.txt"
    path.write_text("\n".join([DIRECTED] * 3) + "\n", encoding="utf-8")
    items = load_attitudes(path)
    sample = balanced_sample(items, 2, seed=7)
    assert sorted(i.label for i in sample) == sorted(["none"] * 2 + ["p+q", "q+p", "p-q", "q-p"] * 2)
    assert sample == balanced_sample(items, 2, seed=7)
    assert len(balanced_sample(items, 5)) == 5 + 4 * 3  # 5 of the 6 "none"; a class with fewer gives all it has


def test_cli_names_the_bad_line_of_an_attitude_file_and_wants_a_file_to_sample(tmp_path):
    path = tmp_path / "valid.txt"
    path.write_text("A sentence with no label\tKelm\tDunmar\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["eval", "--attitudes", str(path), "--index", str(tmp_path / "index")])
    assert result.exit_code == 1 and "valid.txt:1: expected `sentence<TAB>p<TAB>q<TAB>label 0-4`" in result.stderr
    result = runner.invoke(app, ["eval", "--per-label", "20", "--gold", str(path)])
    assert result.exit_code == 1 and "--per-label samples the sentences of --attitudes FILE" in result.stderr
