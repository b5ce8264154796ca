"""The README's example outputs are what the commands print: each block is run here, on the
demo corpus extracted by the real model (replayed from cassettes recorded against the
embedded server), and compared with the README line by line. When a change moves an answer,
this fails with the new output: paste it into the README."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app, ask_app
from agent.corpus import Corpus

from .conftest import ROOT
from .test_cli import env  # noqa: F401  (the fixture: the CLI's settings in the environment)
from .test_with_model import ENCYCLOPEDIA

runner = CliRunner()


def _readme_block(command: str) -> list[str]:
    """The lines printed under `$ command` in the README's code block that shows it."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(f"$ {command}") + 1
    end = lines.index("```", start)
    return lines[start:end]


def _printed(output: str) -> list[str]:
    return [line.rstrip() for line in output.rstrip("\n").splitlines()]


def _timings_masked(lines: list[str]) -> list[str]:
    # Seconds differ from run to run (and a replay takes none): the rest of the line must not.
    return [re.sub(r"p50 [\d.]+ s, p95 [\d.]+ s", "p50 … s, p95 … s", line) for line in lines]


def _in_order(shown: list[str], printed: list[str]) -> bool:
    """Every line the README shows is printed, in the README's order ("..." stands for lines left out)."""
    rest = iter(printed)
    return all(line in rest for line in shown if line.strip() != "...")


def test_the_quick_start_answer_is_what_ask_prints(env, extracted: Corpus):  # noqa: F811
    command = 'ask "Who backs the GNA?"'
    shown = _readme_block(command)
    result = runner.invoke(ask_app, ["Who backs the GNA?"])
    assert result.exit_code == 0, result.output
    printed = _printed(result.stdout)
    assert shown == printed, "README.md shows another answer than `ask` prints:\n" + "\n".join(printed)


@pytest.mark.vcr
def test_the_eval_questions_example_is_what_eval_prints(env, extracted: Corpus, settings):  # noqa: F811
    command = "agent eval --gold tests/data/questions.json --questions"
    shown = _readme_block(command)
    extracted.ingest([ENCYCLOPEDIA])  # the gold asks about both folders
    result = runner.invoke(app, ["eval", "--gold", str(ROOT / "tests" / "data" / "questions.json"), "--questions"])
    assert result.exit_code == 0, result.output
    printed = _timings_masked(_printed(result.stdout))
    assert _in_order(_timings_masked(shown), printed), "README.md shows other lines than `agent eval` prints:\n" + "\n".join(printed)
