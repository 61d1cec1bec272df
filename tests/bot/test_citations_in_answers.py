"""What an extractive answer quoting a help-center page shows: its code as code, a lone backtick as the character."""

from __future__ import annotations

from pathlib import Path

from fakes import EchoGenerator, grounding_checker

from supportbot.app import create_index_builder
from supportbot.bot.citations import citation_spans
from supportbot.bot.dialogue import DialogueManager
from supportbot.config import BotConfig, Config
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.dense import DenseRetriever
from supportbot.retrieval.index_store import load_index
from supportbot.store import ConversationStore
from supportbot.text.sentences import code_spans


def _answer(tmp_path: Path, embedder, page: str, question: str) -> tuple[list[str], str]:
    """The chunk texts an index of the one page holds, and the extractive answer to the question (no model is asked)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "page.md").write_text(page, encoding="utf-8")
    create_index_builder(Config(), embedder, show_progress=False).build([str(docs)], tmp_path / "index")
    index = load_index(tmp_path / "index")
    retriever = DenseRetriever(index, embedder, top_k=4, min_score=0.35)
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    bot = BotConfig(answer_mode="extractive")
    manager = DialogueManager(retriever, EchoGenerator(), store, bot, GenerationSettings(max_new_tokens=64), 4, grounding_checker(embedder))
    return [chunk.text for chunk in index.chunks], manager.reply("console", "c1", question).text()


def test_indented_code_is_quoted_as_code_that_runs(tmp_path: Path, embedder):
    # An indented (unfenced) block lost its indentation in the chunker and was quoted as a list item on one line:
    # "- def report(orders): for order in orders: if order.late: ..."
    code = "def report(orders):\n    for order in orders:\n        if order.late:\n            print(order.id)\n    return len(orders)"
    indented = "\n".join(f"    {line}" for line in code.split("\n"))
    page = f"# Scripting the console\n\nYou can script the console with Python. Save this as `report.py`:\n\n{indented}\n\nThen run it from the console menu.\n"
    chunks, answer = _answer(tmp_path, embedder, page, "How do I list the late orders?")
    assert chunks == [f"You can script the console with Python. Save this as `report.py`:  \n```\n{code}\n```  \nThen run it from the console menu."]
    assert answer == f"```\n{code}\n```\n[1]"


def test_a_lone_backtick_turns_no_words_into_code(tmp_path: Path, embedder):
    # "Type ` to open the console. Then run `make` ..." was quoted as written: every channel showed
    # "` to open the console. Then run `" as code, and "make" as prose.
    page = (
        "# Developer console\n\nThe developer console lets you run build commands on your store's theme.\n\n"
        "Type ` to open the console. Then run `make` to rebuild the theme.\n\nPress Esc to close the console.\n"
    )
    _, answer = _answer(tmp_path, embedder, page, "How do I rebuild the theme?")
    assert answer == "Type `` ` `` to open the console. Then run `make` to rebuild the theme. [1]"
    assert [answer[start:end] for start, end in code_spans(answer)] == ["`` ` ``", "`make`"]
    assert [number for _, number in citation_spans(answer) if number] == [1]
