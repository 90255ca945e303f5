"""The evaluation metric on small cases whose answers are worked out by hand."""
import json

import pytest

from triage.evaluate import GoldError, evaluate, load_gold

GOLD = [
    {"id": "G1", "title": "甲", "members": ["1", "2", "3", "4"]},
    {"id": "G2", "title": "乙", "members": ["5", "6"]},
]


def test_perfect_prediction_scores_one_and_reports_hot_rank():
    assignments = {"1": "A", "2": "A", "3": "A", "4": "A", "5": "B", "6": "B", "7": "C"}
    report = evaluate(assignments, GOLD, ranking=["B", "C", "A"])
    assert report["mean_f1"] == 1.0
    assert [i["hot_rank"] for i in report["issues"]] == [3, 1]
    assert report["n_predicted_issues"] == 3


def test_f1_of_a_split_and_an_over_merged_issue():
    # G1 split 3 + 1: best predicted issue A has precision 1, recall 3/4 -> F1 = 6/7.
    # G2 merged with two unrelated messages into B of size 4: precision 1/2, recall 1 -> F1 = 2/3.
    assignments = {"1": "A", "2": "A", "3": "A", "4": "D", "5": "B", "6": "B", "7": "B", "8": "B"}
    report = evaluate(assignments, GOLD, ranking=["A", "B", "D"])
    f1 = {i["id"]: i["f1"] for i in report["issues"]}
    assert f1["G1"] == pytest.approx(6 / 7, abs=1e-4)
    assert f1["G2"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["mean_f1"] == pytest.approx((6 / 7 + 2 / 3) / 2, abs=1e-4)
    assert {i["id"]: i["predicted_size"] for i in report["issues"]} == {"G1": 3, "G2": 4}


def test_members_missing_from_the_data_count_against_recall_and_are_listed():
    assignments = {"1": "A", "2": "A", "5": "B", "6": "B"}
    report = evaluate(assignments, GOLD, ranking=["A", "B"])
    g1 = report["issues"][0]
    assert g1["f1"] == pytest.approx(2 * 2 / (4 + 2), abs=1e-4)
    assert g1["missing"] == ["3", "4"]


def test_load_gold_reads_numeric_ids_as_strings_and_rejects_bad_files(tmp_path):
    path = tmp_path / "gold.json"
    path.write_text(json.dumps({"issues": [{"id": "D1", "title": "t", "members": [206379, 212842]}]}))
    assert load_gold(path)[0]["members"] == ["206379", "212842"]
    path.write_text(json.dumps({"clusters": []}))
    with pytest.raises(GoldError, match="issues"):
        load_gold(path)


def test_precision_recall_and_pieces_of_a_split_issue():
    # G1 split 2 + 1 + 1, its best piece A also holds one stranger: precision 2/3, recall 2/4.
    assignments = {"1": "A", "2": "A", "9": "A", "3": "D", "4": "E", "5": "B", "6": "B"}
    g1 = evaluate(assignments, GOLD, ranking=[])["issues"][0]
    assert (g1["precision"], g1["recall"], g1["pieces"]) == (pytest.approx(2 / 3, abs=1e-4), 0.5, [2, 1, 1])
