"""The one way Dossier talks to a language model: `openai` wrapped by `instructor`.

`Mode.TOOLS` works everywhere we run: OpenAI and compatible servers, and the
embedded llama.cpp server, which turns the tool schema into a grammar (it
rejects the `json_schema` response format that `Mode.JSON_SCHEMA` sends).
HTTP faults (connection, timeout, 429 with Retry-After, 5xx) are retried with
backoff by the openai client; output that does not validate is re-asked by
instructor. Whatever still fails becomes one `ModelError` naming the endpoint.
"""

from __future__ import annotations

import logging
import time
from typing import TypeVar

import instructor
import openai
from instructor.core.exceptions import InstructorError
from pydantic import BaseModel

from agent.errors import ModelError
from agent.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)

LOCAL_MODEL_NAME = "dossier-local"  # the alias the embedded server answers to


class LLM:
    def __init__(self, settings: Settings, base_url: str | None) -> None:
        self.settings = settings
        self.base_url = base_url or "https://api.openai.com/v1"
        if settings.provider == "local":
            self.model = settings.model or LOCAL_MODEL_NAME
            key = "not-needed"
        elif settings.provider == "openai":
            self.model = settings.model or settings.openai_model
            key = None  # the openai client reads OPENAI_API_KEY itself
        else:
            self.model = settings.model or "default"
            key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
        self.client = instructor.from_openai(
            openai.OpenAI(
                base_url=base_url,
                api_key=key,
                timeout=settings.request_timeout,
                max_retries=settings.max_retries,
            ),
            mode=instructor.Mode.TOOLS,
        )
        self.calls = 0

    def _explain(self, exc: BaseException, wanted: str) -> str:
        where = f"the model at {self.base_url}"
        cause = _root_cause(exc)
        if isinstance(cause, openai.APITimeoutError):
            return f"{where} did not answer within {self.settings.request_timeout:.0f} s (DOSSIER_REQUEST_TIMEOUT)"
        if isinstance(cause, openai.APIConnectionError):
            return f"cannot reach {where}: is the server running? ({_short(str(cause.__cause__ or cause))})"
        if isinstance(cause, openai.RateLimitError):
            return f"{where} is rate-limiting requests (HTTP 429) and still was after {self.settings.max_retries} retries"
        if isinstance(cause, openai.APIStatusError):
            return f"{where} answered HTTP {cause.status_code}: {_short(cause.message)}"
        attempts = getattr(exc, "n_attempts", None)
        tries = f" after {attempts} attempts" if attempts else ""
        return f"{where} gave no valid {wanted}{tries}: {_short(str(exc))}"

    def structured(self, response_model: type[T], messages: list[dict], max_tokens: int | None = None) -> T:
        """One validated `response_model` from the model, or a `ModelError` that says why not."""
        self.calls += 1
        started = time.perf_counter()
        try:
            result = self.client.chat.completions.create(
                model=self.model,
                response_model=response_model,
                messages=messages,
                max_tokens=max_tokens or self.settings.max_tokens,
                temperature=self.settings.temperature,
                max_retries=self.settings.max_retries,
            )
        except (openai.OpenAIError, InstructorError) as exc:
            raise ModelError(self._explain(exc, response_model.__name__)) from exc
        log.debug("%s in %.1fs", response_model.__name__, time.perf_counter() - started)
        return result


def _root_cause(exc: BaseException) -> BaseException:
    """instructor wraps transport errors in its retry exception; find what really failed."""
    seen = exc
    while True:
        if isinstance(seen, openai.OpenAIError):
            return seen
        nxt = seen.__cause__ or seen.__context__
        if nxt is None:
            return exc
        seen = nxt


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."
