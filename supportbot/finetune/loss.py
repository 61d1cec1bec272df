"""Cross-entropy only where labels are set, computed in chunks, so full-vocabulary logits never exist at once.

A plain causal-LM forward materialises logits of shape (batch, sequence, vocabulary) in fp32 and
keeps them, and their gradient, for backward: with a 150k vocabulary that is most of a QLoRA run's
memory. Here the decoder's hidden states are gathered at the positions that carry loss and sent
through the output layer a chunk at a time, each chunk recomputed in backward rather than stored.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from supportbot.finetune.tokenization import IGNORE_INDEX


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

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        causal_lm = _causal_lm(self.model)
        outputs = causal_lm.get_decoder()(input_ids=input_ids, attention_mask=attention_mask, use_cache=False)
        return chunked_loss(causal_lm.get_output_embeddings(), outputs.last_hidden_state, labels, self.chunk_tokens)
