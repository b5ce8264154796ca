"""Fitting the refusal threshold on development questions, answerable and unanswerable.

Run `agent eval --gold SET --questions --json` with `DOSSIER_REFUSE_BELOW=0` (nothing refused
for low coverage) on each development set, then

    python -m agent.evaluation.calibrate RUN.json [RUN.json ...] [--write]

For each candidate threshold, a question whose coverage (`Answer.coverage`) is below it is
refused: right if it was unanswerable, a false refusal if not; the others keep the outcome
the run gave them. The threshold kept is the one with the most right outcomes less twice
the false answers (a wrong answer costs more than a refusal: a reader acts on it), the
lowest such. `--write` stores it with its figures in agent/data/refusal.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from agent.evaluation.qa import QAItem

WRONG_ANSWER_COST = 2
DATA = Path(__file__).resolve().parent.parent / "data" / "refusal.json"


def outcome(items: list[QAItem], threshold: float) -> dict[str, int]:
    right = false_answers = false_refusals = 0
    for item in items:
        refused = item.refused or (item.coverage is not None and item.coverage < threshold)
        if refused:
            right += item.need == "refuse"
            false_refusals += item.need != "refuse"
        else:
            right += item.correct
            false_answers += not item.correct
    return {"correct": right, "false_answers": false_answers, "false_refusals": false_refusals}


def fit(items: list[QAItem]) -> tuple[float, list[tuple[float, dict[str, int]]]]:
    """The threshold with the best score, and every candidate's figures (lowest first)."""
    candidates = sorted({0.0} | {round(i.coverage, 3) for i in items if i.coverage is not None} | {1.01})
    table = [(t, outcome(items, t)) for t in candidates]
    best = max(table, key=lambda row: (row[1]["correct"] - WRONG_ANSWER_COST * row[1]["false_answers"], -row[0]))
    return best[0], table


def main(args: list[str]) -> None:
    paths = [a for a in args if not a.startswith("--")]
    if not paths:
        sys.exit(__doc__)
    items = [QAItem(**item) for path in paths for item in json.loads(Path(path).read_text(encoding="utf-8"))["qa"]["items"]]
    threshold, table = fit(items)
    for t, figures in table:
        mark = "  <-" if t == threshold else ""
        print(f"{t:5.3f}  {figures['correct']:>4} correct  {figures['false_answers']:>4} false answers  {figures['false_refusals']:>4} false refusals{mark}")
    chosen = dict(table)[threshold]
    summary = {
        "threshold": threshold,
        "fitted_on": [Path(p).name for p in paths],
        "questions": len(items),
        "unanswerable": sum(i.need == "refuse" for i in items),
        "objective": f"correct - {WRONG_ANSWER_COST} x false answers",
        **chosen,
    }
    print(json.dumps(summary))
    if "--write" in args:
        DATA.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {DATA}")


if __name__ == "__main__":
    main(sys.argv[1:])
