"""Sentence-transformers embeddings, normalised so that inner product is cosine similarity.

Queries and documents are embedded with their prompts: many retrieval models were trained with
text put before each side ("query: " / "passage: " for E5, an instruction for BGE queries) and
rank worse without it. A model that declares its prompts (sentence-transformers' `prompts`) gets
them by default; `retrieval.query_prompt` and `retrieval.document_prompt` set them for a model
that does not. all-MiniLM-L6-v2 uses none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from supportbot.model_sources import load_sentence_transformers_model

log = logging.getLogger(__name__)
QUERY_ENCODERS = ("onnx", "torch")
DOCUMENT_PROMPT_NAMES = ("document", "passage", "corpus")  # the names encode_document looks for, in its order


class SentenceTransformerEmbedder:
    """Embeds texts with a sentence-transformers model; the model loads on first use or `warm_up()`."""

    def __init__(
        self,
        model_reference: str,
        device: str = "cpu",
        query_encoder: str = "torch",
        cache_dir: Path | None = None,
        query_prompt: str = "",
        document_prompt: str = "",
    ) -> None:
        self.model_reference = model_reference
        self.device = device
        self.query_encoder = query_encoder
        self.cache_dir = cache_dir
        self._query_prompt = query_prompt
        self._document_prompt = document_prompt
        self._model = None
        self._onnx = None
        self._query_path_ready = False
        self._last_query: tuple[str, np.ndarray] | None = None

    def warm_up(self) -> None:
        """Load what embedding queries needs: the model, and the ONNX query encoder when configured."""
        self._load_model()
        if not self._query_path_ready:
            if self.query_encoder == "onnx" and self.cache_dir is not None:
                self._onnx = self._onnx_encoder()
            self._query_path_ready = True

    def _load_model(self):
        """The sentence-transformers model, loaded once: all that embedding documents needs."""
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

    def _onnx_encoder(self):
        """The ONNX query path, or None (with a warning) when it cannot reproduce this model or cannot load."""
        from supportbot.retrieval.onnx_query import OnnxQueryEncoder, supports_onnx_query

        if not supports_onnx_query(self._model, with_prompt=bool(self.query_prompt)):
            log.warning("retrieval.query_encoder = 'onnx' does not support %s; using torch", self.model_reference)
            return None
        try:
            return OnnxQueryEncoder(self._model, self.cache_dir)
        except Exception as error:  # onnx/onnxruntime missing or the export failed: torch still works
            log.warning("ONNX query encoder unavailable (%s: %s); using torch", type(error).__name__, error)
            return None

    @property
    def model(self):
        return self._load_model()

    @property
    def query_prompt(self) -> str:
        """Text put before each query: retrieval.query_prompt, else the model's own "query" prompt, else none."""
        return self._query_prompt or self.model.prompts.get("query") or ""

    @property
    def document_prompt(self) -> str:
        """Text put before each chunk and FAQ question; the index records it, since vectors depend on it."""
        own = (self.model.prompts.get(name) for name in DOCUMENT_PROMPT_NAMES)
        return self._document_prompt or next((prompt for prompt in own if prompt), "")

    @property
    def dimension(self) -> int:
        model = self.model
        get_dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dimension())

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def embed_documents(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        vectors = self.model.encode_document(
            list(texts),
            prompt=self.document_prompt,
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
        self.warm_up()
        vector = self._onnx.embed(self.query_prompt + text) if self._onnx is not None else self._embed_query_with_torch(text)
        self._last_query = (text, vector)
        return vector.copy()
