"""Shared issues: suggestions that raise the same problem about the same place or object.

Each suggestion is seen three ways: its sentence embedding (*what* the problem is), TF-IDF over character n-grams
of the place and organisation names it mentions (*where* or *who*, which embeddings barely see), and TF-IDF over
its jieba words (campaigns copy each other's wording; a rare word two messages share, such as a shop's or an app's
name, is strong evidence). Whether two groups are one issue is decided by a ``LinkRule``: the learned rule of
``triage.linkage`` (a logistic model over what the groups share), or ``CosineRule``, one threshold on the mean
cosine, kept as the baseline every figure is printed beside.

Groups are kept as *sums* of their members' vectors, so every mean a rule reads is an exact average over all member
pairs (for unit vectors, the mean pairwise dot product of groups A and B is sum_A · sum_B / (|A| |B|)). Averages do
not chain the way single links do, and exact ones keep a 50-message campaign in one piece.

Only pairs of groups that touch in a k-nearest-neighbour graph of the embeddings are ever compared, so there is no
n×n matrix. A new suggestion is placed by the same rule against the issues of its nearest neighbours.
"""
from __future__ import annotations

import copy
import heapq
import math
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from .distinct import distinct
from .group_sums import GroupSums, PairSums, Profile, edge_chunks
from .names import NameExtractor
from .neighbours import THREADS, NeighbourIndex
from .sparse_rows import SparseRow, SparseRows
from .tfidf import CharNgrams, TfidfVectors, sums_in_order


class TextViews:
    """The name and word views of suggestions; ``fit`` learns both vocabularies from a corpus."""

    def __init__(self, names: NameExtractor):
        self.names = names
        self.name_vectoriser_: TfidfVectors | None = None
        self.word_vectoriser_: TfidfVectors | None = None
        self.name_words_: set[int] = set()
        self._rarity: list[float] = []
        self._rarity_scale = 1.0  # the fitted words' largest IDF less 1: rarity is IDF − 1 over it

    def _names_of(self, titles: Sequence[str], bodies: Sequence[str]) -> list[list[str]]:
        return [self.names.of_suggestion(t, b) for t, b in zip(titles, bodies)]

    def fit_transform(self, titles: Sequence[str], bodies: Sequence[str],
                      tokens: Sequence[Sequence[str]]) -> tuple[SparseRows, SparseRows]:
        """Learn both vocabularies, then ``transform`` the same suggestions, reading each text's names once; a view
        whose corpus has no term at all stays empty rather than failing."""
        names = self._names_of(titles, bodies)
        documents = [" ".join(found) for found in names]
        words = [list(t) for t in tokens]
        self.name_vectoriser_, name_matrix = _fitted(TfidfVectors(CharNgrams(2, 3)), documents)
        # min_df=2: a word only one suggestion uses cannot tie two suggestions together.
        self.word_vectoriser_, word_matrix = _fitted(TfidfVectors(_as_is, min_df=2), words)
        self.name_words_ = self._name_words(names, word_matrix)
        if self.word_vectoriser_ is not None:
            idf = self.word_vectoriser_.idf_
            self._rarity_scale = max(float(idf.max()) - 1.0, 1e-9)
            self._rarity = ((idf - 1.0) / self._rarity_scale).tolist()
        return SparseRows(name_matrix, len(documents)), SparseRows(word_matrix, len(words))

    def _name_words(self, names: Sequence[list[str]], word_matrix: sp.csr_matrix | None) -> set[int]:
        """Words that are mostly used inside the names suggestions mention (金域, 蓝湾 of 万科金域蓝湾) say where, not
        what; a word also used elsewhere at least as often (施工, 停车) describes problems. Counted per suggestion:
        of those using the word, how many have it inside one of their names."""
        if word_matrix is None:
            return set()
        vocabulary = self.word_vectoriser_.vocabulary_
        inside_name: dict[str, np.ndarray] = {}  # a name -> the vocabulary's words found inside it
        rows, columns = [], []
        for row, found in enumerate(names):
            if not found:
                continue
            for name in found:
                if name not in inside_name:
                    parts = {name[i:j] for i in range(len(name) + 1) for j in range(i, len(name) + 1)}
                    inside_name[name] = np.array(sorted(vocabulary[w] for w in parts if w in vocabulary),
                                                 dtype=np.int64)
            ids = np.unique(np.concatenate([inside_name[name] for name in found]))
            rows.append(np.full(len(ids), row))
            columns.append(ids)
        used = np.bincount(word_matrix.indices, minlength=word_matrix.shape[1])
        inside = np.zeros(word_matrix.shape[1])
        if rows:
            named = sp.csr_matrix((np.ones(sum(map(len, columns))), (np.concatenate(rows), np.concatenate(columns))),
                                  shape=word_matrix.shape)
            inside = np.asarray(named.multiply(word_matrix != 0).sum(axis=0)).ravel()
        return set(np.flatnonzero((used > 0) & (2 * inside >= used)).tolist())

    def learn(self, title: str, body: str, tokens: Sequence[str], position: int,
              earlier: Callable[[int], tuple[str, str]]) -> list[int]:
        """Take one more suggestion (stored at ``position``, after the fitted ones) into both vocabularies, so the
        names and words of an estate, shop or app that no fitted suggestion mentioned are evidence as soon as two
        suggestions share them, as in a fit on everything. Returns the positions of earlier suggestions whose rows
        change (they use a word that just entered); ``earlier`` gives such a suggestion's title and body.

        A word entering is a name's word (``name_words_``) when at least half the suggestions using it have it inside
        a name they mention, as at a fit; its rarity is on the fitted scale (see ``TfidfVectors.learn``).
        """
        names = self.names.of_suggestion(title, body)
        if self.name_vectoriser_ is not None:
            self.name_vectoriser_.learn(" ".join(names), position)
        if self.word_vectoriser_ is None:
            return []
        entered = self.word_vectoriser_.learn(list(tokens), position)
        names_of = {position: names}
        for word, users in entered.items():
            feature = self.word_vectoriser_.vocabulary_[word]
            self._rarity.append(min(1.0, (float(self.word_vectoriser_.idf_[feature]) - 1.0) / self._rarity_scale))
            for user in users:
                if user not in names_of:
                    names_of[user] = self.names.of_suggestion(*earlier(user))
            inside = sum(any(word in name for name in names_of[user]) for user in [position, *users])
            if 2 * inside >= len(users) + 1:
                self.name_words_.add(feature)
        return sorted({user for users in entered.values() for user in users})

    def transform(self, titles: Sequence[str], bodies: Sequence[str],
                  tokens: Sequence[Sequence[str]]) -> tuple[SparseRows, SparseRows]:
        """Per suggestion, its name row and its word row (unit length, sparse)."""
        return (_transform(self.name_vectoriser_, [" ".join(found) for found in self._names_of(titles, bodies)]),
                _transform(self.word_vectoriser_, [list(t) for t in tokens]))

    def rarity(self, words: SparseRow) -> SparseRow:
        """How rare each word of a word row is in the fitted corpus: 1 for a word two suggestions use, about 0 for
        one that most use (inverse document frequency, scaled)."""
        rarity = self._rarity
        return {key: rarity[key] for key in words}

    def problem_words(self, words: SparseRow) -> SparseRow:
        """A word row without the words of names, at unit length: *what* the suggestion is about, not where."""
        kept = {key: value for key, value in words.items() if key not in self.name_words_}
        norm = math.sqrt(sum(value * value for value in kept.values()))
        return {key: value / norm for key, value in kept.items()} if norm else {}

    def profile(self, vector: np.ndarray, names: SparseRow, words: SparseRow, submitter: str = "",
                day: float | None = None) -> "Profile":
        """One suggestion as a group of one, from its rows in this view: its problem words are compared as
        ``words``, and every word it uses (names' included) counts towards a shared rare word."""
        return Profile.of_item(vector, self.problem_words(words), names, self.rarity(words), submitter, day)

    def item_sums(self, suggestions: Sequence, vectors: np.ndarray, name_rows: SparseRows,
                  word_rows: SparseRows, positions: Sequence[int] | None = None) -> GroupSums:
        """Each suggestion (``Suggestion`` records aligned with the rows) as a group of one, laid out as arrays:
        ``GroupSums.of_profiles`` of their ``profile``s to the bit, computed on the rows' matrices rather than on
        three dicts per suggestion (at 100,000 suggestions, seconds and a gigabyte). With ``positions``, only those
        rows, in that order (``suggestions`` and ``vectors`` then hold just those), and only those rows' matrices
        are built: one issue's threads read a handful of rows, not the corpus."""
        words = word_rows.matrix(len(self.word_vectoriser_.vocabulary_) if self.word_vectoriser_ else 0, positions)
        names = name_rows.matrix(len(self.name_vectoriser_.vocabulary_) if self.name_vectoriser_ else 0, positions)
        # Problem words: the row without names' words, at unit length; each norm summed in the row's order as
        # ``problem_words`` adds it, so every value is the same float (weights are positive: a row with a word left
        # has a norm above 0).
        owner = np.repeat(np.arange(words.shape[0]), np.diff(words.indptr))
        kept = ~np.isin(words.indices, np.fromiter(self.name_words_, dtype=np.int64, count=len(self.name_words_)))
        indptr = np.concatenate(([0], np.cumsum(np.bincount(owner[kept], minlength=words.shape[0]))))
        values = words.data[kept]
        values = values / np.sqrt(sums_in_order(values * values, indptr))[owner[kept]]
        problem = sp.csr_matrix((values, words.indices[kept], indptr), shape=words.shape)
        rarity = np.asarray(self._rarity, dtype=np.float64)
        terms = sp.csr_matrix((rarity[words.indices], words.indices, words.indptr), shape=words.shape)
        return GroupSums.of_items(vectors, problem, names, terms, [s.submitter for s in suggestions],
                                  [day_of(s.submitted_at) for s in suggestions])


def _as_is(words: list[str]) -> list[str]:
    return words


def _fitted(vectoriser: TfidfVectors, documents: list) -> tuple[TfidfVectors | None, sp.csr_matrix | None]:
    """The fitted vectoriser and the documents' rows; ``None`` twice for an empty vocabulary (nothing in this
    corpus to compare by)."""
    try:
        return vectoriser, vectoriser.fit_transform(documents)
    except ValueError:
        return None, None


def _transform(vectoriser: TfidfVectors | None, documents: list) -> SparseRows:
    return SparseRows(vectoriser.transform(documents) if vectoriser is not None and documents else None,
                      len(documents))


def day_of(moment) -> float | None:
    """A submission time as days since the epoch; ``None`` when it is unknown."""
    return moment.timestamp() / 86400.0 if moment is not None else None


def item_profiles(views: TextViews, suggestions: Sequence, vectors: np.ndarray, name_rows: Sequence[SparseRow],
                  word_rows: Sequence[SparseRow]) -> list[Profile]:
    """Each suggestion as a group of one (``suggestions`` are ``Suggestion`` records aligned with the rows)."""
    return [views.profile(vectors[i], name_rows[i], word_rows[i], s.submitter, day_of(s.submitted_at))
            for i, s in enumerate(suggestions)]


class LinkRule(Protocol):
    """Decides whether two groups are one issue: a score (higher is more alike) at least ``threshold``.

    ``score_many`` scores many pairs in one batch, which is how the finder calls it; ``score`` is one pair.
    """

    threshold: float

    def needs_sums(self, mean_cosine: np.ndarray) -> np.ndarray:
        """Which pairs, by their mean cosine, need ``PairSums``' other sums (words, names, submitters, rare word)
        to be scored; the finder leaves those at 0 for the rest, which the rule must then score from the cosine
        alone."""
        ...

    def score_many(self, pairs: PairSums) -> np.ndarray: ...

    def score(self, a: Profile, b: Profile) -> float: ...


@dataclass
class CosineRule:
    """The baseline: one threshold on the mean cosine of the embeddings (plain average linkage)."""

    threshold: float

    def needs_sums(self, mean_cosine: np.ndarray) -> np.ndarray:
        return np.zeros(len(mean_cosine), dtype=bool)

    def score_many(self, pairs: PairSums) -> np.ndarray:
        return pairs.mean_cosine

    def score(self, a: Profile, b: Profile) -> float:
        return float(self.score_many(PairSums.of_profiles([(a, b)]))[0])


def neighbour_graph(index: NeighbourIndex, k: int,
                    progress: Callable[[float], None] | None = None) -> list[set[int]]:
    """Each position's k nearest neighbours, made symmetric: the only pairs a finder compares."""
    n = len(index)
    ids, _ = index.search(index.vectors, k + 1, progress)
    rows = np.repeat(np.arange(n), ids.shape[1])
    columns = ids.ravel()
    kept = (columns >= 0) & (columns != rows)
    rows, columns = rows[kept], columns[kept]
    both = distinct(np.concatenate((rows * n + columns, columns * n + rows)))
    starts = np.searchsorted(both, np.arange(n + 1) * n)
    neighbours = (both % n).tolist()
    return [set(neighbours[start:end]) for start, end in zip(starts[:-1], starts[1:])]


class IssueFinder:
    """Average linkage on the k-nearest-neighbour graph, best-linked pair of groups first, while ``rule`` links.

    ``fit`` sets ``labels_``, a group number per position, and ``merges_``, every merge in the order made with its
    score. Merging stops at the first pair below the threshold, so the grouping at any higher threshold is a prefix
    of the same merges: ``labels_at`` gives it without running again (``fit(down_to=...)`` records further down).
    ``best_match`` applies the same rule to place one new suggestion.
    """

    def __init__(self, rule: LinkRule, k: int = 20):
        self.rule = rule
        self.k = k
        self.labels_: np.ndarray = np.zeros(0, dtype=np.int64)
        self.merges_: list[tuple[int, int, float]] = []

    def best_match(self, item: Profile, candidates: dict[str, Profile]) -> str | None:
        """The candidate issue the item links to most strongly, or ``None`` to open a new issue."""
        ids = sorted(candidates)
        if not ids:
            return None
        scores = self.rule.score_many(PairSums.of_profiles([(candidates[i], item) for i in ids]))
        best = int(np.argmax(scores))  # the first of equal scores, in id order
        return ids[best] if scores[best] >= self.rule.threshold else None

    def fit(self, index: NeighbourIndex | None, items: Sequence[Profile] | GroupSums,
            progress: Callable[[float], None] | None = None, down_to: float | None = None,
            graph: list[set[int]] | None = None) -> "IssueFinder":
        """Group the items (one per vector of ``index``; as profiles or already laid out, ``TextViews.item_sums``);
        record merges down to ``down_to`` (default: the rule's threshold). ``graph`` is the neighbour graph when
        the caller has it already (``index`` is then unused)."""
        report = progress or (lambda fraction: None)
        floor = self.rule.threshold if down_to is None else min(down_to, self.rule.threshold)
        n = len(items)
        if graph is None:
            graph = neighbour_graph(index, self.k, lambda f: report(0.3 * f))
        adjacency = [set(neighbours) for neighbours in graph]
        groups = items if isinstance(items, GroupSums) else GroupSums.of_profiles(items)

        def scored(edges: tuple[np.ndarray, np.ndarray]) -> list[tuple[float, int, int, int, int]]:
            a, b = edges
            scores = self.rule.score_many(groups.pairs(a, b, self.rule.needs_sums))
            kept = scores >= floor
            return list(zip((-scores[kept]).tolist(), a[kept].tolist(), b[kept].tolist(), repeat(0), repeat(0)))

        # The first scores, batch by batch on two threads (numpy's searches and products release the interpreter;
        # scoring reads the groups and changes nothing), taken in batch order.
        heap = []
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            for part in pool.map(scored, edge_chunks(adjacency)):
                heap.extend(part)
        heapq.heapify(heap)
        report(0.4)
        alive = np.ones(n, dtype=bool)
        version = np.zeros(n, dtype=np.int64)
        merges: list[tuple[int, int, float]] = []
        budget = max(1, n)
        while heap:
            negative, a, b, version_a, version_b = heapq.heappop(heap)
            if not alive[a] or not alive[b] or version[a] != version_a or version[b] != version_b:
                continue
            if len(adjacency[a]) < len(adjacency[b]):
                a, b = b, a
            groups.absorb(a, b)
            alive[b] = False
            merges.append((a, b, -negative))
            for c in adjacency[b]:
                if c != a:
                    adjacency[c].discard(b)
                    adjacency[c].add(a)
                    adjacency[a].add(c)
            adjacency[a].discard(b)
            adjacency[b] = set()
            version[a] += 1
            others = np.fromiter(sorted(adjacency[a]), dtype=np.int64, count=len(adjacency[a]))
            scores = self.rule.score_many(groups.against(a, others, self.rule.needs_sums))
            kept = scores >= floor
            for c, score in zip(others[kept].tolist(), scores[kept].tolist()):
                x, y = min(a, c), max(a, c)
                heapq.heappush(heap, (-score, x, y, int(version[x]), int(version[y])))
            if len(merges) % 256 == 0:
                report(0.4 + 0.6 * min(1.0, len(merges) / budget))
        self.merges_ = merges
        self.labels_ = self.labels_at(self.rule.threshold, n)
        report(1.0)
        return self

    def labels_at(self, threshold: float, n: int | None = None) -> np.ndarray:
        """The grouping ``fit`` gives with this threshold (at least the one it recorded down to)."""
        n = len(self.labels_) if n is None else n
        parent = np.arange(n)
        for a, b, score in self.merges_:
            if score < threshold:
                break
            parent[b] = a
        labels = np.zeros(n, dtype=np.int64)
        numbers: dict[int, int] = {}
        for i in range(n):
            root = i
            while parent[root] != root:
                root = int(parent[root])
            labels[i] = numbers.setdefault(root, len(numbers))
        return labels


def with_originals(labels: np.ndarray, originals: Sequence[int | None]) -> list[list[int]]:
    """Positions grouped by label, each repost moved to its original's group; ordered by first member.

    Reposts take part in finding issues (their wording is evidence of the issue like any other) but go where their
    original went, so they never count as a separate issue.
    """
    groups: dict[int, list[int]] = {}
    for position, group in enumerate(labels):
        original = originals[position]
        groups.setdefault(int(labels[original] if original is not None else group), []).append(position)
    return sorted(groups.values(), key=lambda members: members[0])


def threads_of_laid_out(finder: IssueFinder, sizes: Sequence[int], items: GroupSums, strictness: float,
                        min_size: int = 2) -> list[list[list[int]]]:
    """Threads, separable sub-problems, of one issue or many: each issue's members grouped again by the finder's rule
    at a stricter threshold (``threshold + strictness × (1 − threshold)``), largest first. Groups smaller than
    ``min_size`` belong to no thread; fewer than two threads means the issue is one piece, and gives none.
    ``items`` holds every issue's members laid out as arrays (``TextViews.item_sums``), issue after issue,
    ``sizes`` how many each has (the finder's fit changes ``items``).

    The issues' members are grouped by one finder over the union of their neighbour graphs: no edge joins two
    issues, so each issue gets the merges it would get alone, and the set-up (the profiles as arrays, the first
    scores) is done once rather than per issue. The finder merges only down to the stricter threshold: merging the
    best pair first, it makes the same merges as one going further until its first merge below that threshold, where
    the grouping at that threshold stops anyway. An issue of at most ``k + 1`` members needs no neighbour search:
    every member is among every other's k nearest."""
    strict = copy.copy(finder.rule)
    strict.threshold = finder.rule.threshold + strictness * (1.0 - finder.rule.threshold)
    graph: list[set[int]] = []
    spans: list[range] = []
    for n in sizes:
        offset = len(graph)
        if n <= finder.k + 1:
            local = [set(range(i)) | set(range(i + 1, n)) for i in range(n)]
        else:
            index = NeighbourIndex(items.vectors.shape[1])
            index.add(items.vectors[offset:offset + n].astype(np.float32))
            local = neighbour_graph(index, finder.k)
        graph.extend({offset + j for j in neighbours} for neighbours in local)
        spans.append(range(offset, offset + n))
    labels = IssueFinder(strict, finder.k).fit(None, items, graph=graph).labels_ if len(items) else []
    found = []
    for span in spans:
        groups: dict[int, list[int]] = {}
        for position in span:
            groups.setdefault(int(labels[position]), []).append(position - span.start)
        threads = sorted((g for g in groups.values() if len(g) >= min_size), key=lambda g: (-len(g), g[0]))
        found.append(threads if len(threads) >= 2 else [])
    return found
