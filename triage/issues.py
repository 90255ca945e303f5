"""Shared issues: suggestions that raise the same problem about the same place or object.

Each suggestion is seen three ways: its sentence embedding (*what* the problem is), TF-IDF over character n-grams
of the place and organisation names it mentions (*where* or *who*, which embeddings barely see), and TF-IDF over
its jieba words (campaigns copy each other's wording). Two groups are the same issue when both hold:

- same problem: mean cosine + ``word_weight`` × mean word similarity ≥ ``threshold``;
- same place: mean name similarity (over members that name a place) ≥ ``name_threshold``. When one side names no
  place the first test alone decides, ``no_name_margin`` stricter.

Means are exact averages over all member pairs, kept cheap by storing each group's *sum* of member vectors: for unit
vectors, the mean pairwise dot product of groups A and B is sum_A · sum_B / (|A| |B|). Averages do not chain the way
single links do, and exact ones (not averages over graph edges only) keep a 50-message campaign in one piece.

Only pairs of groups that touch in a k-nearest-neighbour graph of the embeddings are ever compared, so there is no
n×n matrix. A new suggestion is placed by the same two tests against the issues of its nearest neighbours.
"""
from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from .names import NameExtractor
from .neighbours import NeighbourIndex

SparseRow = dict[int, float]


def _dot(a: SparseRow, b: SparseRow) -> float:
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    return sum(value * get(key, 0.0) for key, value in a.items())


def _add_into(target: SparseRow, other: SparseRow) -> None:
    for key, value in other.items():
        target[key] = target.get(key, 0.0) + value


def _rows(matrix: sp.csr_matrix) -> list[SparseRow]:
    matrix = sp.csr_matrix(matrix)
    return [dict(zip(matrix.indices[start:end].tolist(), matrix.data[start:end].tolist()))
            for start, end in zip(matrix.indptr[:-1], matrix.indptr[1:])]


class TextViews:
    """The name and word views of suggestions; ``fit`` learns both vocabularies from a corpus."""

    def __init__(self, names: NameExtractor):
        self.names = names
        self.name_vectoriser_: TfidfVectorizer | None = None
        self.word_vectoriser_: TfidfVectorizer | None = None

    def _name_documents(self, titles: Sequence[str], bodies: Sequence[str]) -> list[str]:
        return [" ".join(self.names.of_suggestion(t, b)) for t, b in zip(titles, bodies)]

    def fit(self, titles: Sequence[str], bodies: Sequence[str], tokens: Sequence[Sequence[str]]) -> "TextViews":
        """Learn both vocabularies; a view whose corpus has no term at all stays empty rather than failing."""
        self.name_vectoriser_ = _fitted(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True),
                                        self._name_documents(titles, bodies))
        # min_df=2: a word only one suggestion uses cannot tie two suggestions together.
        self.word_vectoriser_ = _fitted(TfidfVectorizer(analyzer=_as_is, sublinear_tf=True, min_df=2),
                                        [list(t) for t in tokens])
        return self

    def transform(self, titles: Sequence[str], bodies: Sequence[str],
                  tokens: Sequence[Sequence[str]]) -> tuple[list[SparseRow], list[SparseRow]]:
        """Per suggestion, its name row and its word row (unit length, sparse)."""
        return (_transform(self.name_vectoriser_, self._name_documents(titles, bodies)),
                _transform(self.word_vectoriser_, [list(t) for t in tokens]))


def _as_is(words: list[str]) -> list[str]:
    return words


def _fitted(vectoriser: TfidfVectorizer, documents: list) -> TfidfVectorizer | None:
    try:
        return vectoriser.fit(documents)
    except ValueError:  # scikit-learn's "empty vocabulary": nothing in this corpus to compare by
        return None


def _transform(vectoriser: TfidfVectorizer | None, documents: list) -> list[SparseRow]:
    if vectoriser is None or not documents:
        return [{} for _ in documents]
    return _rows(vectoriser.transform(documents))


@dataclass
class Profile:
    """A group of suggestions as sums of its members' vectors: all the linkage rule needs."""

    vector: np.ndarray
    words: SparseRow = field(default_factory=dict)
    names: SparseRow = field(default_factory=dict)
    size: int = 0
    named: int = 0

    @classmethod
    def of_item(cls, vector: np.ndarray, words: SparseRow, names: SparseRow) -> "Profile":
        return cls(np.asarray(vector, dtype=np.float64).copy(), dict(words), dict(names), 1, 1 if names else 0)

    def absorb(self, other: "Profile") -> None:
        self.vector += other.vector
        _add_into(self.words, other.words)
        _add_into(self.names, other.names)
        self.size += other.size
        self.named += other.named


class IssueFinder:
    """Average linkage on the k-nearest-neighbour graph with the two-test rule above.

    ``fit`` sets ``labels_``, a group number per position.
    ``link`` and ``best_match`` apply the same rule to place one new suggestion.
    """

    def __init__(self, k: int = 20, threshold: float = 0.935, word_weight: float = 0.1, name_threshold: float = 0.2,
                 no_name_margin: float = 0.02):
        self.k = k
        self.threshold = threshold
        self.word_weight = word_weight
        self.name_threshold = name_threshold
        self.no_name_margin = no_name_margin
        self.labels_: np.ndarray = np.zeros(0, dtype=np.int64)

    def link(self, a: Profile, b: Profile) -> tuple[float, bool]:
        """The linkage of two groups and whether it makes them one issue."""
        pairs = a.size * b.size
        cosine = float(a.vector @ b.vector) / pairs
        if cosine + self.word_weight < self.threshold:  # word similarity is at most 1: no need to compute it
            return cosine, False
        similarity = cosine + self.word_weight * _dot(a.words, b.words) / pairs
        if not a.named or not b.named:
            return similarity, similarity >= self.threshold + self.no_name_margin
        names = _dot(a.names, b.names) / (a.named * b.named)
        return similarity, similarity >= self.threshold and names >= self.name_threshold

    def best_match(self, item: Profile, candidates: dict[str, Profile]) -> str | None:
        """The candidate issue the item links to most strongly, or ``None`` to open a new issue."""
        best: tuple[float, str] | None = None
        for issue_id in sorted(candidates):
            similarity, linked = self.link(candidates[issue_id], item)
            if linked and (best is None or similarity > best[0]):
                best = (similarity, issue_id)
        return best[1] if best else None

    def fit(self, index: NeighbourIndex, items: Sequence[Profile],
            progress: Callable[[float], None] | None = None) -> "IssueFinder":
        """Group the items (one per vector of ``index``), best-linked pair of groups first."""
        report = progress or (lambda fraction: None)
        n = len(items)
        groups: list[Profile | None] = [Profile(p.vector.copy(), dict(p.words), dict(p.names), p.size, p.named)
                                        for p in items]
        adjacency: list[set[int]] = [set() for _ in range(n)]
        for start in range(0, n, 2048):
            chunk = np.arange(start, min(n, start + 2048))
            ids, _ = index.search(index.vectors[chunk], self.k + 1)
            for i, row in zip(chunk, ids):
                for j in row:
                    if j >= 0 and j != i:
                        adjacency[i].add(int(j))
                        adjacency[int(j)].add(int(i))
            report(0.3 * min(1.0, (start + len(chunk)) / max(1, n)))
        heap = []
        for a in range(n):
            for b in adjacency[a]:
                if a < b:
                    similarity, linked = self.link(groups[a], groups[b])
                    if linked:
                        heap.append((-similarity, a, b, 0, 0))
        heapq.heapify(heap)
        report(0.4)
        parent = np.arange(n)
        version = np.zeros(n, dtype=np.int64)
        merges, budget = 0, max(1, n)
        while heap:
            _, a, b, version_a, version_b = heapq.heappop(heap)
            if groups[a] is None or groups[b] is None or version[a] != version_a or version[b] != version_b:
                continue
            if len(adjacency[a]) < len(adjacency[b]):
                a, b = b, a
            groups[a].absorb(groups[b])
            groups[b] = None
            parent[b] = a
            for c in adjacency[b]:
                if c != a:
                    adjacency[c].discard(b)
                    adjacency[c].add(a)
                    adjacency[a].add(c)
            adjacency[a].discard(b)
            adjacency[b] = set()
            version[a] += 1
            for c in sorted(adjacency[a]):
                similarity, linked = self.link(groups[a], groups[c])
                if linked:
                    x, y = min(a, c), max(a, c)
                    heapq.heappush(heap, (-similarity, x, y, int(version[x]), int(version[y])))
            merges += 1
            if merges % 256 == 0:
                report(0.4 + 0.6 * min(1.0, merges / budget))
        labels = np.zeros(n, dtype=np.int64)
        numbers: dict[int, int] = {}
        for i in range(n):
            root = i
            while parent[root] != root:
                root = int(parent[root])
            labels[i] = numbers.setdefault(root, len(numbers))
        self.labels_ = labels
        report(1.0)
        return self
