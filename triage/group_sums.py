"""Groups of suggestions as sums over their members, and what a linkage rule reads of pairs of them.

A rule never looks at members one by one: every feature is a mean over member pairs, one member from each group,
and such a mean is a sum over the pairs divided by the groups' sizes. For vectors, the sum over member pairs of
``x_a · x_b`` is ``sum_A · sum_B``, so a group is kept as the sums of its members' vectors and rows (``Profile``).
``PairSums`` holds those pair sums and the groups' counts for many pairs at once, as arrays; the rule turns them into
features and probabilities in a few numpy calls (``triage.linkage.features_of``). It is filled three ways, each
giving the same numbers (up to the order floats are added in):

- ``PairSums.of_profiles``: from ``Profile`` objects, pair by pair (placing one new suggestion);
- ``GroupSums.pairs``: many pairs of groups held as arrays (the neighbour graph's edges, when every group is one
  suggestion), by matching the ids of both sides' sparse rows;
- ``GroupSums.against``: one group against all its neighbours, inside the finder's merge loop, where the groups
  grow with every merge.

A feature that reads a new kind of pair sum needs it added to ``PairSums`` and to these three; a feature computed
from the existing sums (a product of two features, another clip) is one line in ``features_of``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import scipy.sparse as sp

from .sparse_rows import SparseRow, rows_matrix

# Edges scored per numpy batch: bounds the temporary arrays (two 384-wide float64 rows per edge: 100 MB).
EDGE_CHUNK = 4096
# Groups whose rows are laid out per numpy batch when the arrays are first built.
ROWS_CHUNK = 4096


def _dot(a: SparseRow, b: SparseRow) -> float:
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    return sum(value * get(key, 0.0) for key, value in a.items())


def _add_into(target: SparseRow, other: SparseRow) -> None:
    for key, value in other.items():
        target[key] = target.get(key, 0.0) + value


def _largest_product(a: SparseRow, b: SparseRow, among: tuple[SparseRow, SparseRow] | None = None) -> float:
    """max over the keys both rows have (and, given ``among``, both of its rows too) of a[key] × b[key], and 0 when
    they share none."""
    shared = a.keys() & b.keys()
    if among is not None:
        shared &= among[0].keys() & among[1].keys()
    return max((a[key] * b[key] for key in shared), default=0.0)


@dataclass
class Profile:
    """A group of suggestions as sums over its members: all a linkage rule reads.

    ``words`` sums the members' problem-word rows (names' words left out), ``terms`` sums each word's rarity over
    the members that use it, ``submitters`` counts members per submitter and ``day_sum`` adds the submission days
    of the ``dated`` members.
    """

    vector: np.ndarray
    words: SparseRow = field(default_factory=dict)
    names: SparseRow = field(default_factory=dict)
    terms: SparseRow = field(default_factory=dict)
    submitters: dict[str, int] = field(default_factory=dict)
    size: int = 0
    named: int = 0
    day_sum: float = 0.0
    dated: int = 0

    @classmethod
    def of_item(cls, vector: np.ndarray, words: SparseRow, names: SparseRow, terms: SparseRow | None = None,
                submitter: str = "", day: float | None = None) -> "Profile":
        return cls(np.asarray(vector, dtype=np.float64).copy(), dict(words), dict(names), dict(terms or {}),
                   {submitter: 1} if submitter else {}, 1, 1 if names else 0,
                   day if day is not None else 0.0, 1 if day is not None else 0)

    def copy(self) -> "Profile":
        return Profile(self.vector.copy(), dict(self.words), dict(self.names), dict(self.terms),
                       dict(self.submitters), self.size, self.named, self.day_sum, self.dated)

    def absorb(self, other: "Profile") -> None:
        self.vector += other.vector
        _add_into(self.words, other.words)
        _add_into(self.names, other.names)
        _add_into(self.terms, other.terms)
        for submitter, count in other.submitters.items():
            self.submitters[submitter] = self.submitters.get(submitter, 0) + count
        self.size += other.size
        self.named += other.named
        self.day_sum += other.day_sum
        self.dated += other.dated

    def withdraw(self, other: "Profile") -> None:
        """Take out a member group ``absorb`` added (a member whose rows changed is withdrawn, then absorbed again);
        a word or name no member has any more leaves the sums, so a shared rare word is never one nobody uses."""
        self.vector -= other.vector
        for mine, theirs in ((self.words, other.words), (self.names, other.names), (self.terms, other.terms)):
            for key, value in theirs.items():
                left = mine[key] - value
                if abs(left) > 1e-12:
                    mine[key] = left
                else:
                    del mine[key]
        for submitter, count in other.submitters.items():
            if self.submitters[submitter] > count:
                self.submitters[submitter] -= count
            else:
                del self.submitters[submitter]
        self.size -= other.size
        self.named -= other.named
        self.day_sum -= other.day_sum
        self.dated -= other.dated


@dataclass
class PairSums:
    """What a rule reads of m pairs of groups (A, B): sums over member pairs, and each side's counts.

    The pair sums: ``cosine`` = sum_A · sum_B of the embeddings; ``words`` and ``names`` the same for the
    problem-word and name rows; ``same_submitter`` the member pairs sent by one submitter; ``rare`` the largest
    terms_A[w] × terms_B[w] over the words both use (not a sum: the rarest shared word), ``rare_problem`` the same
    over the problem words both use (names' words left out: a shared rare *what*). The counts are (m, 2)
    arrays, column 0 for A and 1 for B: ``size``, ``named`` (members naming a place), ``day_sum`` and ``dated``.
    """

    cosine: np.ndarray
    words: np.ndarray
    names: np.ndarray
    same_submitter: np.ndarray
    rare: np.ndarray
    rare_problem: np.ndarray
    size: np.ndarray
    named: np.ndarray
    day_sum: np.ndarray
    dated: np.ndarray

    def __len__(self) -> int:
        return len(self.cosine)

    @property
    def pairs_of_members(self) -> np.ndarray:
        """|A| × |B|, what every mean over member pairs divides by."""
        return self.size[:, 0] * self.size[:, 1]

    @property
    def mean_cosine(self) -> np.ndarray:
        return self.cosine / self.pairs_of_members

    @classmethod
    def of_profiles(cls, pairs: Sequence[tuple[Profile, Profile]]) -> "PairSums":
        """Pair by pair, from ``Profile`` objects."""
        def column(values) -> np.ndarray:
            return np.fromiter(values, dtype=np.float64, count=len(pairs))

        def sides(values) -> np.ndarray:
            return np.array([[values(a), values(b)] for a, b in pairs], dtype=np.float64).reshape(len(pairs), 2)

        return cls(
            cosine=column(float(a.vector @ b.vector) for a, b in pairs),
            words=column(_dot(a.words, b.words) for a, b in pairs),
            names=column(_dot(a.names, b.names) for a, b in pairs),
            same_submitter=column(sum(n * b.submitters.get(s, 0) for s, n in a.submitters.items()) for a, b in pairs),
            rare=column(_largest_product(a.terms, b.terms) for a, b in pairs),
            rare_problem=column(_largest_product(a.terms, b.terms, (a.words, b.words)) for a, b in pairs),
            size=sides(lambda p: p.size), named=sides(lambda p: p.named),
            day_sum=sides(lambda p: p.day_sum), dated=sides(lambda p: p.dated))


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions starts[i] .. starts[i] + lengths[i] - 1, for each i in turn, as one array; and each one's i."""
    owner = np.repeat(np.arange(len(lengths)), lengths)
    return np.arange(len(owner)) + (starts - (np.cumsum(lengths) - lengths))[owner], owner


class _Rows:
    """Sparse rows per group, all in shared arrays, so any set of groups' rows is gathered by array indexing with no
    Python loop over rows.

    The rows of several sparse views are put side by side (view k's ids shifted past the views before it); each id
    carries two values: ``values[0]``, whose products are added per view (the dot products), and ``values[1]``,
    whose largest product is taken (a shared rare word's weight, over the first view's ids), over all ids both rows
    have and over those where both also have a ``values[0]`` (the first view's words). Group g's sorted ids are
    ``ids[start[g] : start[g] + length[g]]``. A merged group's row is appended at the end, and the rows of its two
    parts are left behind until they take as much room as the live rows; then the live rows are packed again.
    """

    def __init__(self, views: Sequence[sp.csr_matrix], largest: sp.csr_matrix):
        n = largest.shape[0]
        widths = [matrix.shape[1] for matrix in views]
        widths[0] = max(widths[0], largest.shape[1])  # the largest products' ids are the first view's
        offsets = np.cumsum([0] + widths)
        columns = [(0, offset, matrix) for offset, matrix in zip(offsets, views)] + [(1, 0, largest)]
        ids, values, lengths = [], [], []
        for first in range(0, n, ROWS_CHUNK):  # in chunks: the temporary arrays stay small at 100,000 groups
            last = min(n, first + ROWS_CHUNK)
            owner, chunk_ids, chunk_values = self._entries(columns, first, last)
            order = np.argsort(owner * int(offsets[-1]) + chunk_ids, kind="stable")
            owner, chunk_ids, chunk_values = self._summed(owner[order], chunk_ids[order], chunk_values[order])
            ids.append(chunk_ids)
            values.append(chunk_values)
            lengths.append(np.bincount(owner, minlength=last - first))
        ids = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        # Ids renumbered to those in use, in the same order: the scratch row stays as small as the groups' words.
        used = np.zeros(int(offsets[-1]) + 1, dtype=bool)
        used[ids] = True
        renumber = np.cumsum(used) - 1
        self.ids = renumber[ids].astype(np.int32)
        # The views' bounds, renumbered: how many ids in use lie below each (a view may be empty, the first too).
        self.offsets = np.concatenate(([0], np.cumsum(used)))[offsets]
        self.values = np.ascontiguousarray(np.concatenate(values).T) if values else np.zeros((2, 0))
        self.width = max(1, int(used.sum()))
        # Each id's view, looked up rather than searched for at every call (the same answers as searching the bounds).
        self._view = np.searchsorted(self.offsets[1:-1], np.arange(self.width), side="right")
        self.length = np.concatenate(lengths).astype(np.int64) if lengths else np.zeros(0, dtype=np.int64)
        self.start = np.cumsum(self.length) - self.length
        self.used = self.live = len(self.ids)
        self._scratch = np.zeros((2, self.width))
        self._mine = np.zeros(self.width, dtype=bool)  # group a's ids, while ``against`` runs

    @staticmethod
    def _entries(columns: Sequence[tuple[int, int, sp.csr_matrix]], first: int, last: int) -> tuple[np.ndarray, ...]:
        """Every (row, id, value) of rows first..last - 1, as arrays (rows numbered from first): ids shifted by their
        view's offset, values in their column."""
        owners, ids, values = [], [], []
        for column, offset, matrix in columns:
            bounds = matrix.indptr[first:last + 1]
            owners.append(np.repeat(np.arange(last - first), np.diff(bounds)))
            ids.append(offset + matrix.indices[bounds[0]:bounds[-1]].astype(np.int64))
            block = np.zeros((bounds[-1] - bounds[0], 2))
            block[:, column] = matrix.data[bounds[0]:bounds[-1]]
            values.append(block)
        return np.concatenate(owners), np.concatenate(ids), np.concatenate(values)

    @staticmethod
    def _summed(owner: np.ndarray, ids: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
        """Entries sorted by (owner, id) with each (owner, id)'s values added, in the order given."""
        if not len(ids):
            return owner, ids, values
        first = np.ones(len(ids), dtype=bool)
        first[1:] = (ids[1:] != ids[:-1]) | (owner[1:] != owner[:-1])
        return owner[first], ids[first], np.add.reduceat(values, np.flatnonzero(first), axis=0)

    def _positions(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _ranges(self.start[groups], self.length[groups])

    def _view_of(self, ids: np.ndarray) -> np.ndarray:
        return self._view[ids]

    def pairs(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For the pairs (a[i], b[i]): the dot products per view (m × views) and the largest products (m × 2: over
        all shared ids, over those with dot values; at least 0). The rows of the a side (each group once: a group
        has an edge to each of its neighbours) are laid out as sorted keys (group, id), and each b row's ids are
        looked up as keys under its pair's a group; an id both use is a key found."""
        views = len(self.offsets) - 1
        dots, largest = np.zeros(len(a) * views), np.zeros((len(a), 2))
        groups, group_of = np.unique(a, return_inverse=True)
        positions_a, owner_a = self._positions(groups)
        positions_b, pair_b = self._positions(b)
        if len(positions_a) and len(positions_b):
            keys_a = owner_a * self.width + self.ids[positions_a]
            keys_b = group_of[pair_b] * self.width + self.ids[positions_b]
            found = np.minimum(np.searchsorted(keys_a, keys_b), len(keys_a) - 1)
            both = keys_a[found] == keys_b
            # In pair order, each pair's shared ids in increasing order: the order the sums add them in.
            mine, theirs, pair = positions_a[found[both]], positions_b[both], pair_b[both]
            words_mine, words_theirs = self.values[0][mine], self.values[0][theirs]
            dots = np.bincount(pair * views + self._view_of(self.ids[mine]),
                               weights=words_mine * words_theirs, minlength=len(dots))
            if len(pair):
                starts = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1])))
                largest[pair[starts]] = _largest_two(words_mine, self.values[1][mine], words_theirs,
                                                     self.values[1][theirs], starts)
        return dots.reshape(len(a), views), np.maximum(largest, 0.0)

    def against(self, a: int, others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Group a with each of the others: the dot products per view (m × views) and the largest products (m × 2
        as in ``pairs``, at least 0 as for rows that share nothing).

        Only the ids group a has are kept once looked up: every other id's product is +0.0 (no value is negative),
        which adds nothing to a sum and never beats 0 for the largest, so the sums, added in the same order without
        those terms, come out the same to the last bit at a fraction of the work (most of a neighbour's ids are not
        group a's)."""
        lengths = self.length[others]
        views = len(self.offsets) - 1
        dots, largest = np.zeros(len(others) * views), np.zeros((len(others), 2))
        if self.length[a] and lengths.any():
            start, end = self.start[a], self.start[a] + self.length[a]
            mine = self.ids[start:end]
            self._scratch[:, mine] = self.values[:, start:end]
            self._mine[mine] = True
            # Every neighbour's ids, then only the shared ones' owners (a search among far fewer).
            ends = np.cumsum(lengths)
            positions = np.arange(ends[-1]) + np.repeat(self.start[others] - (ends - lengths), lengths)
            found = self.ids[positions]
            shared = np.flatnonzero(self._mine[found])
            positions, ids = positions[shared], found[shared]
            owner = np.searchsorted(ends, shared, side="right")
            words_mine, words_theirs = self._scratch[0][ids], self.values[0][positions]
            dots = np.bincount(owner * views + self._view_of(ids), weights=words_mine * words_theirs,
                               minlength=len(dots))
            if len(owner):
                starts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
                largest[owner[starts]] = _largest_two(words_mine, self._scratch[1][ids], words_theirs,
                                                      self.values[1][positions], starts)
            self._scratch[:, mine] = 0.0
            self._mine[mine] = False
        return dots.reshape(len(others), views), np.maximum(largest, 0.0)

    def absorb(self, a: int, b: int) -> None:
        """Row a becomes the sum of rows a and b (each id's values added a's first, as ``Profile.absorb`` adds)."""
        length_a, length_b = int(self.length[a]), int(self.length[b])
        self.length[b] = 0
        if not length_b:
            return
        if not length_a:
            self.start[a], self.length[a] = self.start[b], length_b
            return
        positions = np.concatenate((np.arange(self.start[a], self.start[a] + length_a),
                                    np.arange(self.start[b], self.start[b] + length_b)))
        ids = self.ids[positions]
        order = np.argsort(ids, kind="stable")
        _, ids, values = self._summed(np.zeros(len(ids), dtype=np.int64), ids[order],
                                      self.values[:, positions[order]].T)
        self.live += len(ids) - length_a - length_b
        self._make_room(len(ids))
        self.start[a], self.length[a] = self.used, len(ids)
        self.ids[self.used:self.used + len(ids)] = ids
        self.values[:, self.used:self.used + len(ids)] = values.T
        self.used += len(ids)

    def _make_room(self, needed: int) -> None:
        if self.used + needed <= len(self.ids):
            return
        if self.used > 2 * self.live:  # mostly rows left behind: pack the live ones
            groups = np.flatnonzero(self.length)
            positions, _ = self._positions(groups)
            self.ids, self.values = self.ids[positions], self.values[:, positions]
            self.start[groups] = np.cumsum(self.length[groups]) - self.length[groups]
            self.used = len(positions)
        capacity = max(self.used + needed, len(self.ids) + len(self.ids) // 4)
        if capacity > len(self.ids):
            grown = capacity - len(self.ids)
            self.ids = np.concatenate((self.ids, np.zeros(grown, dtype=self.ids.dtype)))
            self.values = np.concatenate((self.values, np.zeros((2, grown))), axis=1)


def _largest_two(words_mine: np.ndarray, rare_mine: np.ndarray, words_theirs: np.ndarray, rare_theirs: np.ndarray,
                 starts: np.ndarray) -> np.ndarray:
    """Per segment (from each of ``starts``) of matched entries (each side's values[0], ``words``, and values[1],
    ``rare``): the largest product of the rare values, over all entries and over those with words on both sides
    (segments × 2). Takes the values gathered once, as the dot products read them too."""
    products = rare_mine * rare_theirs
    both_words = np.where((words_mine > 0) & (words_theirs > 0), products, 0.0)
    largest = np.empty((len(starts), 2))
    np.maximum.reduceat(products, starts, out=largest[:, 0])
    np.maximum.reduceat(both_words, starts, out=largest[:, 1])
    return largest


class GroupSums:
    """Groups as arrays, for scoring many pairs per numpy call: group ``g`` starts as item ``g``; ``absorb`` adds
    one group into another (the finder's merge); ``pairs`` and ``against`` give ``PairSums`` of many pairs.

    Built from ``Profile`` objects (``of_profiles``) or straight from a corpus's matrices (``of_items``): the same
    arrays either way, the second without three dicts per suggestion."""

    def __init__(self, vectors: np.ndarray, views: Sequence[sp.csr_matrix], largest: sp.csr_matrix,
                 counts: np.ndarray):
        self.vectors = vectors
        self._rows = _Rows(views, largest)
        self._counts = counts

    @classmethod
    def of_profiles(cls, items: Sequence[Profile]) -> "GroupSums":
        codes: dict[str, int] = {}
        submitters = [{codes.setdefault(s, len(codes)): float(n) for s, n in p.submitters.items()} for p in items]
        # Views side by side: problem words, names, submitters; the largest product is over the words' rarities.
        return cls(np.array([p.vector for p in items], dtype=np.float64).reshape(len(items), -1),
                   [rows_matrix([p.words for p in items]), rows_matrix([p.names for p in items]),
                    rows_matrix(submitters)], rows_matrix([p.terms for p in items]),
                   np.array([(p.size, p.named, p.day_sum, p.dated) for p in items],
                            dtype=np.float64).reshape(len(items), 4))

    @classmethod
    def of_items(cls, vectors: np.ndarray, words: sp.csr_matrix, names: sp.csr_matrix, terms: sp.csr_matrix,
                 submitters: Sequence[str], days: Sequence[float | None]) -> "GroupSums":
        """Items (groups of one) from their rows as matrices, what ``Profile.of_item`` holds of each: ``words`` the
        problem-word rows, ``names``, ``terms`` the rarities; an empty submitter is none, a ``None`` day unknown."""
        codes: dict[str, int] = {}
        submitted = [codes.setdefault(s, len(codes)) if s else -1 for s in submitters]
        has = np.array([code >= 0 for code in submitted], dtype=bool)
        by_submitter = sp.csr_matrix((np.ones(int(has.sum())), np.array(submitted, dtype=np.int64)[has],
                                      np.concatenate(([0], np.cumsum(has)))), shape=(len(submitted), len(codes)))
        counts = np.zeros((len(submitted), 4))
        counts[:, 0] = 1.0
        counts[:, 1] = np.diff(names.indptr) > 0
        counts[:, 2] = [day if day is not None else 0.0 for day in days]
        counts[:, 3] = [day is not None for day in days]
        return cls(np.array(vectors, dtype=np.float64).reshape(len(submitted), -1),
                   [words, names, by_submitter], terms, counts)

    def __len__(self) -> int:
        return len(self.vectors)

    def absorb(self, a: int, b: int) -> None:
        self.vectors[a] += self.vectors[b]
        self._rows.absorb(a, b)
        self._counts[a] += self._counts[b]

    def _sums(self, cosine: np.ndarray, a: np.ndarray | int, b: np.ndarray, mine: np.ndarray, theirs: np.ndarray,
              needs_sums: Callable[[np.ndarray], np.ndarray]) -> PairSums:
        """The pair sums, the sparse ones only for the pairs ``needs_sums`` asks for (0 for the rest); ``mine`` and
        ``theirs`` are each side's counts, a row per pair (``mine`` may be one row for all)."""
        sides = np.empty((len(b), 4, 2))
        sides[:, :, 0], sides[:, :, 1] = mine, theirs
        wanted = needs_sums(cosine / (sides[:, 0, 0] * sides[:, 0, 1]))
        dots, rare = np.zeros((len(b), len(self._rows.offsets) - 1)), np.zeros((len(b), 2))
        if wanted.any():
            dots[wanted], rare[wanted] = (self._rows.against(a, b[wanted]) if isinstance(a, int)
                                          else self._rows.pairs(a[wanted], b[wanted]))
        return PairSums(cosine, dots[:, 0], dots[:, 1], dots[:, 2], rare[:, 0], rare[:, 1], sides[:, 0],
                        sides[:, 1], sides[:, 2], sides[:, 3])

    def pairs(self, a: np.ndarray, b: np.ndarray, needs_sums: Callable[[np.ndarray], np.ndarray]) -> PairSums:
        """The pairs (a[i], b[i]) in one batch. ``needs_sums`` says,
        from their mean cosines, which pairs need more than the cosine (the rule's ``needs_sums``)."""
        return self._sums(np.einsum("ij,ij->i", self.vectors[a], self.vectors[b]), a, b, self._counts[a],
                          self._counts[b], needs_sums)

    def against(self, a: int, others: np.ndarray, needs_sums: Callable[[np.ndarray], np.ndarray]) -> PairSums:
        """Group a with each of the others."""
        return self._sums(self.vectors[others] @ self.vectors[a], a, others, self._counts[a], self._counts[others],
                          needs_sums)


def edge_chunks(graph: Sequence[set[int]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The graph's edges (a, b), a < b, in chunks of at most ``EDGE_CHUNK``."""
    degrees = np.fromiter(map(len, graph), dtype=np.int64, count=len(graph))
    a = np.repeat(np.arange(len(graph)), degrees)
    b = np.fromiter(chain.from_iterable(graph), dtype=np.int64, count=len(a))
    keep = a < b
    a, b = a[keep], b[keep]
    for start in range(0, len(a), EDGE_CHUNK):
        yield a[start:start + EDGE_CHUNK], b[start:start + EDGE_CHUNK]

