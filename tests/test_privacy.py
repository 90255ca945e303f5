"""Personal data is masked in everything the reports quote; the figures suggestions argue with are not."""
from __future__ import annotations

from datetime import datetime

import pytest

from triage.privacy import MASKS, find_pii, mask_pii
from triage.records import Issue, Score, Suggestion
from triage.reports import write_digest_md, write_issues_csv
from triage.theme_reports import theme_entries, write_key_topics_md
from triage.themes import Theme


@pytest.mark.parametrize("text, kind, secret", [
    ("请联系我13812345678，谢谢", "mobile", "13812345678"),
    ("手机 +86 139-1234-5678", "mobile", "+86 139-1234-5678"),
    ("座机0731-84512345转分机", "landline", "0731-84512345"),
    ("电话(010)62345678", "landline", "(010)62345678"),
    ("联系电话：8451234", "landline", "8451234"),
    ("身份证号430102199003071234", "id_card", "430102199003071234"),
    ("身份证号43010219900307123X", "id_card", "43010219900307123X"),
    ("邮箱 zhang.san@example.com.cn 可回复", "email", "zhang.san@example.com.cn"),
])
def test_personal_data_is_found_and_masked(text, kind, secret):
    (found,) = find_pii(text)
    assert found[0] == kind
    assert text[found[1]:found[2]] == secret
    assert mask_pii(text) == text.replace(secret, MASKS[kind])


@pytest.mark.parametrize("text", [
    "全市约3200部电梯需要加装，2025年完成",
    "投入资金1.5万元，覆盖1200户、65%的居民",
    "2024年5月1日起执行，12路公交班次增加到每天120班",
    "项目总投资13500000元",
    "统一社会信用代码编号20230105123456789",
])
def test_ordinary_numbers_stay(text):
    assert find_pii(text) == []
    assert mask_pii(text) == text


def test_several_kinds_in_one_text():
    text = "张先生13812345678，身份证430102199003071234，邮箱a@b.cn；小区共3200户"
    assert mask_pii(text) == "张先生[手机号]，身份证[身份证号]，邮箱[邮箱]；小区共3200户"
    assert [kind for kind, _, _ in find_pii(text)] == ["mobile", "id_card", "email"]


def test_reports_never_show_personal_data(tmp_path):
    phone, id_card, email = "13812345678", "430102199003071234", "li@example.com"
    suggestion = Suggestion(
        id="s1", title=f"加装电梯请回电{phone}", body=f"身份证{id_card}，邮箱{email}。小区3200户等待加装。",
        submitter="org-1", org_name=f"热心居民{phone}", submitted_at=datetime(2024, 5, 1))
    issue = Issue(id="i1", members=["s1"], label=suggestion.title, keywords=[phone, "电梯"], size=1, submitters=1)
    score = Score(value=1.0, breakdown={"breadth": 1.0}, factors={"breadth": 1.0})
    write_issues_csv(tmp_path / "issues.csv", [(issue, score)])
    theme = Theme(id="T-x", label="加装电梯", source="lexicon", issues=["i1"], members=["s1"], size=1, submitters=1)
    write_key_topics_md(tmp_path / "key_topics.md", theme_entries([theme], [(theme, score)], [(issue, score)],
                                                                 [suggestion]), top_n=5, issues_shown=5)
    write_digest_md(tmp_path / "digest.md", [(suggestion, score, "i1")], {"i1": issue}, [suggestion])
    for name in ("issues.csv", "key_topics.md", "digest.md"):
        text = (tmp_path / name).read_text(encoding="utf-8-sig")
        for secret in (phone, id_card, email):
            assert secret not in text, name
        assert "[手机号]" in text
    assert "3200户" in (tmp_path / "digest.md").read_text(encoding="utf-8")
