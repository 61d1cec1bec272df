"""Sentence splitting: what grounding checks, citations and extractive answers are built from."""

from __future__ import annotations

import pytest

from supportbot.text.sentences import (
    closed_code_block,
    complete_sentences,
    split_sentences,
    table_cells,
    with_indented_code_fenced,
    with_regular_tables,
)


class TestSplitSentences:
    def test_english_sentences_end_at_stops_but_not_at_abbreviations_decimals_or_addresses(self):
        text = "Refunds take 5-7 business days. Mail us, e.g. at help@example.com! It costs $4.99 (incl. tax). Done?"
        assert split_sentences(text) == [
            "Refunds take 5-7 business days.",
            "Mail us, e.g. at help@example.com!",
            "It costs $4.99 (incl. tax).",
            "Done?",
        ]

    def test_a_question_mark_inside_quotes_ends_the_sentence_only_when_a_new_one_starts(self):
        text = 'Forgot your password? Click "Forgot password?" on the sign-in page. He said "Stop!" Then he left.'
        assert split_sentences(text) == ["Forgot your password?", 'Click "Forgot password?" on the sign-in page.', 'He said "Stop!"', "Then he left."]

    def test_chinese_sentences_end_at_full_width_stops_without_spaces(self):
        assert split_sentences("如何申请退货？请登录您的账户。退款将在5-7个工作日内到账！") == [
            "如何申请退货？",
            "请登录您的账户。",
            "退款将在5-7个工作日内到账！",
        ]

    def test_headings_list_items_and_table_rows_are_their_own_sentences_without_markers(self):
        text = "# Refund timing\n\nRefunds are issued\nwithin 5 days.\n- Card: 3 days\n1. PayPal: 1 day\n\n| Card | 5 |\n|---|---|"
        assert split_sentences(text) == ["Refund timing", "Refunds are issued\nwithin 5 days.", "Card: 3 days", "PayPal: 1 day", "| Card | 5 |"]

    def test_every_table_is_written_one_way_whatever_way_github_allows(self):
        # "|Plan|Price|" and "Code | Meaning" are tables to GitHub; their rows read as prose, and a one-column
        # table's row too: no row was quoted under its header.
        compact = "|Plan|Price|\n|---|:---:|\n|Team|$10 a month|"
        assert with_regular_tables(compact) == "| Plan | Price |\n|---|:---:|\n| Team | $10 a month |"  # delimiter row as it is
        assert with_regular_tables("Code | Meaning\n--- | ---\n409 | Shipped.") == "| Code | Meaning |\n| --- | --- |\n| 409 | Shipped. |"
        assert with_regular_tables("| Country |\n| --- |\n|Norway|") == "| Country |\n| --- |\n| Norway |"
        for not_a_table in ("Pick Yes | No.\n---", "a | b | c\n--- | ---", "```\na|b\n---|---\n```"):
            assert with_regular_tables(not_a_table) == not_a_table

    def test_a_pipe_a_cell_holds_is_escaped_and_parts_no_cells(self):
        assert table_cells("| `a \\| b` | pipe |") == ["`a \\| b`", "pipe"]
        assert with_regular_tables("|`or`|`a \\| b`|\n|---|---|") == "| `or` | `a \\| b` |\n|---|---|"

    def test_a_bold_chinese_sentence_keeps_its_closing_marks(self):
        # "。**" ended the sentence before the marks, so the next one opened with them: "**运输时间…".
        assert split_sentences("1. **寄出退货。**运输时间取决于快递公司。") == ["**寄出退货。**", "运输时间取决于快递公司。"]

    def test_a_list_items_code_is_a_code_block_however_far_it_stands_in(self):
        # MkDocs wants a step's code four spaces in: as CommonMark has it, a fence may stand in as far as the item's
        # text does, plus three. Quoted alone, its lines move left as far as its closing fence stood in.
        text = "2. Run:\n\n    ```bash\n    make build\n      --quiet\n    ```\n\n3. Done."
        code = split_sentences(text)[1]
        assert code == "```bash\n    make build\n      --quiet\n    ```"
        assert closed_code_block(code) == "```bash\nmake build\n  --quiet\n```"

    def test_a_table_row_is_one_sentence_whatever_its_cells_hold(self):
        # Cut at "Wait." the row's second half ("This can take up to 5 minutes |") was a "sentence" of its own.
        row = "| Flashing white | Starting up | Wait. This can take up to 5 minutes |"
        assert split_sentences(f"| Light | Meaning | What to do |\n|---|---|---|\n{row}\nThen wait. Or not.") == [
            "| Light | Meaning | What to do |",
            row,
            "Then wait.",
            "Or not.",
        ]

    def test_a_fenced_code_block_is_one_sentence_whatever_its_lines_look_like(self):
        # "# list your orders." read as a heading, "- key: value" as a list item, "orders. Any" as a sentence end.
        code = "```bash\n# list your orders. Any key works.\ncurl https://api.example.com/v1 \\\n\n- key: value\n```"
        assert split_sentences(f"Send the key:\n{code}\nKeys expire. Ask us.") == ["Send the key:", code, "Keys expire.", "Ask us."]
        # Backticks after the opening ones make an inline code span, not a fence (CommonMark), and no block follows.
        assert split_sentences("Try:\n``` alert(1); ```\nThen reload. Done.") == ["Try:\n``` alert(1); ```", "Then reload.", "Done."]

    def test_inline_code_is_never_cut_between_sentences(self):
        # Cut at "declined.", each half held one backtick: quoted alone, its code read as prose, and its lone backtick
        # paired with the next code an answer quoted, showing the words between as code.
        text = "If you see `Payment declined. Try another card.` check the card. Then retry."
        assert split_sentences(text) == ["If you see `Payment declined. Try another card.` check the card.", "Then retry."]
        # A backtick alone between spaces is the character, not code's opening: "` to open the console. Then run `"
        # was read as code, and the two sentences as one.
        assert split_sentences("Type ` to open the console. Then run `make`.") == ["Type ` to open the console.", "Then run `make`."]

    def test_an_indented_code_block_is_fenced_and_a_list_items_paragraph_stays_text(self):
        # Read as a paragraph, an indented block's lines lost their indentation in LangChain's splitter and were
        # quoted as one line of prose. Under a list item, lines four spaces in are the item's (as MkDocs wants them).
        page = "Save it:\n\n    def f(x):\n        if x:\n\n            return 1\n\nThen:\n\n1. Run it.\n\n    It takes a minute.\n"
        assert with_indented_code_fenced(page) == (
            "Save it:\n\n```\ndef f(x):\n    if x:\n\n        return 1\n```\n\nThen:\n\n1. Run it.\n\n    It takes a minute.\n"
        )
        assert with_indented_code_fenced("## Example\n\tprint('```')\n") == "## Example\n````\nprint('```')\n````\n"

    def test_a_list_items_indented_code_is_fenced_inside_the_item(self):
        # "       larkspur --version" under "3. Check the version:" (four past the item's text, as CommonMark has it) was
        # read as a line of prose, without its indentation; MkDocs stands it eight in, its paragraphs four.
        steps = "3. Check the version:\n\n       larkspur --version\n\n4. Sign in.\n"
        assert with_indented_code_fenced(steps) == "3. Check the version:\n\n   ```\n   larkspur --version\n   ```\n\n4. Sign in.\n"
        mkdocs = "- Install:\n\n    It takes a minute.\n\n        make\n          install\n\n- Done.\n"
        assert with_indented_code_fenced(mkdocs) == "- Install:\n\n    It takes a minute.\n\n  ```\n  make\n    install\n  ```\n\n- Done.\n"
        assert split_sentences(with_indented_code_fenced(steps))[1] == "```\n   larkspur --version\n   ```"

    def test_a_list_item_ends_where_the_chunker_left_a_paragraph_break(self):
        # LangChain's Markdown header splitter writes the blank line after a list as a hard break ("  \n").
        item = "In its original packaging, with all parts, manuals, and accessories included"  # too long for a heading
        text = f"An item must be:  \n- Unused\n- {item}  \nUsed items can't be accepted."
        assert split_sentences(text) == ["An item must be:", "Unused", item, "Used items can't be accepted."]

    def test_every_sentence_is_an_exact_substring_of_the_text(self):
        text = "  Our store ships to 40 countries.\n\n* Express: 2 days.  Standard: 5 days. "
        assert all(sentence in text for sentence in split_sentences(text))

    def test_text_without_boundaries_is_cut_into_bounded_pieces(self):
        pieces = split_sentences("word " * 300, max_chars=100)
        assert len(pieces) > 10 and all(len(piece) <= 100 for piece in pieces)
        assert split_sentences("字" * 250, max_chars=100) == ["字" * 100, "字" * 100, "字" * 50]
        assert not any(piece.startswith(" ") for piece in pieces)  # quoted as " word word", after a list marker's space

    def test_a_long_table_row_is_not_cut(self):
        # Cut at 400 characters, the row lost its last cells: "| Premium care | Covers ... | $99 a year |" lost its price.
        row = "| Premium care | " + "Covers accidental damage, spills and cracked screens. " * 9 + "| $99 a year |"
        assert split_sentences(f"| Plan | What it covers | Price |\n| --- | --- | --- |\n{row}")[1] == row

    @pytest.mark.parametrize("text", ["", "   \n\n ", "---", "🙂🙂"])
    def test_text_without_words_has_no_sentences(self, text):
        assert split_sentences(text) == []


class TestCompleteSentences:
    def test_the_last_sentence_waits_for_more_text(self):
        assert complete_sentences("It costs $4") == ([], "It costs $4")
        done, rest = complete_sentences("It costs $4.99 today. Shipping is")
        assert done == ["It costs $4.99 today."] and rest == " Shipping is"

    def test_a_sentence_end_inside_inline_code_still_open_is_not_taken_for_one(self):
        # A model writing "`Payment declined. Try another card.`" had its first half shown as a sentence of its own,
        # before the closing backtick came.
        assert complete_sentences("Done. If you see `Payment declined. Try") == (["Done."], " If you see `Payment declined. Try")
        done, rest = complete_sentences("If you see `Payment declined. Try another card.`, retry. Then")
        assert done == ["If you see `Payment declined. Try another card.`, retry."] and rest == " Then"
        assert complete_sentences("Type ` to open the console. Then run") == (["Type ` to open the console."], " Then run")


class TestShortFormsInsideSentences:
    def test_an_initialism_goes_on_into_the_words_after_it(self):
        # Cut after "P.O.", the answer to "Do you ship to PO boxes?" quoted "boxes outside the U.S." without "do not".
        assert split_sentences("We do not ship to P.O. boxes outside the U.S. or Canada. Returns are free.") == [
            "We do not ship to P.O. boxes outside the U.S. or Canada.",
            "Returns are free.",
        ]
        assert split_sentences("Write to P.O. Box 12, Springfield. We reply within a day.") == [
            "Write to P.O. Box 12, Springfield.",
            "We reply within a day.",
        ]
        assert split_sentences("Ask the U.N. and the E.U. first. Then apply.") == ["Ask the U.N. and the E.U. first.", "Then apply."]

    def test_a_unit_after_an_amount_goes_on_into_a_lower_case_word(self):
        # Cut after "mo.", an answer quoted "discount." alone: the "$5" was lost.
        text = "Refer a friend to get a $5/mo. discount. It takes 1–2 billing cycles to start."
        assert split_sentences(text) == ["Refer a friend to get a $5/mo. discount.", "It takes 1–2 billing cycles to start."]
        assert split_sentences("Seats cost $8 per mo. for each user. Admins are free.") == [
            "Seats cost $8 per mo. for each user.",
            "Admins are free.",
        ]
        assert split_sentences("Dimensions: 10 in. x 12 in. wide. Weight: 2 lb.") == ["Dimensions: 10 in. x 12 in. wide.", "Weight: 2 lb."]
        # A streamed answer showed "Refer a friend to get a $5/mo." as a finished sentence.
        assert complete_sentences("Refer a friend to get a $5/mo. discount. It")[0] == ["Refer a friend to get a $5/mo. discount."]

    def test_a_short_form_still_ends_a_sentence_when_the_next_one_opens_otherwise(self):
        assert split_sentences("Plus costs $5/mo. Annual plans save 20%.") == ["Plus costs $5/mo.", "Annual plans save 20%."]
        assert split_sentences("Update your phone. iOS 17 is required.") == ["Update your phone.", "iOS 17 is required."]
        # Only a short form goes on: a full word before a lower-case one ends its sentence as it did.
        assert split_sentences("Sign in. then open Settings.") == ["Sign in.", "then open Settings."]


def test_a_steps_label_written_with_a_full_stop_stays_with_its_instruction():
    # "Step 1. Open the app." was two sentences, "Step 1." ranking best and quoted alone.
    assert split_sentences("Step 1. Open the app.\nStep 2. Tap **Save**.") == ["Step 1. Open the app.", "Step 2. Tap **Save**."]
    assert split_sentences("Go back to step 2. Then retry.") == ["Go back to step 2.", "Then retry."]
