"""The data types Dossier reads, stores and returns: one module, no logic beyond validation.

Every extracted record carries an `Evidence`: the article, a character span and
the exact quote found there. Records are plain Pydantic models, so they dump to
JSON, turn into DataFrames (`agent.records_frame`) and render as HTML.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ActorType = Literal[
    "state", "government", "armed_group", "international_organisation", "person", "other"
]
Relation = Literal["supports", "opposes", "calls_for", "condemns"]
StanceStatus = Literal["stated", "claimed", "denied"]
Precision = Literal["day", "month", "year"]


class Article(BaseModel):
    """One source document, with the metadata the text itself states (or None)."""

    id: str = Field(description="The source file name (or file name + line for JSON Lines).")
    path: str
    text: str
    content_hash: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: date | None = None


class Chunk(BaseModel):
    """A sentence-aligned slice of an article: `article.text[start:end] == text`."""

    id: str
    article_id: str
    start: int
    end: int
    text: str


class Evidence(BaseModel):
    """Where a record comes from: `article.text[start:end] == quote`, checked before storing."""

    model_config = ConfigDict(frozen=True)

    article: str
    start: int
    end: int
    quote: str


class _Record(BaseModel):
    """Shared by the extracted records: a notebook shows them with their evidence highlighted."""

    def summary(self) -> str:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        e = self.evidence  # type: ignore[attr-defined]
        return (
            f"<p><b>{html.escape(self.summary())}</b><br><small>{html.escape(e.article)} "
            f"[{e.start}:{e.end}]</small><br><mark>{html.escape(e.quote)}</mark></p>"
        )


class Actor(_Record):
    type: Literal["actor"] = "actor"
    name: str = Field(description="Canonical name.")
    actor_type: ActorType
    aliases: list[str] = Field(default_factory=list, description="Surface forms seen in the text.")
    evidence: Evidence

    def summary(self) -> str:
        return f"{self.name} ({self.actor_type})" + (f", also {', '.join(self.aliases)}" if self.aliases else "")


class Stance(_Record):
    type: Literal["stance"] = "stance"
    holder: str
    relation: Relation
    target: str
    status: StanceStatus = "stated"
    attribution: str | None = Field(
        default=None, description="Who says so, when the article attributes the claim."
    )
    evidence: Evidence

    def summary(self) -> str:
        status = "" if self.status == "stated" else f" ({self.status})"
        return f"{self.holder} {self.relation} {self.target}{status}"


class DateMention(_Record):
    type: Literal["date"] = "date"
    text: str = Field(description="The expression as written: 'on Sunday', 'January 12'.")
    event: str = Field(description="The sentence or clause the expression dates.")
    value: str | None = Field(
        description="ISO 8601 at `precision` ('2020-01-12', '2020-01', '2020'); "
        "'--01-12' when the article states day and month but no year can be known."
    )
    precision: Precision | None
    anchor: date | None = Field(description="The publication date used to resolve it, if any.")
    unresolved: bool = False
    evidence: Evidence

    def summary(self) -> str:
        return f"{self.text!r} = {self.value or 'unresolved'}"


Record = Actor | Stance | DateMention


class Citation(BaseModel):
    """A numbered source of an answer, resolved to article metadata and a verified span."""

    n: int
    article: str
    title: str | None = None
    outlet: str | None = None
    date: str | None = None
    start: int
    end: int
    quote: str


class Answer(BaseModel):
    question: str
    answer: str
    refused: bool
    citations: list[Citation] = Field(default_factory=list)
    dropped: list[str] = Field(
        default_factory=list, description="Sentences removed because no citation supported them."
    )

    def __str__(self) -> str:
        """The CLI's text: the answer, then its numbered sources with outlet, date, span and quote."""
        lines = [self.answer]
        if self.citations:
            lines.append("")
        for c in self.citations:
            source = " | ".join(x for x in (c.title, c.outlet, c.date or "undated") if x)
            lines.append(f"[{c.n}] {source} ({c.article}, chars {c.start}-{c.end})")
            lines.append(f'    "{c.quote}"')
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        items = "".join(
            f"<li>[{c.n}] <b>{html.escape(c.title or c.article)}</b> "
            f"{html.escape(c.outlet or c.article)}, {html.escape(c.date or 'undated')} "
            f"<small>[{c.start}:{c.end}]</small>: <mark>{html.escape(c.quote)}</mark></li>"
            for c in self.citations
        )
        return f"<p>{html.escape(self.answer)}</p><ol style='list-style:none'>{items}</ol>"
