"""How model calls are recorded and replayed: one VCR configuration for the test process
(conftest) and for the notebook's kernel (`notebook_kernel.py`), so both match requests and
scrub secrets the same way. No pytest here: the kernel imports it."""

from __future__ import annotations

from pathlib import Path

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
SECRET_HEADERS = ["authorization", "api-key", "x-api-key", "openai-organization", "openai-project", "set-cookie"]


def _scrub_response(response: dict) -> dict:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
    return response


VCR_CONFIG = {
    "filter_headers": SECRET_HEADERS,
    "filter_query_parameters": ["api_key", "key"],
    "before_record_response": _scrub_response,
    "match_on": ["method", "path", "body"],
    "decode_compressed_response": True,
}
