"""A long-lived `Corpus` (a notebook) sees what another process ingests into the same index:
its search, lexical and dense alike, finds the new article on the next call."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from agent.corpus import Corpus
from agent.settings import Settings

from . import proc_worker

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs the forkserver start method")

HARBOUR = "Harbour strike ends\n\nDock workers in Velmora ended their strike on Friday after a pay deal.\n"
VOLCANO = "Volcano erupts\n\nMount Orrel erupted on Tuesday and covered the town of Brindle in ash.\n"


def test_a_notebook_corpus_sees_what_another_process_ingested(tmp_path: Path) -> None:
    for name, text in (("first", HARBOUR), ("second", VOLCANO)):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.txt").write_text(text)
    index = tmp_path / "index"
    with Corpus(Settings(_env_file=None, index_path=index)) as notebook:  # type: ignore[call-arg]
        notebook.ingest([tmp_path / "first"])
        assert [h.chunk.article_id for h in notebook.search("volcano eruption ash")] == ["first.txt"]

        other = proc_worker.start_agent(["ingest", str(tmp_path / "second"), "--index", str(index)], {}, tmp_path / "log", tmp_path)
        other.join(60)
        assert other.exitcode == 0, (tmp_path / "log").read_text()

        hits = notebook.search("volcano eruption ash")
        assert hits[0].chunk.article_id == "second.txt"
        assert notebook.retriever.dense("volcano eruption ash", 2)[0] in {c.id for c in notebook.store.chunks() if c.article_id == "second.txt"}
        assert sorted(a.id for a in notebook.articles()) == ["first.txt", "second.txt"]
        # No change, no rebuild: the same retriever serves the next call.
        same = notebook.retriever
        notebook.search("harbour")
        assert notebook.retriever is same
