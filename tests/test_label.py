"""Issue descriptions: label, c-TF-IDF keywords, originals-only counts and broad topic."""
from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest

from triage.config import load_config
from triage.label import ClassTfidf, describe_issues, topic_assigner_from_config
from triage.records import Suggestion
from triage.segment import segmenter_from_config


@pytest.fixture(scope="module")
def config() -> dict:
    return load_config()


@pytest.fixture(scope="module")
def segmenter(config):
    return segmenter_from_config(config)


def suggestion(id: str, title: str, submitter: str, **fields) -> Suggestion:
    return Suggestion(id=id, title=title, body=fields.pop("body", ""), submitter=submitter, **fields)


def elevator_issue() -> list[Suggestion]:
    return [
        suggestion("s1", "阳光小区加装电梯进展缓慢", "org-a", sector="住房", district="东城区", endorsements=5,
                   submitted_at=datetime(2024, 3, 1)),
        suggestion("s2", "建议简化老旧小区加装电梯审批", "org-b", sector="住房", district="西湖区", endorsements=3,
                   submitted_at=datetime(2024, 4, 1)),
        suggestion("s3", "加装电梯资金分摊难", "org-c", sector="民生", district="东城区", endorsements=1,
                   submitted_at=datetime(2024, 5, 1)),
    ]


def test_label_is_the_title_nearest_the_centre_of_the_originals(config, segmenter):
    suggestions = elevator_issue() + [
        suggestion("s4", "转发：加装电梯进展缓慢", "org-z", duplicate_of="s1", submitted_at=datetime(2024, 6, 1)),
    ]
    # s2 lies between s1 and s3; the repost s4 lies far away and must not pull the centre.
    vectors = np.array([[1.0, 0.0], [0.7, 0.7], [0.0, 1.0], [-1.0, -0.2]], dtype=np.float32)
    tokens = [segmenter.tokens(s.text) for s in suggestions]
    (issue,) = describe_issues({"i1": [0, 1, 2, 3]}, suggestions, tokens, vectors, config)
    assert issue.label == "建议简化老旧小区加装电梯审批"
    assert issue.members[0] == "s2"
    assert issue.members[-1] == "s4"
    assert set(issue.members) == {"s1", "s2", "s3", "s4"}


def test_label_quotes_the_submitters_own_title(config):
    suggestions = [suggestion("s1", "加装电梯", "a", original_title="加装电梯！！")]
    (issue,) = describe_issues({"i1": [0]}, suggestions, [["加装电梯"]], np.ones((1, 2)), config)
    assert issue.label == "加装电梯！！"


def test_a_repost_changes_no_count_of_its_issue(config, segmenter):
    originals = elevator_issue()
    repost = suggestion("s9", originals[0].title, "org-z", sector="交通", district="南山区", org_type="行业协会",
                        endorsements=500, submitted_at=datetime(2024, 12, 1), duplicate_of="s1")
    with_repost = originals + [repost]
    vectors = np.eye(4, dtype=np.float32)
    tokens = [segmenter.tokens(s.text) for s in with_repost]
    (before,) = describe_issues({"i1": [0, 1, 2]}, originals, tokens[:3], vectors[:3], config)
    (after,) = describe_issues({"i1": [0, 1, 2, 3]}, with_repost, tokens, vectors, config)
    assert after.members.count("s9") == 1
    assert (after.size, after.submitters, after.endorsements) == (before.size, before.submitters, before.endorsements)
    assert (after.size, after.submitters, after.endorsements) == (3, 3, 9)
    assert after.sectors == before.sectors == {"住房": 2, "民生": 1}
    assert after.districts == before.districts == {"东城区": 2, "西湖区": 1}
    assert after.org_types == {}
    assert (after.first_at, after.last_at) == (datetime(2024, 3, 1), datetime(2024, 5, 1))


def test_one_submitter_writing_twice_counts_once():
    config = load_config()
    suggestions = [suggestion("a", "停车难", "org-a"), suggestion("b", "停车位不足", "org-a"),
                   suggestion("c", "停车收费高", "org-b")]
    (issue,) = describe_issues({"i": [0, 1, 2]}, suggestions, [["停车"]] * 3, np.eye(3), config)
    assert (issue.size, issue.submitters) == (3, 2)


def test_keywords_are_the_words_that_set_an_issue_apart(config):
    # 小区 appears in every issue as often as the distinctive words: it must rank below them.
    suggestions = [suggestion(f"s{i}", "", "a") for i in range(4)]
    tokens = [["小区", "电梯", "加装"], ["小区", "电梯", "维修"], ["小区", "停车", "收费"], ["小区", "停车"]]
    issues = describe_issues({"lift": [0, 1], "parking": [2, 3]}, suggestions, tokens, np.eye(4), config)
    lift, parking = issues
    assert lift.keywords[0] == "电梯"
    assert parking.keywords[0] == "停车"
    assert lift.keywords.index("小区") > lift.keywords.index("维修")
    assert "停车" not in lift.keywords


def test_class_tfidf_weight_is_tf_times_log_one_plus_average_over_frequency():
    model = ClassTfidf().fit([["小区", "电梯", "电梯"], ["小区", "停车"]])
    average_words = 5 / 2
    assert model.weights(0)["电梯"] == pytest.approx(2 * math.log(1 + average_words / 2))
    assert model.weights(0)["小区"] == pytest.approx(1 * math.log(1 + average_words / 2))
    assert model.weights(1)["停车"] == pytest.approx(1 * math.log(1 + average_words / 1))


def test_reposts_do_not_pull_keywords(config):
    suggestions = [suggestion("a", "", "x"), suggestion("b", "", "y"), suggestion("c", "", "z", duplicate_of="a"),
                   suggestion("d", "", "w")]
    tokens = [["电梯", "加装"], ["电梯", "审批"], ["转发", "转发", "转发"], ["停车"]]
    issues = describe_issues({"i": [0, 1, 2], "j": [3]}, suggestions, tokens, np.eye(4), config)
    assert "转发" not in issues[0].keywords


@pytest.mark.parametrize("texts, expected", [
    (["小区物业公司服务差，物业费却年年涨", "业委会成立难，维修基金使用不透明"], "物业管理与住房"),
    (["建议优化12路公交线路，增加早高峰班次", "地铁站接驳公交太少，出行不便"], "交通出行"),
    (["社区养老服务站太少，长者食堂覆盖不足", "居家养老上门护理服务收费高"], "养老与社会保障"),
    (["行业协会商会年检手续繁琐", "社会组织承接政府购买服务门槛高"], "社会组织发展"),
])
def test_issue_topic_follows_its_members_words(config, segmenter, texts, expected):
    suggestions = [suggestion(f"s{i}", text, f"org-{i}") for i, text in enumerate(texts)]
    tokens = [segmenter.tokens(s.text) for s in suggestions]
    (issue,) = describe_issues({"i": list(range(len(texts)))}, suggestions, tokens, np.eye(len(texts)), config)
    assert issue.topic == expected


def test_topic_falls_back_to_majority_sector_then_to_other(config):
    assigner = topic_assigner_from_config(config).fit([["某某", "甲乙"]])
    assert assigner.assign([["某某", "甲乙"]], {"社区服务": 2, "文化": 1}) == "社区服务"
    # Citizen messages carry no sector field.
    assert assigner.assign([["某某", "甲乙"]], {}) == "其他"


def test_topic_counts_each_member_once_per_word(config):
    assigner = topic_assigner_from_config(config).fit([["公交"], ["学校"], ["学校"]])
    # One member repeating 公交 many times does not outweigh two members that both mention 学校.
    assert assigner.assign([["公交"] * 10, ["学校"], ["学校"]]) == "教育"
