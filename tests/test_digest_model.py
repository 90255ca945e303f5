"""The digest model: learned from labels, explained by parts that add up, copies kept in one fold, reviewers'
decisions usable as labels, and the training command's errors and output."""
from __future__ import annotations

import json

import numpy as np
import pytest

from triage.cli import main
from triage.config import MODELS_DIR
from triage.digest_model import (PARTS, DigestModel, DigestModelError, FeatureSpec, TextTerms, copy_groups,
                                 load_model, readable_json)
from triage.digest_training import labelled_from_files, read_label_file
from triage.records import Suggestion

PUBLIC = [
    ("建议在{}增设公交站点", "{}周边居民约3万人，现有公交线路仅2条，建议市交通局增设站点，方便群众出行。"),
    ("希望延长{}公交末班车时间", "{}是换乘枢纽，晚上9点后没有公交，建议延长到11点，方便广大乘客。"),
    ("建议{}开放学校操场", "建议{}在周末和假期向周边市民开放操场，由街道负责管理，2019年已有3所学校试点。"),
    ("呼吁在{}设置过街天桥", "{}车流量大，每天约5000名学生过马路，建议设置天桥，保障公共安全。"),
    ("建议规范{}共享单车停放", "建议城管局在{}划定停放区，统计显示乱停放占道问题突出，影响市民出行。"),
]
PERSONAL = [
    ("请问我家孩子什么时候能入学", "本人孩子今年6岁，请问{}什么时候能办理入学？谢谢"),
    ("{}开发商拖欠我的退款", "本人在{}购房，开发商拖欠我的退款，投诉无门，请领导帮我维权。"),
    ("我的工资被拖欠怎么办", "我是{}的员工，公司拖欠我工资三个月，请问怎么办？"),
    ("咨询{}房产证何时办理", "请问{}的房产证何时能办理？我们家等了两年。"),
    ("举报{}老板涉嫌诈骗", "我被{}老板骗了，涉嫌诈骗，请公安处理，赔偿我的损失。"),
]
MINOR = [
    ("{}路灯坏了", "{}的路灯坏了很久，希望尽快维修。"),
    ("{}垃圾清运不及时", "{}垃圾清运不及时，希望环卫部门重视。"),
    ("{}公交太挤", "{}早高峰公交太挤，希望增加车次。"),
    ("{}噪音扰民", "{}晚上施工噪音大，希望管一管。"),
    ("{}绿化需要修剪", "{}的树木遮挡路灯，希望修剪。"),
]
PLACES = ["星沙大道", "五一广场", "麓谷园区", "梅溪湖片区", "洋湖新城", "暮云街道"]


def labelled_set() -> tuple[list[Suggestion], list[int]]:
    suggestions, labels = [], []
    for label, templates in ((2, PUBLIC), (0, PERSONAL), (1, MINOR)):
        for t, (title, body) in enumerate(templates):
            for p, place in enumerate(PLACES[:3]):
                suggestions.append(Suggestion(id=f"{label}-{t}-{p}", title=title.format(place),
                                              body=body.format(place), submitter=f"s{t}{p}"))
                labels.append(label)
    return suggestions, labels


@pytest.fixture(scope="module")
def spec() -> FeatureSpec:
    return FeatureSpec.load(MODELS_DIR / "digest_features.toml")


@pytest.fixture(scope="module")
def tiny_model(spec) -> DigestModel:
    suggestions, labels = labelled_set()
    return DigestModel(spec).fit(suggestions, labels)


def test_a_model_from_a_tiny_labelled_set_ranks_a_public_proposal_above_a_personal_inquiry(tiny_model):
    proposal = Suggestion(id="p", submitter="x", title="建议在火车南站增设出租车候客区",
                          body="火车南站每天旅客约2万人次，建议交通局增设候客区，方便乘客。")
    inquiry = Suggestion(id="q", submitter="y", title="请问我的房产证什么时候能办",
                         body="本人在阳光小区购房，请问房产证什么时候能办理？")
    high, low = tiny_model.predict([proposal, inquiry])
    assert high > low


def test_the_breakdown_adds_up_to_the_score(tiny_model, config):
    shipped = load_model(MODELS_DIR / config["rank"]["digest"]["model"])
    texts = labelled_set()[0][::4] + [Suggestion(id="empty", title="", body="", submitter="z")]
    for model in (tiny_model, shipped):
        scores = model.scores(texts)
        assert np.allclose([s.value for s in scores], model.predict(texts))
        for score in scores:
            assert list(score.breakdown) == list(PARTS)
            assert score.value == pytest.approx(sum(score.breakdown.values()), abs=1e-12)
            assert 0.0 <= score.value <= 1.0


def test_a_saved_model_answers_the_same_after_loading(tiny_model, tmp_path):
    from triage.digest_model import save_model

    save_model(tmp_path / "m.json", tiny_model, {"note": "test"})
    loaded = load_model(tmp_path / "m.json")
    texts = labelled_set()[0]
    assert np.allclose(loaded.predict(texts), tiny_model.predict(texts))
    assert json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))["training"] == {"note": "test"}


def test_near_identical_copies_form_one_group():
    body = "市区大部分公交线路已经实现实时到站查询，但县里的公交线路还不能查询，建议接入统一的查询平台，方便乘客。"
    texts = [Suggestion(id="a", title="建议县公交接入实时查询", body=body, submitter="1"),
             Suggestion(id="b", title="请将县公交线路接入实时查询app的建议", body=body + "谢谢！", submitter="2"),
             Suggestion(id="c", title="建议延长地铁运营时间", body="地铁晚上十点停运太早，建议延长到十一点半。", submitter="3")]
    groups = copy_groups(texts)
    assert groups[0] == groups[1] != groups[2]


def test_label_ids_missing_from_the_data_are_an_error_naming_them(tmp_path, write_csv):
    data = write_csv([["id", "title", "body"], ["1", "建议增设路灯", "小区路灯太少"]])
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"labels": [{"id": 1, "label": 2}, {"id": 99, "label": 0}]}), encoding="utf-8")
    with pytest.raises(DigestModelError, match="99"):
        labelled_from_files([read_label_file(labels)], [data])
    labels.write_text(json.dumps({"labels": [{"id": 1, "label": 3}]}), encoding="utf-8")
    with pytest.raises(DigestModelError, match="label 必须是 0、1 或 2"):
        read_label_file(labels)


def test_readable_json_keeps_short_things_on_one_line():
    text = readable_json({"terms": [{"term": "建议", "idf": 1.5}, {"term": "希望", "idf": 2.0}], "long": list(range(60))})
    assert '{"term": "建议", "idf": 1.5}' in text and json.loads(text)["long"][59] == 59


def write_labelled(tmp_path, write_csv) -> tuple[str, str]:
    suggestions, labels = labelled_set()
    data = write_csv([["id", "title", "body"]] + [[s.id, s.title, s.body] for s in suggestions], "data.csv")
    label_file = tmp_path / "labels.json"
    label_file.write_text(json.dumps({"dataset": "data.csv", "labels": [{"id": s.id, "label": y}
                                                                        for s, y in zip(suggestions, labels)]}),
                          encoding="utf-8")
    return str(data), str(label_file)


def test_train_command_prints_grouped_figures_beside_the_keyword_rule_and_writes_the_model(tmp_path, write_csv,
                                                                                            capsys):
    _, labels = write_labelled(tmp_path, write_csv)
    out = tmp_path / "model.json"
    assert main(["digest-model", "train", "--labels", labels, "--out", str(out)]) == 0  # dataset found beside it
    printed = capsys.readouterr().out
    assert "交叉验证" in printed and "关键词规则" in printed and "模型" in printed
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["training"]["labels"] == {"0": 15, "1": 15, "2": 15}
    figures = saved["training"]["cross_validation"]["results"]
    assert set(figures) == {"model", "keyword_rule"} and len(figures["model"]["folds"]) == 5
    assert load_model(out).predict(labelled_set()[0]).shape == (45,)


def test_train_command_without_labels_or_with_a_missing_dataset_says_what_to_do(tmp_path, capsys):
    assert main(["digest-model", "train"]) == 2
    assert "--labels" in capsys.readouterr().err
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"dataset": "nowhere.xlsx", "labels": [{"id": 1, "label": 2}]}), encoding="utf-8")
    assert main(["digest-model", "train", "--labels", str(labels), "--out", str(tmp_path / "m.json")]) == 2
    assert "--data" in capsys.readouterr().err


def test_reviewers_decisions_in_the_store_become_labels(tmp_path, write_csv, capsys):
    from api.digest_labels import review_labels
    from api.store import Store
    from api.store.models import ReviewRow, SuggestionRow

    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store(url)
    store.upgrade()
    decisions = {"d1": ["reject", "digest"], "d2": ["adopted"], "d3": ["shortlist"], "d4": ["reject"],
                 "d5": ["digest", "not_adopted"]}
    with store.session() as session:
        for number, sid in enumerate(["d1", "d2", "d3", "d4", "d5", "never-reviewed"]):
            session.add(SuggestionRow(id=sid, title=f"建议{number}", body="正文", original_title="", original_body="",
                                      submitter="s", payload_hash="h", result={}, created_by="test"))
        session.flush()
        for sid, history in decisions.items():
            for decision in history:
                session.add(ReviewRow(target_type="suggestion", target_id=sid, decision=decision, reason="理由",
                                      reviewer="r"))
        session.add(ReviewRow(target_type="issue", target_id="I1", decision="shortlist", reason="理由", reviewer="r"))
    store.close()
    labels = {s.id: label for s, label in review_labels(url)}
    assert labels == {"d1": 2, "d2": 2, "d3": 1, "d4": 0, "d5": 0}

    # Added to a label file's labels by the training command; a decision replaces the file's label for that id.
    _, label_file = write_labelled(tmp_path, write_csv)
    with store.session() as session:
        session.add(SuggestionRow(id="2-0-0", title="x", body="y", original_title="", original_body="", submitter="s",
                                  payload_hash="h", result={}, created_by="test"))
        session.add(ReviewRow(target_type="suggestion", target_id="2-0-0", decision="reject", reason="理由",
                              reviewer="r"))
    store.close()
    out = tmp_path / "model.json"
    assert main(["digest-model", "train", "--labels", label_file, "--db", url, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "服务库审阅决定：6 条意见（其中 1 条改变了标注文件中的标签）" in printed
    assert json.loads(out.read_text(encoding="utf-8"))["training"]["labels"] == {"0": 18, "1": 16, "2": 16}


def test_run_writes_each_suggestions_digest_score_and_a_repost_carries_its_originals(tmp_path, write_csv):
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "samples" / "suggestions.csv"
    assert main(["run", str(sample), "--out", str(tmp_path / "out"), "--embedder", "tfidf"]) == 0
    rows = [json.loads(line) for line in (tmp_path / "out" / "suggestions.jsonl").read_text("utf-8").splitlines()]
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        digest = row["digest"]
        assert digest["score"] == pytest.approx(sum(digest["breakdown"].values()), abs=1e-5)
    reposts = [row for row in rows if row["duplicate_of"]]
    assert reposts, "the sample holds reposts"
    for row in reposts:
        assert row["digest"] == by_id[row["duplicate_of"]]["digest"]


def test_the_wording_counts_n_grams_exactly_as_the_training_vectoriser_does():
    """The model's n-grams are chosen with scikit-learn's character analyser and counted with arrays when scoring:
    the two must agree on every text (overlaps, letter case and runs of white space included), or scores change."""
    from sklearn.feature_extraction.text import CountVectorizer

    terms = sorted({"哈哈", "哈哈哈", "建议", "ab", "a b", " 小", "区 ", "3区", "a3", "路口"})
    idf = np.linspace(1.0, 2.0, len(terms))
    texts = [("", ""), ("哈哈哈哈", ""), ("建议建议", "在 AB  小区\n\n门口"), ("A3区路口", "\t\t建议"), ("无关", "文字"),
             ("a b", " a\u3000b")]
    suggestions = [Suggestion(id=str(i), title=title, body=body, submitter="x") for i, (title, body) in enumerate(texts)]
    counts = CountVectorizer(analyzer="char", ngram_range=(2, 3), vocabulary=terms).transform(
        [s.text for s in suggestions]).toarray().astype(float)
    assert counts.sum() > 10
    weighted = np.where(counts > 0, 1.0 + np.log(np.where(counts > 0, counts, 1.0)), 0.0) * idf
    norms = np.sqrt((weighted ** 2).sum(axis=1))
    expected = 2.0 * weighted / np.where(norms == 0, 1.0, norms)[:, None]
    assert np.allclose(TextTerms(terms, idf, 2, 3, 2.0).transform(suggestions).toarray(), expected, rtol=0, atol=1e-12)


def test_cached_feature_values_score_as_computed_ones_and_other_features_never_read_them(tiny_model, spec, tmp_path):
    from triage.digest_model import Feature, FeatureCache

    suggestions, _ = labelled_set()
    cache = FeatureCache(spec, tmp_path / "features.sqlite")
    cache.values(suggestions[:10])  # a first run stores these
    values = cache.values(suggestions)  # a second reads them and computes the rest
    assert np.array_equal(values, spec.values(suggestions))
    assert [s.to_dict() for s in tiny_model.scores(suggestions, values)] == [
        s.to_dict() for s in tiny_model.scores(suggestions)]
    # Features that match differently (here: the place feature made title-only) are kept apart.
    changed = FeatureSpec(tuple(Feature(f.name, f.quality, "title" if f.name == "place" else f.where, f.patterns)
                                for f in spec.features), spec.ngram_min, spec.ngram_max, spec.min_df, spec.terms,
                          spec.text_weight, spec.C)
    assert not np.array_equal(changed.values(suggestions), values)
    assert np.array_equal(FeatureCache(changed, tmp_path / "features.sqlite").values(suggestions),
                          changed.values(suggestions))


def test_a_feature_cache_that_cannot_be_written_still_gives_the_values(spec, tmp_path):
    from triage.digest_model import FeatureCache

    suggestions, _ = labelled_set()
    (tmp_path / "file").write_text("not a folder")
    cache = FeatureCache(spec, tmp_path / "file" / "features.sqlite")  # its folder cannot be made
    assert np.array_equal(cache.values(suggestions), spec.values(suggestions))
