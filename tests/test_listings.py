"""`agent actors|stances|dates` and the Python API over consolidated records: readable tables that
fit 100 columns, JSON and CSV to pipe, filters by any alias, `--why`, and `aliases.toml`.

The records are stored by hand (fixtures: extraction is tested elsewhere); names are invented.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.corpus import Corpus
from agent.extract.pipeline import cache_key
from agent.models import Actor, DateMention, Evidence, Link, Stance

runner = CliRunner()

ARTICLES = [
    ("a1", "Harbour Post", "The Northern Defence Army (NDA) led by Marek Dulov attacked Kelmar. "
     "Veloria backs the NDA, officials said. Ostrava denied backing the NDA on Monday."),
    ("a2", "Delta Wire", "Velorian President Alda Varga praised Dulov's forces. "
     "Ostrava has backed the Northern Defence Army for months, according to the report."),
    ("a3", None, "Orbis Chief Executive Dana Whitlock said Orbis opposes the merger of Helios and Quorra Group."),
]


def _ev(article: str, quote: str) -> Evidence:
    text = dict((i, t) for i, _, t in ARTICLES)[article]
    start = text.index(quote)
    return Evidence(article=article, start=start, end=start + len(quote), quote=quote)


RECORDS = {
    "a1": [
        Actor(name="Northern Defence Army", actor_type="armed_group", aliases=["NDA"], evidence=_ev("a1", "Northern Defence Army")),
        Link(kind="leads", source="Marek Dulov", target="NDA", evidence=_ev("a1", "NDA) led by Marek Dulov")),
        Link(kind="alias", source="NDA", target="Northern Defence Army", evidence=_ev("a1", "Northern Defence Army (NDA)")),
        Actor(name="Marek Dulov", actor_type="person", evidence=_ev("a1", "Marek Dulov")),
        Actor(name="Veloria", actor_type="state", evidence=_ev("a1", "Veloria")),
        Stance(holder="NDA", relation="opposes", target="Kelmar", evidence=_ev("a1", "The Northern Defence Army (NDA) led by Marek Dulov attacked Kelmar.")),
        Stance(holder="Veloria", relation="supports", target="NDA", evidence=_ev("a1", "Veloria backs the NDA, officials said.")),
        Stance(holder="Ostrava", relation="supports", target="NDA", status="denied", evidence=_ev("a1", "Ostrava denied backing the NDA on Monday.")),
        DateMention(text="on Monday", event="Ostrava denied backing the NDA", value=None, precision=None, anchor=None,
                    unresolved=True, evidence=_ev("a1", "on Monday")),
    ],
    "a2": [
        Actor(name="Alda Varga", actor_type="person", evidence=_ev("a2", "Alda Varga")),
        Link(kind="leads", source="Alda Varga", target="Velorian", evidence=_ev("a2", "Velorian President Alda Varga")),
        Stance(holder="Alda Varga", relation="supports", target="Dulov's forces", evidence=_ev("a2", "Velorian President Alda Varga praised Dulov's forces.")),
        Stance(holder="Ostrava", relation="supports", target="Northern Defence Army",
               evidence=_ev("a2", "Ostrava has backed the Northern Defence Army for months, according to the report.")),
    ],
    "a3": [
        Link(kind="leads", source="Dana Whitlock", target="Orbis", evidence=_ev("a3", "Orbis Chief Executive Dana Whitlock")),
        Stance(holder="Orbis", relation="opposes", target="Helios", evidence=_ev("a3", "Orbis opposes the merger of Helios and Quorra Group.")),
    ],
}


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An index holding three invented articles from two outlets (one unknown) and their records."""
    source = tmp_path / "news.jsonl"
    source.write_text("".join(json.dumps({"id": i, "outlet": o, "text": t}) + "\n" for i, o, t in ARTICLES))
    path = tmp_path / "index"
    monkeypatch.setenv("DOSSIER_INDEX_PATH", str(path))
    monkeypatch.setenv("DOSSIER_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("DOSSIER_MODEL", "dossier-local")
    with Corpus() as corpus:
        corpus.ingest([source])
        # Velorian is no country in the data: the leader link needs the state named as an actor.
        RECORDS["a2"].append(Actor(name="Veloria", actor_type="state", aliases=["Velorian"], evidence=_ev("a2", "Velorian")))
        for article in corpus.articles():
            records = RECORDS[article.id]
            corpus.store.cache_records(cache_key(article, corpus.model_id), article.id, corpus.model_id,
                                       [r.model_dump(mode="json") for r in records], 0.0)
        RECORDS["a2"].pop()
    return path


def _json(args: list[str]):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_actors_json_has_one_item_per_actor_with_the_documented_keys(index: Path):
    actors = {a["name"]: a for a in _json(["actors", "--json"])}
    nda = actors["Northern Defence Army"]
    assert set(nda) == {"name", "type", "aliases", "leads", "led_by", "articles", "outlets"}
    assert set(nda["aliases"]) >= {"Northern Defence Army", "NDA", "Dulov's forces"}
    assert nda["type"] == "armed_group" and nda["articles"] == ["a1", "a2"]
    assert nda["outlets"] == ["Delta Wire", "Harbour Post"] and nda["led_by"] == ["Marek Dulov"]
    assert actors["Marek Dulov"]["leads"] == "Northern Defence Army" and actors["Marek Dulov"]["type"] == "person"
    assert actors["Alda Varga"]["leads"] == "Veloria"
    assert actors["Dana Whitlock"]["leads"] == "Orbis"
    assert actors["Orbis"]["outlets"] == ["a3"]  # no outlet known: the article


def test_stances_json_merge_outlets_mark_the_denial_contested_and_filter_by_any_alias(index: Path):
    edges = _json(["stances", "--json"])
    assert all(set(e) == {"holder", "relation", "target", "status", "articles", "outlets", "evidence"} for e in edges)
    ostrava = next(e for e in edges if e["holder"] == "Ostrava")
    assert ostrava["target"] == "Northern Defence Army" and ostrava["status"] == "contested"
    assert ostrava["outlets"] == ["Delta Wire", "Harbour Post"]
    assert sorted(q["status"] for q in ostrava["evidence"]) == ["denied", "stated"]
    assert all(set(q) == {"article", "start", "end", "quote", "status"} for q in ostrava["evidence"])
    # A leader's stance is his group's; Veloria's president praises the NDA's forces.
    assert any(e["holder"] == "Veloria" and e["target"] == "Northern Defence Army" and e["articles"] == ["a1", "a2"] for e in edges)

    by_alias = _json(["stances", "--json", "--actor", "NDA"])
    assert by_alias == _json(["stances", "--json", "--actor", "Dulov's forces"])
    assert {e["target"] for e in by_alias if e["relation"] == "supports"} == {"Northern Defence Army"}
    assert {e["relation"] for e in _json(["stances", "--json", "--relation", "opposes"])} == {"opposes"}
    assert _json(["stances", "--json", "--actor", "Helios"])[0]["holder"] == "Orbis"


def test_csv_listings_are_tidy(index: Path):
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, ["stances", "--csv"]).stdout)))
    assert rows and all(row["quote"] and row["article"] and row["quote_status"] for row in rows)
    actors = list(csv.DictReader(io.StringIO(runner.invoke(app, ["actors", "--csv"]).stdout)))
    assert {"name", "type", "aliases", "leads", "articles", "outlets"} <= set(actors[0])
    dates = list(csv.DictReader(io.StringIO(runner.invoke(app, ["dates", "--csv"]).stdout)))
    assert dates[0]["text"] == "on Monday" and dates[0]["article"] == "a1"
    assert _json(["dates", "--json"])[0]["unresolved"] is True


def test_tables_fit_100_columns_one_line_per_row(index: Path):
    for command in (["stances"], ["actors"], ["dates"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
        lines = result.stdout.rstrip("\n").splitlines()
        assert max(len(line) for line in lines) <= 100, command
    stances = runner.invoke(app, ["stances"]).stdout.splitlines()
    assert len(stances) == 1 + 2 * len(_json(["stances", "--json"]))  # header, then each edge and its quote
    assert any("[a1 " in line for line in stances)  # the quote's article and span


def test_why_explains_each_merge_and_the_user_file_splits_a_wrong_one(index: Path):
    why = runner.invoke(app, ["actors", "--why", "NDA"])
    assert why.exit_code == 0, why.output
    assert "acronym" in why.stdout and "leader's group" in why.stdout and "led by: Marek Dulov" in why.stdout
    assert "NDA) led by Marek Dulov" in why.stdout and "[a1 " in why.stdout  # the evidence that licensed it

    (index / "aliases.toml").write_text('[[not_same]]\nnames = ["Northern Defence Army", "Dulov\'s forces"]\n')
    actors = {a["name"]: a for a in _json(["actors", "--json"])}
    assert "Dulov's forces" not in actors["Northern Defence Army"]["aliases"]
    assert "Dulov's forces" in actors

    missing = runner.invoke(app, ["actors", "--why", "Nobody Known"])
    assert missing.exit_code == 1 and "Nobody Known" in missing.output


def test_python_api_returns_canonical_objects_and_tidy_frames(index: Path):
    with Corpus() as corpus:
        actors = corpus.actors()
        nda = next(a for a in actors if a.name == "Northern Defence Army")
        assert "NDA" in nda.aliases and nda.type == "armed_group"
        assert corpus.actors(actor="Dulov's forces")[0].name == "Northern Defence Army"
        edges = corpus.stances(actor="NDA")
        assert edges and all("Northern Defence Army" in (e.holder, e.target) for e in edges)
        assert [e.model_dump() for e in corpus.stance_graph() if e.relation == "supports"] == [
            e.model_dump() for e in corpus.stances(relation="supports")]
        frame = edges.to_pandas()
        assert len(frame) == sum(len(e.evidence) for e in edges)
        assert not frame.isna().any().any()
        actor_frame = actors.to_pandas()
        assert list(actor_frame["name"]) == [a.name for a in actors] and not actor_frame.isna().any().any()
        assert len(corpus.dates().to_pandas()) == 1


# --- long names (issue 27) -------------------------------------------------------------------------

LONG_ID = "wire/" + "x" * 249  # 254 characters: a path inside a deep folder can be as long
LONG_OUTLET = "The " + "Evening " * 624 + "Gazette"  # 5,003 characters


@pytest.fixture
def long_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    text = "Veloria backs the Northern Defence Army, officials said on Monday."
    source = tmp_path / "feed.jsonl"
    source.write_text(
        json.dumps({"id": LONG_ID, "outlet": LONG_OUTLET, "title": "Veloria backs the NDA", "date": "2021-03-04", "text": text}) + "\n"
        + json.dumps({"id": "b1", "outlet": "Harbour Post", "title": "Quay reopens", "date": "2021-03-05",
                      "text": "The eastern quay of Velmora reopened on Friday."}) + "\n"
    )
    path = tmp_path / "index"
    monkeypatch.setenv("DOSSIER_INDEX_PATH", str(path))
    monkeypatch.setenv("DOSSIER_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("DOSSIER_MODEL", "dossier-local")
    quote = "Veloria backs the Northern Defence Army, officials said on Monday."
    stance = Stance(holder="Veloria", relation="supports", target="Northern Defence Army",
                    evidence=Evidence(article=LONG_ID, start=0, end=len(quote), quote=quote))
    with Corpus() as corpus:
        corpus.ingest([source])
        article = corpus.store.article(LONG_ID)
        corpus.store.cache_records(cache_key(article, corpus.model_id), LONG_ID, corpus.model_id, [stance.model_dump(mode="json")], 0.0)
    return path


def test_a_long_id_or_outlet_never_squeezes_the_other_columns(long_names: Path) -> None:
    table = runner.invoke(app, ["articles"])
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert max(len(line) for line in lines if not line.startswith("    id: ")) <= 100
    short = next(line for line in lines if line.startswith("b1 "))
    for value in ("Quay reopens", "Harbour Post", "2021-03-05", "no"):  # every column of the other row is whole
        assert value in short, short
    long_row = next(line for line in lines if line.startswith("wire/xxx"))
    for value in ("xxxxxxxxxx…", "Veloria backs the", "The Evening E…", "2021-03-04", "yes"):
        assert value in long_row, long_row
    # The id, cut in its row, is printed whole under it: it is what `agent forget` takes.
    assert lines[lines.index(long_row) + 1] == f"    id: {LONG_ID}"

    stances = runner.invoke(app, ["stances"]).stdout.splitlines()
    assert max(len(line) for line in stances) <= 100
    assert "Veloria backs the Northern Defence Army" in stances[2] and "[wire/xxx" in stances[2]


def test_dates_csv_has_the_documented_columns(index: Path):
    header = runner.invoke(app, ["dates", "--csv"]).stdout.splitlines()[0]
    # The README's keys for `agent dates`, in its order: the same as the JSON items'.
    assert header.split(",") == ["type", "text", "event", "value", "precision", "anchor", "unresolved", "article", "start", "end", "quote"]
    assert set(header.split(",")) == set(_json(["dates", "--json"])[0])


def test_why_counts_read_as_english(index: Path):
    why = runner.invoke(app, ["actors", "--why", "Orbis"]).stdout
    assert "1 article, 1 outlet" in why
    assert "2 articles, 2 outlets" in runner.invoke(app, ["actors", "--why", "NDA"]).stdout


def test_an_unknown_name_after_extraction_is_not_told_to_extract(index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for command in (["stances", "--actor", "Nobody Known"], ["actors", "--actor", "Nobody Known"]):
        said = " ".join(runner.invoke(app, command).stdout.split())
        assert "agent extract" not in said, command
        assert "'Nobody Known' among the 3 extracted articles: check the name" in said, command
    monkeypatch.setenv("DOSSIER_INDEX_PATH", str(tmp_path / "ingested only"))  # nothing extracted there
    with Corpus() as corpus:
        corpus.ingest([tmp_path / "news.jsonl"])
    said = " ".join(runner.invoke(app, ["stances", "--actor", "Nobody Known"]).stdout.split())
    assert "run `agent extract PATH` first" in said
