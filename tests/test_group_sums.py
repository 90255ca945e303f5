"""The finder's batched arithmetic gives what the plain per-pair arithmetic on ``Profile`` objects gives.

The finder scores the neighbour graph's edges in batches and, after each merge, the merged group against all its
neighbours in one batch, on groups kept as arrays; placement scores ``Profile`` objects. A reviewer would notice
if the two disagreed: the same suggestions would be grouped one way by a re-cluster and another way one at a time.
"""
import heapq

import numpy as np
import pytest

from triage import group_sums
from triage.group_sums import GroupSums, PairSums, Profile
from triage.issues import CosineRule, IssueFinder
from triage.linkage import NAMES, LinkageModel, features_of


def _items(n: int, seed: int) -> list[Profile]:
    """Suggestions in a few clusters sharing words, names and rare terms; some undated, some without a submitter."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, 6))
    items = []
    for i in range(n):
        cluster = int(rng.integers(4))
        vector = centres[cluster] + 0.6 * rng.normal(size=6)
        words = {int(w): float(rng.random()) for w in rng.choice(12, 4, replace=False) + 3 * cluster}
        names = {int(w): float(rng.random()) for w in rng.choice(5, 2, replace=False) + 5 * cluster} \
            if rng.random() < 0.7 else {}
        # A word of a name is a term but no problem word: its id can lie past every problem word's.
        terms = {w: float(rng.random()) for w in words} | {15 + int(rng.integers(20)): float(rng.random())}
        submitter = f"u{int(rng.integers(8))}" if rng.random() < 0.8 else ""
        day = float(rng.integers(0, 60)) if rng.random() < 0.8 else None
        items.append(Profile.of_item(vector / np.linalg.norm(vector), words, names, terms, submitter, day))
    return items


def _graph(items: list[Profile], k: int) -> list[set[int]]:
    vectors = np.array([p.vector for p in items])
    similarity = vectors @ vectors.T
    graph = [set() for _ in items]
    for i, row in enumerate(similarity):
        for j in np.argsort(-row)[1:k + 1]:
            graph[i].add(int(j))
            graph[int(j)].add(i)
    return graph


MODEL = LinkageModel(threshold=0.5)
MODEL.coef_ = np.array([8.0, 3.0, 2.0, 0.3, 3.0, 2.0, 0.7, -0.2, -0.25, -0.2])
MODEL.intercept_ = -7.0
MODEL.cosine_floor_ = 0.2  # pairs below it are scored 0 without their word, name and submitter sums


def _every(mean_cosine: np.ndarray) -> np.ndarray:
    return np.ones(len(mean_cosine), dtype=bool)


def _same(first: PairSums, second: PairSums) -> None:
    assert features_of(first) == pytest.approx(features_of(second), abs=1e-12)
    assert MODEL.score_many(first) == pytest.approx(MODEL.score_many(second), abs=1e-12)


def test_a_batch_of_edges_and_each_pair_alone_get_the_same_features_and_scores():
    items = _items(40, seed=1)
    a, b = np.array([0, 0, 3, 7, 12, 20, 39]), np.array([1, 5, 4, 30, 13, 21, 2])
    _same(GroupSums.of_profiles(items).pairs(a, b, _every), PairSums.of_profiles([(items[i], items[j]) for i, j in zip(a, b)]))
    single = PairSums.of_profiles([(items[0], items[5])])
    assert MODEL.score(items[0], items[5]) == pytest.approx(float(MODEL.score_many(single)[0]), abs=1e-15)
    assert dict(zip(NAMES, features_of(single)[0])).keys() == set(NAMES)


def test_suggestions_with_no_word_the_vocabulary_knows_are_still_scored_by_their_names():
    # The service's first suggestions: no word used twice yet, so every word row is empty, while names are not.
    # Each paired with a second message naming the same places, so the names are what ties them.
    items = [Profile.of_item(p.vector, {}, p.names, {}, next(iter(p.submitters), ""), None) for p in _items(12, seed=4)]
    items += [Profile.of_item(-p.vector, {}, p.names, {}, "", None) for p in items]
    a, b = np.arange(0, 12), np.arange(12, 24)
    laid_out = GroupSums.of_profiles(items).pairs(a, b, _every)
    _same(laid_out, PairSums.of_profiles([(items[i], items[j]) for i, j in zip(a, b)]))
    assert features_of(laid_out)[:, NAMES.index("names")].max() > 0.99


def test_groups_merged_as_arrays_score_as_their_profiles_do(monkeypatch):
    """Many merges (one long chain among them), so the arrays grow and are packed again on the way; the arrays are
    first laid out in several chunks."""
    monkeypatch.setattr(group_sums, "ROWS_CHUNK", 7)
    items = _items(120, seed=2)
    profiles = [p.copy() for p in items]
    groups = GroupSums.of_profiles(items)
    rng = np.random.default_rng(3)
    alive = list(range(len(items)))
    for step in range(100):
        a, b = (alive[0], alive[1]) if step % 2 else tuple(int(x) for x in rng.choice(alive, 2, replace=False))
        groups.absorb(a, b)
        profiles[a].absorb(profiles[b])
        alive.remove(b)
        others = np.array([c for c in alive if c != a])
        _same(groups.against(a, others, _every), PairSums.of_profiles([(profiles[a], profiles[c]) for c in others]))
        first = np.array(alive[:5])
        _same(groups.pairs(first, np.array(alive[-5:]), _every),
              PairSums.of_profiles([(profiles[x], profiles[y]) for x, y in zip(first, alive[-5:])]))


def _plain_merges(rule, items: list[Profile], graph: list[set[int]]) -> list[tuple[int, int, float]]:
    """The finder's algorithm written plainly: groups as lists of members, their neighbours read off the graph
    afresh each time, every score by ``rule.score`` on whole ``Profile`` objects."""
    group_of = list(range(len(items)))
    members = {i: [i] for i in range(len(items))}
    profiles = {i: p.copy() for i, p in enumerate(items)}
    version = [0] * len(items)
    heap: list = []

    def neighbours(group: int) -> set[int]:
        return {group_of[j] for i in members[group] for j in graph[i]} - {group}

    def push(group: int, other: int) -> None:
        score = rule.score(profiles[group], profiles[other])
        if score >= rule.threshold:
            low, high = min(group, other), max(group, other)
            heapq.heappush(heap, (-score, low, high, version[low], version[high]))

    for group in range(len(items)):
        for other in neighbours(group):
            if group < other:
                push(group, other)
    merges = []
    while heap:
        negative, a, b, version_a, version_b = heapq.heappop(heap)
        if a not in members or b not in members or (version[a], version[b]) != (version_a, version_b):
            continue
        if len(neighbours(a)) < len(neighbours(b)):  # the group with more neighbours keeps its number
            a, b = b, a
        profiles[a].absorb(profiles.pop(b))
        for i in members[b]:
            group_of[i] = a
        members[a] += members.pop(b)
        merges.append((a, b, -negative))
        version[a] += 1
        for other in neighbours(a):
            push(a, other)
    return merges


@pytest.mark.parametrize("rule", [MODEL, CosineRule(0.6)], ids=["learned", "cosine"])
def test_the_finder_makes_the_merges_the_plain_per_pair_algorithm_makes(rule):
    items = _items(150, seed=4)
    graph = _graph(items, k=8)
    finder = IssueFinder(rule, k=8).fit(None, items, graph=graph)
    plain = _plain_merges(rule, items, graph)
    assert 30 < len(plain) < len(items) - 4  # something to find, not everything one issue
    assert [(a, b) for a, b, _ in finder.merges_] == [(a, b) for a, b, _ in plain]
    assert [s for _, _, s in finder.merges_] == pytest.approx([s for _, _, s in plain], abs=1e-12)


def _same_arrays(laid_out: GroupSums, profiles: GroupSums) -> None:
    assert laid_out.vectors.tobytes() == profiles.vectors.tobytes()
    assert laid_out._counts.tobytes() == profiles._counts.tobytes()
    for field in ("ids", "values", "offsets", "start", "length"):
        assert getattr(laid_out._rows, field).tobytes() == getattr(profiles._rows, field).tobytes(), field


def test_a_corpus_laid_out_from_its_matrices_is_its_profiles_to_the_bit():
    """A re-cluster lays a corpus out from its TF-IDF matrices; placement builds ``Profile`` objects one by one. The
    arrays must be the same floats, or the two would group the same suggestions differently."""
    from datetime import datetime

    from triage.config import load_config
    from triage.issues import TextViews, item_profiles
    from triage.names import name_extractor_from_config
    from triage.records import Suggestion

    rng = np.random.default_rng(5)
    places = ["丽发新城小区", "金茂悦小区", "联丰路", "米兰春天小区"]
    problems = ["搅拌站噪音", "变电站辐射", "粉尘扰民", "夜间施工", "停车难"]
    suggestions, tokens = [], []
    for i in range(60):
        place, problem = places[rng.integers(4)], problems[rng.integers(5)]
        suggestions.append(Suggestion(
            id=str(i), title=f"{place}{problem}", body=f"{place}附近{problem}，{problems[rng.integers(5)]}",
            submitter=f"org{rng.integers(6)}" if i % 7 else "",
            submitted_at=datetime(2019, 1, 1 + i % 28) if i % 5 else None))
        tokens.append([place[:2], place[2:4], problem[:2], problem[2:], problems[rng.integers(5)][:2]][:rng.integers(1, 6)])
    views = TextViews(name_extractor_from_config(load_config()))
    names, words = views.fit_transform([s.title for s in suggestions], [s.body for s in suggestions], tokens)
    assert views.name_words_, "some words are names' words, left out of the problem words"
    vectors = rng.normal(size=(60, 8)).astype(np.float32)
    laid_out = views.item_sums(suggestions, vectors, names, words)
    profiles = GroupSums.of_profiles(item_profiles(views, suggestions, vectors, names, words))
    _same_arrays(laid_out, profiles)
    # Some of the corpus's rows, in another order (an issue's members, as threads lay them out), likewise.
    positions = [int(p) for p in rng.permutation(60)[:25]]
    laid_out = views.item_sums([suggestions[p] for p in positions], vectors[positions], names, words, positions)
    profiles = GroupSums.of_profiles([item_profiles(views, suggestions, vectors, names, words)[p] for p in positions])
    _same_arrays(laid_out, profiles)

