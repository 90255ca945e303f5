"""The one interface every embedder implements."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors, one row per text.

    ``key`` names the embedder and its model; the cache keys stored vectors by it, so two models never share
    vectors.
    """

    key: str
    dim: int

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of shape ``(len(texts), dim)``, float32, each of unit length."""


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Unit-length rows (a zero row stays zero) as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def batches(texts: Sequence[str], size: int, desc: str):
    """Yield ``texts`` in slices of ``size`` with a progress bar on an interactive terminal."""
    from tqdm import tqdm

    with tqdm(total=len(texts), desc=desc, unit="条", disable=None, leave=False) as bar:
        for start in range(0, len(texts), size):
            chunk = texts[start:start + size]
            yield chunk
            bar.update(len(chunk))
