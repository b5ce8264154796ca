"""The attitude judge: P(yes) from the answer token, the grammar's evidence, the fitted decision
and its shipped parameter file. Invented names throughout."""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent import Corpus
from agent.cli import app
from agent.errors import DossierError
from agent.evaluation.attitudes import AttitudeItem, load_attitudes
from agent.evaluation.calibrate_attitudes import Example, best_threshold, curve, fit, item_grammars
from agent.extract.attitude_judge import (
    ATTITUDES, CLASSES, FEATURES, PROMPTS, AnswerCache, Calibration, Grammar, ask, features, load_calibration, shipped_calibration,
    yes_probability,
)
from agent.extract.pair_attitude import Pair, grammars_between
from agent.extract.pipeline import cache_inputs, cache_name, extract_text
from agent.model.llm import LLM, FirstToken
from agent.models import Stance
from agent.settings import Settings

from .fake_openai import FakeOpenAI, NoAttitudes, Reply, completion, error, tool_call


def test_p_yes_pools_the_spellings_of_yes_and_no_and_falls_back_to_the_sampled_token():
    answer = FirstToken("Yes", {"Yes": 0.5, " yes": 0.1, "No": 0.2, "no": 0.1, "Maybe": 0.1})
    assert yes_probability(answer) == pytest.approx(0.6 / 0.9)
    assert yes_probability(FirstToken("No", None)) == 0.0
    assert yes_probability(FirstToken("Yes", None)) == 1.0
    assert yes_probability(FirstToken("Maybe", {"Maybe": 0.9})) == 0.0  # neither: the token itself


def test_an_endpoint_without_logprobs_is_asked_once_then_read_by_its_sampled_answer():
    """llama.cpp's server without `logits_all` refuses logprobs with HTTP 500."""
    refusal = error(500, "logprobs is not supported for models created with logits_all=False")
    plain = Reply(body=completion({"role": "assistant", "content": "Yes"}))
    with FakeOpenAI([refusal, plain, plain]) as fake:
        llm = LLM(Settings(base_url=fake.url, model="x", max_retries=0, request_timeout=5), fake.url)
        first = llm.first_token([{"role": "user", "content": "?"}])
        second = llm.first_token([{"role": "user", "content": "?"}])
        bodies = [r.body for r in fake.chat_requests()]
    assert first == second == FirstToken("Yes", None)
    assert [b.get("logprobs") for b in bodies] == [True, None, None] and all(b["max_tokens"] == 1 for b in bodies)


def test_questions_asked_at_once_of_an_endpoint_that_ignores_logprobs_are_each_sent_once():
    """An endpoint that answers a logprobs request without them (no error): the first answer to
    come back tells the client so, and the questions still in flight must not be sent again."""

    def reply(n, request):
        if n > 1:
            time.sleep(0.3)  # the first answer is read before the others come back
        return Reply(body=completion({"role": "assistant", "content": "No"}))

    with FakeOpenAI(reply) as fake:
        llm = LLM(Settings(base_url=fake.url, model="x", max_retries=0, request_timeout=5), fake.url)
        answers = ask("Kelm met Dunmar.", "Kelm", "Dunmar", Grammar(), llm, AnswerCache())
        sent = fake.chat_requests()
    assert answers == {a: 0.0 for a in ATTITUDES} and llm.gives_logprobs is False
    assert len(sent) == len(ATTITUDES)


def test_the_grammar_gives_frame_hits_and_the_parse_direction_for_the_pair():
    items = [
        AttitudeItem(text="Ostrava was praised by Tomas Vell.", holder="Tomas Vell", attitude="positive", target="Ostrava", pair=("Ostrava", "Tomas Vell")),
        AttitudeItem(text="Kelm Holdings sued Dunmar over the contract.", holder="Kelm Holdings", attitude="negative", target="Dunmar"),
        AttitudeItem(text="Varga met Orlov in the capital.", holder="Varga", attitude="none", target="Orlov"),
    ]
    grammars = item_grammars(items)
    assert grammars[0] == Grammar(frozenset({"q+p"}), -1) and grammars[0].asked() == ["q+p", "q-p"]
    assert grammars[1].frames == frozenset({"p-q"}) and grammars[1].direction == 1
    assert grammars[2] == Grammar(frozenset(), 1) and grammars[2].asked() == list(ATTITUDES)


def test_the_grammar_says_who_speaks_of_whom_in_a_quote_or_a_reported_clause():
    items = [
        AttitudeItem(text="\"Kelm Holdings has let every customer down,\" said Tomas Vell.", holder="Tomas Vell",
                     attitude="negative", target="Kelm Holdings", pair=("Kelm Holdings", "Tomas Vell")),
        AttitudeItem(text="Anna Brask said Orlov had betrayed the party.", holder="Anna Brask", attitude="negative", target="Orlov"),
        AttitudeItem(text="Anna Brask told Orlov about the vote.", holder="Anna Brask", attitude="none", target="Orlov"),
        AttitudeItem(text="Varga met Orlov in the capital.", holder="Varga", attitude="none", target="Orlov"),
    ]
    assert [g.speaker for g in item_grammars(items)] == [-1, 1, 0, 0]  # an object of "told" is no one spoken of
    speaking = Grammar(speaker=-1)
    assert features({}, speaking, "q-p")[FEATURES.index("speaker")] == 1.0
    assert features({}, speaking, "p-q")[FEATURES.index("speaker")] == 0.0


def _synthetic(n: int, seed: int) -> list[Example]:
    """Answers that lean toward the gold attitude, with noise; a frame hit now and then."""
    rng = random.Random(seed)
    examples = []
    for i in range(n):
        gold = CLASSES[i % 5]
        answers = {a: min(0.99, max(0.01, (0.7 if a == gold else 0.2) + rng.gauss(0, 0.25))) for a in ATTITUDES}
        frames = frozenset({gold}) if gold != "none" and rng.random() < 0.3 else frozenset()
        examples.append(Example(answers, Grammar(frames, 0), gold))
    return examples


def test_the_fit_learns_to_trust_the_answers_and_the_frames_and_the_threshold_trades_recall_for_precision():
    train, check = _synthetic(300, 1), _synthetic(200, 2)
    weights = dict(zip(FEATURES, fit(train)))
    assert weights["own"] > 1 and weights["frame"] > 1
    calibration = Calibration(list(weights.values()), 0.0)
    calibration.threshold = best_threshold(calibration, train)
    low, high = curve(calibration, check, [0.0, 0.9])
    assert low.accuracy > 0.7 and high.precision > low.precision and high.recall < low.recall


def test_the_shipped_calibration_is_fitted_data_and_decides():
    calibration = shipped_calibration()
    about = calibration.about
    assert "train" in about["fitted_on"] and "valid" in about["checked_on"] and about["model"]
    weights = dict(zip(FEATURES, calibration.weights))
    assert weights["own"] > 0 and weights["frame"] > 0  # the model's yes and a lexicon hit both count for an attitude
    sure = {a: 0.02 for a in ATTITUDES} | {"p-q": 0.97}
    assert calibration.decide(sure, Grammar(frozenset({"p-q"}), 1))[0] == "p-q"
    assert calibration.decide({a: 0.02 for a in ATTITUDES}, Grammar())[0] == "none"


@pytest.mark.parametrize("content, says", [
    (None, "no attitude calibration file"),
    ("{not json", "not valid JSON"),
    (json.dumps({"features": ["bias"], "weights": [1.0], "threshold": 0.5}), "must list the features"),
    (json.dumps({"features": list(FEATURES), "weights": [1.0] * (len(FEATURES) - 1), "threshold": 0.5}), "finite weights"),
    (json.dumps({"features": list(FEATURES), "weights": [1.0] * len(FEATURES), "threshold": 2}), "threshold in [0, 1]"),
])
def test_a_missing_or_malformed_calibration_file_is_a_clear_error(tmp_path: Path, content: str | None, says: str):
    path = tmp_path / "attitude_judge.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=f"attitude_judge.json: .*{says.replace('[', '.').replace(']', '.')}"):
        load_calibration(path)


def test_the_shipped_file_round_trips(tmp_path: Path):
    calibration = load_calibration()
    copy = tmp_path / "attitude_judge.json"
    copy.write_text(calibration.to_json(), encoding="utf-8")
    assert load_calibration(copy) == calibration


class CountingModel:
    """Answers yes to every question and counts them (the cache must spare the second run)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def first_token(self, messages, top=10):
        self.asked.append(messages[-1]["content"])
        return FirstToken("Yes", {"Yes": 0.75, "No": 0.25})


def test_answers_are_cached_on_disk_per_question_and_survive_a_torn_line(tmp_path: Path):
    path = tmp_path / "answers.jsonl"
    model = CountingModel()
    grammar = Grammar(frozenset({"p+q"}), 1)  # settled: only p's two questions
    first = ask("Kelm thanked Dunmar.", "Kelm", "Dunmar", grammar, model, AnswerCache(path, "m"))
    assert first == {"p+q": 0.75, "p-q": 0.75} and len(model.asked) == 2
    assert model.asked[0].startswith("<sentence>\nKelm thanked Dunmar.\n</sentence>")  # the shared prefix first
    with path.open("a") as out:
        out.write('["torn')
    again = ask("Kelm thanked Dunmar.", "Kelm", "Dunmar", grammar, model, AnswerCache(path, "m"))
    assert again == first and len(model.asked) == 2
    ask("Kelm thanked Dunmar.", "Kelm", "Dunmar", grammar, model, AnswerCache(path, "another model"))
    assert len(model.asked) == 4


def test_directed_sentiment_items_feed_the_judge(tmp_path: Path):
    path = tmp_path / "valid.txt"
    path.write_text("[Kelm] thanked [Dunmar]s for the loan.\tKelm\tDunmar\t1\n", encoding="utf-8")
    (item,) = load_attitudes(path)
    (grammar,) = item_grammars([item])
    assert grammar.frames == frozenset({"p+q"})


# (sentence, first, second, the attitude between them): a lexicon verb, words on no list, a neutral tie.
JUDGED = [
    ("Mara Voss praised Kelm Holdings for its swift response to the flood.", "Mara Voss", "Kelm Holdings", "p+q"),
    ("Tomas Vell took a veiled shot at Ostrava in his speech on Sunday.", "Tomas Vell", "Ostrava", "p-q"),
    ("Varga met Orlov in the capital on Tuesday.", "Varga", "Orlov", "none"),
]


@pytest.mark.vcr
def test_the_model_answers_the_questions_and_the_shipped_calibration_decides(settings):
    """Recorded from the real local server (`make record`), which gives log-probabilities: a
    given pair decided as `agent eval --attitudes` decides it."""
    with Corpus(settings) as corpus:
        for sentence, first, second, expected in JUDGED:
            found = {(s.holder, s.relation, s.target) for s in corpus.attitude_between(sentence, first, second)}
            assert found == STANCE_OF[expected](first, second), (sentence, found)
        assert corpus.llm.gives_logprobs
    kept = (settings.cache_dir / "attitude_answers.jsonl").read_text(encoding="utf-8").splitlines()
    answers = [json.loads(line)[1] for line in kept]
    assert len(answers) == 2 + 4 + 4 and all(0 < p < 1 for p in answers)  # probabilities, not a sampled 0/1
    (settled, *_) = grammars_between([Pair(s, [a], [b]) for s, a, b, _ in JUDGED])
    assert len(settled.asked()) == 2  # the lexicon settled who holds it: two questions, not four


STANCE_OF = {
    "none": lambda a, b: set(),
    "p+q": lambda a, b: {(a, "supports", b)}, "q+p": lambda a, b: {(b, "supports", a)},
    "p-q": lambda a, b: {(a, "opposes", b)}, "q-p": lambda a, b: {(b, "opposes", a)},
}


def test_a_given_pair_is_found_under_the_other_forms_the_sentence_uses_and_names_are_required(tmp_path: Path):
    sentence = "Kelm thanked the Dunmari for the loan."
    (grammar,) = grammars_between([Pair(sentence, ["Kelm"], ["Dunmar", "Dunmari"])])
    assert grammar.frames == frozenset({"p+q"}) and grammar.direction == 1
    (unfound,) = grammars_between([Pair(sentence, ["Kelm"], ["Dunmar"])])  # "Dunmar" is no whole word there
    assert unfound.frames == frozenset()
    with Corpus(Settings(_env_file=None, index_path=tmp_path / "index", cache_dir=tmp_path / "cache")) as corpus:  # type: ignore[call-arg]
        with pytest.raises(DossierError, match="two actor names"):
            corpus.attitude_between(sentence, "Kelm", " ")


def test_eval_attitudes_tells_the_pipeline_and_the_naive_prompt_the_same_pair(tmp_path: Path):
    gold = _directed_file(tmp_path / "valid.txt", list(zip(NAMES[:5], NAMES[5:])))
    naive_users: list[str] = []

    def answer(n, request):  # the judge's questions answered as a model that knows; the naive prompt always says none
        text = request.messages[-1]["content"]
        if "<sentence>" not in text:
            naive_users.append(text)
            return tool_call(request.tool_name, {"attitude": "none", "holder": "A"})
        sentence = text.split("<sentence>\n")[1].split("\n</sentence>")[0]
        holder, polarity, target = gold[sentence]
        p = 0.9 if holder and text.split("</sentence>")[1].strip().startswith(f"Does {holder} show a {polarity} attitude toward {target} ") else 0.1
        top = [{"token": "Yes", "logprob": math.log(p), "bytes": None}, {"token": "No", "logprob": math.log(1 - p), "bytes": None}]
        choice = completion({"role": "assistant", "content": "Yes" if p > 0.5 else "No"})
        choice["choices"][0]["logprobs"] = {"content": [top[0] | {"top_logprobs": top}]}
        return Reply(body=choice)

    with FakeOpenAI(answer) as fake:
        result = CliRunner().invoke(app, [
            "--base-url", fake.url, "--model", "x", "eval", "--attitudes", str(tmp_path / "valid.txt"), "--baseline", "naive",
            "--index", str(tmp_path / "index"), "--json"])
    assert result.exit_code == 0, result.output
    pipeline, naive = json.loads(result.stdout)["attitudes"]
    assert (pipeline["system"], pipeline["correct"], pipeline["total"]) == ("pipeline", 25, 25)
    assert (naive["system"], naive["correct"]) == ("naive", 5)  # "none" is right for the five label-0 sentences only
    assert len(naive_users) == 25 and naive_users[0] == "Sentence: Kelm met Tomas Vell on Tuesday.\nA: Kelm\nB: Tomas Vell"


# --- in extraction: pairs no frame reads go to the judge ------------------------------------


class AttitudeModel(NoAttitudes):
    """Types every name a state, finds no meaning in open links, and answers yes (P 0.95) only
    to the attitude questions that start with one of `yes`; keeps the questions asked."""

    def __init__(self, yes: tuple[str, ...] = ()) -> None:
        self.yes = yes
        self.questions: list[str] = []

    def structured(self, response_model, messages, max_tokens=None):
        if response_model.__name__ == "NameKind":
            return response_model(type="state")
        return response_model(option=1 if response_model.__name__ == "LinkMeaning" else 0)

    def first_token(self, messages, top=10):
        question = messages[-1]["content"].split("</sentence>")[-1].strip()
        self.questions.append(question)
        p = 0.95 if question.startswith(self.yes) else 0.05
        return FirstToken("Yes" if p > 0.5 else "No", {"Yes": p, "No": 1 - p})


def test_a_pair_no_frame_reads_becomes_a_stance_when_the_judge_says_so_with_its_sentence_as_evidence():
    text = "Ostrava held talks on trade. Tomas Vell's scathing remarks about Ostrava drew applause."
    model = AttitudeModel(yes=("Does Tomas Vell show a negative attitude toward Ostrava",))
    result = extract_text(text, model, judged_pairs=3)
    (stance,) = [r for r in result.records if isinstance(r, Stance)]
    assert (stance.holder, stance.relation, stance.target, stance.status) == ("Tomas Vell", "opposes", "Ostrava", "stated")
    assert stance.evidence.quote == text[stance.evidence.start : stance.evidence.end] == text.split(". ", 1)[1]
    assert len(model.questions) == 4  # no frame settled who holds it: both directions asked
    assert not [r for r in extract_text(text, AttitudeModel(), judged_pairs=3).records if isinstance(r, Stance)]  # all no: nothing
    quiet = AttitudeModel(yes=("Does",))
    assert not [r for r in extract_text(text, quiet).records if isinstance(r, Stance)] and quiet.questions == []  # judge off: nothing asked


def test_a_pair_a_frame_reads_is_not_put_to_the_judge_and_a_list_is_no_pair():
    model = AttitudeModel(yes=("Does",))
    # (Quennel, not Ostrava: the place gazetteer knows that name as a town, and a town holds no stance.)
    records = extract_text("Kelm, Varga and Dunmar condemned Quennel on Tuesday.", model, judged_pairs=3).records
    stances = {(s.holder, s.relation, s.target) for s in records if isinstance(s, Stance)}
    assert stances == {(h, "condemns", "Quennel") for h in ("Kelm", "Varga", "Dunmar")}
    assert model.questions == []


class Listening:
    """The real model, with the attitude questions it is asked kept."""

    def __init__(self, llm) -> None:
        self.llm, self.questions = llm, []

    def structured(self, *args, **kwargs):
        return self.llm.structured(*args, **kwargs)

    def first_token(self, messages, top=10):
        self.questions.append(messages[-1]["content"].split("</sentence>")[-1].strip())
        return self.llm.first_token(messages, top)


JUDGED_ARTICLE = (
    "Mara Voss condemned Kelm Holdings on Monday. "
    "Tomas Vell's scathing remarks about the Ostrava council drew loud applause in the hall."
)


@pytest.mark.vcr
def test_in_extraction_an_unread_pair_goes_to_the_model_and_the_calibrated_decision_keeps_its_attitude(
    settings, monkeypatch: pytest.MonkeyPatch,
):
    """Recorded from the real local server: the pair the lexicon reads is not asked about; the
    pair no frame reads is a candidate, asked in both directions, and its attitude is kept
    with its sentence as evidence. The shipped weights decide, at a keep threshold below the
    shipped one (0.9, which the 1.5B model's answers about this sentence do not reach)."""
    shipped = shipped_calibration()
    lenient = Calibration(shipped.weights, shipped.threshold, keep_threshold=0.4)
    monkeypatch.setattr("agent.extract.pipeline.shipped_calibration", lambda: lenient)
    model = Listening(LLM(settings, settings.base_url))
    result = extract_text(JUDGED_ARTICLE, model, judged_pairs=3, answers=AnswerCache())
    stances = {(s.holder, s.relation, s.target): s for s in result.records if isinstance(s, Stance)}
    assert ("Mara Voss", "condemns", "Kelm Holdings") in stances  # the lexicon's, unasked
    assert model.questions and all("Tomas Vell" in q and "Ostrava" in q for q in model.questions)
    assert len(model.questions) == 4  # no frame settled who holds it: both directions, both polarities
    judged = stances[("Tomas Vell", "opposes", "Ostrava")]
    assert judged.evidence.quote == JUDGED_ARTICLE.split(". ", 1)[1]


def test_an_article_puts_at_most_the_configured_pairs_to_the_judge():
    text = " ".join(f"{a}'s scathing remarks about {b} drew applause." for a, b in [
        ("Tomas Vell", "Ostrava"), ("Mara Voss", "Kelm"), ("Ivo Lund", "Dunmar"), ("Nela Frost", "Varga"), ("Aldo Brenn", "Orlov")])
    for pairs in (1, 3):
        model = AttitudeModel()
        extract_text(text, model, judged_pairs=pairs)
        assert 0 < len(model.questions) <= 4 * pairs


def test_the_judge_is_off_unless_a_number_of_pairs_is_set(monkeypatch: pytest.MonkeyPatch):
    assert Settings(_env_file=None).attitude_pairs == 0  # type: ignore[call-arg]
    monkeypatch.setenv("DOSSIER_ATTITUDE_PAIRS", "3")
    assert Settings(_env_file=None).attitude_pairs == 3  # type: ignore[call-arg]


# --- agent calibrate ---------------------------------------------------------------------------

NAMES = ["Kelm", "Dunmar", "Ostrava", "Varga", "Orlov", "Tomas Vell", "Mara Voss", "Ivo Lund", "Nela Frost", "Aldo Brenn"]
PHRASES = {"0": "{p} met {q} on Tuesday.", "1": "{p} praised {q}.", "2": "{q} praised {p}.", "3": "{p} sued {q}.", "4": "{q} sued {p}."}


def _directed_file(path: Path, pairs: list[tuple[str, str]]) -> dict[str, tuple[str, str, str]]:
    """A directed-sentiment file with a sentence of each label per pair; what each sentence holds."""
    lines, gold = [], {}
    for p, q in pairs:
        for label, phrase in PHRASES.items():
            sentence = phrase.format(p=p, q=q)
            lines.append(f"{phrase.format(p=f'[{p}]', q=f'[{q}]')}\t{p}\t{q}\t{label}")
            holder, target = (q, p) if label in "24" else (p, q)
            gold[sentence] = (holder, "positive" if label in "12" else "negative", target) if label != "0" else ("", "", "")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return gold


def test_calibrate_fits_on_one_file_checks_on_another_and_writes_a_file_that_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DOSSIER_CACHE_DIR", str(tmp_path / "cache"))  # the answers it keeps
    gold = _directed_file(tmp_path / "train.txt", list(zip(NAMES[:5], NAMES[5:])))
    gold |= _directed_file(tmp_path / "valid.txt", list(zip(NAMES[5:], NAMES[:5])))

    def answer(n, request):  # a model that knows: P(yes) 0.9 for the attitude the sentence holds, else 0.1
        text = request.messages[-1]["content"]
        sentence = text.split("<sentence>\n")[1].split("\n</sentence>")[0]
        holder, polarity, target = gold[sentence]
        asked = f"Does {holder} show a {polarity} attitude toward {target} "
        p = 0.9 if holder and text.split("</sentence>")[1].strip().startswith(asked) else 0.1
        top = [{"token": "Yes", "logprob": math.log(p), "bytes": None}, {"token": "No", "logprob": math.log(1 - p), "bytes": None}]
        choice = completion({"role": "assistant", "content": "Yes" if p > 0.5 else "No"})
        choice["choices"][0]["logprobs"] = {"content": [top[0] | {"top_logprobs": top}]}
        return Reply(body=choice)

    out = tmp_path / "attitude_judge.json"
    with FakeOpenAI(answer) as fake:
        result = CliRunner().invoke(app, [
            "--base-url", fake.url, "--model", "x", "calibrate", str(tmp_path / "train.txt"), "--check", str(tmp_path / "valid.txt"),
            "--per-label", "5", "--check-per-label", "5", "--out", str(out), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert "judge 25/25 (100%, macro-F1 1.00" in result.stdout and "threshold  precision  recall" in result.stdout
    calibration = load_calibration(out)
    assert (tmp_path / "cache" / "attitude_answers.jsonl").is_file()
    assert calibration.about["fitted_on"] == "train.txt: 25 sentences, 5 per gold class (seed 0)"
    assert calibration.about["check_accuracy"] == 1.0


def test_the_extraction_cache_key_covers_the_judge_its_prompts_and_its_calibration():
    """A refitted calibration file or a reworded question must not serve records decided by the old one."""
    hashed = {cache_name(p) for p in cache_inputs()}
    assert {"extract/attitude_judge.py", "data/attitude_judge.json", *(f"prompts/{p}.txt" for p in PROMPTS)} <= hashed
