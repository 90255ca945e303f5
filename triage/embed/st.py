"""Any sentence-transformers model from a local folder or the local Hugging Face cache (``[st]`` extra).

Never downloads: the model is opened with ``local_files_only`` so a missing model fails at once with a clear error
instead of reaching for the network.
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from .base import Embedder, batches, l2_normalise


class SentenceTransformerEmbedder(Embedder):
    """``st:<path or cached model name>``."""

    def __init__(self, model: str, batch_size: int = 32):
        self.model = model
        self.batch_size = batch_size
        self.key = f"st:{model}"
        # huggingface_hub calls home for hub names even with local_files_only; offline mode stops that too.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise RuntimeError("st 嵌入器需要可选依赖：pip install 'triage[st]'") from None
        try:
            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except (OSError, ValueError) as error:  # ValueError: a folder that holds no model
            raise RuntimeError(f"找不到本地模型 {model!r}（不会联网下载）：{error}") from None
        # sentence-transformers 6 renamed the method; older releases only have the old name.
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [self._model.encode(chunk, batch_size=self.batch_size, convert_to_numpy=True)
                 for chunk in batches(texts, self.batch_size * 4, f"嵌入 {self.model}")]
        return l2_normalise(np.vstack(parts))
