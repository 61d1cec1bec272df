"""Length-grouped batches: examples of similar length share a batch, so little compute goes to padding."""

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
