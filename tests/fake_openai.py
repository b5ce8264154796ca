"""A scripted OpenAI-compatible server on a real loopback socket, for fault tests.

    with FakeOpenAI([error(500), tool_call("Item", {"name": "x"})]) as fake:
        LLM(Settings(base_url=fake.url, ...), fake.url).structured(Item, messages)
        assert len(fake.requests) == 2

A script is a list of replies (the n-th request gets the n-th reply, the last one
repeats) or a function `(n, request) -> Reply` called in the handler thread, which
may block (to hold a request while a test kills the client).
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agent.model.llm import FirstToken

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    n: int  # 1-based, in arrival order
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, or None

    @property
    def tool_name(self) -> str | None:
        """The response model instructor asked for (Mode.TOOLS sends it as the only tool)."""
        tools = (self.body or {}).get("tools") or []
        return tools[0]["function"]["name"] if tools else None

    @property
    def messages(self) -> list[dict]:
        return (self.body or {}).get("messages") or []

    @property
    def attitude_question(self) -> bool:
        """The attitude judge's yes/no question: one answer token, no tool."""
        return self.tool_name is None and (self.body or {}).get("max_tokens") == 1

    @property
    def sentence(self) -> str | None:
        """The article sentence an extraction prompt carries between <sentence> tags."""
        content = self.messages[-1].get("content") or "" if self.messages else ""
        match = re.search(r"<sentence>\n(.*?)\n</sentence>", content, re.DOTALL)
        return match.group(1) if match else None


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes | dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # never answer (until the server stops)


Script = Sequence[Reply] | Callable[[int, Request], Reply]


def completion(message: dict) -> dict:
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "x",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def tool_call(name: str, arguments: dict | str) -> Reply:
    """The reply a Mode.TOOLS call expects: one tool call whose arguments are a JSON string."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": name, "arguments": args}}],
    }
    return Reply(body=completion(message))


def error(status: int, message: str = "fake failure", headers: dict[str, str] | None = None) -> Reply:
    return Reply(status=status, body={"error": {"message": message, "type": "fake", "code": status}}, headers=headers or {})


def extraction_reply(n: int, request: Request) -> Reply:
    """A valid answer to extraction's closed decisions: every name is a state, every verb
    off the lexicon means nothing (the neutral first option), no pronoun or descriptive
    phrase refers to a name offered, no sentence is an instruction, and no actor shows any
    attitude to another."""
    if request.tool_name == "NameKind":
        return tool_call("NameKind", {"type": "state"})
    if request.tool_name == "LinkMeaning":
        return tool_call("LinkMeaning", {"option": 1})
    if request.tool_name == "ReferenceChoice":
        return tool_call("ReferenceChoice", {"option": 0})
    if request.tool_name == "InstructionVerdict":
        return tool_call("InstructionVerdict", {"instruction": "no"})  # the most obliging: nothing is an instruction
    if request.attitude_question:
        return Reply(body=completion({"role": "assistant", "content": "No"}))
    return error(400, f"unexpected response model {request.tool_name!r}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connections are refused at once."""
    return f"http://{HOST}:{free_port()}/v1"


class FakeOpenAI:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                with fake._lock:
                    request = Request(
                        len(fake.requests) + 1, self.command, self.path,
                        {k.lower(): v for k, v in self.headers.items()}, body,
                    )
                    fake.requests.append(request)
                reply = fake._reply(request)
                if reply.hang:
                    fake._stopping.wait(60)
                    self.close_connection = True
                    return
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body or {}).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client went away (timed out, or was killed)
                    self.close_connection = True

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        # A short poll interval: stop() waits for the serving loop's next poll.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def _reply(self, request: Request) -> Reply:
        if callable(self.script):
            return self.script(request.n, request)
        return self.script[min(request.n, len(self.script)) - 1]

    def chat_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # release hanging handlers
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class NoAttitudes:
    """A scripted model object's answer to the attitude judge: no to every question, as a
    model that gives no token probabilities would answer it."""

    def first_token(self, messages, top=10) -> FirstToken:
        return FirstToken("No", None)
