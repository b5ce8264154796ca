"""The stance lexicon is data: a user's file teaches domain verbs without touching code,
its words reach extraction, and a bad file is a clear error naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.answer.question import StanceQuery, read
from agent.corpus import Corpus
from agent.errors import DossierError
from agent.extract import lexicon
from agent.extract.frames import SentenceFrames
from agent.settings import Settings
from agent.text.nlp import parse

from .fake_openai import FakeOpenAI, extraction_reply

SENTENCE = "The Velmora Shipping Guild bankrolled the Harbour Workers Union during the strike."
TEACH = '[verbs]\nsupports = ["bankroll"]\n\n[actor_nouns]\nguild = "other"\n'


def _frames(words) -> list[tuple[list[str], str, list[str]]]:
    (doc,) = parse([SENTENCE])
    return [([m.text for m in f.holders], f.relation, [m.text for m in f.targets]) for f in SentenceFrames(doc[:], 0, words).frames()]


def test_a_user_file_teaches_a_verb(tmp_path: Path) -> None:
    assert _frames(lexicon.load()) == []  # "bankroll" is no cue the shipped lexicon knows
    mine = tmp_path / "mine.toml"
    mine.write_text(TEACH)
    taught = lexicon.load(mine)
    assert "bankroll" in taught["verbs.supports"] and "back" in taught["verbs.supports"]  # added, not replaced
    assert _frames(taught) == [(["Velmora Shipping Guild"], "supports", ["Harbour Workers Union"])]
    assert taught.digest != lexicon.load().digest


def _guild_news(tmp_path: Path) -> Path:
    news = tmp_path / "news"
    news.mkdir()
    (news / "guild.txt").write_text(f"Guild funds strikers\n\n{SENTENCE}\n")
    return news


def _settings(tmp_path: Path, fake: FakeOpenAI) -> Settings:
    return Settings(_env_file=None, index_path=tmp_path / "index", base_url=fake.url, model="x", max_retries=0)  # type: ignore[call-arg]


def test_lexicon_beside_the_index_reaches_extraction_and_its_cache(tmp_path: Path) -> None:
    news = _guild_news(tmp_path)
    with FakeOpenAI(extraction_reply) as fake:
        settings = _settings(tmp_path, fake)
        with Corpus(settings) as corpus:
            before = [r for r in corpus.extract([news])[0].records if r.type == "stance"]
        (tmp_path / "index" / "lexicon.toml").write_text(TEACH)
        with Corpus(settings) as corpus:
            (result,) = corpus.extract([news])
    assert before == []
    assert not result.cached  # new words, new cache key: the article is read again
    stances = [(s.holder, s.relation, s.target) for s in result.records if s.type == "stance"]
    assert stances == [("Velmora Shipping Guild", "supports", "Harbour Workers Union")]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[verbs\nsupports = 1", "is not valid TOML"),
        ('[feelings]\nlikes = ["like"]', "unknown section [feelings]"),
        ('[verbs]\nadores = ["adore"]', "unknown list verbs.adores"),
        ('[verbs]\nsupports = "bankroll"', "verbs.supports must be a list of words"),
        ('[actor_nouns]\nguild = "club"', "[actor_nouns] types must be one of"),
    ],
)
def test_a_bad_lexicon_names_the_file_and_the_problem(tmp_path: Path, text: str, says: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    with pytest.raises(DossierError) as caught:
        lexicon.load(bad)
    assert str(bad) in str(caught.value) and says in str(caught.value)


def test_lexicon_learned_lists_the_verbs_the_model_judged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from agent.cli import app

    from .fake_openai import tool_call

    def reply(n, request):
        if request.tool_name == "LinkMeaning":
            return tool_call("LinkMeaning", {"option": 2})  # "praised, thanked, backed or defended them"
        return extraction_reply(n, request)

    news = tmp_path / "news"
    news.mkdir()
    (news / "guard.txt").write_text("Guard backs envoy\n\nThe Harbour Guard championed Mara Voss during the inquiry.\n"
                                    "Castell Motors vouched for Orbis Group in the tender.\n"
                                    "Orbis Group dismissed the Harbour Guard's findings.\n")
    with FakeOpenAI(reply) as fake:
        for key, value in {"DOSSIER_INDEX_PATH": str(tmp_path / "index"), "DOSSIER_BASE_URL": fake.url,
                           "DOSSIER_MODEL": "x", "DOSSIER_MAX_RETRIES": "0"}.items():
            monkeypatch.setenv(key, value)
        runner = CliRunner()
        assert runner.invoke(app, ["ingest", str(news)]).exit_code == 0
        assert runner.invoke(app, ["lexicon", "--learned"]).stdout.startswith("the model judged no verb off the lexicon in the 0 extracted articles: run")
        assert runner.invoke(app, ["extract", str(news)]).exit_code == 0
        learned = runner.invoke(app, ["lexicon", "--learned"])
        shown = runner.invoke(app, ["lexicon"])
    assert learned.exit_code == 0, learned.output
    lines = learned.stdout.splitlines()
    assert "[verbs]" in lines and 'supports = ["champion"]' in lines
    assert any(line.startswith("#   champion: 1, e.g. Harbour Guard -> Mara Voss") and "guard.txt" in line for line in lines)
    # A phrase is shown, but not offered as a word: the lexicon matches single verbs.
    assert any(line.startswith("#   vouch for: 1, e.g. Castell Motors -> Orbis Group") for line in lines)
    # "dismiss" is judged where its object is no deed, but a list holds it already: not offered.
    assert "dismiss" not in learned.stdout
    # What the user copies is a valid lexicon file.
    mine = tmp_path / "mine.toml"
    mine.write_text(learned.stdout)
    assert "champion" in lexicon.load(mine)["verbs.supports"]
    assert "verbs.neutral" in shown.stdout and "none (set DOSSIER_LEXICON" in shown.stdout


def test_a_light_verb_opens_no_frame_but_lets_its_noun_be_judged() -> None:
    words = lexicon.load()
    assert {"pay", "take"} <= words["verbs.light"] and {"pay", "take"} <= words["verbs.neutral"]
    assert not {"pay", "take"} & words.frame_verbs  # their meaning is the noun's, never the verb's
    (doc,) = parse(["Quorra Holdings paid tribute to the Harbour Workers Union."])
    frames = SentenceFrames(doc[:], 0, words)
    assert frames.frames() == [] and [f.verb for f in frames.open_links()] == ["pay tribute to"]


def test_questions_read_the_verbs_a_user_lexicon_teaches(tmp_path: Path) -> None:
    question = "Who bankrolled the Harbour Workers Union?"
    assert read(question).stance is None  # the shipped lexicon has no "bankroll"
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "lexicon.toml").write_text(TEACH)
    taught = lexicon.load(tmp_path / "index" / "lexicon.toml")
    assert read(question, taught).stance == StanceQuery("supports", "holders", ("Harbour Workers Union",))
    with FakeOpenAI(extraction_reply) as fake, Corpus(_settings(tmp_path, fake)) as corpus:
        corpus.extract([_guild_news(tmp_path)])
        answer = corpus.ask(question)
    assert not answer.refused and "Velmora Shipping Guild" in answer.answer
    assert [c.quote for c in answer.citations] == [SENTENCE]
