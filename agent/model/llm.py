"""The one way Dossier talks to a language model: `openai` wrapped by `instructor`.

`Mode.TOOLS` works everywhere we run: OpenAI and compatible servers, and the
embedded llama.cpp server, which turns the tool schema into a grammar (it
rejects the `json_schema` response format that `Mode.JSON_SCHEMA` sends).
HTTP faults (connection, timeout, 429 with Retry-After, 5xx) are retried with
backoff by the openai client; output that does not validate is re-asked by
instructor. Whatever still fails becomes one `ModelError` naming the endpoint.

Keys never leave this module in text: error messages and the log records of
instructor, openai and httpx are scrubbed of the keys in use and of anything
shaped like one (a server may echo the key it rejected).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import time
from dataclasses import dataclass
from typing import Generic, TypeVar

import instructor
import openai
from instructor.core.exceptions import InstructorError
from pydantic import BaseModel, ValidationError

from agent.errors import InvalidModelOutput, ModelError, clip, exception_chain
from agent.model.local import stopped_server, touch_activity
from agent.settings import Settings
from agent.timing import count, stage

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)

LOCAL_MODEL_NAME = "dossier-local"  # the alias the embedded server answers to
# llama.cpp's server gives token log-probabilities only when asked for at least one top token.
_LOGPROBS = {"logprobs": True, "top_logprobs": 1}

# --- keeping keys out of messages and logs ------------------------------------------------

_SECRETS: set[str] = set()  # the keys this process has handed to a client
_KEY_SHAPED = re.compile(r"\b(Bearer\s+)[\w.~+/=-]+|\b(?:sk|rk|pk)-[\w-]{8,}", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` without any key in use or anything that looks like a key or a bearer token."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    return _KEY_SHAPED.sub(lambda m: f"{m.group(1) or ''}***", text)


def _remember_secret(key: str | None) -> None:
    if key and len(key) >= 8 and key != "not-needed":
        _SECRETS.add(key)


class _ScrubLogs(logging.Filter):
    """Redacts keys from records; demotes instructor's per-attempt ERROR records to DEBUG,
    since the one `ModelError` raised at the end already says what failed (and the CLI
    would otherwise print them to stderr through logging's last-resort handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if redact(text) != text:
                record.exc_text = redact(text)
        if record.name.startswith("instructor") and record.levelno > logging.DEBUG:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


# Filters on a logger apply only to records made by that very logger, so each one that
# logs requests, responses or errors is named here; tests/test_secrets.py checks them all.
_CLIENT_LOGGERS = (
    "instructor", "instructor.v2", "instructor.v2.retry", "openai", "openai._base_client",
    "httpx", "httpx2", "httpcore.http11", "httpcore.connection", "httpcore2.http11", "httpcore2.connection",
)
_SCRUB = _ScrubLogs()
for _name in _CLIENT_LOGGERS:
    if _SCRUB not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_SCRUB)


# --- the client --------------------------------------------------------------------------


@dataclass(frozen=True)
class FirstToken:
    """A one-token answer: the token, and the most likely first tokens with their
    probabilities (None where the endpoint gives no log-probabilities)."""

    token: str
    top: dict[str, float] | None


@dataclass(frozen=True)
class Scored(Generic[T]):
    """A validated answer and the tokens the model wrote for it, each with its log-probability
    (None where the endpoint gives none)."""

    value: T
    tokens: list[tuple[str, float]] | None

    def probability(self, field: str) -> float | None:
        """The probability the model gave the value it wrote for `field` (every token from the
        field's colon to the comma or brace after its value, the space before it included: that
        is where a model choosing `null` parts from one choosing a number). None without
        log-probabilities, or when the field cannot be found in what it wrote."""
        if not self.tokens:
            return None
        text = "".join(token for token, _ in self.tokens)
        key = re.search(rf'"{re.escape(field)}"\s*:', text)
        if key is None:
            return None
        value = re.match(r'\s*(?:"(?:[^"\\]|\\.)*"|[^,}\s]*)', text[key.end() :])
        start, end = key.end(), key.end() + value.end()
        logprob, at = 0.0, 0
        for token, token_logprob in self.tokens:
            if at < end and at + len(token) > start:
                logprob += token_logprob
            at += len(token)
        return math.exp(logprob)


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
            _remember_secret(os.environ.get("OPENAI_API_KEY"))
        else:
            self.model = settings.model or "default"
            key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
        _remember_secret(key)
        self.openai = openai.OpenAI(
            base_url=base_url,
            api_key=key,
            timeout=settings.request_timeout,
            max_retries=settings.max_retries,
        )
        self.client = instructor.from_openai(self.openai, mode=instructor.Mode.TOOLS)
        self.calls = 0
        # Whether the endpoint returns token log-probabilities; None until one call tells.
        self.gives_logprobs: bool | None = None

    def _explain(self, exc: BaseException, wanted: str) -> str:
        where = f"the model at {self.base_url}"
        n = self.settings.max_retries + 1
        tries = f"{n} tries" if n != 1 else "1 try"
        cause = _root_cause(exc)
        if isinstance(cause, openai.APITimeoutError):
            message = (
                f"{where} did not answer within {self.settings.request_timeout:g} s ({tries}); "
                "raise DOSSIER_REQUEST_TIMEOUT if the model is just slow"
            )
        elif isinstance(cause, openai.APIConnectionError):
            detail = clip(str(cause.__cause__ or cause), 300)
            stopped = stopped_server(self.settings, self.base_url) if self.settings.provider == "local" else None
            message = stopped or f"cannot reach {where} ({detail}; {tries}): is the server running?"
        elif isinstance(cause, (openai.AuthenticationError, openai.PermissionDeniedError)):
            message = (
                f"{where} refused the API key (HTTP {cause.status_code}: {_api_message(cause)}); "
                "check DOSSIER_API_KEY or OPENAI_API_KEY"
            )
        elif isinstance(cause, openai.RateLimitError):
            message = f"{where} is rate-limiting requests (HTTP 429) and still was after {tries}"
        elif isinstance(cause, openai.APIStatusError):
            retried = cause.status_code >= 500 or cause.status_code in (408, 409)
            message = f"{where} answered HTTP {cause.status_code} ({_api_message(cause)})" + (
                f" to each of {n} tries" if retried and n > 1 else ""
            )
        elif isinstance(cause, (json.JSONDecodeError, openai.APIResponseValidationError)):
            message = (
                f"{where} answered with a body that is not an OpenAI-style JSON response ({clip(str(cause), 300)}): "
                "is that URL an OpenAI-compatible endpoint (usually ending in /v1)?"
            )
        else:
            attempts = getattr(exc, "n_attempts", None)
            count = f" in {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else ""
            message = f"{where} gave no valid {wanted}{count}: {_invalid(cause)}"
        return redact(message)

    def structured(self, response_model: type[T], messages: list[dict], max_tokens: int | None = None) -> T:
        """One validated `response_model` from the model, or a `ModelError` that says why not."""
        return self._structured(response_model, messages, max_tokens, scored=False).value

    def structured_scored(self, response_model: type[T], messages: list[dict], max_tokens: int | None = None) -> Scored[T]:
        """Like `structured`, with the log-probability of each token the model wrote, where the
        endpoint gives them (the embedded server, OpenAI): what a decision's
        confidence is read from (`Scored.probability`)."""
        return self._structured(response_model, messages, max_tokens, scored=self.gives_logprobs is not False)

    def _structured(self, response_model: type[T], messages: list[dict], max_tokens: int | None, scored: bool) -> Scored[T]:
        self.calls += 1
        started = time.perf_counter()
        self._mark_used()
        request = dict(
            model=self.model,
            response_model=response_model,
            messages=messages,
            max_tokens=max_tokens or self.settings.max_tokens,
            temperature=self.settings.temperature,
            max_retries=self.settings.max_retries,
        )
        try:
            with stage("model"):
                try:
                    result, completion = self.client.chat.completions.create_with_completion(**request, **(_LOGPROBS if scored else {}))
                except (openai.APIStatusError, InstructorError) as exc:  # llama.cpp's server without logits_all: HTTP 500
                    cause = _root_cause(exc)
                    if not (scored and isinstance(cause, openai.APIStatusError) and "logprob" in str(cause).lower()):
                        raise
                    self.gives_logprobs = False
                    result, completion = self.client.chat.completions.create_with_completion(**request)
        except (openai.OpenAIError, InstructorError) as exc:
            invalid = isinstance(_root_cause(exc), (json.JSONDecodeError, ValidationError))
            error = (InvalidModelOutput if invalid else ModelError)(self._explain(exc, response_model.__name__))
            if _carries_secret(exc):
                raise error from None  # the original's text echoes a key: do not chain it
            raise error from exc
        finally:
            self._mark_used()
        usage = getattr(completion, "usage", None)
        count("model_calls", 1)
        count("prompt_tokens", getattr(usage, "prompt_tokens", 0) or 0)
        count("completion_tokens", getattr(usage, "completion_tokens", 0) or 0)
        log.debug("%s in %.1fs", response_model.__name__, time.perf_counter() - started)
        content = None
        if scored and completion.choices and completion.choices[0].logprobs:
            content = completion.choices[0].logprobs.content
        # OpenAI gives none for a tool call's arguments: that says nothing of other calls.
        return Scored(result, [(t.token, t.logprob) for t in content] if content else None)

    def first_token(self, messages: list[dict], top: int = 10) -> FirstToken:
        """The model's first answer token and, where the endpoint gives them, the `top` most
        likely first tokens with their probabilities. An endpoint that refuses log-probabilities
        (llama.cpp's server without `logits_all`) is asked once; after that, only the token."""
        self.calls += 1
        self._mark_used()
        request = dict(model=self.model, messages=messages, max_tokens=1, temperature=self.settings.temperature)
        completion = None
        try:
            with stage("model"):
                if self.gives_logprobs is not False:
                    try:
                        completion = self.openai.chat.completions.create(**request, logprobs=True, top_logprobs=top)
                    except openai.APIStatusError as exc:  # llama.cpp's server answers HTTP 500
                        if "logprob" not in str(exc).lower():
                            raise
                        self.gives_logprobs = False
                # Asked again only when refused: another thread may have learned meanwhile that
                # the endpoint gives none, and this answer stands as it is.
                if completion is None:
                    completion = self.openai.chat.completions.create(**request)
        except openai.OpenAIError as exc:
            error = ModelError(self._explain(exc, "answer token"))
            if _carries_secret(exc):
                raise error from None
            raise error from exc
        finally:
            self._mark_used()
        count("model_calls", 1)
        usage = getattr(completion, "usage", None)
        count("prompt_tokens", getattr(usage, "prompt_tokens", 0) or 0)
        count("completion_tokens", getattr(usage, "completion_tokens", 0) or 0)
        choice = completion.choices[0]
        content = getattr(choice.logprobs, "content", None) if choice.logprobs else None
        if not content:
            if self.gives_logprobs is None:
                self.gives_logprobs = False
            return FirstToken(choice.message.content or "", None)
        self.gives_logprobs = True
        first = content[0]
        ranked = first.top_logprobs or [first]
        return FirstToken(first.token, {t.token: math.exp(t.logprob) for t in ranked})

    def _mark_used(self) -> None:
        """Keep the embedded server's idle clock at zero while it is in use (see keep-alive)."""
        if self.settings.provider == "local":
            touch_activity(self.settings)


def _root_cause(exc: BaseException) -> BaseException:
    """instructor wraps transport and parse errors in its retry exception; find what really
    failed: the openai error if there is one, else the last parse or validation error."""
    chain = exception_chain(exc)
    for kinds in (openai.OpenAIError, (json.JSONDecodeError, ValidationError)):
        found = next((e for e in chain if isinstance(e, kinds)), None)
        if found is not None:
            return found
    attempts = getattr(exc, "failed_attempts", None)
    return attempts[-1].exception if attempts else exc


def _carries_secret(exc: BaseException) -> bool:
    return any(redact(str(e)) != str(e) for e in exception_chain(exc))


def _api_message(error: openai.APIStatusError) -> str:
    """The server's own error message (`{"error": {"message": ...}}`), else the raw text."""
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        text = inner.get("message") if isinstance(inner, dict) else inner
        if text:
            return clip(str(text), 200)
    return clip(error.message, 200)


def _invalid(cause: BaseException) -> str:
    """What was wrong with the last answer, in a line: the fields that failed and why."""
    if isinstance(cause, ValidationError):
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']} (got {clip(repr(e.get('input')), 60)})"
            for e in cause.errors()[:3]
        ]
        return "; ".join(problems)
    return clip(str(cause), 300)
