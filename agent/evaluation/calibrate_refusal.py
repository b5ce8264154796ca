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

With `--confidence`, the same runs fit the second decision: the model's probability for the
passage it chose (`Answer.confidence`, read from its token log-probabilities), below which
`ask` gives no answer from that choice. It costs one for a correct answer withheld and two for
a false answer given. Two thresholds are fitted apart: one for questions answered directly,
one for questions answered through a bridge ("the village where X was born", `Question.hops`),
whose answers from the model are wrong far more often. `--write` stores both in
agent/data/answer_confidence.json.

With `--floor`, the third: the same probability, below which the floor does not quote the
passage the model chose when its span failed the checks. Fitted on the answers the floor gave
(run with every threshold on the model's probability at 0), at the same costs, again apart
for questions answered directly and through a bridge; `--write` stores both in
agent/data/floor_confidence.json.

Given several runs, `--confidence` and `--floor` also score each run at the thresholds fitted
on the others (`held_out_by_run`): whether the fit carries to a source it has not seen.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from agent.answer.question import analyse, split_parts
from agent.evaluation.qa import QAItem

FALSE_ANSWER_COST = 2
DATA = Path(__file__).resolve().parent.parent / "data" / "refusal.json"
CONFIDENCE = DATA.with_name("answer_confidence.json")
FLOOR = DATA.with_name("floor_confidence.json")


def cost(items: list[QAItem], threshold: float) -> dict[str, int]:
    false_refusals = sum(1 for i in items if i.need != "refuse" and i.coverage < threshold)  # type: ignore[operator]
    let_through = sum(1 for i in items if i.need == "refuse" and i.coverage >= threshold)  # type: ignore[operator]
    return {"false_refusals": false_refusals, "unanswerable_let_through": let_through, "cost": false_refusals + FALSE_ANSWER_COST * let_through}


def fit(items: list[QAItem]) -> tuple[float, list[tuple[float, dict[str, int]]]]:
    """The coverage threshold that costs least (the lowest of equals), and every candidate's figures."""
    scored = [i for i in items if i.coverage is not None]
    return _least_costly([i.coverage for i in scored], lambda t: cost(scored, t))  # type: ignore[misc]


def confidence_cost(items: list[QAItem], threshold: float, least_coverage: float = 0.0) -> dict[str, int]:
    """What answering only above `threshold` of the model's probability for its chosen passage
    (and, given `least_coverage`, only where the passages cover at least that much of the
    question) costs: one for each correct answer withheld, two for each false answer still given."""
    withheld = sum(1 for i in items if i.correct and not _kept(i, threshold, least_coverage))
    given = sum(1 for i in items if i.false_answer and _kept(i, threshold, least_coverage))
    return {"correct_withheld": withheld, "false_answers_given": given, "cost": withheld + FALSE_ANSWER_COST * given}


def _kept(item: QAItem, threshold: float, least_coverage: float) -> bool:
    return item.confidence >= threshold and (item.coverage is None or item.coverage >= least_coverage)  # type: ignore[operator]


CHOSEN_ROUTES = frozenset({"passages", "floor"})  # the routes that answer from a model choice


def fit_confidence(items: list[QAItem], routes: frozenset[str] = CHOSEN_ROUTES) -> tuple[float, list[tuple[float, dict[str, int]]]]:
    """The least costly threshold on `Answer.confidence` (the lowest of equals) over the answers
    `routes` gave from a model choice, and every candidate's figures."""
    answered = _chosen_answers(items, routes)
    return _least_costly([i.confidence for i in answered], lambda t: confidence_cost(answered, t))  # type: ignore[misc]


def fit_confidence_and_coverage(items: list[QAItem], routes: frozenset[str] = CHOSEN_ROUTES) -> tuple[float, float, dict[str, int]]:
    """The least costly pair: the model's probability at least p and the question's coverage
    (`Answer.coverage`) at least c; the lowest coverage, then the lowest probability, of
    equals. The model's probability alone means something different on each source (news
    against encyclopedia paragraphs); beside coverage it carries across them."""
    threshold, least_coverage, table = _fit_pair(items, routes, with_coverage=True)
    return threshold, least_coverage, dict(table)[threshold]


def through_a_bridge(item: QAItem) -> bool:
    """Whether a part of the question reaches its answer through another thing (`Question.hops`)."""
    return any(analyse(part).hops for part in split_parts(item.question))


def fit_floor(items: list[QAItem]) -> tuple[float, list[tuple[float, dict[str, int]]]]:
    """The same fit over the answers the floor gave: the least probability it quotes from."""
    return fit_confidence(items, frozenset({"floor"}))


def _chosen_answers(items: list[QAItem], routes: frozenset[str] = CHOSEN_ROUTES) -> list[QAItem]:
    return [i for i in items if i.confidence is not None and not i.refused and i.route in routes]


def held_out_by_run(
    runs: dict[str, list[QAItem]], routes: frozenset[str] = CHOSEN_ROUTES
) -> list[tuple[str, dict[bool, float], dict[str, int]]]:
    """Each run scored at the thresholds fitted on all the others, each kind (direct, through
    a bridge) apart: how the fit carries to a source it has not seen. Per run, the thresholds
    (keyed by `through_a_bridge`) and the answers from a model choice they keep and withhold."""
    bridged = {id(i): through_a_bridge(i) for run in runs.values() for i in run}
    out = []
    for name, own in runs.items():
        others = [i for other, run in runs.items() if other != name for i in run]
        pairs = {b: _fit_pair([i for i in others if bridged[id(i)] == b], routes, routes == CHOSEN_ROUTES)[:2] for b in (False, True)}
        thresholds = {b: pair[0] for b, pair in pairs.items()}
        answered = _chosen_answers(own, routes)
        kept = [i for i in answered if _kept(i, *pairs[bridged[id(i)]])]
        figures = {
            "correct_kept": sum(i.correct for i in kept),
            "correct_withheld": sum(i.correct for i in answered) - sum(i.correct for i in kept),
            "false_answers_given": sum(i.false_answer for i in kept),
        }
        out.append((name, thresholds, figures))
    return out


def _fit_pair(
    items: list[QAItem], routes: frozenset[str], with_coverage: bool
) -> tuple[float, float, list[tuple[float, dict[str, int]]]]:
    """The probability threshold and, `with_coverage`, the coverage floor fitted for `routes`
    (each coverage seen is a candidate, the lowest of equals kept), with the table of
    thresholds at that floor."""
    answered = _chosen_answers(items, routes)
    floors = sorted({0.0} | {math.floor(i.coverage * 1000) / 1000 for i in answered if i.coverage is not None}) if with_coverage else [0.0]
    fits = [(c, *_least_costly([i.confidence for i in answered], lambda t, c=c: confidence_cost(answered, t, c))) for c in floors]  # type: ignore[misc]
    least_coverage, threshold, table = min(fits, key=lambda f: (dict(f[2])[f[1]]["cost"], f[0]))
    return threshold, least_coverage, table


def _least_costly(values: list[float], cost_at) -> tuple[float, list[tuple[float, dict[str, int]]]]:
    # Each value seen is a candidate (a question at the threshold is kept), stored rounded down
    # to three places so the stored figure keeps the same questions.
    candidates = sorted({0.0} | {math.floor(v * 1000) / 1000 for v in values} | {1.01})
    table = [(t, cost_at(t)) for t in candidates]
    best = min(table, key=lambda row: (row[1]["cost"], row[0]))
    return best[0], table


def main(args: list[str]) -> None:
    paths = [a for a in args if not a.startswith("--")]
    if not paths:
        sys.exit(__doc__)
    runs = {path: [QAItem(**item) for item in json.loads(Path(path).read_text(encoding="utf-8"))["qa"]["items"]] for path in paths}
    items = [item for run in runs.values() for item in run]
    if "--confidence" in args or "--floor" in args:
        routes, target = (frozenset({"floor"}), FLOOR) if "--floor" in args else (CHOSEN_ROUTES, CONFIDENCE)
        _write_confidence(items, paths, "--write" in args, routes, target)
        if len(runs) > 1:
            print("each run scored at the thresholds fitted on the others (direct, through a bridge):")
            for path, thresholds, figures in held_out_by_run(runs, routes):
                print(f"  {Path(path).name}: {thresholds[False]:.3f}, {thresholds[True]:.3f}  " + "  ".join(f"{n} {k.replace('_', ' ')}" for k, n in figures.items()))
        return
    threshold, table = fit(items)
    scored = [i for i in items if i.coverage is not None]
    facts = {
        "questions": len(scored),
        "unanswerable": sum(i.need == "refuse" for i in scored),
        "objective": f"false refusals + {FALSE_ANSWER_COST} x unanswerable let through (the cost below)",
    }
    _print_table(table, threshold)
    summary = {"threshold": threshold, "fitted_on": [Path(p).name for p in paths], **facts, **dict(table)[threshold]}
    _report(summary, DATA if "--write" in args else None)


def _print_table(table: list[tuple[float, dict[str, int]]], chosen: float) -> None:
    for t, figures in table:
        counts = "  ".join(f"{n:>4} {name.replace('_', ' ')}" for name, n in figures.items() if name != "cost")
        print(f"{t:5.3f}  {counts}{'  <-' if t == chosen else ''}")


def _report(summary: dict, target: Path | None) -> None:
    """Print the fitted figures; with a `target`, store them there for `ask` to read."""
    print(json.dumps(summary))
    if target is not None:
        target.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {target}")


def _write_confidence(
    items: list[QAItem], paths: list[str], write: bool, routes: frozenset[str] = CHOSEN_ROUTES, target: Path | None = None
) -> None:
    bridged = [through_a_bridge(i) for i in items]
    summary: dict = {"fitted_on": [Path(p).name for p in paths]}
    for key, through in (("threshold", False), ("through_a_bridge", True)):
        these = [i for i, b in zip(items, bridged) if b == through]
        # answers from a model choice are fitted with a coverage floor; the floor's quotes on the probability alone
        threshold, least_coverage, table = _fit_pair(these, routes, routes == CHOSEN_ROUTES)
        print(f"questions answered {'through a bridge' if through else 'directly'} (coverage at least {least_coverage}):")
        _print_table(table, threshold)
        summary[key] = threshold
        if routes == CHOSEN_ROUTES:
            summary["coverage_at_least" if not through else "bridge_coverage_at_least"] = least_coverage
        summary["directly" if not through else "bridged"] = {"answers": len(_chosen_answers(these, routes)), **dict(table)[threshold]}
    summary["objective"] = f"correct answers withheld + {FALSE_ANSWER_COST} x false answers given (the cost below), each kind apart"
    _report(summary, (target or CONFIDENCE) if write else None)


if __name__ == "__main__":
    main(sys.argv[1:])
