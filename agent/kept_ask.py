"""A kept `ask` process beside the kept model server.

From the command line, a question through the embedded model spent about 2.4 s of a fresh
process loading the openai client, spaCy and Chroma, around a model call of 2.5-4 s. So after
an `ask` that used the embedded server, the command leaves one process running for the same
settings and code, listening on a Unix socket in the cache folder (mode 0600); the next `ask`
sends its question there and prints the same answer. Like a notebook, that process sees what
other commands add to the index (`Corpus` refreshes on each question).

It stops after `keep_alive` seconds without a question (DOSSIER_KEEP_ALIVE, as the model
server), and at once when the model server it used is gone or replaced. Whatever goes wrong
on the way (no process, a stale socket, a crash) the question is answered in the calling
process, as it always was; a `DossierError` (an empty index, a bad question) is the answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from agent.data import prompts
from agent.errors import DossierError
from agent.model.local import find_running_server
from agent.models import Answer
from agent.settings import Settings

if TYPE_CHECKING:
    from agent.corpus import Corpus

try:
    import fcntl
except ImportError:  # Windows: no kept process, every question answered in its own
    fcntl = None  # type: ignore[assignment]

# The package and its prompts (outside it in a checkout): an edit to either gets a new process.
_CODE = (Path(__file__).resolve().parent, Path(str(resources.files(prompts))))
_MESSAGE_LIMIT = 16 << 20
_SOCKET_PATH_LIMIT = 100


def socket_path(settings: Settings) -> Path:
    """Where the kept process for these settings and this code listens: another index, model,
    Python or an edited Dossier gets a process of its own."""
    code = sorted(
        (str(p), p.stat().st_mtime_ns, p.stat().st_size)
        for root in _CODE for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    key = json.dumps([_portable(settings), sys.executable, code], sort_keys=True, default=str)
    path = settings.cache_dir / f"ask-{hashlib.sha256(key.encode()).hexdigest()[:16]}.sock"
    if len(os.fsencode(path.resolve())) < _SOCKET_PATH_LIMIT:
        return path
    return _short_folder() / f"ask-{_folder_tag(settings)}-{path.name.removeprefix('ask-')}"


def _folder_tag(settings: Settings) -> str:
    """Which cache folder a socket in the short folder belongs to: `agent model stop` stops its own."""
    return hashlib.sha256(str(Path(settings.cache_dir).resolve()).encode()).hexdigest()[:8]


def _short_folder() -> Path:
    """Where sockets go when the cache folder's path is too long for one (Unix allows about
    100 bytes): this user's runtime folder, else a folder of its own in the temp directory."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    user = os.getuid() if hasattr(os, "getuid") else "user"  # no kept process on Windows: any name will do
    return Path(runtime) / "dossier" if runtime else Path(tempfile.gettempdir()) / f"dossier-{user}"


def _trusted(folder: Path, settings: Settings) -> bool:
    """A socket in `folder` is ours to trust: it is the user's cache folder, or a short one
    that is this user's and no one else's (not one another user made in the temp directory)."""
    if folder == settings.cache_dir:
        return True
    try:
        status = folder.stat()
    except OSError:
        return False
    return status.st_uid == os.getuid() and not status.st_mode & 0o077


def ask_kept(settings: Settings, question: str) -> tuple[Answer, list[str]] | None:
    """The answer and notes of the kept process for `settings`, or None when there is none
    to ask (or it failed: the caller then answers itself)."""
    path = socket_path(settings)
    if not path.exists() or not _trusted(path.parent, settings):
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(2.0)
            connection.connect(str(path))
            # A question may take several model calls, each bounded by the request timeout.
            connection.settimeout((settings.request_timeout + 5) * (settings.max_retries + 1) * 4)
            _send(connection, {"question": question})
            reply = _receive(connection)
    except (OSError, ValueError):
        return None
    if reply.get("error") is not None:
        raise DossierError(reply["error"])
    if "answer" not in reply:
        return None
    return Answer.model_validate(reply["answer"]), list(reply.get("notes", []))


def start_kept(settings: Settings) -> None:
    """Leave a kept process for `settings` running, detached (the embedded model only, with a
    keep-alive)."""
    if settings.provider != "local" or settings.keep_alive <= 0 or fcntl is None:
        return  # one started while another runs leaves at once (`serve` holds a lock)
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.cache_dir / "ask.log", "ab") as log:
        subprocess.Popen(
            [sys.executable, "-m", "agent.kept_ask", json.dumps(_portable(settings))],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True,
        )


def stop_kept(settings: Settings) -> int:
    """Stop every kept `ask` process of this cache folder (`agent model stop`); how many were."""
    stopped = 0
    paths = list(settings.cache_dir.glob("ask-*.sock"))
    if _trusted(_short_folder(), settings):
        paths += _short_folder().glob(f"ask-{_folder_tag(settings)}-*.sock")
    for path in paths:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.settimeout(2.0)
                connection.connect(str(path))
                _send(connection, {"stop": True})
                stopped += 1
        except OSError:
            continue
    return stopped


def serve(settings: Settings) -> None:
    """Answer questions on `socket_path(settings)` until `keep_alive` seconds pass without one,
    or the model server this process used is gone. One at a time; a second process for the
    same socket leaves at once."""
    from agent.corpus import Corpus  # here, not at the top: a question handed to this process imports none of it

    path = socket_path(settings)
    model_url = find_running_server(settings)
    if model_url is None:
        return  # kept beside a kept model server only
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _trusted(path.parent, settings):
        return  # a short folder someone else made, or opened to others: no socket there
    if threading.current_thread() is threading.main_thread():
        # Stopped by a signal (a logout, a shutdown), it still takes its socket and lock file with it.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(path.with_suffix(".lock"), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        path.unlink(missing_ok=True)  # a socket left by a process that died
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener, Corpus(settings) as corpus:
            old_mask = os.umask(0o177)
            try:
                listener.bind(str(path))
            finally:
                os.umask(old_mask)
            try:
                listener.listen(8)
                listener.settimeout(settings.keep_alive)
                while True:
                    try:
                        connection, _ = listener.accept()
                    except TimeoutError:
                        return
                    with connection:
                        try:
                            request = _receive(connection)
                        except (OSError, ValueError):
                            continue  # a caller that went away, or garbage
                        if request.get("stop") or find_running_server(settings) != model_url:
                            return  # stopped, or the model server it knew is gone: the caller answers
                        _send(connection, _answer(corpus, request))
            finally:
                path.unlink(missing_ok=True)
                path.with_suffix(".lock").unlink(missing_ok=True)  # one left waiting on it finds the lock taken, and leaves


def _answer(corpus: Corpus, request: dict) -> dict:
    corpus.notes.clear()
    try:
        answer = corpus.ask(str(request["question"]))
    except DossierError as exc:
        return {"error": str(exc)}
    return {"answer": answer.model_dump(mode="json"), "notes": list(corpus.notes)}


def _portable(settings: Settings) -> dict:
    """The settings as another process rebuilds them (paths absolute; a key is read from the
    environment there, never written down)."""
    data = settings.model_dump(mode="json", exclude={"api_key"})
    data["index_path"] = str(Path(settings.index_path).resolve())
    data["cache_dir"] = str(Path(settings.cache_dir).resolve())
    return data


def _send(connection: socket.socket, message: dict) -> None:
    connection.sendall(json.dumps(message).encode() + b"\n")


def _receive(connection: socket.socket) -> dict:
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
        if len(data) > _MESSAGE_LIMIT:
            raise ValueError("message too long")
    return json.loads(data)


if __name__ == "__main__":
    serve(Settings(**json.loads(sys.argv[1])))
