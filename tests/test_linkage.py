"""The learned "same issue" rule on small hand-made cases whose answers are known."""
import json

import numpy as np
import pytest

from triage.issues import IssueFinder, Profile
from triage.linkage import NAMES, LinkageModel, features_table, load_model, pair_features, save_model
from triage.neighbours import NeighbourIndex

# Three hand-made "messages" per issue. Issue A and issue B are the same complaint (light pollution from a shop) in
# almost the same words, about two different shops: the embeddings barely differ, and only the shop's name (a rare
# word, key 7 for shop A and 8 for shop B) tells them apart. Issue C is another problem at a third place (key 9).
SHOP_A, SHOP_B, PLACE_C, COMMON = 7, 8, 9, 1


def _item(direction: list[float], rare: int | None, submitter: str, day: float) -> Profile:
    vector = np.array(direction, dtype=np.float64)
    vector /= np.linalg.norm(vector)
    words = {COMMON: 0.6, **({rare: 0.8} if rare is not None else {})}
    terms = {COMMON: 0.05, **({rare: 1.0} if rare is not None else {})}
    return Profile.of_item(vector, words, {}, terms, submitter, day)


ITEMS = [
    _item([1.0, 0.02, 0.0], SHOP_A, "u1", 100), _item([1.0, 0.0, 0.03], SHOP_A, "u2", 104),
    _item([1.0, 0.04, 0.01], SHOP_A, "u3", 109),
    _item([1.0, 0.0, 0.05], SHOP_B, "u4", 102), _item([1.0, 0.05, 0.05], SHOP_B, "u5", 105),
    _item([1.0, 0.03, 0.06], SHOP_B, "u6", 108),
    _item([0.1, 1.0, 0.0], PLACE_C, "u7", 200), _item([0.12, 1.0, 0.02], PLACE_C, "u8", 201),
    _item([0.1, 1.0, 0.05], PLACE_C, "u9", 210),
]
ISSUE = [0, 0, 0, 1, 1, 1, 2, 2, 2]


def _training_set() -> tuple[np.ndarray, np.ndarray]:
    pairs, labels = [], []
    for i in range(len(ITEMS)):
        for j in range(i + 1, len(ITEMS)):
            pairs.append((ITEMS[i], ITEMS[j]))
            labels.append(int(ISSUE[i] == ISSUE[j]))
    return features_table(pairs), np.array(labels)


def test_the_rule_learns_that_a_shared_rare_name_makes_one_issue_and_similar_wording_alone_does_not():
    X, y = _training_set()
    model = LinkageModel(C=10.0, threshold=0.5).fit(X, y)
    assert model.coef_[NAMES.index("rare_term")] > 0
    # Same shop, worded like the other shop's messages: one issue.
    same_shop = _item([1.0, 0.03, 0.06], SHOP_A, "u10", 120)
    # Almost the same words as shop A's messages, but about shop B: another issue.
    other_shop = _item([1.0, 0.02, 0.01], SHOP_B, "u11", 110)
    group_a = ITEMS[0].copy()
    group_a.absorb(ITEMS[1])
    assert model.score(group_a, same_shop) >= 0.5
    assert model.score(group_a, other_shop) < 0.5


def test_the_finder_with_the_learned_rule_recovers_the_three_issues():
    X, y = _training_set()
    model = LinkageModel(C=10.0, threshold=0.5).fit(X, y)
    index = NeighbourIndex(3)
    index.add(np.array([item.vector for item in ITEMS], dtype=np.float32))
    labels = IssueFinder(model, k=8).fit(index, ITEMS).labels_
    assert [len({labels[i] for i in range(9) if ISSUE[i] == issue}) for issue in range(3)] == [1, 1, 1]
    assert len(set(labels.tolist())) == 3
    # Merges recorded further down include the same merges first: labels_at the model's threshold is what fit found.
    assert np.array_equal(IssueFinder(model, k=8).fit(index, ITEMS, down_to=0.05).labels_at(0.5), labels)


def test_saved_parameters_are_readable_json_and_load_to_the_same_scores(tmp_path):
    X, y = _training_set()
    model = LinkageModel(C=10.0, threshold=0.4).fit(X, y)
    path = tmp_path / "linkage.json"
    save_model(path, model, {"cross_validation": {"cv_mean_f1_at_chosen": 0.9}})
    document = json.loads(path.read_text(encoding="utf-8"))
    assert set(document["model"]["coefficients"]) == set(NAMES)
    loaded, evidence = load_model(path)
    assert evidence["cross_validation"]["cv_mean_f1_at_chosen"] == 0.9
    assert loaded.threshold == 0.4
    for a, b in [(ITEMS[0], ITEMS[1]), (ITEMS[0], ITEMS[3]), (ITEMS[2], ITEMS[7])]:
        assert loaded.score(a, b) == pytest.approx(model.score(a, b), abs=1e-5)


def test_a_model_file_missing_a_feature_is_refused_naming_it(tmp_path):
    X, y = _training_set()
    path = tmp_path / "linkage.json"
    save_model(path, LinkageModel().fit(X, y), {})
    document = json.loads(path.read_text(encoding="utf-8"))
    del document["model"]["coefficients"]["rare_term"]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValueError, match="rare_term"):
        load_model(path)


def test_pair_features_are_means_over_member_pairs():
    group = ITEMS[0].copy()
    group.absorb(ITEMS[3])  # one message about each shop
    features = dict(zip(NAMES, pair_features(group, ITEMS[1])))
    # ITEMS[1] shares shop A's rare word with one of the group's two members: rarity 1 × √(1/2 × 1).
    assert features["rare_term"] == pytest.approx(np.sqrt(0.5))
    assert features["same_submitter"] == 0.0
    assert features["log_smaller"] == 0.0 and features["log_larger"] == pytest.approx(np.log(2))
    assert features["unnamed"] == 1.0


def _unit(*values: float) -> Profile:
    vector = np.array(values, dtype=np.float64)
    return Profile.of_item(vector / np.linalg.norm(vector), {}, {})


def _sub_problems(n: int) -> tuple[list[Profile], list[Profile]]:
    """Two sub-problems of n members each, 0.85 apart by cosine, each tight (> 0.99 inside)."""
    return ([_unit(1.0, 0.0, 0.02 * i) for i in range(n)], [_unit(0.85, 0.527, 0.02 * i) for i in range(n)])


def _threads(finder: IssueFinder, issues: list[list[Profile]]) -> list[list[list[int]]]:
    """The threads of each issue (its members' profiles), found together as the workspace finds them."""
    from triage.group_sums import GroupSums
    from triage.issues import threads_of_laid_out

    laid_out = GroupSums.of_profiles([item for members in issues for item in members])
    return threads_of_laid_out(finder, [len(members) for members in issues], laid_out, strictness=0.5)


def test_an_issue_of_two_tight_sub_problems_shows_them_as_two_threads():
    from triage.issues import CosineRule

    # One issue at 0.8, two threads at 0.9.
    permits, flue = _sub_problems(3)
    finder = IssueFinder(CosineRule(0.8), k=5)
    assert sorted(sorted(t) for t in _threads(finder, [permits + flue])[0]) == [[0, 1, 2], [3, 4, 5]]
    # One tight group is one piece: no threads.
    assert _threads(finder, [permits + [_unit(1.0, 0.01, 0.0)]]) == [[]]


def test_threads_of_many_issues_found_together_are_each_issues_own():
    from triage.issues import CosineRule

    permits, flue = _sub_problems(4)
    finder = IssueFinder(CosineRule(0.8), k=5)
    # Eight members (more than k + 1: a neighbour graph of its own), one piece, two members (too few for threads).
    issues = [permits + flue, permits[:3] + [_unit(1.0, 0.01, 0.0)], flue[:2]]
    together = _threads(finder, issues)
    assert together == [_threads(finder, [items])[0] for items in issues]
    assert sorted(sorted(t) for t in together[0]) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert together[1:] == [[], []]


def test_a_shared_rare_place_word_is_not_a_shared_rare_problem_word():
    # Two messages about one estate (its rare name word, key 20, not among their problem words) with different
    # problems, and two about one flue at it (rare problem word, key 21).
    vector = np.array([1.0, 0.0, 0.0])
    estate_quality = Profile.of_item(vector, {COMMON: 1.0}, {}, {COMMON: 0.05, 20: 1.0})
    estate_fees = Profile.of_item(vector, {COMMON: 1.0}, {}, {COMMON: 0.05, 20: 1.0})
    flue = Profile.of_item(vector, {COMMON: 0.6, 21: 0.8}, {}, {COMMON: 0.05, 20: 1.0, 21: 0.9})
    flue_again = Profile.of_item(vector, {COMMON: 0.6, 21: 0.8}, {}, {COMMON: 0.05, 20: 1.0, 21: 0.9})
    rare, rare_problem = NAMES.index("rare_term"), NAMES.index("rare_problem_term")
    place_only = pair_features(estate_quality, estate_fees)
    assert place_only[rare] == pytest.approx(1.0) and place_only[rare_problem] == pytest.approx(np.sqrt(0.05 ** 2))
    same_flue = pair_features(flue, flue_again)
    assert same_flue[rare] == pytest.approx(1.0) and same_flue[rare_problem] == pytest.approx(0.9)
