"""Turn external multi-hop QA sets into Dossier corpora and gold files, with a held-out split.

    python docs/eval/external_qa.py SOURCE_DIR OUT_DIR

SOURCE_DIR holds HippoRAG's `hotpotqa_train.json` records from 40 on (`hotpotqa_train_from40.json`),
its `musique_train.json`, and `hotpot_dev_distractor_complete.json` (HotpotQA dev, distractor
setting). Each record carries its own paragraphs; for each set this writes

    OUT_DIR/<set>/corpus/paragraphs.jsonl   one article per paragraph (id, title, text)
    OUT_DIR/<set>/dev.json                  the development questions, `qa` format of eval/README.md
    OUT_DIR/<set>/holdout.json              the held-out questions: never scored before the final check

and for the real-news questions (`docs/eval/news/questions.json`, corpus `docs/eval/news/articles/`)
OUT_DIR/news/dev.json and holdout.json. The data stays outside the repository (CC BY-SA, CC BY;
the news texts are the BBC's).

The split, fixed before anything was scored: question i of a source file (0-based, file order)
is held out when i % 4 == 3. Unanswerable questions: the external sets have none, so for
i % 4 == 1 the question's supporting paragraphs are left out of the corpus and the gold
says `refuse`, when that removes the answer from the corpus: not for yes/no answers, not
when a removed paragraph supports another question, not when the answer is still spelled
in a remaining paragraph. The paragraphs of other questions about the same things stay,
so these questions are tempting.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
HELD_OUT, UNANSWERABLE = 3, 1  # i % 4


def paragraph_id(title: str, text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:40] or "untitled"
    digest = hashlib.sha1((title + "\n" + text).encode()).hexdigest()[:6]
    return f"{slug}-{digest}"


def hotpot(records: list[dict]) -> list[dict]:
    """Questions as {question, answers, paragraphs: [(title, text)], supporting: {(title, text)}}."""
    out = []
    for r in records:
        paragraphs = [(title, "".join(sentences).strip()) for title, sentences in r["context"]]
        titles = {title for title, _ in r["supporting_facts"]}
        out.append({
            "question": r["question"], "answers": [r["answer"]],
            "paragraphs": paragraphs, "supporting": {p for p in paragraphs if p[0] in titles},
        })
    return out


def musique(records: list[dict]) -> list[dict]:
    out = []
    for r in records:
        paragraphs = [(p["title"], p["paragraph_text"].strip()) for p in r["paragraphs"]]
        supporting = {(p["title"], p["paragraph_text"].strip()) for p in r["paragraphs"] if p["is_supporting"]}
        out.append({
            "question": r["question"], "answers": [r["answer"], *r.get("answer_aliases", [])],
            "paragraphs": paragraphs, "supporting": supporting,
        })
    return out


def spelled(text: str, answers: list[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(a.lower())}(?!\w)", text.lower()) for a in answers)


def build(questions: list[dict], out: Path) -> dict[str, int]:
    supported_by: dict[tuple[str, str], set[int]] = {}
    for i, q in enumerate(questions):
        for p in q["supporting"]:
            supported_by.setdefault(p, set()).add(i)
    paragraphs = list(dict.fromkeys(p for q in questions for p in q["paragraphs"]))
    removed: set[tuple[str, str]] = set()
    refuse: set[int] = set()
    for i, q in enumerate(questions):
        if i % 4 != UNANSWERABLE or q["answers"][0].lower() in {"yes", "no"}:
            continue
        if any(supported_by[p] != {i} for p in q["supporting"]):
            continue
        kept = [p for p in paragraphs if p not in removed and p not in q["supporting"]]
        if any(spelled(text, q["answers"]) for _, text in kept):
            continue
        removed |= q["supporting"]
        refuse.add(i)
    corpus = [p for p in paragraphs if p not in removed]
    (out / "corpus").mkdir(parents=True, exist_ok=True)
    with open(out / "corpus" / "paragraphs.jsonl", "w", encoding="utf-8") as fh:
        for title, text in corpus:
            fh.write(json.dumps({"id": paragraph_id(title, text), "title": title, "text": f"{title}\n\n{text}"}, ensure_ascii=False) + "\n")
    dev, holdout = [], []
    for i, q in enumerate(questions):
        entry = (
            {"question": q["question"], "answers": [], "need": "refuse", "articles": []} if i in refuse else
            {"question": q["question"], "answers": [q["answers"]], "need": "any",
             "articles": sorted(paragraph_id(*p) for p in q["supporting"])}
        )
        (holdout if i % 4 == HELD_OUT else dev).append(entry)
    write_split(out, dev, holdout, f"{len(corpus)} paragraphs, one article each")
    return {"paragraphs": len(corpus), "dev": len(dev), "dev_refuse": sum(e["need"] == "refuse" for e in dev), "holdout": len(holdout)}


def write_split(out: Path, dev: list[dict], holdout: list[dict], about: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rule = "question i (0-based, source order) is held out when i % 4 == 3"
    for name, items in (("dev", dev), ("holdout", holdout)):
        doc = {"about": f"{about}; {name} split: {rule}", "qa": items}
        (out / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def news(out: Path) -> dict[str, int]:
    qa = json.loads((HERE / "news" / "questions.json").read_text(encoding="utf-8"))["qa"]
    dev = [q for i, q in enumerate(qa) if i % 4 != HELD_OUT]
    holdout = [q for i, q in enumerate(qa) if i % 4 == HELD_OUT]
    write_split(out, dev, holdout, "docs/eval/news/questions.json over docs/eval/news/articles/")
    return {"dev": len(dev), "dev_refuse": sum(q["need"] == "refuse" for q in dev), "holdout": len(holdout)}


SETS = {
    "hotpot-train": ("hotpotqa_train_from40.json", hotpot),
    "musique": ("musique_train.json", musique),
    "hotpot-dev": ("hotpot_dev_distractor_complete.json", hotpot),
}


def main(source: Path, out: Path) -> None:
    for name, (filename, read) in SETS.items():
        path = source / filename
        if not path.is_file():
            sys.exit(f"no such file: {path}")
        print(name, build(read(json.loads(path.read_text(encoding="utf-8"))), out / name))
    print("news", news(out / "news"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
