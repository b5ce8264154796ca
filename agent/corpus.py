"""`Corpus`: the Python API. The CLI is a thin layer over it; notebooks use it directly.

    from agent import Corpus
    with Corpus() as corpus:
        corpus.ingest(["examples/libya"])
        print(corpus.ask("Who backs the GNA?").answer)

Data flows one way: ingest -> index -> extract -> consolidate -> answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent.chunking import chunk_article
from agent.errors import DossierError
from agent.export import record_from_dict
from agent.extract import ArticleResult, cache_key, extract_article, run_batch
from agent.models import Actor, Answer, Article, DateMention, Record, Stance
from agent.readers import Skipped, read_paths
from agent.settings import Settings
from agent.store import Store

if TYPE_CHECKING:
    from agent.llm import LLM
    from agent.retrieval import Retriever

# Chroma, the openai client and the parser each take a second to import: they are
# imported where first needed, so a cached re-run or a listing starts fast.


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0

    @property
    def files(self) -> int:
        return len(self.added) + len(self.replaced) + len(self.unchanged) + len(self.skipped)


class Corpus:
    def __init__(self, settings: Settings | None = None, **overrides: object) -> None:
        self.settings = (settings or Settings()).model_copy(update=overrides) if overrides else (settings or Settings())
        self.store = Store(self.settings.store_path)
        self._collection = None
        self._retriever: Retriever | None = None
        self._llm: LLM | None = None
        self._resources = ExitStack()

    # --- lifecycle ------------------------------------------------------------------

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop a model server this corpus started, and close the store."""
        self._resources.close()
        self._llm = None
        self.store.close()

    @property
    def collection(self):
        if self._collection is None:
            from agent.retrieval import open_collection

            self._collection = open_collection(self.settings)
        return self._collection

    @property
    def llm(self) -> LLM:
        """The configured model; the embedded server is started on first use and stopped on close()."""
        if self._llm is None:
            from agent.llm import LLM
            from agent.local_model import model_endpoint

            base_url = self._resources.enter_context(model_endpoint(self.settings))
            self._llm = LLM(self.settings, base_url)
        return self._llm

    # --- ingest ---------------------------------------------------------------------

    def ingest(self, paths: Iterable[str | Path]) -> IngestReport:
        """Read, chunk and index files and folders. Unchanged articles are a no-op; edited ones replace their chunks."""
        report = IngestReport()
        started = time.perf_counter()
        with self.store.writer_lock():  # another `agent ingest` on this index waits its turn
            known = self.store.content_hashes()
            for item in read_paths(paths, max_bytes=self.settings.max_file_bytes, known=known):
                if isinstance(item, Skipped):
                    report.skipped.append(item)
                    continue
                previous = self.store.article_hash(item.id)
                if previous == item.content_hash:
                    report.unchanged.append(item.id)
                    continue
                from agent.retrieval import add_chunks, delete_chunks

                chunks = chunk_article(item, self.settings.chunk_chars)
                old_ids = set(self.store.chunk_ids(item.id))
                # Vectors first, then the store: a crash in between leaves the store's
                # old record, so the next run redoes this article (upserts are idempotent).
                add_chunks(self.collection, chunks)
                delete_chunks(self.collection, sorted(old_ids - {c.id for c in chunks}))
                self.store.put_article(item, chunks)
                (report.replaced if previous else report.added).append(item.id)
                report.chunks += len(chunks)
        self._retriever = None
        report.seconds = time.perf_counter() - started
        return report

    def articles(self) -> list[Article]:
        return self.store.articles()

    # --- extract --------------------------------------------------------------------

    def extract(
        self,
        paths: Iterable[str | Path] | None = None,
        workers: int = 1,
        on_done: Callable[[ArticleResult], None] | None = None,
    ) -> list[ArticleResult]:
        """Records for the articles under `paths` (ingesting them first), or for every ingested article.

        Each article's records are cached as soon as they are made, keyed by its text,
        the pipeline and prompt versions and the model: a re-run costs no model call,
        and an interrupted run resumes where it stopped.
        """
        if paths is not None:
            report = self.ingest(paths)
            wanted = report.added + report.replaced + report.unchanged
            articles = [a for a in (self.store.article(i) for i in wanted) if a is not None]
        else:
            articles = self.store.articles()
        model = self.model_id

        def cached(article: Article) -> ArticleResult | None:
            hit = self.store.cached_records(cache_key(article, model))
            if hit is None:
                return None
            records, seconds = hit
            return ArticleResult(article, [record_from_dict(r) for r in records], seconds, cached=True)

        def save(result: ArticleResult) -> None:
            self.store.cache_records(
                cache_key(result.article, model), result.article.id, model,
                [r.model_dump(mode="json") for r in result.records], result.seconds,
            )

        return run_batch(articles, lambda a: extract_article(a, self.llm), cached, save, workers, on_done)

    @property
    def model_id(self) -> str:
        """What the extraction cache is keyed on: the model file, or the endpoint and model name."""
        if self.settings.provider == "local" and not self.settings.model:
            return f"local:{self.settings.model_path.name}"
        return f"{self.settings.base_url or 'openai'}:{self.settings.model or self.settings.openai_model}"

    def records(self) -> list[Record]:
        """Every cached record of the ingested articles, for the current pipeline and model."""
        out: list[Record] = []
        for article in self.store.articles():
            hit = self.store.cached_records(cache_key(article, self.model_id))
            if hit is not None:
                out += [record_from_dict(r) for r in hit[0]]
        return out

    def actors(self) -> list[Actor]:
        return [r for r in self.records() if isinstance(r, Actor)]

    def stances(self) -> list[Stance]:
        return [r for r in self.records() if isinstance(r, Stance)]

    def stance_graph(self):
        """Stances merged across articles: one edge per (holder, relation, target), with its evidence."""
        from agent.consolidate import stance_graph

        records = self.records()
        return stance_graph([r for r in records if isinstance(r, Actor)], [r for r in records if isinstance(r, Stance)])

    def dates(self) -> list[DateMention]:
        return [r for r in self.records() if isinstance(r, DateMention)]

    # --- answer ---------------------------------------------------------------------

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            from agent.retrieval import Retriever

            self._retriever = Retriever(self.store, self.collection)
        return self._retriever

    def search(self, query: str, k: int | None = None):
        return self.retriever.search(query, k or self.settings.top_k)

    def ask(self, question: str) -> Answer:
        """A short answer whose every sentence cites verified passages, or a refusal citing nothing."""
        from agent import answer as answering

        started = time.perf_counter()
        question = answering.check_question(question)
        if not self.store.counts()[0]:
            raise DossierError(f"the index at {self.settings.index_path} is empty: run `agent ingest PATH` first")
        sources = answering.Sources(
            self.store, self.retriever, self._lazy_llm(), self.records, self.stance_graph, self.actors, self.settings.top_k
        )
        result = answering.ask(question, sources)
        self.store.log_question(question, self._llm.model if self._llm else None, result.answer, time.perf_counter() - started)
        return result

    def _lazy_llm(self) -> LLM:
        return _Lazy(self)  # type: ignore[return-value]


class _Lazy:
    """Starts the model only if answering really needs it (a refusal by name check needs none)."""

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus

    def structured(self, *args, **kwargs):
        return self._corpus.llm.structured(*args, **kwargs)
