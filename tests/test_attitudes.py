"""The directed-attitude set and its scoring: pure, no model."""

from __future__ import annotations

from pathlib import Path

from agent.evaluation.attitudes import AttitudeItem, format_attitudes, load_attitudes, score, triples
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
