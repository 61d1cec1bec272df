"""Reading, checking and converting training data: every bad line is named as file:line."""

from __future__ import annotations

import json
import re

import pytest

from supportbot.errors import TrainingDataError
from supportbot.finetune.data import load_conversations, read_conversations, split_conversations
from supportbot.finetune.prepare import from_csv, from_faq_jsonl, write_jsonl
from tests.finetune.conftest import conversation, sample_lines, write_lines

GOOD = conversation(("user", "Where is my order?"), ("assistant", "Check Account > Orders."))


def test_every_malformed_line_is_reported_with_file_and_line(tmp_path):
    path = write_lines(tmp_path / "bad.jsonl", [
        GOOD,
        '{"messages": [{"role": "user", "content": "hi"}',  # truncated JSON
        '{"conversation": []}',
        conversation(("customer", "hi"), ("assistant", "hello")),
        '{"messages": [{"role": "user", "content": 42}]}',
        conversation(("user", "hi"), ("system", "late system prompt")),
    ])
    with pytest.raises(TrainingDataError) as caught:
        load_conversations(path)
    message = str(caught.value)
    assert "5 malformed line(s)" in message
    for number, fragment in [(2, "not valid JSON"), (3, 'no "messages" key'), (4, "'customer'"), (5, "must be a string"), (6, "only the first")]:
        assert f"{path}:{number}: " in message and fragment in message
    assert f"{path}:1:" not in message


def test_conversations_without_reply_and_duplicates_are_counted_and_skipped(tmp_path):
    path = write_lines(tmp_path / "data.jsonl", [
        GOOD,
        GOOD,
        conversation(("user", "anyone there?")),
        conversation(("user", "a"), ("assistant", "b"), ("user", "and c?")),
    ])
    report = read_conversations(path)
    assert (len(report.conversations), report.duplicates, report.without_assistant, report.unanswered_turns) == (2, 1, 1, 2)
    assert report.conversations[1].source == f"{path}:4"


def test_file_with_no_reply_at_all_is_refused(tmp_path):
    path = write_lines(tmp_path / "data.jsonl", [conversation(("user", "hello?"))])
    with pytest.raises(TrainingDataError, match="no conversation with an assistant reply"):
        load_conversations(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(TrainingDataError, match="missing.jsonl does not exist"):
        load_conversations(tmp_path / "missing.jsonl")


def test_eval_split_is_reproducible_and_disjoint(tmp_path):
    conversations = load_conversations(write_lines(tmp_path / "d.jsonl", sample_lines(0, 20))).conversations
    train, held_out = split_conversations(conversations, 0.1, seed=7)
    again = split_conversations(conversations, 0.1, seed=7)
    assert len(held_out) == 2 and len(train) == 18
    assert [c.source for c in held_out] == [c.source for c in again[1]]
    assert not {c.source for c in train} & {c.source for c in held_out}


def test_prepare_csv_uses_the_named_columns(tmp_path):
    source = tmp_path / "tickets.csv"
    source.write_text('Subject,Reply\n"Can I pay with Klarna?","Yes, in 4 payments."\n"",ignored\n', encoding="utf-8")
    output = tmp_path / "out.jsonl"
    count = write_jsonl(({"messages": m} for m in from_csv(source, "Subject", "Reply", system_prompt="Be brief.")), output)
    assert count == 1
    assert json.loads(output.read_text())["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Can I pay with Klarna?"},
        {"role": "assistant", "content": "Yes, in 4 payments."},
    ]
    assert len(load_conversations(output).conversations) == 1


def test_prepare_csv_with_a_missing_column_lists_the_columns(tmp_path):
    source = tmp_path / "tickets.csv"
    source.write_text("Subject,Reply\na,b\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"no column 'question'.*columns: Subject, Reply.*--question-column"):
        list(from_csv(source, "question", "Reply"))


def test_prepare_faq_jsonl_from_the_sample_faq(tmp_path):
    from supportbot.retrieval.loaders import sample_docs_dir

    faq = sample_docs_dir() / "faq.jsonl"  # the FAQ the index builder reads
    output = tmp_path / "faq_dialogues.jsonl"
    count = write_jsonl(({"messages": m} for m in from_faq_jsonl(faq)), output)
    entries = [line for line in faq.read_text().splitlines() if line.strip()]
    first = json.loads(entries[0])
    assert count == len(entries) > 0
    assert json.loads(output.read_text().splitlines()[0])["messages"][1]["content"] == first["answer"]


def test_prepare_faq_jsonl_rejects_an_empty_answer_naming_file_and_line(tmp_path):
    faq = write_lines(tmp_path / "faq.jsonl", [
        '{"question": "Can I return shoes?", "answer": "Within 30 days."}',
        '{"question": "Do you ship abroad?", "answer": "  "}',
    ])
    with pytest.raises(TrainingDataError, match=rf'^{re.escape(str(faq))}:2: "answer" is empty'):
        list(from_faq_jsonl(faq))


@pytest.mark.parametrize("bad_line", [
    "{not json",
    '["a list"]',
    '{"question": "Q?"}',
    '{"question": "Q?", "answer": ""}',
    '{"question": 42, "answer": "A."}',
])
def test_prepare_and_the_index_loader_describe_a_bad_faq_line_the_same_way(tmp_path, bad_line):
    from supportbot.retrieval.loaders import SourceFile, load_faq

    faq = write_lines(tmp_path / "faq.jsonl", ['{"question": "Q1?", "answer": "A1."}', bad_line])
    (warning,) = load_faq(SourceFile(faq, faq.name)).warnings
    with pytest.raises(TrainingDataError) as raised:
        list(from_faq_jsonl(faq))
    assert warning.startswith(f"{faq}:2: skipped, ") and str(raised.value).startswith(f"{faq}:2: ")
    assert warning.removeprefix(f"{faq}:2: skipped, ") == str(raised.value).removeprefix(f"{faq}:2: ")


def test_empty_replies_and_bad_weights_or_sources_are_malformed_lines(tmp_path):
    path = write_lines(tmp_path / "data.jsonl", [
        GOOD,
        conversation(("user", "Where is my order?"), ("assistant", "  ")),
        json.dumps({"messages": [{"role": "user", "content": "hi", "weight": 0}, {"role": "assistant", "content": "hello"}]}),
        json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello", "weight": 0.5}]}),
        json.dumps({"messages": json.loads(GOOD)["messages"], "sources": ["returns.md"]}),
    ])
    with pytest.raises(TrainingDataError) as caught:
        load_conversations(path)
    message = str(caught.value)
    assert "4 malformed line(s)" in message
    assert f"{path}:2: messages[1] is an empty assistant reply: write the reply or drop the conversation" in message
    assert f"{path}:3: messages[0].weight is 0: only assistant messages take one" in message
    assert f"{path}:4: messages[1].weight is 0.5" in message
    assert f'{path}:5: "sources" must be a list of {{"id": "...", "text": "..."}}' in message


def test_weights_and_sources_are_read_and_a_conversation_with_only_weight_zero_replies_teaches_nothing(tmp_path):
    sources = [{"id": "returns/refund-timing.md", "text": "[1] Refund timing\nRefunds take 5-7 business days."}]
    untrained = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello", "weight": 0}]}
    path = write_lines(tmp_path / "data.jsonl", [json.dumps({**json.loads(GOOD), "sources": sources}), json.dumps(untrained)])
    report = read_conversations(path)
    assert (len(report.conversations), report.without_assistant) == (1, 1)
    assert report.conversations[0].sources == sources
    assert report.conversations[0].record() == {**json.loads(GOOD), "sources": sources}


def test_an_empty_user_turn_is_a_malformed_line_like_an_empty_reply(tmp_path):
    path = write_lines(tmp_path / "data.jsonl", [
        GOOD,
        conversation(("user", "Where is my order?"), ("assistant", "Check Account > Orders."), ("user", " \n"), ("assistant", "Thanks!")),
    ])
    with pytest.raises(TrainingDataError) as caught:
        load_conversations(path)
    assert f"{path}:2: messages[2] is an empty user turn: write what the customer asked or drop the conversation" in str(caught.value)


def test_a_greeting_before_the_first_user_turn_is_dropped_with_a_warning_naming_the_line(tmp_path, caplog):
    path = write_lines(tmp_path / "data.jsonl", [
        conversation(("assistant", "Hello! How can I help?"), ("user", "Where is my order?"), ("assistant", "Check Account > Orders.")),
        conversation(("system", "Be brief."), ("assistant", "Hi there."), ("user", "Do you ship abroad?"), ("assistant", "To the EU.")),
        conversation(("assistant", "Hello! How can I help?")),
    ])
    with caplog.at_level("WARNING"):
        report = read_conversations(path)
    assert [c.messages for c in report.conversations] == [
        json.loads(GOOD)["messages"],
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Do you ship abroad?"}, {"role": "assistant", "content": "To the EU."}],
    ]
    assert (report.malformed, report.without_assistant) == ([], 1)
    assert f"{path}:1: dropped messages[0]: assistant turn(s) before any user turn (a greeting?)" in caplog.text
    assert f"{path}:2: dropped messages[1]: assistant turn(s) before any user turn" in caplog.text
    assert f"{path}:3: dropped messages[0]: " in caplog.text and "no reply to train on, line skipped" in caplog.text


def test_consecutive_turns_of_one_role_are_merged_into_one_with_a_warning(tmp_path, caplog):
    bursts = {"messages": [
        {"role": "user", "content": "My order is late."},
        {"role": "user", "content": "It was due Monday."},
        {"role": "assistant", "content": "Sorry about that."},
        {"role": "assistant", "content": "It ships today."},
        {"role": "user", "content": "And the invoice?"},
        {"role": "assistant", "content": "Attached."},
        {"role": "assistant", "content": "Anything else?", "weight": 0},
    ]}
    path = write_lines(tmp_path / "data.jsonl", [json.dumps(bursts)])
    with caplog.at_level("WARNING"):
        [merged] = read_conversations(path).conversations
    assert merged.messages == [
        {"role": "user", "content": "My order is late.\nIt was due Monday."},
        {"role": "assistant", "content": "Sorry about that.\nIt ships today."},
        {"role": "user", "content": "And the invoice?"},
        {"role": "assistant", "content": "Attached.\nAnything else?", "weight": 0},  # a part not to train on keeps the reply out of training
    ]
    assert merged.assistant_turns == 1
    assert (f"{path}:1: merged messages[0] to [1]: consecutive user turns, into one; merged messages[2] to [3]: consecutive "
            "assistant turns, into one; merged messages[5] to [6]: consecutive assistant turns, into one") in caplog.text
