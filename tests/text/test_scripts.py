"""The script a text is in, and whether an embedding model that reads some languages reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supportbot.app import embedding_languages
from supportbot.config import Config, load_config
from supportbot.errors import ConfigError
from supportbot.text.language import ModelLanguages
from supportbot.text.scripts import script_of

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("退款要多久？", "Han"),
        ("注文はどこですか？", "Japanese"),
        ("주문 조회는 어떻게 하나요?", "HANGUL"),
        ("Где мой заказ?", "CYRILLIC"),
        ("¿Dónde está mi pedido?", "LATIN"),
        ("Klarna可以分期吗", "Han"),  # one Latin word against five characters
        ("Where is my 订单 from last week?", "LATIN"),
        ("ＡＢＣ order", "LATIN"),  # full-width letters are Latin ones
        ("👍👍 12345", None),
        ("https://larkspurgoods.com/returns", None),
    ],
)
def test_script_is_the_one_most_words_are_in(text, script):
    assert script_of(text) == script


def test_an_english_model_reads_latin_script_and_not_chinese_or_cyrillic():
    english = ModelLanguages(["en"])
    assert english.reads("How long do refunds take?") and english.reads("¿Cuánto tarda el reembolso?")
    assert not english.reads("退款要多久？") and not english.reads("Сколько ждать возврата?")
    assert english.reads("🙏🙏")  # no letters: nothing says the model cannot read it
    assert ModelLanguages(["en", "zh"]).reads("退款要多久？") and not ModelLanguages(["zh"]).reads("How long?")


def test_the_bundled_model_reads_english_and_any_other_model_every_language():
    assert embedding_languages(Config()).languages == ["en"]
    other = load_config(None, environ={"SUPPORTBOT_RETRIEVAL_EMBEDDING_MODEL": "intfloat/multilingual-e5-small"})
    assert embedding_languages(other).reads("退款要多久？")
    stated = load_config(None, environ={"SUPPORTBOT_RETRIEVAL_EMBEDDING_LANGUAGES": '["all"]'})
    assert embedding_languages(stated).reads("退款要多久？")


def test_bad_embedding_languages_are_named():
    with pytest.raises(ConfigError, match=r"retrieval\.embedding_languages: 'english' is not an ISO 639-1"):
        ModelLanguages(["en", "english"])
    with pytest.raises(ConfigError, match=r'retrieval\.embedding_languages: "all" stands alone'):
        ModelLanguages(["all", "en"])


def test_every_english_question_of_the_dev_sets_is_read_by_an_english_model():
    """English questions keep their embedding (the sample answer set and situations; StackFAQ's 1,249 queries too, in
    benchmarks/README.md), and every question of the Chinese set is searched by keywords."""
    def questions(path: Path) -> list[str]:
        return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    english = questions(REPO / "supportbot/sample_data/eval/answers.jsonl") + questions(REPO / "benchmarks/data/sample_situations.jsonl")
    reader = ModelLanguages(["en"])
    assert len(english) > 100 and [question for question in english if not reader.reads(question)] == []
    assert not any(reader.reads(question) for question in questions(REPO / "supportbot/sample_data/eval/answers-zh.jsonl"))
