"""A fast path for embedding one query: the embedding model exported once to ONNX, run by onnxruntime.

A single short query is latency-bound, not compute-bound: sentence-transformers' `encode` spends
much of its ~20-30 ms in Python overhead and in torch's thread pool. onnxruntime computes the same
vector (within 1e-6) in ~8 ms with both of two cores, ~10.5 ms with one. Documents are still
embedded in batches by torch.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from pathlib import Path

import numpy as np

from supportbot.cpu import available_cores
from supportbot.staging import staged_file

log = logging.getLogger(__name__)
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


def supports_onnx_query(model, with_prompt: bool = False) -> bool:
    """True for the Transformer -> mean Pooling (-> Normalize) models this path reproduces exactly.

    A query prompt is simply put before the text, so a model whose pooling leaves the prompt's
    tokens out (`include_prompt = False`) is not reproduced when there is one.
    """
    modules = [type(module).__name__ for module in model]
    if modules[:2] != ["Transformer", "Pooling"] or any(name != "Normalize" for name in modules[2:]):
        return False
    pooling = model[1].get_config_dict() if hasattr(model[1], "get_config_dict") else {}
    if with_prompt and pooling.get("include_prompt", True) is False:
        return False
    return pooling.get("pooling_mode", "mean" if pooling.get("pooling_mode_mean_tokens") else None) == "mean"


def _cache_file(model, cache_dir: Path) -> Path:
    weights = next(model[0].auto_model.parameters()).detach().flatten()[:4096].numpy().tobytes()
    key = hashlib.sha256(weights + str(model[0].auto_model.config.to_dict()).encode()).hexdigest()[:16]
    return cache_dir / "onnx" / f"query-encoder-{key}.onnx"


def _export(model, path: Path) -> None:
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self, transformer) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = model.tokenizer(["a sample query"], return_tensors="pt")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUT_NAMES, "last_hidden_state")}
    with staged_file(path) as partial, torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shape checks that are constant for unpadded queries
        torch.onnx.export(
            LastHiddenState(model[0].auto_model.eval()),
            tuple(sample[name] for name in INPUT_NAMES),
            str(partial),
            input_names=list(INPUT_NAMES),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


class OnnxQueryEncoder:
    """Embeds one query at a time like the sentence-transformers model it was exported from."""

    def __init__(self, model, cache_dir: Path) -> None:
        import onnxruntime

        self.tokenizer = model.tokenizer
        self.max_length = int(model.max_seq_length)
        path = _cache_file(model, cache_dir)
        if not path.is_file():
            log.info("exporting the embedding model to ONNX for fast queries (once): %s", path)
            _export(model, path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = available_cores()
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}

    def embed(self, text: str) -> np.ndarray:
        encoded = self.tokenizer([text], return_tensors="np", truncation=True, max_length=self.max_length)
        feeds = {name: encoded[name].astype(np.int64) for name in INPUT_NAMES if name in self.input_names}
        if "token_type_ids" in self.input_names and "token_type_ids" not in feeds:
            feeds["token_type_ids"] = np.zeros_like(feeds["input_ids"])
        hidden = self.session.run(None, feeds)[0]
        mask = encoded["attention_mask"][..., None].astype(np.float32)
        vector = (hidden * mask).sum(axis=1)[0] / max(float(mask.sum()), 1.0)
        return (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)
