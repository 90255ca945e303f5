"""Embedders behind one interface, chosen by name: ``e5`` (default), ``st:<model>``, ``tfidf``."""
from __future__ import annotations

from pathlib import Path

from ..records import Suggestion
from ..segment import Segmenter
from .base import Embedder, l2_normalise
from .cache import CachedEmbedder

__all__ = ["Embedder", "CachedEmbedder", "cache_folder", "embedder_from_config", "make_embedder", "passage_text", "l2_normalise"]


def make_embedder(name: str, segmenter: Segmenter | None = None, cache_dir: str | Path | None = None) -> Embedder:
    """Build the embedder ``name`` names, wrapped in the on-disk cache when ``cache_dir`` is given."""
    if name == "e5":
        from .e5 import E5Embedder

        embedder: Embedder = E5Embedder()
    elif name.startswith("st:") and len(name) > 3:
        from .st import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder(name[3:])
    elif name == "tfidf":
        from .tfidf import TfidfEmbedder

        if segmenter is None:
            raise ValueError("tfidf 嵌入器需要分词器")
        embedder = TfidfEmbedder(segmenter)
    else:
        raise ValueError(f"未知嵌入器 {name!r}；可用：e5、st:<模型路径或名称>、tfidf")
    if cache_dir is not None:
        embedder = CachedEmbedder(embedder, Path(cache_dir) / "embeddings.sqlite")
    return embedder


def embedder_from_config(config: dict, name: str | None = None, segmenter: Segmenter | None = None) -> Embedder:
    """The configured embedder (or ``name``) with its cache. A relative ``cache_dir`` is taken from the project
    folder (beside ``models/``), so the cache is found whatever folder a command runs in."""
    return make_embedder(name or config["embed"]["name"], segmenter, cache_folder(config))


def cache_folder(config: dict) -> Path | None:
    """Where vectors (and tokens) are cached, ``embed.cache_dir``; a relative one is taken from the project folder
    (beside ``models/``), so the cache is found whatever folder a command runs in. ``None``: no cache."""
    from ..config import MODELS_DIR

    cache_dir = config["embed"].get("cache_dir")
    if cache_dir is None:
        return None
    return Path(cache_dir) if Path(cache_dir).is_absolute() else Path(config.get("_dir", MODELS_DIR)).parent / cache_dir


def passage_text(suggestion: Suggestion, max_body_chars: int) -> str:
    """What gets embedded: the title and the opening of the body, where a submission states its issue."""
    return f"{suggestion.title} {suggestion.body[:max_body_chars]}".strip()
