"""The live analysis: suggestions, their vectors, the neighbour index and the shared issues, kept in memory.

The batch job and the service use the same object. The batch job fills it and re-clusters once; the service
restores it from its store at start-up and then adds suggestions one at a time. Adding places a suggestion by the
issue finder's own rule against its neighbours, then merges the issue it joined with any neighbouring issue the two
tests now link it to (``take_moves`` tells the store who moved), so the incremental answer and a full re-cluster
agree on what an issue is; a re-cluster keeps issue ids where membership overlaps. The name and word vocabularies the
rule reads grow with every suggestion stored (``_learn``), so a place first named after the fit is evidence too.

One writer at a time holds the lock; embedding (the slow part) happens before it is taken, and a re-cluster
computes on a snapshot so scoring never waits for it.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import label, rank
from .corrections import MERGE, SPLIT, Correction, apply_corrections
from .dedup import DuplicateLinker, link_duplicates, linker_from_config
from .embed import CachedEmbedder, Embedder, embedder_from_config, passage_text
from .group_sums import Profile
from .entries import Ranking
from .issue_book import IssueBook
from .issue_ids import carry_over_ids, format_id, id_number
from .issues import IssueFinder, TextViews, day_of, neighbour_graph, threads_of_laid_out, with_originals
from .linkage import rule_from_config
from .names import name_extractor_from_config
from .neighbours import NeighbourIndex
from .records import Issue, Score, Suggestion
from .segment import Segmenter, segmenter_from_config
from .sparse_rows import SparseRows
from .theme_rank import CandidateBook
from .themes import Theme, ThemeBook, theme_finder_from_config

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Checkpoint:
    """Where the workspace stood before a write: how many suggestions and the next issue number, and, filled in as
    the write goes on, the issue each earlier suggestion had before the write first moved it (a write moves a few,
    so taking a checkpoint costs nothing however many are stored)."""

    size: int
    next_issue: int
    moved_from: dict[int, str | None] = field(default_factory=dict)


@dataclass
class Outcome:
    """What the pipeline says about one suggestion: its repost link, its issue and its scores."""

    id: str
    duplicate_of: str | None
    issue_id: str | None
    opened_issue: bool
    nearest: list[tuple[str, float]] = field(default_factory=list)
    digest: Score | None = None
    issue_score: Score | None = None
    issue_label: str = ""
    issue_size: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "duplicate_of": self.duplicate_of,
            "issue_id": self.issue_id,
            "opened_issue": self.opened_issue,
            "issue_label": self.issue_label,
            "issue_size": self.issue_size,
            "nearest": [{"id": i, "similarity": round(s, 4)} for i, s in self.nearest],
            "digest": self.digest.to_dict() if self.digest else None,
            "issue_score": self.issue_score.to_dict() if self.issue_score else None,
        }


class Workspace:
    """Suggestions with vectors, duplicate links and issues; answers rankings and scores one suggestion."""

    def __init__(self, config: dict, embedder: Embedder | None = None, segmenter: Segmenter | None = None,
                 embedder_name: str | None = None):
        self.config = config
        self.segmenter = segmenter or segmenter_from_config(config)
        self._embedder = embedder
        self._embedder_name = embedder_name or config["embed"]["name"]
        section = config["issues"]
        self.finder = IssueFinder(rule_from_config(config), k=section["finder"]["k"])
        self._names = name_extractor_from_config(config)
        self._digest_model = rank.digest_model_from_config(config)
        self._neighbours_shown = section["nearest_shown"]
        self._merge_on_add = section["merge_on_add"]
        self._regroup_on_add = section["regroup_on_add"]
        self._regroup_members = section["regroup_members"]
        self._lock = threading.RLock()
        # Kept across refreshes: it remembers what each suggestion and issue says, so only what changed is read again.
        self._theme_book = ThemeBook(theme_finder_from_config(config, self.segmenter),
                                     config["themes"]["keywords_per_theme"], self._lock)
        # The latest checkpoint: every change of an earlier suggestion's issue is noted in it (``_assign``), so
        # ``rollback`` can undo the write in progress. Kept through a load, which a first batch write may do.
        self._open: Checkpoint | None = None
        self._reset(dim=embedder.dim if embedder else None)

    def _reset(self, dim: int | None) -> None:
        self.suggestions: list[Suggestion] = []
        self.tokens: list[list[str]] = []
        self._pos: dict[str, int] = {}
        self._index: NeighbourIndex | None = NeighbourIndex(dim, **self.config["issues"]["index"]) if dim else None
        self._near: tuple | None = None  # the last ``_neighbours_of`` answer: (index, its size, position, ids, sims)
        self._repost_linker: DuplicateLinker | None = None  # built when first needed: see ``linker``
        self._issue_of: list[str | None] = []
        self._members: dict[str, list[int]] = {}
        self._next_issue = 1
        self._cache: dict[str, Any] = {}
        # Issues changed since they were last described: the next read describes just these again (the book keeps
        # the rest), and drops whatever ``_cache`` derived from the issues.
        self._touched: set[str] = set()
        # Issues changed since the themes were last found (``None``: every issue, after a load or re-cluster).
        self._theme_changes: set[str] | None = None
        # Themes described again since the candidates were last ranked (``None``: every theme).
        self._themes_to_rank: set[str] | None = None
        self._candidates = CandidateBook(self.config)
        self._book = IssueBook(self.config, self._lock)
        # Stored suggestions whose issue a merge changed since the caller last took them: id -> [from, to].
        self._moved: dict[str, tuple[str, str]] = {}
        # The name and word views: vocabularies learnt from the stored texts, rows per position, and per issue the
        # sums of its originals' vectors that the linkage rule reads.
        self._views = TextViews(self._names)
        self._views_size = 0
        self._name_rows = SparseRows(None)
        self._word_rows = SparseRows(None)
        # Per issue, its threads and the members they were found for (see ``threads_of_issues``). Kept through writes
        # that leave the issue alone, unlike ``_cache``: finding a large issue's threads is most of reading it.
        self._threads: dict[str, tuple[tuple[int, ...], list[tuple[str, list[str]]]]] = {}
        # Issues' profiles built so far (``_profile``): a fit of 100,000 suggestions needs hardly any of them.
        self._profiles: dict[str, Profile] = {}
        # Reviewers' splits and merges, in the order made: applied again after every re-cluster.
        self.corrections: list[Correction] = []

    # -- embedding -------------------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = embedder_from_config(self.config, self._embedder_name, self.segmenter)
        return self._embedder

    def embed(self, suggestions: Sequence[Suggestion], remember: bool = True) -> np.ndarray:
        """Vectors for suggestions, from the cache where it has them. Takes no lock: it is the slow part.

        ``remember=False`` reads the cache but does not write to it: a draft scored before submission should not
        grow the cache.
        """
        texts = [passage_text(s, self.config["embed"]["max_body_chars"]) for s in suggestions]
        embedder = self.embedder
        if isinstance(embedder, CachedEmbedder):
            return embedder.embed(texts, remember=remember)
        return embedder.embed(texts)

    def _ensure_index(self, dim: int) -> NeighbourIndex:
        if self._index is None:
            self._index = NeighbourIndex(dim, **self.config["issues"]["index"])
        return self._index

    # -- loading ---------------------------------------------------------------------------------------------
    def restore(self, suggestions: Sequence[Suggestion], vectors: np.ndarray, issue_of: Mapping[str, str],
                tokens: Sequence[list[str]] | None = None, known_issue_ids: Iterable[str] = ()) -> None:
        """Load saved state without re-embedding: suggestions keep their duplicate links and their issues.

        Suggestions without an issue in ``issue_of`` are placed by the incremental rule, so a partial save (for
        example after a crash mid-batch) restores to a consistent workspace. ``known_issue_ids`` are ids used
        before, even by issues that no longer have members: a new issue never takes one, so reviews written for
        an old issue never attach to a different one.
        """
        with self._lock:
            self._load(suggestions, vectors, tokens)
            self._issue_of = [issue_of.get(s.id) for s in self.suggestions]
            for position, issue_id in enumerate(self._issue_of):
                if issue_id is not None:
                    self._members.setdefault(issue_id, []).append(position)
            self._next_issue = max((id_number(i) for i in [*self._members, *known_issue_ids]), default=0) + 1
            self._profiles = {}
            for position in range(len(self.suggestions)):
                if self._issue_of[position] is None:
                    self._place(position)

    def fit(self, suggestions: Sequence[Suggestion], vectors: np.ndarray,
            tokens: Sequence[list[str]] | None = None, progress: Progress | None = None,
            segmenter_fitted: bool = False) -> "Workspace":
        """Load suggestions whose duplicate links are already set and find their issues from scratch.

        ``segmenter_fitted``: the workspace's segmenter was just fitted on exactly these tokens (``pipeline.prepare``
        fits it for the keywords), so it is not fitted again."""
        with self._lock:
            self._load(suggestions, vectors, tokens, fit_segmenter=not segmenter_fitted, views=False)
            graph = None
            if self.suggestions:
                # The neighbour graph is numpy's work (its products, partitions and sorts release the interpreter),
                # the vocabularies are Python's: the graph is searched on another thread while they are learnt.
                with ThreadPoolExecutor(max_workers=1) as pool:
                    searched = pool.submit(neighbour_graph, self._index, self.finder.k)
                    self._refit_views()
                    graph = searched.result()
            self._issue_of = [None] * len(self.suggestions)
            # Nothing else can hold the workspace meanwhile, so the index just built serves as the snapshot.
            self._recluster(progress, self._index, graph)
        return self

    def _load(self, suggestions: Sequence[Suggestion], vectors: np.ndarray,
              tokens: Sequence[list[str]] | None, fit_segmenter: bool = True, views: bool = True) -> None:
        """Take the suggestions, their vectors and tokens; ``views``: learn the name and word views too."""
        self._reset(dim=vectors.shape[1] if len(vectors) else None)
        if not len(suggestions):
            return
        self._ensure_index(vectors.shape[1]).add(vectors)
        self.suggestions = list(suggestions)
        self.tokens = [list(t) for t in tokens] if tokens is not None else [
            self.segmenter.tokens(s.text) for s in suggestions]
        if fit_segmenter:
            self.segmenter.fit(self.tokens)
        self._pos = {s.id: i for i, s in enumerate(self.suggestions)}
        if views:
            self._refit_views()

    @property
    def linker(self) -> DuplicateLinker:
        """The repost linker holding every stored original. Built when first needed, not at load: a batch run,
        whose reposts are linked before the workspace sees them, never needs it (about a third of the load's time
        at 100,000 suggestions)."""
        with self._lock:
            if self._repost_linker is None:
                self._repost_linker = linker_from_config(self.config)
                self._repost_linker.register(s for s in self.suggestions if s.duplicate_of is None)
            return self._repost_linker

    def _refit_views(self) -> None:
        """Learn the name and word vocabularies from every stored suggestion and recompute every row."""
        titles, bodies = [s.title for s in self.suggestions], [s.body for s in self.suggestions]
        self._views = TextViews(self._names)
        self._name_rows, self._word_rows = self._views.fit_transform(titles, bodies, self.tokens)
        self._views_size = len(self.suggestions)
        self._threads.clear()  # every row may have changed

    def _learn(self, position: int) -> None:
        """Take a stored suggestion into the name and word vocabularies (``TextViews.learn``) and give it its rows.

        Earlier suggestions that use a word entering the vocabulary get their rows again, and the issues holding
        them their sums: the second message about a new estate or shop makes the first one's name evidence too, as a
        fit on everything would. Costs the new suggestion's rows and, now and then, one or two earlier ones'.
        """
        suggestion = self.suggestions[position]
        changed = self._views.learn(suggestion.title, suggestion.body, self.tokens[position], position,
                                    lambda p: (self.suggestions[p].title, self.suggestions[p].body))
        self._name_rows.append({})
        self._word_rows.append({})
        for p in [position, *changed]:
            self._threads.pop(self._issue_of[p], None)  # its threads were laid out with its members' old rows
            profile = self._profiles.get(self._issue_of[p])  # the new suggestion has no issue yet
            if profile is not None:
                profile.withdraw(self._item(p))
            names, words = self._views.transform([self.suggestions[p].title], [self.suggestions[p].body],
                                                 [self.tokens[p]])
            self._name_rows[p], self._word_rows[p] = names[0], words[0]
            if profile is not None:
                profile.absorb(self._item(p))

    def _item(self, position: int) -> Profile:
        suggestion = self.suggestions[position]
        return self._views.profile(self._index.vectors[position], self._name_rows[position], self._word_rows[position],
                                   suggestion.submitter, day_of(suggestion.submitted_at))

    def _profile(self, issue_id: str) -> Profile:
        """An issue's profile, the sums over its members that the linkage rule reads; built from the members when
        first asked for (in member order, as it was always added up), then kept up to date as members join."""
        profile = self._profiles.get(issue_id)
        if profile is None:
            members = self._members[issue_id]
            profile = self._item(members[0])
            for position in members[1:]:
                profile.absorb(self._item(position))
            self._profiles[issue_id] = profile
        return profile

    # -- incremental -----------------------------------------------------------------------------------------
    def add(self, suggestions: Sequence[Suggestion], vectors: np.ndarray | None = None) -> list[Outcome]:
        """Link, place and store each suggestion (in order); a suggestion whose id is stored is answered as stored."""
        fresh = [s for s in dict((s.id, s) for s in suggestions).values() if s.id not in self._pos]
        if vectors is None:
            vectors = self.embed(fresh)
        else:
            by_id = {s.id: v for s, v in zip(suggestions, vectors)}
            vectors = np.array([by_id[s.id] for s in fresh], dtype=np.float32).reshape(len(fresh), -1)
        # Segmenting is the slow part of the text work and needs no lock.
        tokens = [self.segmenter.tokens(s.text) for s in fresh]
        with self._lock:
            if not self.suggestions and len(fresh) > 1:
                # The first load of an empty workspace is a batch: link reposts in time order and find issues once,
                # which is both faster and better than placing one suggestion at a time.
                link_duplicates(fresh, self.config)
                self.fit(fresh, vectors, tokens)
                return [self.outcome(s.id) for s in suggestions]
            for k, (suggestion, vector) in enumerate(zip(fresh, vectors)):
                if suggestion.id in self._pos:
                    continue
                suggestion.duplicate_of = self.linker.add(suggestion)
                position = len(self.suggestions)
                self.suggestions.append(suggestion)
                self.tokens.append(tokens[k])
                self._pos[suggestion.id] = position
                self._issue_of.append(None)
                self._ensure_index(len(vector)).add(vector[None, :])
                self.segmenter.partial_fit([tokens[k]])
                if len(self.suggestions) >= 2 * self._views_size:
                    # Every IDF still on the scale of a much smaller corpus: relearn them all (amortised O(1)).
                    self._refit_views()
                    self._profiles = {}
                else:
                    self._learn(position)
                issue_id = self._place(position)
                if self._regroup_on_add:
                    issue_id = self._regroup_around(issue_id, position)
                if self._merge_on_add:
                    issue_id = self._merge_neighbours(issue_id, position)
                self._touched.add(issue_id)
            return [self.outcome(s.id) for s in suggestions]

    def checkpoint(self) -> Checkpoint:
        """The state ``rollback`` returns to: taken before ``add`` when the store may still refuse what it adds.

        Only the latest checkpoint can be rolled back to: taking one ends the previous one's record of moves.
        """
        with self._lock:
            self._open = Checkpoint(len(self.suggestions), self._next_issue)
            return self._open

    def _assign(self, position: int, issue_id: str | None) -> None:
        """Set a suggestion's issue; the open checkpoint notes where a suggestion it holds was before the write."""
        if self._open is not None and position < self._open.size:
            self._open.moved_from.setdefault(position, self._issue_of[position])
        self._issue_of[position] = issue_id

    def rollback(self, checkpoint: Checkpoint) -> None:
        """Forget everything added since ``checkpoint``, so the workspace holds again exactly what the store holds.

        Rebuilt from the workspace's own suggestions, tokens and vectors (no store, no embedding, no segmenting):
        a write the store refused because it was away must not need the store to be undone.
        """
        with self._lock:
            if checkpoint is not self._open:
                raise ValueError("only the latest checkpoint can be rolled back to")
            n = checkpoint.size
            kept, tokens = self.suggestions[:n], self.tokens[:n]
            issue_of = {s.id: checkpoint.moved_from.get(p, self._issue_of[p]) for p, s in enumerate(kept)}
            dim = self._index.dim if self._index is not None else 0
            vectors = self._index.vectors[:n].copy() if n else np.zeros((0, dim), dtype=np.float32)
            self.restore(kept, vectors, issue_of, tokens=tokens)
            self._next_issue = max(self._next_issue, checkpoint.next_issue)

    def take_moves(self) -> dict[str, tuple[str, str]]:
        """Stored suggestions that merges moved to another issue since the last call: id -> (from, to)."""
        with self._lock:
            moves, self._moved = self._moved, {}
            return moves

    # -- reviewers' corrections ------------------------------------------------------------------------------
    def split(self, issue_id: str, moving: Sequence[str]) -> tuple[str, Correction]:
        """Move some members of an issue (their reposts with them) into a new issue; its id and the correction.

        Raises ``ValueError`` naming the problem when the ids are not members or would leave the issue empty.
        """
        with self._lock:
            members = {self.suggestions[p].id for p in self._members.get(issue_id, [])}
            unknown = sorted(set(moving) - members)
            if unknown:
                raise ValueError(f"不是问题 {issue_id} 的成员：{', '.join(unknown[:5])}")
            moved = set(moving) | {s for s in members if self.get(s).duplicate_of in moving}
            if not moved or moved >= members:
                raise ValueError("拆分须留下至少一条意见并移出至少一条")
            new_id = format_id(self._next_issue)
            self._next_issue += 1
            correction = Correction(SPLIT, (tuple(sorted(members - moved)), tuple(sorted(moved))), (issue_id, new_id))
            self._move({sid: new_id for sid in moved})
            self.corrections.append(correction)
            return new_id, correction

    def merge(self, issue_ids: Sequence[str]) -> tuple[str, Correction]:
        """Merge issues into the one with most members (ties: the smaller id); its id and the correction."""
        with self._lock:
            missing = [i for i in issue_ids if i not in self._members]
            if missing or len(set(issue_ids)) < 2:
                raise ValueError(f"合并须给出至少两个现有问题：{', '.join(missing) or '只有一个'}")
            keep = min(set(issue_ids), key=lambda i: (-len(self._members[i]), i))
            members = sorted(self.suggestions[p].id for i in set(issue_ids) for p in self._members[i])
            self._move({sid: keep for sid in members if self.issue_of(sid) != keep})
            correction = Correction(MERGE, (tuple(members),), (keep,))
            self.corrections.append(correction)
            return keep, correction

    def _move(self, moves: Mapping[str, str]) -> None:
        """Put suggestions into the given issues; profiles of every issue involved are recomputed."""
        touched = set(moves.values())
        for sid, target in moves.items():
            position = self._pos[sid]
            before = self._issue_of[position]
            if before is not None:
                self._members[before].remove(position)
                touched.add(before)
                self._moved[sid] = (self._moved.get(sid, (before, target))[0], target)
            self._assign(position, target)
            self._members.setdefault(target, []).append(position)
        for issue_id in touched:
            self._profiles.pop(issue_id, None)  # summed again from its members when next needed
            self._touched.add(issue_id)  # an emptied issue is dropped from the descriptions at the next read
            if not self._members.get(issue_id):
                self._members.pop(issue_id, None)
                continue
            self._members[issue_id].sort()

    def _apply_corrections(self) -> None:
        """Make every stored correction hold again (after a re-cluster); reposts follow their originals."""
        def fresh() -> str:
            self._next_issue += 1
            return format_id(self._next_issue - 1)

        moves = apply_corrections(self.corrections, {s.id: self._issue_of[i] for i, s in enumerate(self.suggestions)},
                                  fresh)
        for suggestion in self.suggestions:
            if suggestion.duplicate_of in moves and suggestion.id not in moves:
                moves[suggestion.id] = moves[suggestion.duplicate_of]
        if moves:
            self._move(moves)

    def _kept_apart(self, first: str, second: str) -> bool:
        """Whether a reviewer's split forbids joining these two issues."""
        if not any(len(c.groups) > 1 for c in self.corrections):
            return False
        a = {self.suggestions[p].id for p in self._members[first]}
        b = {self.suggestions[p].id for p in self._members[second]}
        return any(c.keeps_apart(a, b) for c in self.corrections)

    def _merge_neighbours(self, issue_id: str, position: int) -> str:
        """Merge the issue ``position`` just joined with each neighbouring issue it now links to; its final id.

        Placing one suggestion never joins two issues that already exist, so two threads of one issue that began
        apart (the fire permit and the false advertising of one food court) would stay apart until the next full
        re-cluster. This is the finder's own merge step, tried where the graph just changed: the issues of the new
        suggestion's nearest neighbours, best link first. The larger issue keeps its id.
        """
        ids, _ = self._neighbours_of(position)
        while True:
            candidates = {c for c in {self._issue_of[j] for j in ids} - {issue_id, None}
                          if not self._kept_apart(issue_id, c)}
            other = self.finder.best_match(self._profile(issue_id), {c: self._profile(c) for c in candidates})
            if other is None:
                return issue_id
            keep, gone = sorted((issue_id, other), key=lambda i: (-len(self._members[i]), i))
            for moved in self._members[gone]:
                self._assign(moved, keep)
                sid = self.suggestions[moved].id
                self._moved[sid] = (self._moved.get(sid, (gone, keep))[0], keep)  # from where it was first taken
            self._members[keep] = sorted(self._members[keep] + self._members.pop(gone))
            self._profile(keep).absorb(self._profile(gone))
            del self._profiles[gone]
            issue_id = keep

    def _regroup_around(self, issue_id: str, position: int) -> str:
        """Group the members of the issue ``position`` just joined and of its neighbours' issues again, by the
        finder's rule as a full re-cluster would; the id of the issue that holds ``position`` then.

        A suggestion is placed against the issues as they are, without the suggestions that will follow it: the
        first message of a new issue can join an issue it resembles (another estate's light pollution) and draw its
        later siblings in after it. Grouping the neighbourhood again undoes that once the siblings are there to link
        to each other first. Ids carry over where membership overlaps, as after a re-cluster, and reviewers'
        corrections are made to hold again.

        The work is bounded however large the issues grow: the issues are taken member by member, smallest first,
        up to ``regroup_members`` members; any larger one (a campaign of thousands) takes part whole, as one group
        that the others may join but whose members are not grouped again.
        """
        ids, _ = self._neighbours_of(position)
        issues = sorted(({self._issue_of[j] for j in ids} | {issue_id}) - {None},
                        key=lambda i: (len(self._members[i]), i))
        loose: list[int] = []
        whole: list[str] = []
        for issue in issues:
            if len(loose) + len(self._members[issue]) <= self._regroup_members:
                loose += self._members[issue]
            else:
                whole.append(issue)
        if len(loose) + len(whole) < 3:  # a pair the rule joined stays joined: regrouping two gives the same answer
            return issue_id
        loose.sort()
        items = [self._item(p) for p in loose] + [self._profile(issue).copy() for issue in whole]
        spans = [[p] for p in loose] + [self._members[issue] for issue in whole]
        index = NeighbourIndex(len(items[0].vector))
        # A whole issue is searched by the direction of its members' sum.
        index.add(np.array([item.vector for item in items[:len(loose)]]
                           + [item.vector / np.linalg.norm(item.vector) for item in items[len(loose):]],
                           dtype=np.float32).reshape(len(items), -1))
        labels = IssueFinder(self.finder.rule, k=min(self.finder.k, len(items) - 1)).fit(index, items).labels_
        positions = sorted(p for span in spans for p in span)
        label_of = {p: int(label) for span, label in zip(spans, labels) for p in span}
        groups, new_ids = self._grouped(np.array([label_of[p] for p in positions]), positions,
                                        {self.suggestions[p].id: self._issue_of[p] for p in positions})
        moves = {self.suggestions[p].id: new for group, new in zip(groups, new_ids) for p in group
                 if self._issue_of[p] != new}
        if moves:
            self._move(moves)
            if self.corrections:
                self._apply_corrections()
        return self._issue_of[position]

    def _grouped(self, labels: np.ndarray, positions: Sequence[int], old: Mapping[str, str]
                 ) -> tuple[list[list[int]], list[str]]:
        """The finder's ``labels`` of ``positions`` (ascending) as groups of positions, each repost moved to its
        original's group (``with_originals``), with ids carried over from ``old`` (suggestion id -> its issue before)
        where membership overlaps and fresh ids for the rest: the last step of a re-cluster and of a regrouping."""
        local = {p: n for n, p in enumerate(positions)}
        originals = [local.get(self._pos.get(self.suggestions[p].duplicate_of)) for p in positions]
        groups = [[positions[n] for n in group] for group in with_originals(labels, originals)]
        ids, self._next_issue = carry_over_ids(old, [[self.suggestions[p].id for p in group] for group in groups],
                                               self._next_issue)
        return groups, ids

    def _place(self, position: int) -> str:
        """Put a stored suggestion into its issue by the finder's rule; open a new issue when it links to none.

        A repost goes where its original is.
        """
        suggestion = self.suggestions[position]
        original = self._pos.get(suggestion.duplicate_of) if suggestion.duplicate_of else None
        item = self._item(position)
        if original is not None and self._issue_of[original] is not None:
            issue_id = self._issue_of[original]
        else:
            issue_id = self._match(item, ids=self._neighbours_of(position)[0])
            if issue_id is None:
                issue_id = format_id(self._next_issue)
                self._next_issue += 1
        if issue_id not in self._members:
            self._profiles[issue_id] = item
        elif issue_id in self._profiles:  # one not built yet will be summed with this member when needed
            self._profiles[issue_id].absorb(item)
        self._issue_of[position] = issue_id
        self._members.setdefault(issue_id, []).append(position)
        return issue_id

    def _neighbours(self, vector: np.ndarray, exclude: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        if self._index is None or not len(self._index):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        ids, sims = self._index.search(vector[None, :], self.finder.k + 1)
        keep = (ids[0] >= 0) & (ids[0] != (-2 if exclude is None else exclude))
        return ids[0][keep], sims[0][keep]

    def _neighbours_of(self, position: int) -> tuple[np.ndarray, np.ndarray]:
        """A stored suggestion's nearest others. Placing, merging and answering a new suggestion each ask for them
        in turn, so the last answer is kept while the index holds the same vectors."""
        near = self._near
        if near is None or near[0] is not self._index or near[1] != len(self._index) or near[2] != position:
            ids, sims = self._neighbours(self._index.vectors[position], exclude=position)
            self._near = near = (self._index, len(self._index), position, ids, sims)
        return near[3], near[4]

    def _match(self, item: Profile, ids: np.ndarray) -> str | None:
        """The issue among the item's nearest neighbours' (``ids``) issues that the item links to, or ``None``."""
        candidates = {self._issue_of[j] for j in ids if self._issue_of[j] in self._members}
        return self.finder.best_match(item, {issue_id: self._profile(issue_id) for issue_id in candidates})

    # -- answers ---------------------------------------------------------------------------------------------
    def outcome(self, suggestion_id: str) -> Outcome:
        """The stored answer for a stored suggestion."""
        with self._lock:
            position = self._pos[suggestion_id]
            suggestion = self.suggestions[position]
            issue_id = self._issue_of[position]
            ids, sims = self._neighbours_of(position)
            issue = self._issues().get(issue_id) if issue_id else None
            members = self._members.get(issue_id, [])
            opened = bool(members) and members[0] == position
            return self._outcome(suggestion, issue, opened, ids, sims)

    def score(self, suggestion: Suggestion, vector: np.ndarray | None = None) -> Outcome:
        """The answer ``add`` would give, with nothing stored."""
        if vector is None:
            vector = self.embed([suggestion], remember=False)[0]
        tokens = self.segmenter.tokens(suggestion.text)
        with self._lock:
            duplicate_of = self.linker.find(suggestion)
            probe = Suggestion(**{**suggestion.__dict__, "duplicate_of": duplicate_of})
            ids, sims = self._neighbours(vector)
            if duplicate_of is not None and duplicate_of in self._pos:
                issue_id = self._issue_of[self._pos[duplicate_of]]
            else:
                names, words = self._views.transform([suggestion.title], [suggestion.body], [tokens])
                issue_id = self._match(self._views.profile(vector, names[0], words[0], suggestion.submitter,
                                                           day_of(suggestion.submitted_at)), ids=ids)
            issue = self._issues().get(issue_id) if issue_id else None
            opened = issue is None
            if issue is None:
                # A suggestion that would open an issue is scored as the one member of a new issue.
                issue = label.describe_issues({"": [0]}, [probe], [tokens], vector[None, :], self.config,
                                              self._book.assigner())[0]
            return self._outcome(probe, issue, opened, ids, sims)

    def _outcome(self, suggestion: Suggestion, issue: Issue | None, opened: bool,
                 ids: np.ndarray, sims: np.ndarray) -> Outcome:
        shown = self._neighbours_shown
        nearest = [(self.suggestions[j].id, float(s)) for j, s in zip(ids[:shown], sims[:shown])]
        digest = self._digest_score(suggestion)
        issue_score = self._book.key_score(issue.id) if issue is not None and issue.id else None
        return Outcome(
            id=suggestion.id, duplicate_of=suggestion.duplicate_of,
            issue_id=issue.id if issue is not None and issue.id else None, opened_issue=opened,
            nearest=nearest, digest=digest, issue_score=issue_score,
            issue_label=issue.label if issue else "", issue_size=issue.size if issue else 0,
        )

    # -- re-clustering ---------------------------------------------------------------------------------------
    def recluster(self, progress: Progress | None = None) -> dict[str, str]:
        """Find issues afresh on a snapshot; ids carry over where membership overlaps. Returns id -> issue id.

        Vocabularies, rows and the grouping are computed outside the lock, so adding and scoring go on meanwhile;
        suggestions added during the computation are placed again once the new issues are in.
        """
        return self._recluster(progress, None)

    def _recluster(self, progress: Progress | None, index: NeighbourIndex | None,
                   graph: list[set[int]] | None = None) -> dict[str, str]:
        report = progress or (lambda fraction, stage: None)
        with self._lock:
            n = len(self.suggestions)
            if n == 0:
                return {}
            vectors = self._index.vectors[:n].copy()
            snapshot = self.suggestions[:n]
            tokens = self.tokens[:n]
            old = {snapshot[i].id: self._issue_of[i] for i in range(n) if self._issue_of[i]}
        report(0.02, "snapshot")
        if index is None:
            titles, bodies = [s.title for s in snapshot], [s.body for s in snapshot]
            views = TextViews(self._names)
            name_rows, word_rows = views.fit_transform(titles, bodies, tokens)
        else:  # ``fit``: the load has just learnt the views of exactly this snapshot
            views, name_rows, word_rows = self._views, self._name_rows, self._word_rows
        report(0.15, "views")
        if index is None:
            index = NeighbourIndex(vectors.shape[1], **self.config["issues"]["index"])
            index.add(vectors)
        report(0.25, "index")
        items = views.item_sums(snapshot, vectors, name_rows, word_rows)
        labels = self.finder.fit(index, items, progress=lambda f: report(0.25 + 0.7 * f, "linking"),
                                 graph=graph).labels_
        with self._lock:
            ordered, ids = self._grouped(labels, range(n), old)
            if self._open is not None:  # every suggestion may move: the write in progress notes where all were
                for position in range(self._open.size):
                    self._open.moved_from.setdefault(position, self._issue_of[position])
            self._views, self._views_size = views, n
            self._name_rows, self._word_rows = name_rows, word_rows
            self._profiles = {}
            self._threads.clear()
            for position in range(n, len(self.suggestions)):  # added meanwhile
                self._learn(position)
            self._issue_of = [None] * len(self.suggestions)
            self._members = {}
            for issue_id, members in zip(ids, ordered):
                self._members[issue_id] = list(members)
                for position in members:
                    self._issue_of[position] = issue_id
            for position in range(len(self.suggestions)):
                if self._issue_of[position] is None:
                    self._place(position)
            for members in self._members.values():
                members.sort()
            self._apply_corrections()
            self._cache.clear()
            self._touched.clear()
            self._moved.clear()  # the caller stores the whole new assignment
            report(1.0, "done")
            return {s.id: self._issue_of[i] for i, s in enumerate(self.suggestions)}

    # -- rankings --------------------------------------------------------------------------------------------
    def _issues(self) -> dict[str, Issue]:
        """Every issue as described now: all described afresh after a load or re-cluster, otherwise only those
        changed since the last read. Whatever ``_cache`` derived from the issues is dropped when any changed."""
        if "issues" not in self._cache or self._touched:
            vectors = self._index.vectors if self._index else np.zeros((0, 1))
            changed = None if "issues" not in self._cache else self._touched
            self._book.refresh(self.suggestions, self.tokens, vectors, self._members, self._issue_of, changed)
            self._theme_changes = None if changed is None or self._theme_changes is None \
                else self._theme_changes | changed
            self._cache.clear()
            self._touched.clear()
            self._cache["issues"] = self._book.issues()
        return self._cache["issues"]

    def issues(self) -> list[Issue]:
        with self._lock:
            return list(self._issues().values())

    def key_topics(self) -> Ranking:
        """Issues ranked as key-topic candidates, best first (a sequence whose scores are built when read)."""
        with self._lock:
            self._issues()
            if "key_topics" not in self._cache:
                self._cache["key_topics"] = self._book.key_topics()
            return self._cache["key_topics"]

    def key_topic(self, issue_id: str) -> tuple[int, Score]:
        """An issue's place in the key-topic ranking (from 1) and its score."""
        with self._lock:
            ranking = self.key_topics()
            place = ranking.place(issue_id)
            return place, ranking[place - 1][1]

    def themes(self) -> list[Theme]:
        """Every issue under a theme (see triage/themes.py), largest first; recomputed when issues change."""
        with self._lock:
            issues = self._issues()
            if "themes" not in self._cache:
                self._cache["themes"] = self._theme_book.refresh(issues, self.suggestions, self.tokens, self._pos,
                                                                 self._theme_changes)
                self._themes_to_rank = None if self._theme_changes is None or self._themes_to_rank is None \
                    else self._themes_to_rank | self._theme_book.changed_
                self._theme_changes = set()
            return self._cache["themes"]

    def theme_candidates(self) -> Ranking[Theme]:
        """Themes ranked as key-topic candidates, best first (a sequence whose scores are built when read); themes of
        a single submitter are left out."""
        with self._lock:
            self.themes()
            if "theme_candidates" not in self._cache:
                self._cache["theme_candidates"] = self._candidates.update(
                    self._theme_book.by_id(), self._themes_to_rank, self.suggestions, self.tokens, self._pos)
                self._themes_to_rank = set()
            return self._cache["theme_candidates"]

    def theme_assignments(self) -> dict[str, str]:
        """Suggestion id -> theme id (through its issue)."""
        with self._lock:
            theme_of_issue = {issue_id: theme.id for theme in self.themes() for issue_id in theme.issues}
            return {s.id: theme_of_issue[self._issue_of[i]] for i, s in enumerate(self.suggestions)}

    def digest(self) -> list[tuple[Suggestion, Score, str | None]]:
        """Originals ranked as digest candidates, capped per issue, best first."""
        with self._lock:
            self._issues()
            if "digest" not in self._cache:
                self._cache["digest"] = self._book.digest()
            return self._cache["digest"]

    def digest_scores(self) -> dict[str, Score]:
        """Every stored suggestion's digest score by id; a repost carries its original's."""
        with self._lock:
            self._issues()
            return {s.id: self._book.digest_score(self._pos[s.duplicate_of or s.id]) for s in self.suggestions}

    def _digest_score(self, suggestion: Suggestion) -> Score:
        """One suggestion's digest score: a stored one's from the book, and a repost of a stored original carries the
        original's; a draft is scored on its own."""
        stored = suggestion.duplicate_of if suggestion.duplicate_of in self._pos else suggestion.id
        if self.get(stored) is not None and (stored != suggestion.id or self.get(stored) is suggestion):
            self._issues()
            return self._book.digest_score(self._pos[stored])
        return rank.digest_scores([suggestion], self._digest_model)[suggestion.id]

    # -- lookups ---------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.suggestions)

    def get(self, suggestion_id: str) -> Suggestion | None:
        position = self._pos.get(suggestion_id)
        return self.suggestions[position] if position is not None else None

    def vector(self, suggestion_id: str) -> np.ndarray:
        return self._index.vectors[self._pos[suggestion_id]]

    def issue_of(self, suggestion_id: str) -> str | None:
        position = self._pos.get(suggestion_id)
        return self._issue_of[position] if position is not None else None

    def counts(self) -> tuple[int, int]:
        """How many suggestions and how many issues (with members) are held."""
        with self._lock:
            return len(self.suggestions), len(self._members)

    def assignments(self) -> dict[str, str]:
        with self._lock:
            return {s.id: self._issue_of[i] for i, s in enumerate(self.suggestions)}

    def issue(self, issue_id: str) -> Issue | None:
        with self._lock:
            return self._issues().get(issue_id)

    def threads(self, issue_id: str) -> list[tuple[str, list[str]]]:
        """The issue's threads (``issues.threads`` in the config): per thread the title of the member nearest its
        centre and the member ids; empty when the issue is one piece."""
        return self.threads_of_issues([issue_id])[issue_id]

    def threads_of_issues(self, issue_ids: Sequence[str]) -> dict[str, list[tuple[str, list[str]]]]:
        """``threads`` of many issues, found together (one finder over all of them: see ``threads_of_laid_out``),
        each the same as found alone.

        An issue's threads are kept with the members they were found for, and found again when its members change
        or when a member's rows do (a word entering the vocabulary, ``_learn``; new vocabularies, which drop them
        all): a write elsewhere leaves them as they were, so reading a large issue again does not redo them."""
        with self._lock:
            found: dict[str, list[tuple[str, list[str]]]] = {}
            for issue_id in issue_ids:
                kept = self._threads.get(issue_id)
                if kept is not None and kept[0] == tuple(self._members.get(issue_id, ())):
                    found[issue_id] = kept[1]
            missing = [issue_id for issue_id in dict.fromkeys(issue_ids) if issue_id not in found]
            for issue_id, threads in self._find_threads(missing).items():
                self._threads[issue_id] = (tuple(self._members.get(issue_id, ())), threads)
                found[issue_id] = threads
            # Copies: the kept lists are not the caller's to change.
            return {issue_id: [(label, list(ids)) for label, ids in found[issue_id]] for issue_id in issue_ids}

    def _find_threads(self, issue_ids: Sequence[str]) -> dict[str, list[tuple[str, list[str]]]]:
        """``threads_of_issues`` laid out afresh from the issues' members and their rows."""
        section = self.config["issues"]["threads"]
        originals = {issue_id: [p for p in self._members.get(issue_id, [])
                                if self.suggestions[p].duplicate_of is None] for issue_id in issue_ids}
        # Too few for two threads: not worth laying out their members.
        split = [issue_id for issue_id in issue_ids if len(originals[issue_id]) >= 2 * section["min_size"]]
        found: dict[str, list[tuple[str, list[str]]]] = {issue_id: [] for issue_id in issue_ids}
        if not split:
            return found
        # Every member as a group of one, straight from the corpus's rows (``_item`` for each, to the bit).
        positions = [p for issue_id in split for p in originals[issue_id]]
        items = self._views.item_sums([self.suggestions[p] for p in positions], self._index.vectors[positions],
                                      self._name_rows, self._word_rows, positions)
        groups = threads_of_laid_out(self.finder, [len(originals[issue_id]) for issue_id in split], items,
                                     section["strictness"], section["min_size"])
        for issue_id, threads in zip(split, groups):
            for group in threads:
                positions = [originals[issue_id][i] for i in group]
                vectors = self._index.vectors[positions]
                centre = positions[int(np.argmax(vectors @ vectors.sum(axis=0)))]
                ids = {self.suggestions[p].id for p in positions}
                reposts = [self.suggestions[p].id for p in self._members[issue_id]
                           if self.suggestions[p].duplicate_of in ids]
                found[issue_id].append((self.suggestions[centre].title, sorted(ids) + sorted(reposts)))
        return found

    def members(self, issue_id: str) -> list[Suggestion]:
        with self._lock:
            return [self.suggestions[p] for p in self._members.get(issue_id, [])]

    def positions(self, ids: Iterable[str]) -> list[int]:
        return [self._pos[i] for i in ids]
