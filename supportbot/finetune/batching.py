"""Batches for training: length-grouped (examples of similar length share a batch, so little compute
goes to padding) or packed (several examples share one row, each attending only to itself)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from supportbot.finetune.tokenization import IGNORE_INDEX, TokenizedExample

# Batches are formed inside windows of this many batches' worth of examples, sorted by length:
# close to sorted-order padding, while the order of batches stays random.
GROUPING_WINDOW_BATCHES = 50


def batch_order(lengths: Sequence[int], batch_size: int, seed: int, group_by_length: bool = True) -> list[list[int]]:
    """Example indices per batch, reproducible from `seed` (the epoch is folded into it by the caller)."""
    rng = random.Random(seed)
    indices = list(range(len(lengths)))
    rng.shuffle(indices)
    if group_by_length:
        window = batch_size * GROUPING_WINDOW_BATCHES
        grouped: list[int] = []
        for start in range(0, len(indices), window):
            grouped += sorted(indices[start : start + window], key=lambda i: lengths[i], reverse=True)
        indices = grouped
    batches = [indices[i : i + batch_size] for i in range(0, len(indices), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(examples: Sequence[TokenizedExample], pad_token_id: int):
    """Right-padded tensors `input_ids`, `attention_mask`, `labels` as long as the batch's longest example."""
    import torch

    width = max(len(e) for e in examples)
    input_ids = torch.full((len(examples), width), pad_token_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE_INDEX, dtype=torch.long)
    attention_mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, example in enumerate(examples):
        n = len(example)
        input_ids[row, :n] = torch.tensor(example.input_ids)
        labels[row, :n] = torch.tensor(example.labels)
        attention_mask[row, :n] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


def pack_examples(lengths: Sequence[int], capacity: int) -> list[list[int]]:
    """Example indices per row, no row longer than `capacity` tokens (first-fit decreasing).

    Made once per run, so every epoch has the same number of rows (the step count is known up
    front); the order of rows is shuffled per epoch by `batch_order`.
    """
    rows: list[list[int]] = []
    free: list[int] = []
    for index in sorted(range(len(lengths)), key=lambda i: (-lengths[i], i)):
        size = lengths[index]
        if size > capacity:
            raise ValueError(f"example {index} has {size} tokens, more than a row's {capacity}")
        row = next((r for r, room in enumerate(free) if room >= size), None)
        if row is None:
            rows.append([index])
            free.append(capacity - size)
        else:
            rows[row].append(index)
            free[row] -= size
    return rows


def collate_packed(rows: Sequence[Sequence[TokenizedExample]], pad_token_id: int):
    """Right-padded `input_ids`, `labels` and `position_ids` for rows of examples laid end to end.

    Positions restart at 0 for each example, and there is no `attention_mask`: from that,
    transformers builds a block-diagonal causal mask, so no example attends to another and each
    is computed as if it were alone. Padding is a sequence of its own and carries no loss; an
    example's first token carries none either (nothing before it in its own sequence predicts it).
    """
    import torch

    width = max(sum(len(e) for e in row) for row in rows)
    input_ids = torch.full((len(rows), width), pad_token_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
    position_ids = torch.zeros((len(rows), width), dtype=torch.long)
    for r, row in enumerate(rows):
        start = 0
        for example in row:
            n = len(example)
            input_ids[r, start : start + n] = torch.tensor(example.input_ids)
            labels[r, start + 1 : start + n] = torch.tensor(example.labels[1:])
            position_ids[r, start : start + n] = torch.arange(n)
            start += n
        position_ids[r, start:] = torch.arange(width - start)
    return {"input_ids": input_ids, "labels": labels, "position_ids": position_ids}
