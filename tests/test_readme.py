"""The README's example outputs are what the commands print: each block is run here, on the
demo corpus extracted by the real model (replayed from cassettes recorded against the
embedded server), and compared with the README line by line. When a change moves an answer,
this fails with the new output: paste it into the README."""

from __future__ import annotations


from typer.testing import CliRunner

from agent.cli import ask_app
from agent.corpus import Corpus

from .conftest import ROOT
from .test_cli import env  # noqa: F401  (the fixture: the CLI's settings in the environment)

runner = CliRunner()


def _readme_block(command: str) -> list[str]:
    """The lines printed under `$ command` in the README's code block that shows it."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(f"$ {command}") + 1
    end = lines.index("```", start)
    return lines[start:end]


def _printed(output: str) -> list[str]:
    return [line.rstrip() for line in output.rstrip("\n").splitlines()]


def test_the_quick_start_answer_is_what_ask_prints(env, extracted: Corpus):  # noqa: F811
    command = 'ask "Who backs the GNA?"'
    shown = _readme_block(command)
    result = runner.invoke(ask_app, ["Who backs the GNA?"])
    assert result.exit_code == 0, result.output
    printed = _printed(result.stdout)
    assert shown == printed, "README.md shows another answer than `ask` prints:\n" + "\n".join(printed)
