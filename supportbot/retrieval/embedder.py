"""Sentence-transformers embeddings, normalised so that inner product is cosine similarity."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from supportbot.errors import ModelLoadError
from supportbot.model_sources import resolve_reference


class SentenceTransformerEmbedder:
    """Embeds texts with a sentence-transformers model; the model loads on first use or `warm_up()`."""

    def __init__(self, model_reference: str, device: str = "cpu") -> None:
        self.model_reference = model_reference
        self.device = device
        self._model = None

    def warm_up(self) -> None:
        if self._model is not None:
            return
        from sentence_transformers import SentenceTransformer

        location = resolve_reference(self.model_reference)
        try:
            self._model = SentenceTransformer(location, device=self.device)
        except Exception as error:  # sentence-transformers raises OSError, ValueError or hub errors
            raise ModelLoadError(
                f"cannot load embedding model '{self.model_reference}' ({type(error).__name__}): "
                "set retrieval.embedding_model to a local folder or a model in the local Hugging Face cache"
            ) from error

    @property
    def model(self):
        self.warm_up()
        return self._model

    @property
    def dimension(self) -> int:
        model = self.model
        get_dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dimension())

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def embed_documents(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]
