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
import signal
import sys
import time
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path

import rich.progress  # noqa: F401 - imported lazily by `agent extract`

import agent.output.export  # noqa: F401
from agent.cli import app
from agent.model.llm import LLM
from agent.settings import Settings
from agent.text.nlp import parser

# Loaded once in the forkserver and shared copy-on-write by every child: the spaCy
# pipeline, and the parts of openai and instructor that load on a client's first use.
# Neither starts a thread or opens a socket, so forking after them is safe.
parser()
LLM(Settings(_env_file=None, base_url="http://127.0.0.1:9/v1", model="x"), "http://127.0.0.1:9/v1")  # type: ignore[call-arg]


def _main(args: list[str], env: dict[str, str], log_path: str, cwd: str, start_at: float | None) -> None:
    """Run `agent ARGS` in `cwd` with only `env` for settings, stdout and stderr to
    `log_path`; exit with its code. With `start_at` (a `time.time()`), wait until then,
    so that several children start their command at the same moment."""
    # Ctrl-C as in a user's terminal: a shell starts background jobs (CI's `make test &`) with
    # SIGINT ignored, and the forkserver would hand that on to every child.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for name in list(os.environ):  # no developer settings or keys, whenever the server started
        if name.startswith(("DOSSIER_", "OPENAI_")):
            del os.environ[name]
    os.environ.update(env)
    os.chdir(cwd)  # Settings reads ./.env
    log = open(log_path, "w", buffering=1)  # noqa: SIM115 - lives as long as the process
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    sys.stdout = sys.stderr = log
    if start_at is not None:
        time.sleep(max(0.0, start_at - time.time() - 0.01))
        while time.time() < start_at:  # spin the last moment: the children start within microseconds
            pass
    app(args, prog_name="agent")  # standalone mode: always ends in SystemExit(code)


def context() -> ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx  # type: ignore[return-value]


def warm() -> None:
    """Start the forkserver now: its imports (about 4 s of CPU) then overlap with other tests."""
    from multiprocessing import forkserver

    context()
    forkserver.ensure_running()


def start_agent(
    args: list[str], env: dict[str, str], log_path: Path, cwd: Path, start_at: float | None = None
) -> BaseProcess:
    """Start `agent ARGS` in a forked child; `.pid`, `.join()`, `.exitcode` as usual."""
    process = context().Process(target=_main, args=(args, env, str(log_path), str(cwd), start_at), daemon=True)
    process.start()
    return process
