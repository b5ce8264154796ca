"""Long operations report progress: a bar on a terminal or in Jupyter, nothing in a log or a test
unless asked for (the notebook test checks the Jupyter widget)."""

from __future__ import annotations

import pytest

from agent.corpus import Corpus


def test_extract_shows_a_bar_when_asked_and_stays_quiet_otherwise(extracted: Corpus, capsys: pytest.CaptureFixture):
    extracted.extract()  # stderr is no terminal here: no bar
    assert capsys.readouterr().err == ""
    done = []
    results = extracted.extract(progress=True, on_done=done.append)
    err = capsys.readouterr().err
    assert "5/5" in err and "(cached)" in err  # every article counted, the last one named
    assert [r.article.id for r in done] == [r.article.id for r in results]  # the caller still hears of each one
