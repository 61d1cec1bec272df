"""Sentence-transformers embeddings, normalised so that inner product is cosine similarity.

Queries and documents are embedded with their prompts: many retrieval models were trained with
text put before each side ("query: " / "passage: " for E5, an instruction for BGE queries) and
rank worse without it. A model that declares its prompts (sentence-transformers' `prompts`) gets
them by default; `retrieval.query_prompt` and `retrieval.document_prompt` set them for a model
that does not. all-MiniLM-L6-v2 uses none.

Both sides run on onnxruntime by default (`retrieval.query_encoder`, `retrieval.document_encoder`,
see onnx_encoder.py): the same vectors, without torch once the model's export is cached. A model
that path cannot reproduce, or a setting of "torch", uses sentence-transformers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from supportbot.errors import ConfigError
from supportbot.model_sources import load_sentence_transformers_model
from supportbot.retrieval.onnx_encoder import (
    DocumentRuntime,
    ModelFolder,
    OnnxEncoder,
    ensure_export,
    ensure_int8_export,
    read_model_folder,
    token_counter,
)
from supportbot.retrieval.openvino_session import computes_bfloat16, openvino_installed

log = logging.getLogger(__name__)
DOCUMENT_PROMPT_NAMES = ("document", "passage", "corpus")  # the names encode_document looks for, in its order
_UNREAD = object()


class SentenceTransformerEmbedder:
    """Embeds texts like a sentence-transformers model; what each side needs loads on first use or `warm_up()`."""

    def __init__(
        self,
        model_reference: str,
        device: str = "cpu",
        query_encoder: str = "torch",
        cache_dir: Path | None = None,
        query_prompt: str = "",
        document_prompt: str = "",
        document_encoder: str = "torch",
        document_weights: str = "float32",
        document_runtime: str = "onnxruntime",
    ) -> None:
        self.model_reference = model_reference
        self.device = device
        self.query_encoder = query_encoder
        self.document_encoder = document_encoder
        self.document_weights = document_weights
        self._document_runtime = document_runtime
        self.cache_dir = cache_dir
        self._query_prompt = query_prompt
        self._document_prompt = document_prompt
        self._model = None
        self._folder = _UNREAD
        self._counter = None
        self._export: Path | None = None
        self._onnx: OnnxEncoder | None = None
        self._onnx_failed = False
        self._documents: OnnxEncoder | None = None
        self._warned = False
        self._last_query: tuple[str, np.ndarray] | None = None

    def warm_up(self) -> None:
        """Load what embedding queries needs: the ONNX encoder when configured and possible, else the model."""
        if self.query_encoder != "onnx" or self._onnx_path(self.query_prompt) is None:
            self._load_model()

    def _load_model(self):
        """The sentence-transformers model, loaded once (torch): the path for models ONNX cannot reproduce."""
        if self._model is not None:
            return self._model
        from sentence_transformers import SentenceTransformer

        self._model = load_sentence_transformers_model(
            SentenceTransformer,
            self.model_reference,
            self.device,
            "embedding model",
            "set retrieval.embedding_model to a local folder or a model in the local Hugging Face cache",
        )
        return self._model

    @property
    def folder(self) -> ModelFolder | None:
        """The model's folder when the ONNX path reproduces it exactly, else None (read once, without torch)."""
        if self._folder is _UNREAD:
            self._folder = read_model_folder(self.model_reference)
        return self._folder

    def _export_file(self, prompt: str) -> Path | None:
        """The float32 export (made once), or None, with a warning, when the ONNX path cannot reproduce this
        model with `prompt` or cannot be made or opened."""
        folder = self.folder
        if folder is None or self.cache_dir is None or (prompt and not folder.include_prompt):
            if not self._warned:
                log.warning("the ONNX encoder does not support %s; using sentence-transformers", self.model_reference)
                self._warned = True
            return None
        if self._export is None and not self._onnx_failed:
            try:
                self._export = ensure_export(folder, self.cache_dir, self._load_model)
            except Exception as error:  # noqa: BLE001 - onnx missing or the export failed: torch still works
                self._onnx_unavailable(error)
        return None if self._onnx_failed else self._export

    def _onnx_unavailable(self, error: Exception) -> None:
        self._onnx_failed = True
        log.warning("ONNX encoder unavailable (%s: %s); using sentence-transformers", type(error).__name__, error)

    def _onnx_path(self, prompt: str) -> OnnxEncoder | None:
        """The float32 ONNX encoder, or None when `_export_file` has none."""
        export = self._export_file(prompt)
        if export is not None and self._onnx is None:
            try:
                self._onnx = OnnxEncoder(self.folder, export)
            except Exception as error:  # noqa: BLE001 - onnxruntime missing or the file unreadable: torch still works
                self._onnx_unavailable(error)
                return None
        return self._onnx if export is not None else None

    @property
    def document_runtime(self) -> DocumentRuntime:
        """What runs the document encoder: retrieval.document_runtime, "auto" read as OpenVINO where it computes in
        bfloat16 natively (retrieval/openvino_session.py), else onnxruntime."""
        if self._document_runtime != "auto":
            return self._document_runtime
        return "openvino" if computes_bfloat16() else "onnxruntime"

    def _document_onnx(self, prompt: str) -> OnnxEncoder | None:
        """The encoder for documents: the float32 export or its 8-bit copy (retrieval.document_weights), run by
        `document_runtime`. The copy is made from the export's file, so a build never opens the float32 session
        (~0.2 s, ~150 MB); with float32 weights under onnxruntime the query side's session serves documents too."""
        export = self._export_file(prompt)
        if export is None or self._documents is not None:
            return self._documents if export is not None else None
        runtime, model_file = self.document_runtime, export
        if runtime == "openvino" and not openvino_installed():
            raise ConfigError("retrieval.document_runtime is 'openvino' but openvino is not installed: pip install openvino, or set it to 'auto'")
        if self.document_weights == "int8":
            try:
                model_file = ensure_int8_export(export)
            except Exception as error:  # noqa: BLE001 - an onnxruntime without the quantizer: float32 still works
                log.warning("8-bit document encoder unavailable (%s: %s); embedding in float32", type(error).__name__, error)
        if runtime == "onnxruntime" and model_file == export:
            self._documents = self._onnx_path(prompt)
            return self._documents
        try:
            self._documents = OnnxEncoder(self.folder, model_file, runtime=runtime)
        except Exception as error:  # noqa: BLE001 - the runtime cannot open the file: the query side's encoder still works
            log.warning("document encoder unavailable (%s: %s); using the query encoder", type(error).__name__, error)
            self._documents = self._onnx_path(prompt)
        return self._documents

    @property
    def model(self):
        return self._load_model()

    def _declared_prompts(self) -> dict[str, str]:
        folder = self.folder
        return folder.prompts if folder is not None else self.model.prompts

    @property
    def query_prompt(self) -> str:
        """Text put before each query: retrieval.query_prompt, else the model's own "query" prompt, else none."""
        return self._query_prompt or self._declared_prompts().get("query") or ""

    @property
    def document_prompt(self) -> str:
        """Text put before each chunk and FAQ question; the index records it, since vectors depend on it."""
        own = (self._declared_prompts().get(name) for name in DOCUMENT_PROMPT_NAMES)
        return self._document_prompt or next((prompt for prompt in own if prompt), "")

    @property
    def dimension(self) -> int:
        if self.folder is not None:
            return self.folder.dimension
        model = self.model
        get_dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dimension())

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees in `text`, special tokens left out: chunk sizes are measured with it."""
        if self._counter is None:
            if self.folder is not None:
                self._counter = token_counter(self.folder)
            else:
                tokenizer = self.model.tokenizer
                self._counter = lambda piece: len(tokenizer(piece, add_special_tokens=False, verbose=False)["input_ids"])
        return self._counter(text)

    def embed_documents(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        on_batch: Callable[[int], None] | None = None,
        workers: int = 1,
    ) -> np.ndarray:
        """Normalised vectors in the texts' order; `on_batch(n)` is called as each batch of n is done.

        `workers` processes share the batches on the ONNX path (sentence-transformers uses its own threads).
        """
        prompt = self.document_prompt
        onnx = self._document_onnx(prompt) if self.document_encoder == "onnx" else None
        if onnx is not None:
            return onnx.embed_batches([prompt + text for text in texts], batch_size, on_batch, workers)
        vectors = []
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start : start + batch_size])
            vectors.append(
                self.model.encode_document(
                    batch,
                    prompt=prompt,
                    batch_size=batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            )
            if on_batch is not None:
                on_batch(len(batch))
        if not vectors:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(np.concatenate(vectors), dtype=np.float32).reshape(len(texts), -1)

    def embed_queries(self, texts: Sequence[str], batch_size: int = 8) -> np.ndarray:
        """Several short texts embedded as queries, in length-sorted batches (sentences an answer is checked against)."""
        onnx = self._onnx_path(self.query_prompt) if self.query_encoder == "onnx" else None
        if onnx is not None:
            return onnx.embed_batches([self.query_prompt + text for text in texts], batch_size)
        vectors = self.model.encode_query(
            list(texts),
            prompt=self.query_prompt,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def _embed_query_with_torch(self, text: str) -> np.ndarray:
        vectors = self.model.encode_query(
            [text], prompt=self.query_prompt, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32).reshape(-1)

    def embed_query(self, text: str) -> np.ndarray:
        """The query's vector; the last one is kept, since approved answers and retrieval both embed each question."""
        last = self._last_query
        if last is not None and last[0] == text:
            return last[1].copy()
        onnx = self._onnx_path(self.query_prompt) if self.query_encoder == "onnx" else None
        vector = onnx.embed(self.query_prompt + text) if onnx is not None else self._embed_query_with_torch(text)
        self._last_query = (text, vector)
        return vector.copy()
