"""Fitting the refusal threshold on development questions, answerable and unanswerable.

Refusal is a decision on its own evidence: how much of the question the best retrieved passage
covers (`Answer.coverage`, `verify.coverage`). Run `agent eval --gold SET --questions --json` on
development sets that hold both kinds of question, then

    python -m agent.evaluation.calibrate_refusal RUN.json [RUN.json ...] [--write]

Each candidate threshold refuses the questions whose coverage is below it. It costs one for an
answerable question refused (a false refusal) and two for an unanswerable one let through (a
false answer: a reader acts on it). The threshold kept costs least, the lowest such.
`--write` stores it with its figures in agent/data/refusal.json, which `ask` reads
(DOSSIER_REFUSE_BELOW overrides it).

With `--confidence`, the same runs fit the second decision: the model's probability for the
passage it chose (`Answer.confidence`, read from its token log-probabilities), below which
`ask` gives no answer from that choice. It costs one for a correct answer withheld and two for
a false answer given; `--write` stores it in agent/data/answer_confidence.json. Questions answered without passages (the graph, dates)
or refused for a name no article mentions carry no coverage and take no part.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from agent.evaluation.qa import QAItem

FALSE_ANSWER_COST = 2
DATA = Path(__file__).resolve().parent.parent / "data" / "refusal.json"
CONFIDENCE = DATA.with_name("answer_confidence.json")


def cost(items: list[QAItem], threshold: float) -> dict[str, int]:
    false_refusals = sum(1 for i in items if i.need != "refuse" and i.coverage < threshold)  # type: ignore[operator]
    let_through = sum(1 for i in items if i.need == "refuse" and i.coverage >= threshold)  # type: ignore[operator]
    return {"false_refusals": false_refusals, "unanswerable_let_through": let_through, "cost": false_refusals + FALSE_ANSWER_COST * let_through}


def fit(items: list[QAItem]) -> tuple[float, list[tuple[float, dict[str, int]]]]:
    """The threshold that costs least (the lowest of equals), and every candidate's figures."""
    scored = [i for i in items if i.coverage is not None]
    # Each coverage seen is a candidate (a question at the threshold is kept), stored rounded
    # down to three places so the stored figure keeps the same questions.
    candidates = sorted({0.0} | {math.floor(i.coverage * 1000) / 1000 for i in scored} | {1.01})  # type: ignore[operator]
    table = [(t, cost(scored, t)) for t in candidates]
    best = min(table, key=lambda row: (row[1]["cost"], row[0]))
    return best[0], table


def confidence_cost(items: list[QAItem], threshold: float) -> dict[str, int]:
    """What answering only above `threshold` of the model's probability for its chosen passage
    costs: one for each correct answer withheld, two for each false answer still given."""
    withheld = sum(1 for i in items if i.correct and i.confidence < threshold)  # type: ignore[operator]
    given = sum(1 for i in items if i.false_answer and i.confidence >= threshold)  # type: ignore[operator]
    return {"correct_withheld": withheld, "false_answers_given": given, "cost": withheld + FALSE_ANSWER_COST * given}


def fit_confidence(items: list[QAItem]) -> tuple[float, list[tuple[float, dict[str, int]]]]:
    """The least costly threshold on `Answer.confidence` (the lowest of equals) over the answers
    the passages route gave from a model choice, and every candidate's figures."""
    answered = [i for i in items if i.confidence is not None and not i.refused and i.route in {"passages", "floor"}]
    candidates = sorted({0.0} | {math.floor(i.confidence * 1000) / 1000 for i in answered} | {1.01})  # type: ignore[operator]
    table = [(t, confidence_cost(answered, t)) for t in candidates]
    best = min(table, key=lambda row: (row[1]["cost"], row[0]))
    return best[0], table


def main(args: list[str]) -> None:
    paths = [a for a in args if not a.startswith("--")]
    if not paths:
        sys.exit(__doc__)
    items = [QAItem(**item) for path in paths for item in json.loads(Path(path).read_text(encoding="utf-8"))["qa"]["items"]]
    if "--confidence" in args:
        return _calibrate_confidence(items, paths, write="--write" in args)
    threshold, table = fit(items)
    for t, figures in table:
        mark = "  <-" if t == threshold else ""
        print(f"{t:5.3f}  {figures['false_refusals']:>4} false refusals  {figures['unanswerable_let_through']:>4} unanswerable let through{mark}")
    scored = [i for i in items if i.coverage is not None]
    summary = {
        "threshold": threshold,
        "fitted_on": [Path(p).name for p in paths],
        "questions": len(scored),
        "unanswerable": sum(i.need == "refuse" for i in scored),
        "objective": f"false refusals + {FALSE_ANSWER_COST} x unanswerable let through (the cost below)",
        **dict(table)[threshold],
    }
    print(json.dumps(summary))
    if "--write" in args:
        DATA.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {DATA}")


def _calibrate_confidence(items: list[QAItem], paths: list[str], write: bool) -> None:
    threshold, table = fit_confidence(items)
    for t, figures in table:
        mark = "  <-" if t == threshold else ""
        print(f"{t:5.3f}  {figures['correct_withheld']:>4} correct withheld  {figures['false_answers_given']:>4} false answers given{mark}")
    summary = {
        "threshold": threshold,
        "fitted_on": [Path(p).name for p in paths],
        "answers": sum(1 for i in items if i.confidence is not None and not i.refused and i.route in {"passages", "floor"}),
        "objective": f"correct answers withheld + {FALSE_ANSWER_COST} x false answers given (the cost below)",
        **dict(table)[threshold],
    }
    print(json.dumps(summary))
    if write:
        CONFIDENCE.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {CONFIDENCE}")


if __name__ == "__main__":
    main(sys.argv[1:])
