"""The embedding model exported once to ONNX and run by onnxruntime: one query fast, many documents fast.

A single short query is latency-bound: sentence-transformers' `encode` spends much of its ~20-30 ms
in Python overhead and torch's thread pool, and onnxruntime computes the same vector (within 1e-6)
in ~8 ms. Documents go in batches of similar token length (sorted, so little padding is computed).

What this path needs from the model is read from its sentence-transformers folder (modules.json,
the pooling config, sentence_bert_config.json, tokenizer.json), without importing torch or
sentence-transformers: once the export is cached, an index build starts in about a second instead
of the ~7 s those imports take. A model the path cannot reproduce exactly (another pooling, extra
modules, a prompt its pooling leaves out) is recognised from those files and left to
sentence-transformers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from supportbot.cpu import available_cores
from supportbot.model_sources import resolve_reference
from supportbot.staging import staged_file

log = logging.getLogger(__name__)
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
_OTHER_POOLINGS = ("cls_token", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


@dataclass(frozen=True)
class ModelFolder:
    """A sentence-transformers model folder of the Transformer -> mean Pooling (-> Normalize) kind."""

    path: Path
    dimension: int
    max_seq_length: int
    do_lower_case: bool = False
    include_prompt: bool = True
    prompts: dict[str, str] = field(default_factory=dict)

    def cache_key(self) -> str:
        """Changes whenever the weights or the architecture do; the export is named by it."""
        digest = hashlib.sha256((self.path / "config.json").read_bytes())
        for name in WEIGHT_FILES:
            weights = self.path / name
            if weights.is_file():
                with weights.open("rb") as handle:
                    for block in iter(lambda: handle.read(1 << 22), b""):
                        digest.update(block)
        return digest.hexdigest()[:16]


def _local_folder(reference: str) -> Path | None:
    resolved = Path(resolve_reference(reference))
    if resolved.is_dir():
        return resolved
    try:  # a Hugging Face id: its snapshot in the local cache, if there is one
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(str(reference), local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached, not an id, no huggingface_hub: sentence-transformers decides
        return None


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def read_model_folder(reference: str) -> ModelFolder | None:
    """The model's folder when this path reproduces it exactly; None sends it to sentence-transformers."""
    try:
        path = _local_folder(reference)
        if path is None or not (path / "tokenizer.json").is_file():
            return None
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
        kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
        if kinds[:2] != ["Transformer", "Pooling"] or any(kind != "Normalize" for kind in kinds[2:]):
            return None
        pooling = _json(path / modules[1]["path"] / "config.json")
        mean = pooling.get("pooling_mode") == "mean" or pooling.get("pooling_mode_mean_tokens") is True
        if not mean or any(pooling.get(f"pooling_mode_{other}") for other in _OTHER_POOLINGS):
            return None
        settings = _json(path / "sentence_bert_config.json")
        return ModelFolder(
            path=path,
            dimension=int(pooling["word_embedding_dimension"]),
            max_seq_length=int(settings.get("max_seq_length") or 512),
            do_lower_case=bool(settings.get("do_lower_case", False)),
            include_prompt=pooling.get("include_prompt", True) is not False,
            prompts=dict(_json(path / "config_sentence_transformers.json").get("prompts") or {}),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _export(model, path: Path) -> None:
    """The sentence-transformers model's transformer, exported with dynamic batch and length axes.

    Exported with eager attention: sdpa's export wraps every layer's softmax in NaN checks
    (IsNaN, Where) that took ~10% of an 8-bit document batch's time; the vectors are the same
    (float32: within 1e-7 on padded batches).
    """
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
    transformer = model[0].auto_model.eval()
    attention = transformer.config._attn_implementation
    transformer.set_attn_implementation("eager")
    try:
        with staged_file(path) as partial, torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about shape checks that are constant for unpadded queries
            torch.onnx.export(
                LastHiddenState(transformer),
                tuple(sample[name] for name in INPUT_NAMES),
                str(partial),
                input_names=list(INPUT_NAMES),
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
    finally:
        transformer.set_attn_implementation(attention)  # the model may go on embedding in this process


EXPORT_VERSION = 2  # 2: eager attention. A new version is a new file, so a cache made before is not reused.


def export_path(folder: ModelFolder, cache_dir: Path) -> Path:
    return cache_dir / "onnx" / f"encoder-{folder.cache_key()}-v{EXPORT_VERSION}.onnx"


def ensure_export(folder: ModelFolder, cache_dir: Path, load_model: Callable[[], object]) -> Path:
    """The cached ONNX file, exported (with torch, once per model) when missing."""
    path = export_path(folder, cache_dir)
    if not path.is_file():
        log.info("exporting the embedding model to ONNX (once): %s", path)
        _export(load_model(), path)
    return path


INT8_BLOCK = 128  # inputs per weight scale: 32 or 64 were slower for little closer vectors, 256 no faster


def int8_export_path(model_file: Path) -> Path:
    """Named by the block size too, so that a change of settings makes a new copy."""
    return model_file.with_name(f"{model_file.stem}-int8-b{INT8_BLOCK}{model_file.suffix}")


def ensure_int8_export(model_file: Path) -> Path:
    """The export with its matrix weights in 8 bits, made once from `model_file`: documents embed ~1.2x faster.

    onnxruntime's MatMulNBits: symmetric 8-bit weights with one scale per block of 128 inputs, and
    (accuracy level 4) the activations quantized per block too, multiplied in int8. Per-block scales
    keep the vectors within cosine ~0.999 of the model's, where the usual dynamic int8 quantization
    (one activation scale per tensor) gave 0.99 and lost up to 0.013 nDCG@10 (docs/retrieval.md).
    """
    path = int8_export_path(model_file)
    if path.is_file():
        return path
    import onnx

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    from onnxruntime.quantization.matmul_nbits_quantizer import DefaultWeightOnlyQuantConfig, MatMulNBitsQuantizer

    root.handlers[:], root.level = handlers, level  # that module calls logging.basicConfig(level=INFO) on import
    logging.getLogger("onnxruntime.quantization").setLevel(logging.WARNING)  # one INFO line per matrix otherwise
    log.info("quantizing the document encoder to 8 bits (once): %s", path)
    settings = {"bits": 8, "block_size": INT8_BLOCK, "is_symmetric": True, "accuracy_level": 4}
    quantizer = MatMulNBitsQuantizer(onnx.load(str(model_file)), algo_config=DefaultWeightOnlyQuantConfig(**settings), **settings)
    quantizer.process()
    with staged_file(path) as partial:
        quantizer.model.save_model_to_file(str(partial), use_external_data_format=False)
    return path


DocumentRuntime = Literal["onnxruntime", "openvino"]


def open_session(path: Path, threads: int, runtime: DocumentRuntime = "onnxruntime"):
    """An onnxruntime session on the export, or the same run by OpenVINO in bfloat16 (retrieval/openvino_session.py)."""
    if runtime == "openvino":
        from supportbot.retrieval.openvino_session import OpenVinoSession

        return OpenVinoSession(path, threads)
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def mean_pooled(session, input_names: set[str], ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Normalised mean of the token vectors under the mask, one row per sequence (sentence-transformers' pooling)."""
    feeds = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in input_names:
        feeds["token_type_ids"] = np.zeros_like(ids)
    hidden = session.run(None, {name: value for name, value in feeds.items() if name in input_names})[0]
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
    return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def padded(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Token ids padded to the longest sequence, and the attention mask."""
    width = max(len(sequence) for sequence in sequences)
    ids = np.full((len(sequences), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(sequences), width), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = sequence
        mask[row, : len(sequence)] = 1
    return ids, mask


def token_counter(folder: ModelFolder) -> Callable[[str], int]:
    """Tokens the model sees in a text, special tokens left out and nothing truncated (chunk sizes are measured so)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder.path / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)


class OnnxEncoder:
    """Embeds like the sentence-transformers model it was exported from: one query, or documents in batches."""

    def __init__(self, folder: ModelFolder, model_file: Path, threads: int | None = None, runtime: DocumentRuntime = "onnxruntime") -> None:
        from tokenizers import Tokenizer

        self.folder = folder
        self.model_file = model_file
        self.runtime = runtime
        self.tokenizer = Tokenizer.from_file(str(folder.path / "tokenizer.json"))
        self.tokenizer.no_padding()  # tokenizer.json may carry fixed padding/truncation of its own
        self.tokenizer.enable_truncation(folder.max_seq_length)
        pad = self.tokenizer.token_to_id("[PAD]")
        self.pad_id = pad if pad is not None else 0
        self.session = open_session(model_file, threads or available_cores(), runtime)
        self.input_names = {i.name for i in self.session.get_inputs()}

    def _prepared(self, text: str) -> str:
        text = text.strip()  # as sentence-transformers' Transformer module does
        return text.lower() if self.folder.do_lower_case else text

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [encoding.ids for encoding in self.tokenizer.encode_batch([self._prepared(text) for text in texts])]

    def embed(self, text: str) -> np.ndarray:
        return self.embed_ids([self.token_ids([text])[0]])[0]

    def embed_ids(self, sequences: Sequence[Sequence[int]]) -> np.ndarray:
        ids, mask = padded(sequences, self.pad_id)
        return mean_pooled(self.session, self.input_names, ids, mask)

    def embed_batches(
        self,
        texts: Sequence[str],
        batch_size: int,
        on_batch: Callable[[int], None] | None = None,
        workers: int = 1,
    ) -> np.ndarray:
        """Vectors in the texts' order; batches are cut from the texts sorted by length, so padding is small.

        With workers > 1 the batches are shared among that many processes, each with its share of the cores;
        an interrupted build ends them at once, and they end when this process is killed.
        """
        vectors = np.zeros((len(texts), self.folder.dimension), dtype=np.float32)
        sequences = self.token_ids(texts)
        batches = length_sorted_batches(sequences, batch_size)
        if workers <= 1:
            for rows in batches:
                vectors[rows] = self.embed_ids([sequences[row] for row in rows])
                if on_batch is not None:
                    on_batch(len(rows))
            return vectors
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from multiprocessing import get_context

        threads = max(1, available_cores() // workers)
        pool = ProcessPoolExecutor(
            workers, mp_context=get_context("spawn"), initializer=_start_worker, initargs=(str(self.model_file), threads, self.runtime)
        )
        try:
            pending = {pool.submit(_embed_in_worker, [sequences[row] for row in rows], self.pad_id): rows for rows in batches}
            for done in as_completed(pending):
                rows = pending[done]
                vectors[rows] = done.result()
                if on_batch is not None:
                    on_batch(len(rows))
        except BaseException:  # Ctrl-C or a failed batch: the workers would otherwise embed every batch left first
            _stop_workers(pool)
            raise
        pool.shutdown()
        return vectors


def _stop_workers(pool) -> None:
    """Drop the batches not started and end the workers mid-batch (what Python 3.14's terminate_workers() does)."""
    processes = dict(pool._processes or {})  # no public handle on them before 3.14; shutdown() forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes.values():
        if process.is_alive():
            process.terminate()


_worker: dict = {}


def _start_worker(model_file: str, threads: int, runtime: DocumentRuntime) -> None:
    """Opens the worker's session; the parent alone answers Ctrl-C, and a worker whose parent is gone exits.

    Ctrl-C reaches the whole process group: a worker's KeyboardInterrupt would only fail one batch and
    leave it taking the next. A parent killed outright (`kill`, `docker stop`, the OOM killer) cannot stop
    its workers, which would otherwise wait for batches forever, each holding its copy of the model.
    """
    import signal
    import threading
    from multiprocessing import parent_process

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = parent_process()
    if parent is not None:
        threading.Thread(target=_exit_after, args=(parent,), name="exit-with-parent", daemon=True).start()
    session = open_session(Path(model_file), threads, runtime)
    _worker.update(session=session, inputs={i.name for i in session.get_inputs()})


def _exit_after(parent) -> None:
    """Ends the worker once its parent has exited, however it died."""
    parent.join()
    os._exit(1)


def _embed_in_worker(sequences: list[list[int]], pad_id: int) -> np.ndarray:
    ids, mask = padded(sequences, pad_id)
    return mean_pooled(_worker["session"], _worker["inputs"], ids, mask)


def length_sorted_batches(sequences: Sequence[Sequence[int]], batch_size: int) -> list[np.ndarray]:
    """Row numbers in batches of similar length, longest first (a slow start makes the ETA err long, not short)."""
    order = np.argsort([-len(sequence) for sequence in sequences], kind="stable")
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
