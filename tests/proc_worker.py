"""Child processes for the crash and concurrency tests: `agent` commands in a real process
that a test can SIGKILL or run side by side with another.

A fresh interpreter needs about 5 s on 2 cores to import Dossier (chromadb, openai,
spaCy). The tests run many short-lived children, so they come from a multiprocessing
*forkserver* that imports this module (and loads the spaCy pipeline) once: each child
is a fork of that clean, single-threaded server, with nothing of the pytest process in
it (no Chroma client, no model threads). Chroma's modules are imported here too (1 to 3 s
of CPU that every child opening an index paid again); Chroma and the embedding model are
opened in the child itself, after the fork.
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

import chromadb  # noqa: F401 - imported lazily by any command that opens the index
import chromadb.api.rust  # noqa: F401 - and these by the first client
import chromadb.telemetry.product.posthog  # noqa: F401
import rich.progress  # noqa: F401 - imported lazily by `agent extract`

import agent.output.export  # noqa: F401
from agent.cli import app
from agent.model.llm import LLM
from agent.settings import Settings
from agent.text.nlp import parser
from agent.text.places import is_place_name

# Loaded once in the forkserver and shared copy-on-write by every child: the spaCy
# pipeline, the place gazetteer (a 16 MB table, about 1 s), and the parts of openai and
# instructor that load on a client's first use. None starts a thread or opens a socket, so
# forking after them is safe.
parser()
is_place_name("Halden")
LLM(Settings(_env_file=None, base_url="http://127.0.0.1:9/v1", model="x"), "http://127.0.0.1:9/v1")  # type: ignore[call-arg]


def _main(args: list[str], env: dict[str, str], log_path: str, cwd: str, together=None) -> None:
    """Run `agent ARGS` in `cwd` with only `env` for settings, stdout and stderr to
    `log_path`; exit with its code. With `together` (a semaphore and a shared start time,
    from `start_together`), say this child is ready and wait for the common start, so that
    several children start their command at the same moment."""
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
    if together is not None:
        ready, start = together
        ready.release()
        while not start.value:  # set once every child is ready
            time.sleep(0.002)
        start_at = start.value
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


def start_agent(args: list[str], env: dict[str, str], log_path: Path, cwd: Path, together=None) -> BaseProcess:
    """Start `agent ARGS` in a forked child; `.pid`, `.join()`, `.exitcode` as usual."""
    process = context().Process(target=_main, args=(args, env, str(log_path), str(cwd), together), daemon=True)
    process.start()
    return process


def start_together(commands: dict[str, list[str]], env: dict[str, str], folder: Path, wait_s: float) -> dict[str, BaseProcess]:
    """Start each `agent ARGS` of `commands` in its own child (log: `folder/NAME.log`, run in
    `folder`), all at the same moment: as soon as every child has forked and set up, rather
    than after a fixed delay long enough for the slowest fork."""
    ctx = context()
    ready, start = ctx.Semaphore(0), ctx.Value("d", 0.0)
    processes = {
        name: start_agent(args, env, folder / f"{name}.log", folder, together=(ready, start)) for name, args in commands.items()
    }
    deadline = time.monotonic() + wait_s
    for _ in processes:
        if not ready.acquire(timeout=max(0.0, deadline - time.monotonic())):
            start.value = -1.0  # lets the children that are waiting go, so that they end
            raise AssertionError(f"not every child was ready within {wait_s} s")
    start.value = time.time() + 0.05  # the children poll every 2 ms and spin the last 10
    return processes
