"""The digest and key-topic documents: periods, grouping, masking, and the same content in .docx, .md and .html."""
from __future__ import annotations

from datetime import datetime

import docx
import pytest

from triage.documents import (TEXT, DigestItem, KeyTopicEntry, current_quarter, digest_document,
                              key_topic_document, parse_period, write_document)
from triage.messages import FACTOR_NAMES
from triage.privacy import find_pii
from triage.records import Issue, Score, Suggestion
from triage.theme_reports import ThemeEntry
from triage.themes import Theme

PHONE, ID_CARD = "13812345678", "110101199003071234"


def suggestion(id: str, title: str, body: str, org: str, **extra) -> Suggestion:
    return Suggestion(id=id, title=title, body=body, submitter=f"ORG-{id}", org_name=org, org_type="社会服务机构",
                      sector="城市更新", district="东城区", submitted_at=datetime(2025, 1, 8, 9, 30),
                      original_title=title, original_body=body, **extra)


LIFT_A = suggestion("S1", "和平里加装电梯出资难", f"建议区住建局牵头制定分摊指引。联系人手机 {PHONE}。", "和平里睦邻互助会")
LIFT_B = suggestion("S2", "加装电梯分摊方案建议", f"身份证号 {ID_CARD} 的居民反映低层住户补偿不足，建议设立补偿基金。", "澄州市规划学会")
CANTEEN = suggestion("S3", "长者食堂关停后老人就餐难", "建议恢复滨河长者食堂。", "北岸区为老服务中心")
LIFT = Issue(id="I00006", members=["S1", "S2"], topic="物业管理与住房", label="和平里老旧小区加装电梯出资比例难以协商",
             keywords=["加装电梯", "分摊"], size=22, submitters=17, endorsements=590,
             sectors={"城市更新": 18}, districts={"东城区": 22}, org_types={"社会服务机构": 6},
             first_at=datetime(2024, 10, 24), last_at=datetime(2025, 6, 16))
ALONE = Issue(id="I00040", members=["S3"], topic="养老与社会保障", label="长者食堂关停后老人就餐难", size=1, submitters=1)

ITEMS = [
    DigestItem(LIFT_A, LIFT, f"数据翔实，已电话 {PHONE} 核实", datetime(2025, 2, 1, 2, 0)),
    DigestItem(LIFT_B, LIFT, "补偿机制建议可行", datetime(2025, 2, 3, 2, 0)),
    DigestItem(CANTEEN, ALONE, "民生急需", datetime(2025, 3, 1, 2, 0)),
]


@pytest.mark.parametrize("text, code, label, start, end", [
    ("2025-Q1", "2025-Q1", "2025年第一季度", "2025-01-01", "2025-04-01"),
    ("2025-q4", "2025-Q4", "2025年第四季度", "2025-10-01", "2026-01-01"),
    ("2025-03", "2025-03", "2025年3月", "2025-03-01", "2025-04-01"),
    ("2025-12", "2025-12", "2025年12月", "2025-12-01", "2026-01-01"),
    ("2025", "2025", "2025年", "2025-01-01", "2026-01-01"),
])
def test_periods(text, code, label, start, end):
    period = parse_period(text)
    assert (period.code, period.label) == (code, label)
    assert period.start.strftime("%Y-%m-%d") == start and period.end.strftime("%Y-%m-%d") == end


@pytest.mark.parametrize("text", ["2025-Q5", "2025-13", "2025-00", "Q1", "2025/03", ""])
def test_unreadable_periods_are_refused_in_chinese(text):
    with pytest.raises(ValueError, match="2025-Q1"):
        parse_period(text)


def test_periods_are_read_in_beijing_time():
    q1 = parse_period("2025-Q1")
    assert q1.contains(datetime(2024, 12, 31, 16, 0))      # 2025-01-01 00:00 in Beijing
    assert not q1.contains(datetime(2024, 12, 31, 15, 59))
    assert q1.contains(datetime(2025, 3, 31, 15, 59))
    assert not q1.contains(datetime(2025, 3, 31, 16, 0))   # 2025-04-01 00:00 in Beijing
    assert current_quarter(datetime(2025, 3, 31, 16, 30, tzinfo=parse_period("2025").start.tzinfo)) == "2025-Q1"


def test_digest_groups_by_topic_then_issue_and_masks_everything():
    document = digest_document(ITEMS, parse_period("2025-Q1"), generated_at=parse_period("2025-04").start)
    outline = [(h.level, h.text) for h in document.headings()]
    assert outline == [
        (1, "物业管理与住房"), (2, LIFT.label), (3, "《和平里加装电梯出资难》"), (3, "《加装电梯分摊方案建议》"),
        (1, "养老与社会保障"), (2, TEXT["no_issue"]), (3, "《长者食堂关停后老人就餐难》"),
    ]
    assert "本期收录意见 3 条，涉及共同问题 1 个" in document.subtitle
    assert [h.text for h in document.toc()] == [h.text for h in document.headings()]


@pytest.mark.parametrize("suffix", [".docx", ".md", ".html"])
def test_every_format_says_the_same_without_personal_data(tmp_path, suffix):
    path = write_document(tmp_path / f"digest{suffix}", digest_document(ITEMS, parse_period("2025-Q1")))
    if suffix == ".docx":
        opened = docx.Document(str(path))
        text = "\n".join(p.text for p in opened.paragraphs)
        assert [p.text for p in opened.paragraphs if p.style.name == "Heading 3"] == [
            "《和平里加装电梯出资难》", "《加装电梯分摊方案建议》", "《长者食堂关停后老人就餐难》"]
        assert [p.text for p in opened.paragraphs if p.style.name == "Title"] == [TEXT["digest_title"]]
    else:
        text = path.read_text(encoding="utf-8")
    for expected in ("和平里睦邻互助会", "意见 22 条", "17 个组织提出", "补偿机制建议可行", "[手机号]", "[身份证号]",
                     "2025年第一季度", TEXT["issue_alone"]):
        assert expected in text
    assert PHONE not in text and ID_CARD not in text and find_pii(text) == []


def test_an_empty_period_still_makes_a_document(tmp_path):
    path = write_document(tmp_path / "empty.docx", digest_document([], parse_period("2024-Q2")))
    assert TEXT["digest_empty"] in "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="docx"):
        write_document(tmp_path / "digest.pdf", digest_document(ITEMS, parse_period("2025")))


LIFTS = Theme(id="T-old-estates", label="老旧小区改造与加装电梯", source="lexicon", issues=["I00006", "I00007"],
              members=["S1", "S2"], keywords=["加装电梯"], size=25, submitters=19, endorsements=600,
              places=["东城区", "和平里", "滨河苑"], districts={"东城区": 25})
MEALS = Theme(id="T-elderly", label="养老服务", source="lexicon", issues=["I00040"], members=["S3"], size=2, submitters=2)
OTHER_LIFT = Issue(id="I00007", members=[], label="滨河苑加装电梯低层补偿", size=3, submitters=2)


def test_key_topic_report_shows_each_theme_with_its_issues_examples_and_breakdown(tmp_path):
    score = Score(value=4.0, breakdown={"breadth": 3.0, "priority": 1.0}, factors={"breadth": 1.0, "priority": 1.0})
    lifts = ThemeEntry(LIFTS, 1, score, [(1, LIFT, score), (9, OTHER_LIFT, score)], [LIFT_A, LIFT_B])
    meals = ThemeEntry(MEALS, 5, Score(1.0, {"breadth": 1.0, "priority": 0.0}, {"breadth": 0.3}),
                       [(40, ALONE, score)], [CANTEEN])
    entries = [KeyTopicEntry(5, meals), KeyTopicEntry(1, lifts, note=f"多家组织反映，联系 {PHONE}")]
    path = write_document(tmp_path / "key.docx", key_topic_document(entries, total=33, issues_shown=1))
    opened = docx.Document(str(path))
    assert [p.text for p in opened.paragraphs if p.style.name == "Heading 1"] == [
        f"1. {LIFTS.label}", f"2. {MEALS.label}"]
    text = "\n".join(p.text for p in opened.paragraphs)
    assert "19 个提出主体，具体问题 2 个，涉及地点 3 处，意见 25 条（不含转发），附议 600 次" in text
    assert "在全部 33 个候选主题中排第 1 名" in text and "《和平里加装电梯出资难》——和平里睦邻互助会" in text
    assert PHONE not in text and ID_CARD not in text and find_pii(text) == []
    issues = opened.tables[0]
    assert [c.text for c in issues.rows[1].cells] == ["1", LIFT.label, "17", "22"]
    assert issues.rows[2].cells[1].text == TEXT["more_issues"].format(count=1)
    table = opened.tables[1]
    assert [c.text for c in table.rows[0].cells] == [TEXT["factor"], TEXT["factor_value"], TEXT["points"]]
    assert [r.cells[0].text for r in table.rows[1:]] == [FACTOR_NAMES["breadth"], FACTOR_NAMES["priority"],
                                                         TEXT["total"]]
    assert table.rows[-1].cells[2].text == "4.000"
