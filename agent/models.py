"""The data types Dossier reads, stores and returns: one module, no logic beyond validation
and the tidy rows they make.

Every extracted record carries an `Evidence`: the article, a character span and
the exact quote found there. Records are plain Pydantic models, so they dump to
JSON, turn into DataFrames (`agent.output.export.records_frame`, `Listing.to_pandas`)
and render as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
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

    id: str = Field(
        description="The path inside the ingested folder ('a/article.txt'), the file name for a file "
        "given by itself, or the JSON Lines object's id (else file + ':line'); unique in an index."
    )
    path: str
    text: str
    content_hash: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: date | None = None


class ArticleInfo(BaseModel):
    """One row of `agent articles`: what is indexed, and whether it is extracted."""

    id: str
    title: str | None = None
    outlet: str | None = None
    published: date | None = None
    url: str | None = None
    path: str
    chunks: int
    extracted: bool


class CheckReport(BaseModel):
    """What `agent check` found: the store and the vector collection compared."""

    index: str
    articles: int = 0
    chunks: int = 0
    vectors: int = 0
    missing_vectors: int = Field(0, description="Chunks in the store with no vector: search cannot find them.")
    orphan_vectors: int = Field(0, description="Vectors of chunks the store no longer has (ignored by search).")
    store_damage: list[str] = Field(default_factory=list, description="What SQLite's integrity check reports.")
    vector_error: str | None = Field(None, description="Why the vector collection could not be read, if it could not.")
    embedding_model: str | None = None

    @property
    def ok(self) -> bool:
        return not (self.missing_vectors or self.orphan_vectors or self.store_damage or self.vector_error)

    def problems(self) -> list[str]:
        out = [f"store damaged: {line}" for line in self.store_damage]
        if self.vector_error:
            out.append(f"vector collection unreadable: {self.vector_error}")
        if self.missing_vectors:
            out.append(f"{self.missing_vectors} of {self.chunks} chunks have no vector (search cannot find them)")
        if self.orphan_vectors:
            out.append(f"{self.orphan_vectors} vectors belong to no stored chunk")
        return out


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
    judged_verb: str | None = Field(
        default=None,
        description="Set when the verb is on no lexicon list and the model judged its meaning: "
        "the verb's lemma with the words leading to the target ('snub', 'lash out at'), for "
        "`agent lexicon --learned`.",
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


LinkKind = Literal["leads", "alias", "epithet", "refers_to"]


class Link(_Record):
    """A tie between two names that an article states, read off its grammar:
    `leads` ("Ruritania's President X", "the Front led by X", "X's Front"), `alias`
    ("Northern Defence Army (NDA)"), `epithet` (the descriptive words an article puts before a
    name: "the Coast-based, internationally recognised Council of Unity") or `refers_to` (a
    descriptive phrase holding a stance, "the rebel commander", and the name the model chose for
    it among those the text gives before it)."""

    type: Literal["link"] = "link"
    kind: LinkKind
    source: str = Field(description="The leader, the short form, the epithet, or the descriptive phrase that refers to the target.")
    target: str = Field(description="What is led, the long form, or the name the epithet describes.")
    evidence: Evidence

    def summary(self) -> str:
        return f"{self.source} {self.kind} {self.target}"


Record = Actor | Stance | DateMention | Link


class ReadStance(BaseModel):
    """What a system read in a sentence, in the shape of a stance record."""

    holder: str
    relation: str
    target: str
    status: str = "stated"


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
    route: str | None = Field(
        default=None,
        description="What answered: graph, dates, count, passages, floor (the closest passage, quoted) or refusal.",
    )
    coverage: float | None = Field(
        default=None,
        description="How much of the question's names, focus and words the best retrieved passage covers (0-1): "
        "below the fitted threshold the passages route refuses. None when no passage was read.",
    )
    confidence: float | None = Field(
        default=None,
        description="The probability the model gave the passage it chose (the last choice, for a two-hop answer), "
        "read from its token log-probabilities; None without a choice or where the endpoint gives none.",
    )
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
        """In a notebook: the answer, then each source's title, outlet, date and span over its quote, marked."""
        items = "".join(
            "<li style='margin:0 0 10px'>"
            f"<div style='font-size:90%;color:#4a5568'>[{c.n}] "
            + (f"<b>{html.escape(c.title)}</b> · " if c.title else "")
            + f"{html.escape(c.outlet or 'outlet not stated')} · {html.escape(c.date or 'undated')}"
            f" · <code>{html.escape(c.article)}</code> chars {c.start}–{c.end}</div>"
            "<div style='margin:3px 0 0;padding-left:10px;border-left:3px solid #d69e2e'>"
            f"<mark style='background:#fef3c7'>{html.escape(c.quote)}</mark></div></li>"
            for c in self.citations
        )
        colour = "color:#718096;" if self.refused else ""
        return (
            f"<div><p style='font-size:115%;{colour}'>{html.escape(self.answer)}</p>"
            f"<ol style='list-style:none;padding-left:0'>{items}</ol></div>"
        )


# --- consolidated across articles (`agent.graph.consolidate`) ------------------------------------

MergeReason = Literal[
    "same name", "article alias", "acronym", "title", "possessive", "epithet", "demonym", "country name",
    "capital", "seat of government", "government of", "fuzzy", "name suffix", "person's name", "forces of", "leader's group",
    "model choice", "user",
]


class Merge(BaseModel):
    """Why one surface form belongs to an actor: the layer that merged it and what licensed it."""

    alias: str
    into: str
    reason: MergeReason
    detail: str = ""
    evidence: Evidence | None = None

    def summary(self) -> str:
        source = f" [{self.evidence.article} {self.evidence.start}-{self.evidence.end}]" if self.evidence else ""
        return f"{self.alias!r} = {self.into!r}: {self.reason}{f' ({self.detail})' if self.detail else ''}{source}"


class CanonicalActor(BaseModel):
    """One real-world actor across articles: every surface form that names it, and why each was merged."""

    name: str
    type: ActorType = Field(description="Decided across all mentions.")
    aliases: list[str] = Field(description="Every surface form, the name included.")
    leads: list[str] = Field(default_factory=list, description="Canonical names of what this actor leads.")
    led_by: list[str] = Field(default_factory=list)
    articles: list[str] = Field(default_factory=list)
    outlets: list[str] = Field(default_factory=list, description="Distinct outlets (the article id when none is known).")
    merges: list[Merge] = Field(default_factory=list)

    def summary(self) -> str:
        return f"{self.name} ({self.type})" + (f", also {', '.join(a for a in self.aliases if a != self.name)}" if len(self.aliases) > 1 else "")

    def row(self) -> dict:
        """The stable keys of `agent actors --json` (`leads`: the first actor led, or null)."""
        return {
            "name": self.name, "type": self.type, "aliases": self.aliases,
            "leads": self.leads[0] if self.leads else None, "led_by": self.led_by,
            "articles": self.articles, "outlets": self.outlets,
        }


EdgeStatus = Literal["stated", "claimed", "denied", "contested"]


class Edge(BaseModel):
    """One (holder, relation, target) between canonical actors, with every quote behind it."""

    holder: str
    relation: Relation
    target: str
    status: EdgeStatus = Field(description="contested: stated or claimed by one source, denied by another.")
    articles: list[str]
    outlets: list[str] = Field(default_factory=list)
    evidence: list[Evidence]
    statuses: list[StanceStatus] = Field(default_factory=list, description="The status of each evidence item.")

    def row(self) -> dict:
        """The stable keys of `agent stances --json`."""
        return {
            "holder": self.holder, "relation": self.relation, "target": self.target, "status": self.status,
            "articles": self.articles, "outlets": self.outlets,
            "evidence": [e.model_dump() | {"status": s} for e, s in zip(self.evidence, self.statuses or ["stated"] * len(self.evidence))],
        }


class Listing(list):
    """A list of canonical actors or edges that also turns into one tidy pandas DataFrame."""

    def to_pandas(self):
        return listing_frame(self)


def flat(record: Record) -> dict:
    """One flat row: the record's fields plus its evidence (article, start, end, quote)."""
    row = record.model_dump(mode="json")
    evidence = row.pop("evidence")
    if "aliases" in row:
        row["aliases"] = "; ".join(row["aliases"])
    return {**row, **evidence}


# --- listings of consolidated actors, edges and dates (`agent actors|stances|dates`, `.to_pandas()`) ---

ACTOR_COLUMNS = ["name", "type", "aliases", "leads", "led_by", "articles", "outlets"]
EDGE_COLUMNS = ["holder", "relation", "target", "status", "outlets", "article", "start", "end", "quote", "quote_status"]
DATE_COLUMNS = ["type", "text", "event", "value", "precision", "anchor", "unresolved", "article", "start", "end", "quote"]


def listing_rows(items: Iterable[CanonicalActor | Edge | DateMention]) -> tuple[list[str], list[dict]]:
    """Tidy rows: one per actor (lists joined by "; "), one per quote of an edge, one per date."""
    rows: list[dict] = []
    columns: list[str] = []
    for item in items:
        if isinstance(item, CanonicalActor):
            columns = ACTOR_COLUMNS
            rows.append({k: "; ".join(v) if isinstance(v, list) else v for k, v in item.model_dump(include=set(ACTOR_COLUMNS)).items()})
        elif isinstance(item, Edge):
            columns = EDGE_COLUMNS
            statuses = item.statuses or ["stated"] * len(item.evidence)
            for evidence, status in zip(item.evidence, statuses):
                rows.append({
                    "holder": item.holder, "relation": item.relation, "target": item.target, "status": item.status,
                    "outlets": "; ".join(item.outlets), **evidence.model_dump(), "quote_status": status,
                })
        else:
            columns = DATE_COLUMNS
            rows.append({k: v for k, v in flat(item).items() if k in DATE_COLUMNS})
    return columns, rows


def listing_frame(items: Iterable[CanonicalActor | Edge | DateMention]):
    """One tidy pandas DataFrame (pandas is an optional dependency)."""
    import pandas as pd

    columns, rows = listing_rows(items)
    return pd.DataFrame(rows, columns=columns or None)
