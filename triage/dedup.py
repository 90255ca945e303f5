"""Duplicate linking: reposts of an earlier suggestion point to it and never count twice downstream.

Two tiers, both without embeddings so they run before any model: an exact key on the punctuation-free text, then
near duplicates by MinHash over character shingles with locality-sensitive hashing, verified by the true Jaccard
similarity. The linker is incremental: ``add`` files one suggestion at a time, which is how the service sees them,
and a batch is the same thing in submission-time order. Only originals are ever registered, so ``duplicate_of``
always names an original, never another repost.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

from .records import Suggestion
from .text_cache import TextCache

_NON_WORD = re.compile(r"[\W_]+")
_PRIME = np.uint64((1 << 61) - 1)
_SHINGLES_PER_SLICE = 50_000  # about 25 MB of hashes; smaller slices measured no faster
# Batches of at least this many keys go through the signature cache; one-at-a-time adds compute theirs (well under
# a millisecond, where storing it would cost a disk write).
_CACHED_BATCH = 50
Signature = tuple[np.ndarray, list[tuple[int, bytes]]]  # sorted shingle hashes, LSH buckets (band, rows' minima)


def _crc_table() -> np.ndarray:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(0xEDB88320), table >> 1).astype(np.uint32)
    return table


_CRC_TABLE = _crc_table()


def _crc32_spans(text: str, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
    """``zlib.crc32`` of the UTF-8 of each ``text[begin:end]``, byte by byte across all spans at once."""
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    offsets = np.zeros(len(points) + 1, dtype=np.int64)
    np.cumsum(1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000), out=offsets[1:])
    start, size = offsets[begin], offsets[end] - offsets[begin]
    order = np.argsort(-size, kind="stable")  # longest first: the spans still going are always a prefix
    start, size = start[order], size[order]
    crc = np.full(len(order), 0xFFFFFFFF, dtype=np.uint32)
    for step in range(int(size[0]) if len(size) else 0):
        live = int(np.searchsorted(-size, -step, side="left"))  # spans longer than ``step`` bytes
        head = crc[:live]
        crc[:live] = _CRC_TABLE[(head ^ data[start[:live] + step]) & 0xFF] ^ (head >> 8)
    codes = np.empty_like(crc)
    codes[order] = crc ^ np.uint32(0xFFFFFFFF)
    return codes


class DuplicateLinker:
    """Finds exact and near-duplicate reposts among the suggestions added so far."""

    def __init__(self, threshold: float = 0.85, shingle: int = 4, bands: int = 16, rows: int = 4,
                 min_chars: int = 12, seed: int = 7, cache: str | Path | None = None):
        self.threshold = threshold
        self.shingle = shingle
        self.bands = bands
        self.rows = rows
        self.min_chars = min_chars
        rng = np.random.default_rng(seed)
        self._a = rng.integers(1, int(_PRIME), size=bands * rows, dtype=np.uint64)
        self._b = rng.integers(0, int(_PRIME), size=bands * rows, dtype=np.uint64)
        self.cache = SignatureCache(cache, self._settings(), bands * rows) if cache is not None else None
        self._by_key: dict[str, str] = {}
        self._leaders: dict[tuple[int, bytes], str] = {}
        # Sorted shingle hashes of each original: 8 bytes a shingle, where a Python set would take ten times that.
        self._shingles: dict[str, np.ndarray] = {}

    @staticmethod
    def _key(suggestion: Suggestion) -> str:
        return _NON_WORD.sub("", f"{suggestion.title}{suggestion.body}").lower()

    def _signature(self, key: str) -> Signature:
        return self._signatures([key])[key]

    def _settings(self) -> str:
        """A digest of what decides a key's signature: shingle length and the permutations."""
        parts = [str(self.shingle), str(self.rows), self._a.tobytes().hex(), self._b.tobytes().hex()]
        return hashlib.sha256("/".join(parts).encode("ascii")).hexdigest()[:16]

    def _signatures(self, keys: Sequence[str]) -> dict[str, Signature]:
        """Each key's sorted shingle hashes (CRC-32 of the shingle's UTF-8) and LSH buckets: from the cache where it
        has them, the rest computed in numpy a slice of keys at a time (shingle by shingle in Python,
        messages_hot.xlsx took 2.5 CPU seconds, in numpy 1, from the cache 0.1); slices of about
        ``_SHINGLES_PER_SLICE`` shingles bound the (shingles x permutations) matrix."""
        keys = list(dict.fromkeys(keys))
        cache = self.cache if len(keys) >= _CACHED_BATCH else None
        found = cache.read(keys) if cache is not None else {}
        missing, start = [key for key in keys if key not in found], 0
        computed: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        while start < len(missing):
            stop, shingles = start + 1, len(missing[start])
            while stop < len(missing) and shingles + len(missing[stop]) <= _SHINGLES_PER_SLICE:
                shingles += len(missing[stop])
                stop += 1
            computed.update(self._slice_signatures(missing[start:stop]))
            start = stop
        if computed and cache is not None:
            cache.write(computed)
        found.update(computed)
        width = self.rows * 8  # bytes of a band's minima
        return {key: (shingles, [(band, raw[band * width:(band + 1) * width]) for band in range(self.bands)])
                for key, (shingles, minima) in found.items() for raw in (minima.tobytes(),)}

    def _slice_signatures(self, keys: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each key's sorted shingle hashes and its minimum under each permutation."""
        lengths = np.array([len(key) for key in keys], dtype=np.int64)
        counts = np.maximum(1, lengths - self.shingle + 1)  # a key shorter than a shingle is one shingle
        first = np.cumsum(counts) - counts  # each key's first shingle
        within = np.arange(counts.sum()) - np.repeat(first, counts)
        begin = np.repeat(np.cumsum(lengths) - lengths, counts) + within
        end = begin + np.minimum(self.shingle, np.repeat(lengths, counts) - within)
        codes = _crc32_spans("".join(keys), begin, end).astype(np.uint64)
        owner = np.repeat(np.arange(len(keys), dtype=np.uint64), counts)
        distinct = np.sort((owner << np.uint64(32)) | codes)  # by key, then hash
        distinct = distinct[np.concatenate([[True], distinct[1:] != distinct[:-1]])]
        bounds = np.searchsorted(distinct >> np.uint64(32), np.arange(len(keys) + 1, dtype=np.uint64))
        distinct &= np.uint64(0xFFFFFFFF)
        # (a*x + b) wraps modulo 2**64 before the mod p; the result is still a fixed random hash per permutation,
        # which is all MinHash needs. A row per permutation, so each key's minimum is over a contiguous run.
        hashed = self._a[:, None] * distinct[None, :]
        hashed += self._b[:, None]
        hashed %= _PRIME
        minima = np.minimum.reduceat(hashed, bounds[:-1], axis=1).T.copy()
        return {key: (distinct[bounds[k]:bounds[k + 1]], minima[k]) for k, key in enumerate(keys)}

    def find(self, suggestion: Suggestion) -> str | None:
        """The id of the original this suggestion repeats, or ``None``; registers nothing."""
        return self._match(self._key(suggestion))[0]

    def _match(self, key: str, signature: Signature | None = None) -> tuple[str | None, Signature | None]:
        """The original a text key repeats, and the key's signature when one was computed or given (so ``add`` can
        file it without computing it again)."""
        if not key:
            return None, None
        if key in self._by_key:
            return self._by_key[key], None
        if len(key) < self.min_chars:
            return None, None
        signature = signature or self._signature(key)
        shingles, buckets = signature
        for bucket in buckets:
            leader = self._leaders.get(bucket)
            if leader is not None and self._jaccard(shingles, self._shingles[leader]) >= self.threshold:
                return leader, signature
        return None, signature

    def add(self, suggestion: Suggestion) -> str | None:
        """Like ``find``, and registers the suggestion as an original when it repeats nothing."""
        return self.add_all([suggestion])[0]

    def add_all(self, suggestions: Sequence[Suggestion]) -> list[str | None]:
        """``add`` each in turn (so a later one can repeat an earlier one), with the signatures computed together."""
        keys = [self._key(s) for s in suggestions]
        signatures = self._signatures([key for key in keys if len(key) >= self.min_chars and key not in self._by_key])
        found = []
        for suggestion, key in zip(suggestions, keys):
            original, signature = self._match(key, signatures.get(key))
            if original is None:
                self._file(suggestion.id, key, signature)
            found.append(original)
        return found

    def register(self, suggestions: Iterable[Suggestion]) -> None:
        """File suggestions already known to be originals (restoring saved state), without matching them."""
        keyed = [(s.id, self._key(s)) for s in suggestions]
        signatures = self._signatures([key for _, key in keyed if len(key) >= self.min_chars])
        for suggestion_id, key in keyed:
            self._file(suggestion_id, key, signatures.get(key))

    def _file(self, suggestion_id: str, key: str, signature: Signature | None) -> None:
        if not key:
            return
        self._by_key.setdefault(key, suggestion_id)
        if len(key) >= self.min_chars:
            shingles, buckets = signature or self._signature(key)
            self._shingles[suggestion_id] = shingles
            for bucket in buckets:
                self._leaders.setdefault(bucket, suggestion_id)

    @staticmethod
    def _jaccard(x: np.ndarray, y: np.ndarray) -> float:
        shared = len(np.intersect1d(x, y, assume_unique=True))
        return shared / (len(x) + len(y) - shared) if len(x) or len(y) else 0.0


class SignatureCache:
    """Keys' shingle hashes and MinHash minima on disk beside the token cache (a ``TextCache`` table), under a digest
    of the linker's settings (``DuplicateLinker._settings``): a run over the same texts never hashes them again."""

    def __init__(self, path: str | Path, settings: str, permutations: int):
        self._texts = TextCache(path, "minhash", settings)
        self._minima_bytes = permutations * 8

    def read(self, keys: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """What the cache holds for ``keys`` (each key's shingle hashes and minima)."""
        width = self._minima_bytes
        return {key: (np.frombuffer(blob[width:], dtype=np.uint32).astype(np.uint64),
                      np.frombuffer(blob[:width], dtype=np.uint64))
                for key, blob in self._texts.read(keys).items()}

    def write(self, signatures: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Store keys' signatures: the minima, then the shingle hashes, which are CRC-32s, so four bytes each."""
        self._texts.write({key: minima.tobytes() + shingles.astype(np.uint32).tobytes()
                           for key, (shingles, minima) in signatures.items()})


def linker_from_config(config: dict, cached: bool = False) -> DuplicateLinker:
    """The configured linker; ``cached``: its batches' signatures kept in the vector cache's folder, if it has one."""
    from .embed import cache_folder

    section = config.get("dedup", {})
    folder = cache_folder(config) if cached else None
    return DuplicateLinker(threshold=section.get("threshold", 0.85), shingle=section.get("shingle", 4),
                           cache=folder / "signatures.sqlite" if folder is not None else None)


def link_duplicates(suggestions: Sequence[Suggestion], config: dict,
                    linker: DuplicateLinker | None = None) -> dict[str, str]:
    """Set ``duplicate_of`` on every repost, earliest submission first, and return the links (id -> original).
    Without a ``linker``, the configured one with its signatures cached: a run reads the same texts again and again."""
    linker = linker or linker_from_config(config, cached=True)
    order = sorted(range(len(suggestions)), key=lambda i: (suggestions[i].submitted_at or datetime.max, i))
    links: dict[str, str] = {}
    for i, original in zip(order, linker.add_all([suggestions[i] for i in order])):
        suggestions[i].duplicate_of = original
        if original is not None:
            links[suggestions[i].id] = original
    return links
