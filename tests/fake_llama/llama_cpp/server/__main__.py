"""`python -m llama_cpp.server --port N --model PATH --model_alias NAME ...`: answers GET
/v1/models, and POST /v1/chat/completions with one token. A model file holding
`crash_at_generation=N` makes the Nth generation kill the server with SIGSEGV, as a CPU
kernel that faults does."""

import argparse
import json
import os
import re
import resource
import signal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--model", required=True)
parser.add_argument("--model_alias", default="fake")
options, _ = parser.parse_known_args()
crash = re.search(rb"crash_at_generation=(\d+)", Path(options.model).read_bytes())
CRASH_AT = int(crash.group(1)) if crash else 0
generations = 0


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self._send(200 if self.path == "/v1/models" else 404, {"object": "list", "data": [{"id": options.model_alias, "object": "model"}]})

    def do_POST(self) -> None:  # noqa: N802
        global generations
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        generations += 1
        if generations == CRASH_AT:
            print(f"fake server: faulting at generation {generations}", flush=True)
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file
            os.kill(os.getpid(), signal.SIGSEGV)
        message = {"role": "assistant", "content": "OK"}
        self._send(200, {
            "id": "fake", "object": "chat.completion", "created": 0, "model": options.model_alias,
            "choices": [{"index": 0, "message": message, "finish_reason": "length"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })

    def _send(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


HTTPServer((options.host, options.port), Handler).serve_forever()
