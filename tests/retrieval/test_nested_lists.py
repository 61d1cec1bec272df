"""A list in a list item stays in it: a chunk shows "- Plans" over "  - Basic: $10", as the page does.

LangChain's header splitter strips every line, so a page's nested list read as one list: "Basic: $10" no longer
under "Plans" in the chunk, in the prompt the model is given and in the sources a reader is shown.
"""

from __future__ import annotations

from pathlib import Path

from fakes import EchoGenerator, grounding_checker

from supportbot.app import create_index_builder, retriever_for_index
from supportbot.bot.dialogue import DialogueManager
from supportbot.config import BotConfig, Config
from supportbot.generation.base import GenerationSettings
from supportbot.retrieval.documents import Chunk
from supportbot.retrieval.index_store import load_index
from supportbot.retrieval.loaders import SourceFile, load_file
from supportbot.retrieval.splitter import ChunkingSettings, DocumentSplitter
from supportbot.store import ConversationStore

PRICING = """# Pricing

## Plans and add-ons

- Plans
  - Basic: $10 a month
  - Pro: $20 a month
- Add-ons
  - Extra storage: $5 a month
"""

PRICING_TREE = [("Plans", [("Basic: $10 a month", []), ("Pro: $20 a month", [])]), ("Add-ons", [("Extra storage: $5 a month", [])])]


def _chunks(folder: Path, name: str, text: str) -> list[Chunk]:
    (folder / name).write_text(text, encoding="utf-8")
    (document,) = load_file(SourceFile(folder / name, name)).documents
    return DocumentSplitter(ChunkingSettings(200, 0), lambda piece: len(piece.split())).split(document)


def _list_tree(markdown: str) -> list[tuple[str, list]]:
    """The items of the first list a Markdown reader (markdown-it, CommonMark) shows in the text, each with the items
    of the list inside it: [(item text, [(sub-item text, [...]), ...]), ...]."""
    from markdown_it import MarkdownIt

    stack: list[list] = [[]]
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "list_item_open":
            stack.append([])  # the item's text (its first paragraph), then its sub-items
        elif token.type == "inline" and len(stack) > 1 and not stack[-1]:
            stack[-1].append(token.content)
        elif token.type == "list_item_close":
            text, *children = stack.pop()
            stack[-1].append((text, [child for child in children if isinstance(child, tuple)]))
    return stack[0]


class TestNestedListsInChunks:
    def test_a_sub_item_stays_under_its_item(self, tmp_path: Path):
        # Read back, the chunk was one list of five items: "Basic: $10 a month" an item like "Plans".
        (chunk,) = _chunks(tmp_path, "pricing.md", PRICING)
        assert chunk.text == "- Plans\n  - Basic: $10 a month\n  - Pro: $20 a month\n- Add-ons\n  - Extra storage: $5 a month"
        assert _list_tree(chunk.text) == PRICING_TREE

    def test_a_list_in_a_numbered_step_and_a_steps_paragraph_stay_in_the_step(self, tmp_path: Path):
        page = (
            "# Setup\n\n1. Install the app:\n   - On iOS, from the App Store.\n   - On Android, from Google Play.\n\n"
            "   Sign in with your work email.\n2. Invite your team.\n"
        )
        (chunk,) = _chunks(tmp_path, "setup.md", page)
        assert "1. Install the app:\n   - On iOS, from the App Store.\n   - On Android, from Google Play." in chunk.text
        assert "\n   Sign in with your work email.\n2. Invite your team." in chunk.text

    def test_a_tab_indented_sub_item_of_a_text_file_stays_under_its_item(self, tmp_path: Path):
        page = "Shipping\n\nWe ship to:\n\n- Europe\n\t- Germany: 3 days\n\t- Spain: 5 days\n- Canada: 7 days\n"
        (chunk,) = _chunks(tmp_path, "shipping.txt", page)
        assert _list_tree(chunk.text) == [("Europe", [("Germany: 3 days", []), ("Spain: 5 days", [])]), ("Canada: 7 days", [])]

    def test_an_html_list_in_a_list_item_stays_under_it(self, tmp_path: Path):
        page = (
            "<html><body><h1>Pricing</h1><ul><li>Plans<ul><li>Basic: $10 a month</li><li>Pro: $20 a month</li></ul></li>"
            "<li>Add-ons<ul><li>Extra storage: $5 a month</li></ul></li></ul></body></html>"
        )
        (chunk,) = _chunks(tmp_path, "pricing.html", page)
        assert _list_tree(chunk.text) == PRICING_TREE

    def test_stray_spaces_and_wrapped_lines_are_read_flush_left_as_before(self, tmp_path: Path):
        # A PDF's text layer puts a space before some lines: " - Handles" is a sibling of " - Cracks" (it stands less
        # far in than its text), and a wrapped line goes on with its item wherever it starts.
        page = (
            "# Warranty\n\nCovered:\n - Cracks in pots\n - Handles that loosen because of a\n defect\n"
            "- Lids that detach\n\n1. Find your ONT. It is a small white box, usually near\n   where the fibre comes in.\n"
        )
        (chunk,) = _chunks(tmp_path, "warranty.md", page)
        assert chunk.text == (
            "Covered:\n- Cracks in pots\n- Handles that loosen because of a\ndefect\n- Lids that detach  \n"
            "1. Find your ONT. It is a small white box, usually near\nwhere the fibre comes in."
        )


def test_the_model_is_given_the_sub_items_under_their_item(tmp_path: Path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "pricing.md").write_text(PRICING, encoding="utf-8")
    create_index_builder(Config(), embedder, show_progress=False).build([str(docs)], tmp_path / "index")
    manager = DialogueManager(
        retriever_for_index(Config(), load_index(tmp_path / "index"), embedder), EchoGenerator(),
        ConversationStore(tmp_path / "conversations.sqlite3"), BotConfig(answer_mode="generative"),
        GenerationSettings(max_new_tokens=64), 4, grounding_checker(embedder),
    )
    question = "How much is the Pro plan?"  # the prompt generative mode gives the model, over what retrieval found
    messages = manager.composer.compose(question, [], manager.retriever.retrieve(question)).messages
    prompt = "\n".join(message["content"] for message in messages)
    assert "- Plans\n  - Basic: $10 a month\n  - Pro: $20 a month\n- Add-ons" in prompt
