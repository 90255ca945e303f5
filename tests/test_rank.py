"""Ranking: key-topic and digest scores add up to their breakdown, follow distinct people not reposts, and the
digest is not one issue repeated."""
from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest

from triage.config import ConfigError, load_config
from triage.label import describe_issues
from triage.rank import (digest_model_from_config, digest_scores, measure_issues, rank_digest, rank_key_topics)
from triage.records import Suggestion
from triage.reports import write_digest_md, write_issues_csv, write_issues_json
from triage.segment import segmenter_from_config


@pytest.fixture(scope="module")
def config() -> dict:
    return load_config()


@pytest.fixture(scope="module")
def segmenter(config):
    return segmenter_from_config(config)


def suggestion(id: str, title: str, submitter: str, body: str = "", **fields) -> Suggestion:
    fields.setdefault("submitted_at", datetime(2024, 5, 1))
    return Suggestion(id=id, title=title, body=body, submitter=submitter, **fields)


class Corpus:
    """Suggestions grouped into issues and run through describe + rank, as the pipeline does."""

    def __init__(self, groups: dict[str, list[Suggestion]], config: dict, segmenter):
        self.suggestions = [s for members in groups.values() for s in members]
        self.tokens = [segmenter.tokens(s.text) for s in self.suggestions]
        position = {s.id: i for i, s in enumerate(self.suggestions)}
        indices = {issue_id: [position[s.id] for s in members] for issue_id, members in groups.items()}
        vectors = np.eye(len(self.suggestions), dtype=np.float32)
        self.issues = describe_issues(indices, self.suggestions, self.tokens, vectors, config)
        self.config = config

    def key_topics(self):
        return rank_key_topics(self.issues, self.suggestions, self.tokens, self.config)

    def digest(self, config: dict | None = None):
        return rank_digest(self.suggestions, self.issues, config or self.config)


def many_voices() -> list[Suggestion]:
    """Four organisations raise the same crossing."""
    return [suggestion(f"m{i}", "五一路口信号灯配时不合理", f"org-{i}") for i in range(4)]


def one_voice() -> list[Suggestion]:
    """One organisation writes eight times about its own street."""
    return [suggestion(f"o{i}", f"解放路夜市占道经营第{i}次反映", "org-loud") for i in range(8)]


def test_issue_many_organisations_raise_outranks_one_organisation_writing_often(config, segmenter):
    corpus = Corpus({"many": many_voices(), "one": one_voice()}, config, segmenter)
    ranked = corpus.key_topics()
    assert [issue.id for issue, _ in ranked] == ["many", "one"]
    many, one = (score for _, score in ranked)
    assert many.factors["breadth"] == 1.0
    assert one.factors["volume"] == 1.0
    assert many.breakdown["breadth"] > one.breakdown["volume"]


def test_key_topic_score_is_the_sum_of_its_breakdown(config, segmenter):
    groups = {"many": many_voices(), "one": one_voice(),
              "lift": [suggestion("l1", "推进老旧小区加装电梯", "org-x", sector="住房", district="东城区",
                                  endorsements=40, submitted_at=datetime(2024, 9, 1))]}
    weights = config["rank"]["key_topic"]["weights"]
    for _, score in Corpus(groups, config, segmenter).key_topics():
        assert score.value == sum(score.breakdown.values())
        assert set(score.breakdown) == set(weights)
        for name, factor in score.factors.items():
            assert 0.0 <= factor <= 1.0
            assert score.breakdown[name] == weights[name] * factor


def test_a_repost_does_not_lift_its_issue(config, segmenter):
    small = [suggestion("a1", "滨江区学校门口交通拥堵", "org-a", endorsements=2),
             suggestion("a2", "学校周边接送车辆拥堵", "org-b", endorsements=1)]
    big = [suggestion(f"b{i}", "公园广场舞噪音扰民", f"org-{i}", endorsements=10) for i in range(5)]
    # A later repost by a new organisation with many endorsements, in a new district: if it counted it would
    # raise breadth, endorsements, recency and spread.
    repost = suggestion("a9", small[0].title, "org-new", endorsements=300, district="南山区",
                        submitted_at=datetime(2024, 12, 1), duplicate_of="a1")
    before = dict((issue.id, score) for issue, score in
                  Corpus({"small": small, "big": big}, config, segmenter).key_topics())
    after_corpus = Corpus({"small": small + [repost], "big": big}, config, segmenter)
    after = dict((issue.id, score) for issue, score in after_corpus.key_topics())
    assert after["small"].value == pytest.approx(before["small"].value)
    assert after["big"].value == pytest.approx(before["big"].value)
    assert [i for i, _ in after_corpus.key_topics()][0].id == "big"
    assert all(s.id != "a9" for s, _, _ in after_corpus.digest())


def test_weights_come_from_the_configuration(segmenter):
    volume_only = load_config(overrides=[f"rank.key_topic.weights.{name}=0" for name in
                                         ("breadth", "endorsements", "recency", "growth", "spread", "priority")])
    ranked = Corpus({"many": many_voices(), "one": one_voice()}, volume_only, segmenter).key_topics()
    assert [issue.id for issue, _ in ranked] == ["one", "many"]


def test_a_missing_weight_is_reported(config, segmenter):
    broken = load_config()
    del broken["rank"]["key_topic"]["weights"]["growth"]
    with pytest.raises(ConfigError, match="growth"):
        Corpus({"many": many_voices()}, broken, segmenter).key_topics()


def test_recently_growing_issue_scores_growth(config, segmenter):
    old = [suggestion(f"old{i}", "公交站台无遮雨棚", f"org-{i}", submitted_at=datetime(2024, 1, 1)) for i in range(3)]
    new = [suggestion(f"new{i}", "共享单车乱停放", f"org-{i}", submitted_at=datetime(2024, 11, 1)) for i in range(3)]
    scores = {issue.id: score for issue, score in Corpus({"old": old, "new": new}, config, segmenter).key_topics()}
    assert scores["new"].factors["growth"] == 1.0
    assert scores["old"].factors["growth"] == 0.0
    assert scores["new"].factors["recency"] == 1.0 > scores["old"].factors["recency"]


def test_priority_factor_follows_the_citys_stated_priorities(config, segmenter):
    corpus = Corpus({"renewal": [suggestion("r1", "以城市更新推动老旧小区改造", "org-a")],
                     "other": [suggestion("x1", "公园厕所不够干净", "org-b")]}, config, segmenter)
    scores = {issue.id: score for issue, score in corpus.key_topics()}
    assert scores["renewal"].factors["priority"] == 1.0
    assert scores["other"].factors["priority"] == 0.0
    measures = measure_issues(corpus.issues, corpus.suggestions, corpus.tokens, config)
    assert "城市更新" in measures["renewal"].priorities


CONCRETE = suggestion(
    "good", "建议在阳光小区东门增设20个非机动车充电桩", "org-good",
    body="经我会走访调研，该小区共有1200户居民，电动自行车约800辆，现有充电桩仅30个，数据显示65%的居民在楼道充电。"
         "建议由街道牵头、物业配合，2025年6月前完成安装。",
    org_name="东城区物业管理协会")
VAGUE = suggestion("vague", "电动车充电太难了", "org-vague",
                   body="电动车充电太难了，谁来管管?? 多次反映至今无果，严重影响生活。")


def test_concrete_proposal_with_data_outranks_a_vague_complaint(config, segmenter):
    corpus = Corpus({"charging": [CONCRETE, VAGUE]}, config, segmenter)
    ranked = corpus.digest(load_config(overrides=["rank.digest.max_per_issue=2"]))
    assert [s.id for s, _, _ in ranked] == ["good", "vague"]
    good, vague = (score for _, score, _ in ranked)
    for quality in ("targeted", "valuable", "feasible"):
        assert good.breakdown[quality] > vague.breakdown[quality]


def test_max_per_issue_caps_the_digest(config, segmenter):
    corpus = Corpus({"many": many_voices(), "one": one_voice(), "charging": [CONCRETE]}, config, segmenter)
    assert config["rank"]["digest"]["max_per_issue"] == 1
    default = corpus.digest()
    assert sorted(issue_id for _, _, issue_id in default) == ["charging", "many", "one"]
    two = corpus.digest(load_config(overrides=["rank.digest.max_per_issue=2"]))
    per_issue = {issue_id: sum(1 for _, _, i in two if i == issue_id) for issue_id in ("many", "one", "charging")}
    assert per_issue == {"many": 2, "one": 2, "charging": 1}
    assert default[0][0].id == "good"


def test_digest_breakdown_sums_to_score(config, segmenter):
    for _, score, _ in Corpus({"charging": [CONCRETE, VAGUE], "many": many_voices()}, config, segmenter).digest():
        assert score.value == pytest.approx(sum(score.breakdown.values()), abs=1e-12)
        assert list(score.breakdown) == ["base", "targeted", "valuable", "feasible", "wording"]
        assert 0.0 <= score.value <= 1.0
        assert all(0.0 <= f <= 1.0 for f in score.factors.values())


def test_a_repost_carries_its_originals_digest_score(config):
    repost = suggestion("dup", "转发：" + CONCRETE.title, "org-z", body=CONCRETE.body[:40], duplicate_of="good")
    scores = digest_scores([CONCRETE, repost], digest_model_from_config(config))
    assert scores["dup"] is scores["good"]
    alone = digest_scores([Suggestion(**{**repost.__dict__, "duplicate_of": None})], digest_model_from_config(config))
    assert alone["dup"].value != scores["good"].value


def test_reports_show_candidates_with_their_reasons(tmp_path, config, segmenter):
    corpus = Corpus({"many": many_voices(), "one": one_voice(),
                     "charging": [CONCRETE, VAGUE, suggestion("dup", CONCRETE.title, "org-z", body=CONCRETE.body,
                                                             duplicate_of="good")]}, config, segmenter)
    ranked = corpus.key_topics()
    by_id = {s.id: s for s in corpus.suggestions}
    write_issues_csv(tmp_path / "issues.csv", ranked)
    write_issues_json(tmp_path / "issues.json", ranked, by_id)
    write_digest_md(tmp_path / "digest.md", corpus.digest(), {i.id: i for i in corpus.issues}, corpus.suggestions)

    rows = (tmp_path / "issues.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 1 + 3 and "广度（提出主体数）得分" in rows[0]
    records = json.loads((tmp_path / "issues.json").read_text(encoding="utf-8"))
    charging = next(r for r in records if r["id"] == "charging")
    assert charging["size"] == 2 and charging["duplicates"] == ["dup"] and "dup" in charging["members"]
    assert charging["score"] == pytest.approx(sum(charging["breakdown"].values()), abs=1e-5)

    digest = (tmp_path / "digest.md").read_text(encoding="utf-8")
    assert "东城区物业管理协会" in digest and "被转发 1 次" in digest
    assert "| 有针对性 |" in digest
    assert digest.index("增设20个非机动车充电桩") < digest.index("五一路口信号灯配时不合理")


def test_max_per_issue_must_be_positive(config, segmenter):
    corpus = Corpus({"many": many_voices()}, config, segmenter)
    with pytest.raises(ConfigError):
        corpus.digest(load_config(overrides=["rank.digest.max_per_issue=0"]))
