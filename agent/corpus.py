"""`Corpus`: the Python API. The CLI is a thin layer over it; notebooks use it directly.

    from agent import Corpus
    with Corpus() as corpus:
        corpus.ingest(["news/"])
        print(corpus.ask("Who backs the coastal council?"))

Data flows one way: ingest -> index -> extract -> consolidate -> answer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent import data
from agent.errors import DossierError, no_index, printable, read_only, store_damaged
from agent.extract.attitude_judge import AnswerCache
from agent.extract.pair_attitude import Pair, as_stances, judge_between
from agent.extract.pipeline import ArticleResult, cache_key, extract_article, run_batch
from agent.index.store import Store
from agent.ingest import boilerplate as furniture
from agent.ingest.chunking import chunk_article
from agent.ingest.readers import SUPPORTED, Note, Skipped, is_record, read_paths
from agent.model.local import model_endpoint, model_file
from agent.models import Answer, Article, ArticleInfo, CheckReport, Chunk, DateMention, Edge, Listing, ReadStance, Record, Stance
from agent.output.export import record_from_dict
from agent.progress import Bar, progress_bar
from agent.settings import Settings
from agent.text.names import fold
from agent.timing import stage

if TYPE_CHECKING:
    from agent.extract.lexicon import Lexicon
    from agent.graph.consolidate import Consolidation
    from agent.index.retrieval import Retriever
    from agent.model.llm import LLM

# Chroma, the openai client and the parser each take a second to import: they are
# imported where first needed, so a cached re-run or a listing starts fast.


INGEST_BATCH = 256  # chunks embedded and upserted together


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    records: int = 0  # of all the items above, the JSON Lines records; the rest are files and URLs
    notes: list[Note] = field(default_factory=list)  # web pages whose body was replaced, or is short
    chunks: int = 0
    restored: int = 0  # vectors of unchanged articles that were missing and were re-added
    seconds: float = 0.0

    @property
    def files(self) -> int:
        return len(self.added) + len(self.replaced) + len(self.unchanged) + len(self.skipped) - self.records


class IngestInterrupted(KeyboardInterrupt):
    """Ctrl-C during `ingest`, carrying what was stored before it: still a KeyboardInterrupt
    to whoever catches that."""

    def __init__(self, report: IngestReport) -> None:
        super().__init__()
        self.report = report


class Corpus:
    def __init__(self, settings: Settings | None = None, readonly: bool | None = None, **overrides: object) -> None:
        """`readonly`: open the index without writing to it; by default, when the user cannot write it.

        Opening a folder that holds no index creates nothing: reading from it is an error that
        names the folder, and `ingest` or `extract` create the index there.
        """
        self.settings = (settings or Settings()).model_copy(update=overrides) if overrides else (settings or Settings())
        if readonly is None:
            readonly = not _writable(self.settings.index_path) and self.settings.store_path.exists()
        self._readonly = readonly
        self._store: Store | None = None
        self._generation = 0
        if self.settings.store_path.exists():
            self._open_store()  # a damaged or too old store is reported at once
        self.notes: list[str] = []  # one-line notes for the user (the CLI prints them to stderr)
        self._collection = None
        self._retriever: Retriever | None = None
        self._llm: LLM | None = None
        self._attitude_answers: AnswerCache | None = None
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
        if self._store is not None:
            self._store.close()

    @property
    def readonly(self) -> bool:
        return self._readonly

    @property
    def store(self) -> Store:
        """The SQLite store of the index; a missing index is an error here (see `_open_store`)."""
        if self._store is None:
            if not self.settings.store_path.exists():  # another process may have created it since
                raise no_index(self.settings.index_path)
            self._open_store()
        assert self._store is not None
        return self._store

    def _open_store(self) -> None:
        """Open the store, creating the index if there is none: only the commands that add
        articles (`ingest`, and `extract` through it) call this on a missing index."""
        self._store = Store(self.settings.store_path, readonly=self._readonly)
        self._generation = self._store.generation()

    def _writing(self) -> None:
        if self.readonly:
            raise read_only(self.settings.index_path)

    @property
    def collection(self):
        if self._collection is None:
            from agent.index.retrieval import open_collection

            self._collection = open_collection(self.settings)
        return self._collection

    def _search_collection(self):
        """The collection for searching, or None on a read-only index whose vector store cannot
        be opened without writing: answers then come from lexical search, with a note."""
        if not self.readonly or self._collection is not None:
            return self.collection
        try:
            return self.collection
        except Exception as exc:  # noqa: BLE001 - Chroma raises many types for a read-only folder
            self.notes.append(
                f"the vector index at {self.settings.index_path} cannot be opened read-only "
                f"({type(exc).__name__}); answering from lexical search only"
            )
            return None

    @property
    def model_started(self) -> bool:
        """Whether this corpus has reached a model (a question that needed one)."""
        return self._llm is not None

    @property
    def llm(self) -> LLM:
        """The configured model; the embedded server is started on first use and stopped on close()."""
        if self._llm is None:
            from agent.model.llm import LLM

            with stage("model start"):
                base_url = self._resources.enter_context(model_endpoint(self.settings))
                self._llm = LLM(self.settings, base_url)
        return self._llm

    # --- ingest ---------------------------------------------------------------------

    def ingest(self, paths: Iterable[str | Path], progress: bool | None = None) -> IngestReport:
        """Read, chunk and index files and folders. Unchanged articles are a no-op; edited ones replace their chunks.
        `progress`: show a bar (default: on a terminal or in a notebook). Ctrl-C raises
        `IngestInterrupted`, whose report says what was stored: the same call again resumes."""
        self._writing()
        if self._store is None:
            self._open_store()
        report = IngestReport()
        started = time.perf_counter()
        try:
            # another `agent ingest` on this index waits its turn
            with self.store.writer_lock(), progress_bar("ingesting", progress) as bar:
                report.restored = self._restore_missing_vectors()
                known, owners = self.store.content_hashes(), self.store.article_paths()
                items = read_paths(
                    paths, self.settings.max_file_bytes, known, owners, self.settings.fetch_timeout,
                    self.settings.fetch_allow_private, self.boilerplate,
                )
                pending: list[tuple[Article, list[Chunk], bool]] = []  # article, its chunks, replaces an old version
                for item in items:
                    if isinstance(item, Note):
                        report.notes.append(item)
                        continue
                    report.records += is_record(item)
                    if isinstance(item, Skipped):
                        report.skipped.append(item)
                        continue
                    previous = self.store.article_hash(item.id)
                    if previous == item.content_hash:
                        report.unchanged.append(item.id)
                        continue
                    pending.append((item, chunk_article(item, self.settings.chunk_chars), previous is not None))
                    if sum(len(chunks) for _, chunks, _ in pending) >= INGEST_BATCH:
                        self._index(pending, report, bar)
                        pending = []
                self._index(pending, report, bar)
        except KeyboardInterrupt:
            raise IngestInterrupted(report) from None
        finally:
            self._wrote()
        report.seconds = time.perf_counter() - started
        return report

    def _index(self, batch: list[tuple[Article, list[Chunk], bool]], report: IngestReport, bar: Bar) -> None:
        """Store and embed a batch of articles. Many articles' chunks are embedded together:
        the embedding runs on length-sorted batches, where padding wastes least.
        The store first, then the vectors: the store holds the text every vector is made
        from, so a failed or interrupted vector write leaves chunks without vectors, which
        `agent check` reports and `--repair` (or the next ingest) re-embeds."""
        if not batch:
            return
        from agent.index.retrieval import add_chunks, delete_chunks

        stale: list[str] = []  # vectors of the replaced versions' chunks
        for article, chunks, replaces in batch:
            old_ids = set(self.store.chunk_ids(article.id))
            self.store.put_article(article, chunks)
            stale += sorted(old_ids - {c.id for c in chunks})
            (report.replaced if replaces else report.added).append(article.id)
            report.chunks += len(chunks)
        # Stale vectors go before new ones come: a failure in between leaves fewer vectors than
        # chunks, which every ingest's cheap count notices.
        delete_chunks(self.collection, stale)
        add_chunks(self.collection, [c for _, chunks, _ in batch for c in chunks])
        for article, _, _ in batch:
            bar.advance(printable(article.id))

    @property
    def boilerplate(self) -> furniture.Boilerplate:
        """Page furniture removed from every text as it is read: the shipped patterns plus the
        user's (DOSSIER_BOILERPLATE, or boilerplate.txt in the index folder)."""
        return furniture.load(furniture.user_file(self.settings.index_path, self.settings.boilerplate))

    def articles(self) -> list[Article]:
        return self.store.articles()

    def listing(self) -> list[ArticleInfo]:
        """What is indexed: each article's metadata, chunk count and whether it is extracted
        (with the current pipeline and model)."""
        chunks, key = self.store.chunk_counts(), self._extraction_key()
        return [
            ArticleInfo(
                id=a.id, title=a.title, outlet=a.outlet, published=a.published, url=a.url, path=a.path,
                chunks=chunks.get(a.id, 0),
                extracted=self.store.cached_records(key(a)) is not None,
            )
            for a in self.store.articles()
        ]

    def forget(self, article_ids: Iterable[str]) -> list[str]:
        """Remove articles with their chunks, vectors and cached records; the ids not in the
        index are an error, and nothing is removed then."""
        self._writing()
        article_ids = list(dict.fromkeys(article_ids))
        unknown = [i for i in article_ids if self.store.article(i) is None]
        if unknown:
            raise DossierError(f"not in the index at {self.settings.index_path}: {', '.join(unknown)} (see `agent articles`)")
        from agent.index.retrieval import delete_chunks

        with self.store.writer_lock():
            for article_id in article_ids:
                # Vectors first: a crash in between leaves the article in the store, and
                # `forget` can simply be run again.
                delete_chunks(self.collection, self.store.chunk_ids(article_id))
                self.store.delete_article(article_id)
        self._wrote()
        return article_ids

    # --- check and repair --------------------------------------------------------------

    def check(self) -> CheckReport:
        """Compare the store with the vector collection: what is missing, orphaned or damaged."""
        from agent.index.embeddings import EMBEDDING_NAME

        articles, chunks = self.store.counts()
        report = CheckReport(index=str(self.settings.index_path), articles=articles, chunks=chunks)
        report.store_damage = self.store.integrity()
        if report.store_damage:
            return report  # nothing read from a damaged store can be trusted
        try:
            collection = self._search_collection()
            if collection is None:
                report.vector_error = "it cannot be opened without write access; run `agent check` where the index is writable"
                return report
            vector_ids = set(collection.get(include=[])["ids"])
        except DossierError as exc:  # another embedding model, an unreachable server
            report.vector_error = str(exc)
            return report
        report.embedding_model = EMBEDDING_NAME
        stored = {c.id for c in self.store.chunks()}
        report.vectors = len(vector_ids)
        report.missing_vectors = len(stored - vector_ids)
        report.orphan_vectors = len(vector_ids - stored)
        return report

    def repair(self) -> tuple[CheckReport, CheckReport]:
        """Re-embed chunks that lost their vectors and delete orphan vectors, from the store's own
        text (no original file is needed); returns the check before and after. A damaged store
        is never modified."""
        self._writing()
        from agent.index.retrieval import add_chunks, delete_chunks

        before = self.check()
        if before.store_damage:
            raise store_damaged(self.settings.store_path, "; ".join(before.store_damage[:3]))
        if before.vector_error:
            raise DossierError(before.vector_error)
        with self.store.writer_lock():
            vector_ids = set(self.collection.get(include=[])["ids"])
            chunks = self.store.chunks()
            add_chunks(self.collection, [c for c in chunks if c.id not in vector_ids])
            delete_chunks(self.collection, sorted(vector_ids - {c.id for c in chunks}))
        self._wrote()
        return before, self.check()

    def _restore_missing_vectors(self) -> int:
        """The cheap part of `check`, run by every ingest: when the collection holds fewer
        vectors than the store has chunks, re-add the missing ones (their text is stored)."""
        chunks = self.store.counts()[1]
        # The collection is opened even for an empty store: an unreachable Chroma server or
        # another embedding model fails the ingest before anything is stored.
        if self.collection.count() >= chunks:
            return 0
        from agent.index.retrieval import add_chunks

        present = set(self.collection.get(include=[])["ids"])
        missing = [c for c in self.store.chunks() if c.id not in present]
        add_chunks(self.collection, missing)
        return len(missing)

    # --- extract --------------------------------------------------------------------

    def extract(
        self,
        paths: Iterable[str | Path] | None = None,
        workers: int = 1,
        on_done: Callable[[ArticleResult], None] | None = None,
        progress: bool | None = None,
    ) -> list[ArticleResult]:
        """Records for the articles under `paths` (ingesting them first), or for every ingested article.

        Each article's records are cached as soon as they are made, keyed by its text,
        the pipeline and prompt versions and the model: a re-run costs no model call,
        and an interrupted run resumes where it stopped. `on_done` hears of each article done;
        `progress`: show a bar (default: on a terminal or in a notebook).
        """
        self._writing()
        if paths is not None:
            paths = list(paths)
            report = self.ingest(paths, progress)
            # A file whose text is indexed under another id (a copy of an indexed folder) asks
            # for that article: ingest skipped it as a duplicate, extraction must not.
            copies = [s for s in report.skipped if s.duplicate_of]
            wanted = report.added + report.replaced + report.unchanged + [s.duplicate_of for s in copies]
            articles = [a for a in (self.store.article(i) for i in dict.fromkeys(wanted)) if a is not None]
            if not articles:
                raise _nothing_to_extract(paths, report.skipped)
            if copies:
                example = copies[0]
                self.notes.append(
                    f"{len(copies)} file{'s have' if len(copies) > 1 else ' has'} the same text as an article indexed "
                    f"under another id, and {'their' if len(copies) > 1 else 'its'} records are that article's "
                    f"(e.g. {example.path} -> {example.duplicate_of})"
                )
        else:
            articles = self.store.articles()
            if not articles:
                raise DossierError(f"the index at {self.settings.index_path} is empty: run `agent extract PATH` on the articles")
        model, key = self.model_id, self._extraction_key()

        def cached(article: Article) -> ArticleResult | None:
            hit = self.store.cached_records(key(article))
            if hit is None:
                return None
            records, seconds = hit
            return ArticleResult(article, [record_from_dict(r) for r in records], seconds, cached=True)

        def save(result: ArticleResult) -> None:
            self.store.cache_records(
                key(result.article), result.article.id, model,
                [r.model_dump(mode="json") for r in result.records], result.seconds,
            )

        with progress_bar("extracting", progress) as bar:
            bar.total(len(articles))

            def done(result: ArticleResult) -> None:
                bar.advance(f"{result.article.id}{' (cached)' if result.cached else ''}")
                if on_done is not None:
                    on_done(result)

            results = run_batch(articles, lambda a: extract_article(a, self.llm, self.lexicon, self.attitude_answers, self.settings.attitude_pairs), cached, save, workers, done)
        self._wrote()
        return results

    def attitude_between(self, sentence: str, first: str | Sequence[str], second: str | Sequence[str]) -> list[ReadStance]:
        """The attitude `sentence` shows between two actors it names, at most one stance: the
        grammar's evidence and the model's yes/no answers, weighed by the calibrated decision
        (`agent.extract.pair_attitude`). Each actor is a name, or its name followed by the other
        forms the sentence uses for it.

            corpus.attitude_between("Dunmar's Tomas Vell praised the Velmora accord.", "Tomas Vell", "Velmora")
        """
        names = [[value] if isinstance(value, str) else list(value) for value in (first, second)]
        if not all(n and n[0].strip() for n in names):
            raise DossierError("attitude_between needs two actor names")
        pair = Pair(sentence, *names)
        attitude, _ = judge_between(pair, self.llm, self.attitude_answers, self.lexicon)
        return as_stances(pair, attitude)

    @property
    def attitude_answers(self) -> AnswerCache:
        """The attitude judge's answers, kept on disk per model: a re-run or a crash costs no question twice."""
        if self._attitude_answers is None:
            self._attitude_answers = AnswerCache(self.settings.cache_dir / "attitude_answers.jsonl", self.model_id)
        return self._attitude_answers

    @property
    def lexicon(self) -> Lexicon:
        """The stance lexicon: the shipped words plus the user's (DOSSIER_LEXICON, or
        lexicon.toml in the index folder)."""
        from agent.extract import lexicon

        return lexicon.load(lexicon.user_file(self.settings.index_path, self.settings.lexicon))

    def learned_verbs(self) -> dict[str, dict[str, list[Stance]]]:
        """Verbs on no lexicon list whose meaning the model judged in the extracted articles:
        relation -> lemma -> the stances read from it, for `agent lexicon --learned`. A verb a
        list already holds is left out: "dismiss" is judged only where its object is no deed."""
        listed = self.lexicon.frame_verbs
        learned: dict[str, dict[str, list[Stance]]] = {}
        for record in self.records():
            if isinstance(record, Stance) and record.judged_verb and record.judged_verb not in listed:
                learned.setdefault(record.relation, {}).setdefault(record.judged_verb, []).append(record)
        return learned

    def _extraction_key(self) -> Callable[[Article], str]:
        """An article's extraction cache key with this corpus's model, lexicon and judge setting."""
        model, lexicon, pairs = self.model_id, self.lexicon, self.settings.attitude_pairs
        return lambda article: cache_key(article, model, lexicon, pairs)

    @property
    def model_id(self) -> str:
        """What the extraction cache is keyed on: the model file, or the endpoint and model name."""
        if self.settings.provider == "local" and not self.settings.model:
            return f"local:{model_file(self.settings).name}"
        return f"{self.settings.base_url or 'openai'}:{self.settings.model or self.settings.openai_model}"

    def records(self) -> list[Record]:
        """Every cached record of the ingested articles, for the current pipeline and model."""
        return [r for records in self.records_by_article().values() if records for r in records]

    def records_by_article(self) -> dict[str, list[Record] | None]:
        """Each ingested article's cached records, or None when it is not extracted (with the
        current pipeline and model)."""
        key = self._extraction_key()
        out: dict[str, list[Record] | None] = {}
        for article in self.store.articles():
            hit = self.store.cached_records(key(article))
            out[article.id] = None if hit is None else [record_from_dict(r) for r in hit[0]]
        return out

    # --- consolidate ------------------------------------------------------------------

    @property
    def aliases_path(self) -> Path:
        """The user's "same / not same" decisions, beside the index; read on every consolidation."""
        return self.settings.index_path / "aliases.toml"

    def consolidation(self) -> Consolidation:
        """Canonical actors across articles, rebuilt from the stored records (cheap: no model call),
        so articles added since are included and `aliases.toml` edits apply at once."""
        from agent.graph.consolidate import Consolidation, Overrides

        outlets = {a.id: a.outlet or a.id for a in self.store.articles()}
        return Consolidation(self.records(), outlets, Overrides.load(self.aliases_path))

    def actors(self, actor: str | None = None) -> Listing:
        """One `CanonicalActor` per real-world actor (name, type, aliases, leads, articles, outlets);
        `actor` keeps the one that any of its aliases names."""
        actors = self.consolidation().actors()
        if actor is None:
            return actors
        return Listing(a for a in actors if fold(actor) in {fold(n) for n in a.aliases})

    def stances(self, actor: str | None = None, relation: str | None = None) -> Listing:
        """Edges of the stance graph between canonical actors; `actor` (any alias) keeps the edges it
        holds or receives, `relation` one relation."""
        consolidation = self.consolidation()
        edges = consolidation.stance_graph()
        if actor is not None:
            names = {consolidation.canonical(actor), consolidation.group_of(actor)}
            edges = Listing(e for e in edges if e.holder in names or e.target in names)
        if relation is not None:
            edges = Listing(e for e in edges if e.relation == relation)
        return edges

    def stance_graph(self) -> list[Edge]:
        """Stances merged across articles: one edge per (holder, relation, target) of canonical actors."""
        return self.consolidation().stance_graph()

    def dates(self) -> Listing:
        return Listing(r for r in self.records() if isinstance(r, DateMention))

    # --- report ---------------------------------------------------------------------

    def report(self, path: str | Path | None = None) -> str | Path:
        """The evidence report as one self-contained HTML document: the stance graph, the actors,
        a timeline of resolved dates and every article with its records marked. Read from what
        extraction stored (no model call); an unextracted corpus gets its articles and a note.
        Returns the HTML, or writes it to `path` and returns the path."""
        from agent.output.export import write_atomically
        from agent.output.report import ReportInput, render

        consolidation = self.consolidation()
        html = render(ReportInput(
            articles=self.store.articles(), records=self.records_by_article(), actors=consolidation.actors(),
            edges=consolidation.stance_graph(), canonical=consolidation.canonical,
        ))
        if path is None:
            return html
        write_atomically(Path(path), html)
        return Path(path)

    # --- answer ---------------------------------------------------------------------

    def _wrote(self) -> None:
        """This corpus changed the index: its own vector client already holds the change."""
        self._retriever = None
        self._generation = self.store.generation()

    def _refresh(self) -> None:
        """A long-lived corpus (a notebook) sees what other processes added or removed: when
        the store's generation moved on, the lexical index and the vector client are rebuilt
        on next use. One small query per call."""
        generation = self.store.generation()
        if generation == self._generation:
            return
        self._generation = generation
        self._retriever = None
        if self._collection is not None:
            from agent.index.retrieval import reopen_collection

            self._collection = reopen_collection(self.settings)

    @property
    def retriever(self) -> Retriever:
        self._refresh()
        if self._retriever is None:
            from agent.index.retrieval import Retriever

            self._retriever = Retriever(self.store, self._search_collection)
        return self._retriever

    def search(self, query: str, k: int | None = None):
        return self.retriever.search(query, k or self.settings.top_k)

    def ask(self, question: str) -> Answer:
        """A short answer whose every sentence cites verified passages, or a refusal citing nothing."""
        from agent.answer import routes as answering

        started = time.perf_counter()
        question = answering.check_question(question)
        if not self.store.counts()[0]:
            raise DossierError(f"the index at {self.settings.index_path} is empty: run `agent ingest PATH` first")
        confidence, floor = data.answer_confidence(), data.floor_confidence()
        sources = answering.Sources(
            self.store, lambda: self.retriever, self._lazy_llm(), self.records, self.stance_graph, self.actors, self.settings.top_k,
            self.lexicon,
            refuse_below=self.settings.refuse_below if self.settings.refuse_below is not None else data.refusal()["threshold"],
            confident_above=confidence["threshold"],
            bridge_confident_above=confidence["through_a_bridge"],
            covered_above=confidence.get("coverage_at_least", 0.0),
            bridge_covered_above=confidence.get("bridge_coverage_at_least", 0.0),
            quote_above=floor["threshold"],
            bridge_quote_above=floor["through_a_bridge"],
        )
        result = answering.ask(question, sources)
        if self.readonly:
            self.notes.append("the index is read-only: this question is not added to its question log")
        else:
            self.store.log_question(question, self._llm.model if self._llm else None, result.answer, time.perf_counter() - started)
        return result

    def _lazy_llm(self) -> LLM:
        return _Lazy(self)  # type: ignore[return-value]


def _nothing_to_extract(paths: list[str | Path], skipped: list[Skipped]) -> DossierError:
    where = ", ".join(str(p) for p in paths) or "no path"
    if not skipped:
        return DossierError(f"no article to extract: no articles found in {where} (readable: {', '.join(sorted(SUPPORTED))})")
    more = f"; and {len(skipped) - 3} more" if len(skipped) > 3 else ""
    return DossierError(f"no article to extract in {where}: {'; '.join(str(s) for s in skipped[:3])}{more}")


def _writable(index_path: Path) -> bool:
    """Whether this user can write the index (or create it): the folder, and the store in it."""
    folder = next((p for p in (index_path, *index_path.parents) if p.exists()), Path("."))
    store = index_path / "dossier.sqlite3"
    return os.access(folder, os.W_OK) and (not store.exists() or os.access(store, os.W_OK))


class _Lazy:
    """Starts the model only if answering really needs it (a refusal by name check needs none)."""

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus

    def structured(self, *args, **kwargs):
        return self._corpus.llm.structured(*args, **kwargs)

    def structured_scored(self, *args, **kwargs):
        return self._corpus.llm.structured_scored(*args, **kwargs)
