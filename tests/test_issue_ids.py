"""Issue ids survive re-clustering where membership overlaps, so reviewers' notes stay attached."""
from triage.issue_ids import carry_over_ids, format_id


def test_overlapping_groups_keep_their_old_ids_and_new_groups_get_unused_ones():
    old = {"a": "I00001", "b": "I00001", "c": "I00002", "d": "I00002", "e": "I00003"}
    groups = [["c", "d", "x"], ["a", "b"], ["y", "z"]]
    ids, next_number = carry_over_ids(old, groups, next_number=4)
    assert ids == ["I00002", "I00001", "I00004"]
    assert next_number == 5


def test_a_split_issue_keeps_its_id_on_the_larger_part_only():
    old = {m: "I00007" for m in "abcde"}
    ids, _ = carry_over_ids(old, [["a", "b"], ["c", "d", "e"]], next_number=8)
    assert ids == [format_id(8), "I00007"]


def test_merged_issues_keep_the_id_of_the_larger_overlap():
    old = {"a": "I00001", "b": "I00002", "c": "I00002"}
    ids, next_number = carry_over_ids(old, [["a", "b", "c"]], next_number=3)
    assert ids == ["I00002"]
    assert next_number == 3
