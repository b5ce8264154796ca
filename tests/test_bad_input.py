"""Bad input: every bad file gets a message naming it and the reason, the rest of the
batch goes on, and nothing already indexed is lost or duplicated. Bad questions get a
clear error or a refusal, never a traceback."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.corpus import Corpus
from agent.ingest.readers import Skipped, read_paths
from agent.models import Article
from agent.settings import Settings

from .conftest import EXAMPLES
from .fake_openai import FakeOpenAI, closed_port_url, tool_call

LIMIT = Settings().max_file_bytes
GOOD = "Turkey sends advisers to Tripoli\n\nTurkey said on Tuesday it had sent military advisers to Tripoli. The GNA welcomed them.\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _huge(path: Path) -> Path:
    """20 MB of real text, twice the default limit."""
    line = ("The LNA shelled the port of Tripoli on Sunday, officials said. " * 16 + "\n").encode()
    with path.open("wb") as f:
        for _ in range(20_000_000 // len(line) + 1):
            f.write(line)
    return path


@dataclass(frozen=True)
class BadFile:
    make: Callable[[Path], Path]  # builds the file in a folder, returns the path to give the reader
    names: str  # what the message must name (a file, or file:line)
    reason: str  # and part of the reason it must give
    articles: int = 0  # articles still read from it (JSON Lines: the good lines)


BAD_FILES = {
    "empty": BadFile(lambda d: _write(d / "empty.txt", b""), "empty.txt", "file is empty"),
    "only-whitespace": BadFile(lambda d: _write(d / "blank.md", " \n\t\n"), "blank.md", "file is empty"),
    "binary": BadFile(lambda d: _write(d / "scan.txt", PNG * 40), "scan.txt", "binary file"),
    "huge": BadFile(lambda d: _huge(d / "dump.txt"), "dump.txt", "over the 10 MB limit"),
    "not-there": BadFile(lambda d: d / "missing.txt", "missing.txt", "no such file or directory"),
    "pdf": BadFile(lambda d: _write(d / "report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "report.pdf", "unsupported file type '.pdf'"),
    "png": BadFile(lambda d: _write(d / "map.png", PNG), "map.png", "unsupported file type '.png'"),
    "html-without-text": BadFile(
        lambda d: _write(d / "app.html", "<html><head><style>p{}</style></head><body><script>go()</script></body></html>"),
        "app.html", "no readable text",
    ),
    "malformed-jsonl-line": BadFile(
        lambda d: _write(d / "feed.jsonl", "\n".join([
            json.dumps({"id": "wire-1", "text": "The UN envoy met both sides in Geneva on Monday."}),
            '{"id": "wire-2", "text": "The GNA said',  # cut off mid-line
            json.dumps({"id": "wire-3", "text": "Egypt hosted talks in Cairo on Tuesday."}),
        ])),
        "feed.jsonl:2", "malformed JSON", articles=2,
    ),
    "jsonl-line-without-text": BadFile(
        lambda d: _write(d / "meta.jsonl", json.dumps({"id": "x", "title": "No body"}) + "\n" + json.dumps([1, 2]) + "\n"),
        "meta.jsonl:1", "no text field",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_each_bad_file_is_skipped_with_its_name_and_reason(tmp_path: Path, case: str) -> None:
    bad = BAD_FILES[case]
    path = bad.make(tmp_path)
    results = list(read_paths([path], LIMIT))
    skipped = [r for r in results if isinstance(r, Skipped)]
    assert skipped, f"{case}: nothing skipped"
    first = skipped[0]
    assert first.path.endswith(bad.names) and bad.reason in first.reason
    assert str(first) == f"{first.path}: {first.reason}"  # the line the CLI prints
    assert sum(isinstance(r, Article) for r in results) == bad.articles


def test_unreadable_file_is_skipped_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = _write(tmp_path / "locked.txt", GOOD)
    _write(tmp_path / "open.txt", GOOD.replace("Tuesday", "Friday"))
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    results = list(read_paths([tmp_path], LIMIT))
    assert [str(r) for r in results if isinstance(r, Skipped)] == [f"{locked}: cannot read the file (Permission denied)"]
    assert [r.id for r in results if isinstance(r, Article)] == ["open.txt"]


# --- files that are awkward but readable --------------------------------------------------


def _one(path: Path) -> Article:
    results = list(read_paths([path], LIMIT))
    articles = [r for r in results if isinstance(r, Article)]
    assert len(articles) == 1 and not any(isinstance(r, Skipped) for r in results), results
    return articles[0]


def test_latin1_and_utf16_files_are_decoded(tmp_path: Path) -> None:
    text = "Señor Haftar visited the Café de Paris in Bengasi. The délégation left on Monday.\n"
    assert _one(_write(tmp_path / "latin1.txt", text.encode("latin-1"))).text == text
    assert _one(_write(tmp_path / "cp1252.txt", "Officials said \u201cno\u201d to the plan.".encode("cp1252"))).text == (
        "Officials said \u201cno\u201d to the plan."
    )
    assert _one(_write(tmp_path / "utf16.txt", text.encode("utf-16"))).text == text


def test_html_scripts_styles_and_comments_never_reach_the_text(tmp_path: Path) -> None:
    page = """<html><head><title>Clashes near Tripoli</title>
    <style>body { color: red; } .secret-style {}</style>
    <script>var tracker = "secret-script"; document.write("<p>injected</p>");</script></head>
    <body><noscript>secret-noscript</noscript><!-- secret-comment -->
    <p>Fighting resumed near Tripoli on Sunday.</p><script type="application/ld+json">{"secret": "json-ld"}</script>
    <p>The GNA said &amp; repeated that it would defend the capital.</p><svg><text>secret-svg</text></svg></body></html>"""
    article = _one(_write(tmp_path / "page.html", page))
    assert article.title == "Clashes near Tripoli"
    assert "Fighting resumed near Tripoli on Sunday." in article.text
    assert "The GNA said & repeated" in article.text
    for hidden in ("secret", "tracker", "color", "injected", "document.write"):
        assert hidden not in article.text


def test_text_without_sentence_punctuation_is_still_indexed(tmp_path: Path) -> None:
    text = "\n".join(f"line {i} turkey backs the gna and russia backs the lna" for i in range(50))
    article = _one(_write(tmp_path / "notes.txt", text))
    assert article.text == text


def test_text_without_sentence_punctuation_is_cut_into_bounded_chunks(tmp_path: Path) -> None:
    from agent.ingest.chunking import chunk_article

    text = "\n".join(f"line {i} turkey backs the gna and russia backs the lna" for i in range(50))
    chunks = chunk_article(_one(_write(tmp_path / "notes.txt", text)), 600)
    assert all(len(c.text) <= 1200 for c in chunks)


def test_the_same_article_under_two_names_is_read_once(tmp_path: Path) -> None:
    _write(tmp_path / "a" / "wire.txt", GOOD)
    _write(tmp_path / "b" / "wire-copy.txt", GOOD)
    results = list(read_paths([tmp_path / "a", tmp_path / "b"], LIMIT))
    assert [r.id for r in results if isinstance(r, Article)] == ["wire.txt"]
    assert [str(r) for r in results if isinstance(r, Skipped)] == [f"{tmp_path / 'b' / 'wire-copy.txt'}: same text as wire.txt"]


def test_hidden_files_and_folders_are_passed_over_silently(tmp_path: Path) -> None:
    _write(tmp_path / "news" / "a.txt", GOOD)
    _write(tmp_path / "news" / ".DS_Store", PNG)
    _write(tmp_path / "news" / ".git" / "objects" / "ab" / "cdef", PNG)
    assert [r.id for r in read_paths([tmp_path / "news"], LIMIT)] == ["a.txt"]


# --- a bad batch against an index that already holds articles ----------------------------


def _mixed_folder(root: Path) -> Path:
    """Every bad kind of file, two new good articles and a duplicate pair, in nested folders."""
    folder = root / "incoming"
    for bad in BAD_FILES.values():
        bad.make(folder / "bad")
    _write(folder / "good" / "advisers.txt", GOOD)
    _write(folder / "good" / "copy-of-advisers.md", GOOD)  # the same text under another name
    _write(folder / "good" / "port.md", "Port reopens\n\nThe port of Misrata reopened on Monday after a week of fighting.\n")
    return folder


def _index_state(corpus: Corpus) -> tuple[tuple[int, int], list[str], list[str]]:
    store_ids = sorted(c.id for c in corpus.store.chunks())
    chroma_ids = sorted(corpus.collection.get(include=[])["ids"])
    return corpus.store.counts(), store_ids, chroma_ids


def test_a_bad_batch_loses_and_duplicates_nothing(corpus: Corpus, tmp_path: Path) -> None:
    (articles, chunks), store_ids, chroma_ids = _index_state(corpus)
    assert store_ids == chroma_ids and articles == 5

    report = corpus.ingest([_mixed_folder(tmp_path), tmp_path / "missing.txt"])

    assert sorted(report.added) == ["good/advisers.txt", "good/port.md", "wire-1", "wire-3"]
    reasons = {Path(s.path.split(":")[0]).name: s.reason for s in report.skipped}
    for name in ("empty.txt", "blank.md", "scan.txt", "dump.txt", "report.pdf", "map.png", "app.html", "feed.jsonl",
                 "meta.jsonl", "copy-of-advisers.md", "missing.txt"):
        assert name in reasons, f"no message for {name}"
    assert reasons["copy-of-advisers.md"] == "same text as good/advisers.txt"

    (after_articles, after_chunks), after_store, after_chroma = _index_state(corpus)
    assert after_articles == articles + 4
    assert set(store_ids) <= set(after_store)  # nothing lost
    assert after_store == after_chroma and len(set(after_store)) == after_chunks  # nothing duplicated
    for article in corpus.articles():  # script and style text never reached the index
        assert "go()" not in article.text and "p{}" not in article.text

    again = corpus.ingest([_mixed_folder(tmp_path)])  # the same batch again changes nothing
    assert again.added == [] and again.replaced == [] and len(again.unchanged) == 4
    assert _index_state(corpus) == ((after_articles, after_chunks), after_store, after_chroma)


def test_an_indexed_article_under_a_new_name_is_not_indexed_twice(corpus: Corpus, tmp_path: Path) -> None:
    copy = tmp_path / "renamed.txt"
    shutil.copy(EXAMPLES / "000_9d2263bbbf356092.txt", copy)
    report = corpus.ingest([copy])
    assert report.added == []
    assert [str(s) for s in report.skipped] == [f"{copy}: same text as 000_9d2263bbbf356092.txt, already indexed"]


# --- same-named files --------------------------------------------------------------------

STORY_A = "Harbour strike ends\n\nDock workers in Velmora ended their strike on Friday after a pay deal.\n"
STORY_B = "Mayor resigns\n\nThe mayor of Ostrand resigned on Monday, citing ill health.\n"


def test_same_named_files_in_two_folders_are_two_articles(corpus: Corpus, tmp_path: Path) -> None:
    _write(tmp_path / "news" / "a" / "article.txt", STORY_A)
    _write(tmp_path / "news" / "b" / "article.txt", STORY_B)
    before = corpus.store.counts()[0]
    report = corpus.ingest([tmp_path / "news"])
    assert sorted(report.added) == ["a/article.txt", "b/article.txt"] and report.replaced == []
    assert corpus.store.counts()[0] == before + 2
    assert corpus.store.article("a/article.txt").text == STORY_A
    assert corpus.store.article("b/article.txt").text == STORY_B


def test_a_same_named_file_ingested_later_takes_a_longer_id_and_replaces_nothing(corpus: Corpus, tmp_path: Path) -> None:
    first = _write(tmp_path / "monday" / "article.txt", STORY_A)
    second = _write(tmp_path / "tuesday" / "article.txt", STORY_B)
    assert corpus.ingest([tmp_path / "monday"]).added == ["article.txt"]
    report = corpus.ingest([tmp_path / "tuesday"])
    assert report.added == ["tuesday/article.txt"] and report.replaced == []
    assert corpus.store.article("article.txt").text == STORY_A  # the first one is still there
    assert corpus.store.article("tuesday/article.txt").text == STORY_B
    # Each id stays with its own file: re-ingesting both changes nothing.
    again = corpus.ingest([tmp_path / "monday", tmp_path / "tuesday"])
    assert sorted(again.unchanged) == ["article.txt", "tuesday/article.txt"] and again.added == []
    # An edited file replaces its own earlier version, and only that.
    first.write_text(STORY_A.replace("Friday", "Saturday"))
    edited = corpus.ingest([tmp_path / "monday", tmp_path / "tuesday"])
    assert edited.replaced == ["article.txt"] and edited.unchanged == ["tuesday/article.txt"]
    assert "Saturday" in corpus.store.article("article.txt").text
    assert corpus.store.article("tuesday/article.txt").text == second.read_text()


def test_cli_says_which_same_named_file_is_which(tmp_path: Path, wide_cli: None) -> None:
    _write(tmp_path / "a" / "article.txt", STORY_A)
    _write(tmp_path / "b" / "article.txt", STORY_B)
    index = str(tmp_path / "index")
    first = CliRunner().invoke(app, ["ingest", str(tmp_path / "a" / "article.txt"), "--index", index])
    second = CliRunner().invoke(app, ["ingest", str(tmp_path / "b" / "article.txt"), "--index", index])
    assert "1 added, 0 replaced" in first.stdout and "1 added, 0 replaced" in second.stdout, second.output
    assert "Index: 2 articles" in second.stdout


@pytest.fixture
def wide_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps output at 80 columns when it is not a terminal, paths included: widen it
    so a message can be matched whole."""
    from agent import cli

    for console in (cli.console, cli.err):
        monkeypatch.setattr(console, "_width", 10_000)


def test_cli_ingest_of_a_mixed_folder(tmp_path: Path, wide_cli: None) -> None:
    index = tmp_path / "index"
    folder = _mixed_folder(tmp_path)
    result = CliRunner().invoke(app, ["ingest", str(folder), str(tmp_path / "missing.txt"), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    # feed.jsonl and meta.jsonl hold 5 records (2 good); they are counted as records, not files.
    assert "11 files, 5 records: 4 added, 0 replaced, 0 unchanged, 12 skipped" in result.stdout
    assert "Index: 4 articles" in result.stdout
    skipped = [line.removeprefix("skipped ") for line in result.stderr.splitlines()]
    assert len(skipped) == 12
    assert f"{folder / 'bad' / 'empty.txt'}: file is empty" in skipped
    assert f"{tmp_path / 'missing.txt'}: no such file or directory" in skipped
    assert f"{folder / 'good' / 'copy-of-advisers.md'}: same text as good/advisers.txt" in skipped
    assert any("report.pdf: unsupported file type '.pdf'" in line for line in skipped)
    assert "Traceback" not in result.output


# --- bad questions -------------------------------------------------------------------------


@pytest.fixture
def index(settings: Settings, _ingested_template: Path) -> Path:
    shutil.copytree(_ingested_template, settings.index_path)
    return settings.index_path


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("", "the question is empty"),
        ("   \n\t", "the question is empty"),
        ("x" * 10_000, "the question is 10000 characters"),
        ("?!... ;-)", "has no words in it"),
    ],
)
def test_cli_rejects_an_unusable_question_with_one_line(index: Path, question: str, says: str, wide_cli: None) -> None:
    result = CliRunner().invoke(app, ["ask", question, "--index", str(index)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and says in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output


def test_a_question_in_another_language_is_refused_without_a_model(corpus: Corpus) -> None:
    answer = corpus.ask("¿Quién apoya al Gobierno de Acuerdo Nacional?")
    assert answer.refused and answer.citations == []
    assert corpus._llm is None  # refused by the name check: no model, no network


def test_a_question_the_model_cannot_answer_is_refused(index: Path, settings: Settings) -> None:
    # No names the parser knows and no stance grammar: if any passage is left for the model,
    # it chooses none, and the answer is a refusal.
    with FakeOpenAI([tool_call("Pick", {"passage": None, "span": ""})]) as fake:
        with Corpus(settings.model_copy(update={"base_url": fake.url})) as corpus:
            answer = corpus.ask("利比亚的停火是什么时候开始的？")
    assert answer.refused and answer.answer == "The articles do not say." and answer.citations == []
    assert len(fake.chat_requests()) <= 1


def test_cli_question_with_the_model_down_is_one_clear_error(index: Path, wide_cli: None) -> None:
    url = closed_port_url()
    result = CliRunner().invoke(
        app, ["ask", "When did the LNA take Sirte?", "--index", str(index)],
        env={"DOSSIER_BASE_URL": url, "DOSSIER_MODEL": "x", "DOSSIER_MAX_RETRIES": "0"},
    )
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot reach the model at {url} ([Errno 111] Connection refused; 1 try): is the server running?\n"
