"""Cross-validation over gold issues on the handmade sample: held-out issues are never trained on, each is scored
once, and ``triage eval --cv`` prints each fold, the mean and the baseline beside it."""
import json
from pathlib import Path

import pytest

import triage.linkage_fit as linkage_fit
from triage.cli import main
from triage.config import load_config
from triage.evaluate import load_gold
from triage.linkage_fit import Problem, cross_validate, folds_of
from triage.pipeline import prepare

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "suggestions.csv"
GOLD = ROOT / "samples" / "sample_gold.json"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def problem(cache):
    config = load_config(overrides=['embed.name="tfidf"', f'embed.cache_dir="{cache}"'])
    corpus = prepare([SAMPLE], config)
    return Problem.build(corpus.suggestions, corpus.vectors, corpus.tokens, config)


def test_folds_split_issues_not_messages_and_are_reproducible():
    gold = load_gold(GOLD)
    folds = folds_of(gold, 3)
    assert folds == folds_of(gold, 3) and sorted(set(folds)) == [0, 1, 2]
    assert max(folds.count(f) for f in range(3)) - min(folds.count(f) for f in range(3)) <= 1
    with pytest.raises(ValueError, match="折数"):
        folds_of(gold, len(gold) + 1)


def test_held_out_issues_are_never_trained_on_and_each_is_scored_once(problem, monkeypatch):
    gold = load_gold(GOLD)
    trained_on: list[set[int]] = []
    original = linkage_fit.training_pairs

    def recording(problem, gold_sets, levels):
        trained_on.append(set().union(*gold_sets))
        return original(problem, gold_sets, levels)

    monkeypatch.setattr(linkage_fit, "training_pairs", recording)
    report = cross_validate(problem, gold, k=3, inner=2)
    assert sorted(i["id"] for i in report["issues"]) == sorted(g["id"] for g in gold)
    # Per outer fold: the first fit (its own levels), 2 inner fits and the fold's final fit, none of which saw a
    # held-out member.
    assert len(trained_on) == 3 * (1 + 2 + 1)
    for number, fold in enumerate(report["folds"]):
        held = set().union(*problem.positions([g for g in gold if g["id"] in fold["issues"]]))
        assert all(not (members & held) for members in trained_on[4 * number:4 * number + 4])
    assert report["mean_f1"] == pytest.approx(sum(i["f1"] for i in report["issues"]) / len(gold), abs=1e-4)
    assert 0 <= report["baseline_mean_f1"] <= 1


def test_eval_cv_prints_each_fold_the_mean_and_the_baseline(cache, capsys):
    code = main(["eval", "--data", str(SAMPLE), "--gold", str(GOLD), "--cv", "3", "--inner", "2",
                 "--embedder", "tfidf", "--set", f'embed.cache_dir="{cache}"'])
    assert code == 0
    out = capsys.readouterr().out
    assert "3 折交叉验证" in out and "交叉验证平均 F1 = " in out and "单阈值基线" in out
    folds = [line.split() for line in out.splitlines() if line[:2] in ("1 ", "2 ", "3 ") and line.split()[1].isdigit()]
    assert [int(fold[1]) for fold in folds] == [4, 3, 3]  # 10 issues dealt into 3 folds


def test_repeated_cv_deals_the_folds_again_and_reports_each_dealing_and_their_mean(problem):
    gold = load_gold(GOLD)
    report = cross_validate(problem, gold, k=3, inner=2, repeats=2)
    dealings = report["repeats"]
    assert [d["seed"] for d in dealings] == [0, 1]
    held_out = [[fold["issues"] for fold in d["folds"]] for d in dealings]
    assert held_out[0] != held_out[1]  # another dealing, not the same folds twice
    for folds in held_out:  # every issue held out once per dealing
        assert sorted(i for fold in folds for i in fold) == sorted(g["id"] for g in gold)
    assert report["mean_f1"] == pytest.approx(sum(d["mean_f1"] for d in dealings) / 2, abs=1e-4)
    assert report["baseline_mean_f1"] == pytest.approx(sum(d["baseline_mean_f1"] for d in dealings) / 2, abs=1e-4)
    assert len(report["folds"]) == 6 and [len(i["pieces_per_dealing"]) for i in report["issues"]] == [2] * len(gold)
    assert report["mean_f1"] == pytest.approx(sum(i["f1"] for i in report["issues"]) / len(gold), abs=1e-3)
    first = cross_validate(problem, gold, k=3, inner=2)
    assert dealings[0]["mean_f1"] == first["mean_f1"]  # the first dealing is the plain --cv figure


def test_eval_cv_repeats_prints_each_dealing_and_the_spread(cache, capsys):
    code = main(["eval", "--data", str(SAMPLE), "--gold", str(GOLD), "--cv", "3", "--inner", "2", "--repeats", "2",
                 "--embedder", "tfidf", "--set", f'embed.cache_dir="{cache}"'])
    assert code == 0
    out = capsys.readouterr().out
    assert "3 折交叉验证 × 2 次分折" in out
    rows = [line.split() for line in out.splitlines() if line[:2] in ("1 ", "2 ") and line.split()[1] in ("0", "1")]
    assert [row[1] for row in rows] == ["0", "1"] and all(len(row) == 4 + 3 for row in rows)  # seed, F1s, 3 thresholds
    assert "（2 次分折 " in out and " / " in out  # the spread, and each issue's pieces in both dealings


def test_eval_repeats_without_cv_is_a_one_line_error(cache, capsys):
    code = main(["eval", "--data", str(SAMPLE), "--gold", str(GOLD), "--repeats", "3", "--embedder", "tfidf",
                 "--set", f'embed.cache_dir="{cache}"'])
    assert code == 2
    assert "--repeats" in capsys.readouterr().err


def test_eval_cv_with_more_folds_than_issues_is_a_one_line_error(cache, capsys):
    code = main(["eval", "--data", str(SAMPLE), "--gold", str(GOLD), "--cv", "50", "--embedder", "tfidf",
                 "--set", f'embed.cache_dir="{cache}"'])
    assert code == 2
    assert "折数" in capsys.readouterr().err


def test_eval_json_reports_precision_recall_and_pieces(cache, capsys):
    code = main(["eval", "--data", str(SAMPLE), "--gold", str(GOLD), "--embedder", "tfidf", "--json",
                 "--set", f'embed.cache_dir="{cache}"'])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    first = report["issues"][0]
    assert {"precision", "recall", "f1", "pieces"} <= set(first)
    assert sum(first["pieces"]) <= first["gold_size"]
    assert "baseline" in report and 0 <= report["baseline"]["mean_f1"] <= 1
