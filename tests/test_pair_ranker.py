"""The pair ranker: which actor pairs the attitude judge is asked about first. The shipped
weights were fitted on public news sentences; the sentences here use invented names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.evaluation.calibrate_attitudes import auc, fit_ranker
from agent.extract.pair_ranker import CLASSES, DIMENSIONS, load_ranker, shipped_ranker
from agent.extract.pipeline import extract_text

from .test_attitude_judge import NAMES, AttitudeModel, _directed_file

# Possessives, not verbs, so that no frame or open link reads them: every one is a pair for the judge.
HOSTILE = [  # (sentence, first name, second name)
    ("Tomas Vell's scathing remarks about Ostrava drew loud applause.", "Tomas Vell", "Ostrava"),
    ("Mara Voss's furious tirade against Kelm stunned the room.", "Mara Voss", "Kelm"),
    ("Ivo Lund's contemptuous words about Dunmar angered many.", "Ivo Lund", "Dunmar"),
]
PLAIN = [
    ("Nela Frost's trip with Varga on Monday was short.", "Nela Frost", "Varga"),
    ("Aldo Brenn's seat next to Orlov at the dinner was by the window.", "Aldo Brenn", "Orlov"),
    ("Pia Stahl's flight with Velmora landed late.", "Pia Stahl", "Velmora"),
]


def _pairs(examples):
    return [(s, (s.index(a), s.index(a) + len(a)), (s.index(b), s.index(b) + len(b))) for s, a, b in examples]


def test_the_shipped_ranker_scores_pairs_whose_words_hold_an_attitude_above_plain_ones():
    hostile, plain = ([1 - lean["none"] for lean in shipped_ranker().leanings(_pairs(found))] for found in (HOSTILE, PLAIN))
    assert min(hostile) > max(plain), (hostile, plain)


def test_the_leaning_names_the_first_given_actor_p_whichever_comes_first_in_the_sentence():
    sentence, first, second = _pairs(HOSTILE[:1])[0]
    forward, backward = shipped_ranker().leanings([(sentence, first, second), (sentence, second, first)])
    assert sum(forward.values()) == pytest.approx(1.0) and forward["none"] == pytest.approx(backward["none"])
    assert forward["p-q"] == pytest.approx(backward["q-p"]) and forward["p+q"] == pytest.approx(backward["q+p"])


def test_extraction_puts_the_pairs_that_look_like_an_attitude_to_the_judge_first():
    """Six pairs no frame reads, three judged: the three whose words hold an attitude."""
    model = AttitudeModel()
    extract_text(" ".join(s for s, _, _ in PLAIN[:2] + HOSTILE + PLAIN[2:]), model, judged_pairs=3)
    asked = {name for q in model.questions for name in NAMES + ["Velmora", "Pia Stahl"] if name in q}
    assert {"Ostrava", "Kelm", "Dunmar"} <= asked and not asked & {"Varga", "Orlov", "Velmora"}, model.questions


def test_the_ranker_file_is_checked_and_named_when_wrong(tmp_path: Path):
    bad = tmp_path / "pair_ranker.json"
    with pytest.raises(ValueError, match="no pair ranker file"):
        load_ranker(bad)
    rows = [[0.0] * DIMENSIONS for _ in range(4)]
    bad.write_text(json.dumps({"inputs": ["sentence"], "classes": list(CLASSES[1:]), "weights": rows, "biases": [0] * 4}))
    with pytest.raises(ValueError, match=r"pair_ranker.json: the pair ranker must read the inputs"):
        load_ranker(bad)
    bad.write_text(json.dumps({"inputs": ["sentence", "span"], "classes": list(CLASSES[1:]), "weights": [[0.0] * 3] * 4, "biases": [0] * 4}))
    with pytest.raises(ValueError, match=f"needs 4 rows of {DIMENSIONS} finite weights"):
        load_ranker(bad)
    assert shipped_ranker().about["check_auc"] > 0.7  # what the shipped file says it scored on its check split


def test_the_fit_separates_what_it_can_and_auc_counts_ties_as_half():
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(500, 4))
    classes = np.argmax(inputs @ rng.normal(size=(4, 5)), axis=1)  # five classes a linear model can tell apart
    weights, biases = fit_ranker(inputs, classes)
    scores = np.hstack([np.zeros((500, 1)), inputs @ np.array(weights).T + biases])
    assert (scores.argmax(axis=1) == classes).mean() > 0.9
    assert auc([1, 1, 0, 2], [True, False, False, True]) == pytest.approx(0.875)


def test_calibrate_ranker_fits_on_one_file_checks_on_another_without_a_model(tmp_path: Path):
    _directed_file(tmp_path / "train.txt", list(zip(NAMES[:5], NAMES[5:])))
    _directed_file(tmp_path / "valid.txt", list(zip(NAMES[5:], NAMES[:5])))
    out = tmp_path / "pair_ranker.json"
    result = CliRunner().invoke(app, [
        "--base-url", "http://127.0.0.1:9/v1", "calibrate", str(tmp_path / "train.txt"), "--check", str(tmp_path / "valid.txt"),
        "--ranker", "--per-label", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    ranker = load_ranker(out)
    assert ranker.about["fitted_on"] == "train.txt: 20 sentences, all but the judge's sample (1 per gold class, seed 0)"
    assert "check (valid.txt, 25 sentences): five-class balanced accuracy" in result.stdout
    assert ranker.about["check_auc"] > 0.5  # "met" against praise and suits, the names swapped
