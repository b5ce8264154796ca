"""Fitting the refusal threshold on development questions, answerable and unanswerable.

Refusal is a decision on its own evidence: how much of the question the best retrieved passage
covers (`Answer.coverage`, `verify.coverage`). Run `agent eval --gold SET --questions --json` on
development sets that hold both kinds of question, then

    python -m agent.evaluation.calibrate_refusal RUN.json [RUN.json ...] [--write]

Each candidate threshold refuses the questions whose coverage is below it. It costs one for an
answerable question refused (a false refusal) and two for an unanswerable one let through (a
false answer: a reader acts on it). The threshold kept costs least, the lowest such.
`--write` stores it with its figures in agent/data/refusal.json, which `ask` reads
(DOSSIER_REFUSE_BELOW overrides it). Questions answered without passages (the graph, dates)
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


def main(args: list[str]) -> None:
    paths = [a for a in args if not a.startswith("--")]
    if not paths:
        sys.exit(__doc__)
    items = [QAItem(**item) for path in paths for item in json.loads(Path(path).read_text(encoding="utf-8"))["qa"]["items"]]
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


if __name__ == "__main__":
    main(sys.argv[1:])
