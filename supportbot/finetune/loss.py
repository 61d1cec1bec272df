"""Cross-entropy only where labels are set, computed in chunks, so full-vocabulary logits never exist at once.

A plain causal-LM forward materialises logits of shape (batch, sequence, vocabulary) in fp32 and
keeps them, and their gradient, for backward: with a 150k vocabulary that is most of a QLoRA run's
memory. Here the decoder's hidden states are gathered at the positions that carry loss and sent
through the output layer a chunk at a time, each chunk recomputed in backward rather than stored.

Held-out loss (the trainer's evaluations and `finetune eval`) is summed by `loss_totals` alone, so
the two report the same figure for the same weights.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from supportbot.finetune.batching import batch_order, collate
from supportbot.finetune.tokenization import IGNORE_INDEX, TokenizedExample


def perplexity(mean_loss: float) -> float:
    """exp(loss), capped so that a diverged run reports a large number instead of overflowing."""
    return math.exp(min(mean_loss, 50))


def _chunk_loss_sum(lm_head: nn.Module, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(lm_head(hidden).float(), targets, reduction="sum")


def chunked_loss(lm_head: nn.Module, hidden: torch.Tensor, labels: torch.Tensor, chunk_tokens: int) -> torch.Tensor:
    """Mean next-token loss over positions with a label; `hidden` is (batch, seq, dim), `labels` (batch, seq)."""
    targets = labels[:, 1:]
    mask = targets != IGNORE_INDEX
    selected = hidden[:, :-1][mask]
    selected_targets = targets[mask]
    count = selected_targets.numel()
    if count == 0:
        return hidden.sum() * 0.0  # keeps the graph (and DDP) intact for a batch with nothing to learn
    total = hidden.new_zeros((), dtype=torch.float32)
    for start in range(0, count, chunk_tokens):
        piece = slice(start, start + chunk_tokens)
        if torch.is_grad_enabled():
            total = total + checkpoint(_chunk_loss_sum, lm_head, selected[piece], selected_targets[piece], use_reentrant=False)
        else:
            total = total + _chunk_loss_sum(lm_head, selected[piece], selected_targets[piece])
    return total / count


def _causal_lm(model: nn.Module) -> nn.Module:
    """The transformers model inside a peft wrapper (LoRA layers are injected in place, so they still run)."""
    get_base = getattr(model, "get_base_model", None)
    return get_base() if get_base is not None else model


class AssistantLossModel(nn.Module):
    """Wraps a causal LM so that `forward(input_ids, attention_mask, labels)` returns the chunked loss.

    It is an nn.Module so `accelerator.prepare` can wrap it (DDP needs the forward to run through it).
    """

    def __init__(self, model: nn.Module, chunk_tokens: int = 1024) -> None:
        super().__init__()
        self.model = model
        self.chunk_tokens = chunk_tokens

    def forward(
        self,
        input_ids: torch.Tensor,
        labels: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Padded rows come with `attention_mask`; packed rows with `position_ids` instead (`collate_packed`)."""
        causal_lm = _causal_lm(self.model)
        outputs = causal_lm.get_decoder()(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, use_cache=False)
        return chunked_loss(causal_lm.get_output_embeddings(), outputs.last_hidden_state, labels, self.chunk_tokens)


@torch.no_grad()
def loss_totals(
    scorer: nn.Module,
    examples: Sequence[TokenizedExample],
    pad_id: int,
    batch_size: int,
    device,
    process_index: int = 0,
    num_processes: int = 1,
) -> torch.Tensor:
    """[summed loss, assistant-token count] over this process's share of the held-out batches.

    `scorer` is an `AssistantLossModel` (or that wrapped by accelerate). The batches are fixed
    (seed 0, grouped by length), so every evaluation pads alike; process i takes every
    `num_processes`-th one. The result is one float64 tensor on `device`, so processes can add
    theirs up (`accelerator.reduce`) before `mean_per_token` divides.
    """
    order = batch_order([len(e) for e in examples], batch_size, 0, True)
    totals = torch.zeros(2, device=device, dtype=torch.float64)
    for indices in order[process_index::num_processes]:
        batch = {k: v.to(device) for k, v in collate([examples[i] for i in indices], pad_id).items()}
        count = (batch["labels"][:, 1:] != IGNORE_INDEX).sum()
        totals[0] += scorer(**batch).double() * count
        totals[1] += count
    return totals


def mean_per_token(totals: torch.Tensor) -> float:
    """The mean loss per assistant token from `loss_totals` (0.0 when no token carried loss)."""
    return float(totals[0] / totals[1].clamp(min=1))
