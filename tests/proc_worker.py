"""Child processes for the crash and concurrency tests: `agent` commands in a real process
that a test can SIGKILL or run side by side with another.

A fresh interpreter needs about 5 s on 2 cores to import Dossier (chromadb, openai,
spaCy). The tests run many short-lived children, so they come from a multiprocessing
*forkserver* that imports this module (and loads the spaCy pipeline) once: each child
is a fork of that clean, single-threaded server, with nothing of the pytest process in
it (no Chroma client, no model threads). Chroma and the embedding model are opened in
the child itself, after the fork.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess

from agent.cli import app
from agent.nlp import parser

parser()  # preloaded in the forkserver, shared copy-on-write by every child


def _main(args: list[str], env: dict[str, str], log_path: str) -> None:
    """Run `agent ARGS` with `env` added, stdout and stderr to `log_path`; exit with its code."""
    os.environ.update(env)
    log = open(log_path, "w", buffering=1)  # noqa: SIM115 - lives as long as the process
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    sys.stdout = sys.stderr = log
    app(args, prog_name="agent")  # standalone mode: always ends in SystemExit(code)


def context() -> ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx  # type: ignore[return-value]


def start_agent(args: list[str], env: dict[str, str], log_path: str) -> BaseProcess:
    """Start `agent ARGS` in a forked child; `.pid`, `.join()`, `.exitcode` as usual."""
    process = context().Process(target=_main, args=(args, env, log_path), daemon=True)
    process.start()
    return process
