"""Reviewers' corrections re-applied to a fresh grouping: what a split keeps apart stays apart, what a merge joins
stays joined, and the rule's answer stands elsewhere."""
from triage.corrections import MERGE, SPLIT, Correction, apply_corrections, correction_gold


def fresh_ids():
    numbers = iter(range(100, 200))
    return lambda: f"I{next(numbers):05d}"


def test_a_split_undone_by_a_recluster_is_made_again_under_the_id_it_was_given():
    split = Correction(SPLIT, (("a", "b"), ("c", "d")), ("I00001", "I00007"))
    regrouped = {"a": "I00001", "b": "I00001", "c": "I00001", "d": "I00001", "e": "I00001"}
    moves = apply_corrections([split], regrouped, fresh_ids())
    assert moves == {"c": "I00007", "d": "I00007"}  # "e", which no reviewer placed, stays where the rule put it


def test_a_merge_pulls_its_members_into_the_issue_holding_most_of_them():
    merge = Correction(MERGE, (("a", "b", "c"),), ("I00002",))
    regrouped = {"a": "I00003", "b": "I00003", "c": "I00004", "x": "I00004"}
    assert apply_corrections([merge], regrouped, fresh_ids()) == {"c": "I00003"}


def test_a_later_correction_wins_and_a_taken_id_is_not_reused():
    split = Correction(SPLIT, (("a",), ("b",)), ("I00001", "I00002"))
    merge = Correction(MERGE, (("a", "b"),), ("I00001",))
    together = {"a": "I00001", "b": "I00001", "z": "I00002"}
    assert apply_corrections([split], together, fresh_ids()) == {"b": "I00100"}  # I00002 is in use by "z"
    assert apply_corrections([split, merge], together, fresh_ids()) == {}


def test_keeps_apart_and_corrections_as_gold():
    split = Correction(SPLIT, (("a", "b"), ("c", "d")), ("I00001", "I00007"))
    assert split.keeps_apart({"a", "x"}, {"d"}) and not split.keeps_apart({"a"}, {"b", "y"})
    assert Correction.from_dict(split.to_dict()) == split
    gold = correction_gold([split, Correction(MERGE, (("c", "d", "e"),), ("I00007",))])
    assert [g["members"] for g in gold] == [["a", "b"], ["c", "d", "e"]]
