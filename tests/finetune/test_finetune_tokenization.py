"""Assistant-only labels with the bundled model's chat template, checked token by token."""

from __future__ import annotations

import pytest

from supportbot.errors import FinetuneError
from supportbot.finetune.tokenization import (
    CHATML_TEMPLATE,
    IGNORE_INDEX,
    apply_template_setting,
    render_with_loss_marked,
    tokenize_conversation,
)

MULTI_TURN = [
    {"role": "system", "content": "You are Larkspur's assistant."},
    {"role": "user", "content": "Can I return a used pan?"},
    {"role": "assistant", "content": "Only unused items, within 30 days."},
    {"role": "user", "content": "And gift cards?"},
    {"role": "assistant", "content": "Gift cards are final sale."},
]
END_OF_TURN = "<|im_end|>\n"


def _expected_labels(tokenizer, messages):
    """Labels from character offsets: a token carries loss iff it starts inside an assistant reply (with its end-of-turn)."""
    text = tokenizer.apply_chat_template(messages, tokenize=False)
    spans, cursor = [], 0
    for message in messages:
        cursor = text.index(message["content"], cursor)
        end = cursor + len(message["content"]) + len(END_OF_TURN)
        assert text[end - len(END_OF_TURN) : end] == END_OF_TURN
        if message["role"] == "assistant":
            spans.append((cursor, end))
        cursor = end
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    labels = [
        token if any(start <= offset[0] < end for start, end in spans) else IGNORE_INDEX
        for token, offset in zip(encoded["input_ids"], encoded["offset_mapping"])
    ]
    return encoded["input_ids"], labels


def test_labels_mask_exactly_the_non_assistant_tokens(tokenizer):
    example = tokenize_conversation(tokenizer, MULTI_TURN, max_length=1024)
    expected_ids, expected_labels = _expected_labels(tokenizer, MULTI_TURN)
    assert example.input_ids == expected_ids
    for position, (label, expected) in enumerate(zip(example.labels, expected_labels)):
        assert label == expected, f"token {position} {tokenizer.decode([example.input_ids[position]])!r}"
    assert not example.truncated


def test_end_of_turn_token_after_each_reply_carries_loss(tokenizer):
    example = tokenize_conversation(tokenizer, MULTI_TURN, max_length=1024)
    end_id = tokenizer.convert_tokens_to_ids("<|im_end|>")
    labelled_ends = [i for i, (t, l) in enumerate(zip(example.input_ids, example.labels)) if t == end_id and l == end_id]
    assert len(labelled_ends) == 2  # one after each assistant reply, none after system or user turns
    marked = render_with_loss_marked(tokenizer, example)
    assert "[[Only unused items, within 30 days.<|im_end|>\n]]" in marked
    assert "[[Gift cards are final sale.<|im_end|>\n]]" in marked


def test_long_conversation_drops_the_oldest_exchange_first(tokenizer):
    full = tokenize_conversation(tokenizer, MULTI_TURN, max_length=1024)
    without_first = tokenize_conversation(tokenizer, MULTI_TURN[:1] + MULTI_TURN[3:], max_length=1024)
    example = tokenize_conversation(tokenizer, MULTI_TURN, max_length=len(full) - 1)
    assert example.truncated
    assert example.input_ids == without_first.input_ids and example.labels == without_first.labels
    assert "used pan" not in tokenizer.decode(example.input_ids) and "Larkspur" in tokenizer.decode(example.input_ids)


def test_single_reply_longer_than_max_length_is_cut_from_the_start(tokenizer):
    full = tokenize_conversation(tokenizer, MULTI_TURN[:3], max_length=1024)
    example = tokenize_conversation(tokenizer, MULTI_TURN[:3], max_length=12)
    assert example.truncated and len(example) == 12
    assert example.input_ids == full.input_ids[-12:] and example.labels == full.labels[-12:]


def test_trailing_user_turn_without_reply_is_not_trained_on(tokenizer):
    example = tokenize_conversation(tokenizer, MULTI_TURN[:4], max_length=1024)
    assert example.input_ids == tokenize_conversation(tokenizer, MULTI_TURN[:3], max_length=1024).input_ids


def test_model_without_chat_template_is_a_clear_error_and_chatml_is_the_fallback(bundled_model_dir):
    from supportbot.finetune.modeling import load_tokenizer

    bare = load_tokenizer(bundled_model_dir)
    bare.chat_template = None
    with pytest.raises(FinetuneError, match=r"no chat template.*finetune.chat_template = \"chatml\""):
        apply_template_setting(bare, "", "some/base-model")
    assert apply_template_setting(bare, "chatml", "some/base-model") == CHATML_TEMPLATE
    example = tokenize_conversation(bare, MULTI_TURN[1:3], max_length=1024)
    assert "[[Only unused items, within 30 days.<|im_end|>\n]]" in render_with_loss_marked(bare, example)


def test_a_reply_with_weight_zero_stays_as_history_without_loss(tokenizer):
    weighted = [*MULTI_TURN[:2], {**MULTI_TURN[2], "weight": 0}, *MULTI_TURN[3:]]
    example = tokenize_conversation(tokenizer, weighted, max_length=1024)
    assert example.input_ids == tokenize_conversation(tokenizer, MULTI_TURN, max_length=1024).input_ids
    marked = render_with_loss_marked(tokenizer, example)
    assert "Only unused items, within 30 days.<|im_end|>" in marked and "[[Only unused" not in marked
    assert marked.count("[[") == 1 and "[[Gift cards are final sale.<|im_end|>\n]]" in marked
