"""The annual report (年度通报) against the store: a year of suggestions, decisions and implementation changes made
through the API, then ``triage report`` read back from .docx, .html and .xlsx, every figure checked against what the
store holds."""
from __future__ import annotations

from collections import Counter

import docx
import openpyxl
import pytest
from sqlalchemy import select

from api.store import Store
from api.store.models import DuplicateLinkRow, ImplementationRow, MembershipRow, ReviewRow, SuggestionRow
from triage.annual import STAGES, TEXT
from triage.cli import main as triage_main

from api_server import unique
from api_texts import BUS, PARKING, UNRELATED

CARRIED_OUT = {"implemented", "converted"}
SCREENED_IN = {"shortlist", "digest", "adopted", "not_adopted"}


def org(n: int, org_type: str, sector: str, district: str) -> dict:
    return {"submitter": f"ORG-{n}", "org_name": f"组织{n}", "org_type": org_type, "sector": sector,
            "district": district}


@pytest.fixture
def year_of_decisions(fresh_server):
    """Suggestions of 2025 (plus one of 2024, one undated and a repost), then a year of decisions and
    implementation changes, all through the API. Returns the ids by role."""
    ids = {name: unique(name) for name in ("p0", "p1", "p2", "b0", "b1", "u0", "u1", "old", "undated", "repost")}
    housing, transport, care = ("社会服务机构", "物业管理", "东城区"), ("行业协会商会", "交通出行", "西城区"), \
        ("社会团体", "养老服务", "东城区")
    items = [
        {"id": ids["p0"], **PARKING[0], **org(1, *housing), "submitted_at": "2025-01-15 09:00:00"},
        {"id": ids["p1"], **PARKING[1], **org(2, *housing), "submitted_at": "2025-02-03 10:00:00"},
        {"id": ids["p2"], **PARKING[2], **org(3, *housing), "submitted_at": "2025-02-20 10:00:00"},
        {"id": ids["repost"], **PARKING[0], **org(4, *housing), "submitted_at": "2025-02-21 10:00:00"},
        {"id": ids["b0"], **BUS[0], **org(5, *transport), "submitted_at": "2025-03-05 10:00:00"},
        {"id": ids["b1"], **BUS[1], **org(6, *transport), "submitted_at": "2025-07-09 10:00:00"},
        {"id": ids["u0"], **UNRELATED[0], **org(7, *care), "submitted_at": "2025-07-10 10:00:00"},
        {"id": ids["u1"], **UNRELATED[1], **org(1, "社会服务机构", "城市管理", ""), "submitted_at": "2025-11-30 10:00:00"},
        {"id": ids["old"], **UNRELATED[2], **org(8, *care), "submitted_at": "2024-12-31 23:00:00"},
        {"id": ids["undated"], "title": "社区图书室开放时间太短", "body": "建议延长社区图书室周末开放时间。",
         **org(9, *care)},
    ]
    server = fresh_server
    with server.client("intake") as intake, server.client("reviewer") as reviewer:
        stored = intake.post("/v1/suggestions", json={"items": items})
        assert stored.status_code == 201, stored.text[:300]
        parking_issue = stored.json()["items"][1]["issue_id"]

        def decide(target_type, target_id, decision, reason):
            response = reviewer.post("/v1/reviews", json={"target_type": target_type, "target_id": target_id,
                                                           "decision": decision, "reason": reason})
            assert response.status_code == 201, response.text

        def track(target_type, target_id, status, on, department):
            response = reviewer.post("/v1/implementations", json={
                "target_type": target_type, "target_id": target_id, "status": status, "date": on,
                "department": department, "note": f"{status} 说明，联系电话13912345678"})
            assert response.status_code == 201, response.text

        decide("suggestion", ids["p0"], "shortlist", "问题具体")
        decide("suggestion", ids["p0"], "digest", "写入直通车")
        decide("suggestion", ids["p0"], "adopted", "区住建委采纳")
        track("suggestion", ids["p0"], "in_progress", "2025-04-01", "区住建委")
        track("suggestion", ids["p0"], "implemented", "2025-09-30", "区住建委")
        decide("issue", parking_issue, "adopted", "列入年度重点协商议题")
        track("issue", parking_issue, "in_progress", "2025-05-01", "市住建委")
        track("issue", parking_issue, "converted", "2025-12-01", "市住建委")
        decide("suggestion", ids["b0"], "digest", "写入直通车")
        decide("suggestion", ids["b0"], "not_adopted", "经费不足，联系人电话 13812345678")
        decide("suggestion", ids["b1"], "reject", "已有部门在办")
        decide("suggestion", ids["u0"], "digest", "写入直通车")
        decide("suggestion", ids["u1"], "adopted", "城管部门采纳")
        decide("suggestion", ids["old"], "adopted", "上一年度的意见")
    return server, ids, parking_issue


def expected_from_store(db_url: str, year: int) -> dict:
    """The report's figures recomputed straight from the store's tables, independently of the library."""
    store = Store(db_url)
    with store.session() as session:
        suggestions = session.scalars(select(SuggestionRow)).all()
        issue_of = dict(session.execute(select(MembershipRow.suggestion_id, MembershipRow.issue_id)).all())
        reviews = session.scalars(select(ReviewRow).order_by(ReviewRow.id)).all()
        tracked = session.scalars(select(ImplementationRow).order_by(ImplementationRow.id)).all()
        reposts = set(session.scalars(select(DuplicateLinkRow.suggestion_id)))
    store.close()
    originals = [s for s in suggestions if s.id not in reposts]
    submitters: dict[str, set] = {}
    for s in originals:
        if issue_of.get(s.id):
            submitters.setdefault(issue_of[s.id], set()).add(s.submitter)
    history: dict[tuple, list[ReviewRow]] = {}
    for r in reviews:
        history.setdefault((r.target_type, r.target_id), []).append(r)
    status = {(t.target_type, t.target_id): t.status for t in tracked}

    def stages(s: SuggestionRow) -> set[str]:
        target = ("suggestion", s.id)
        if target not in history and issue_of.get(s.id):
            target = ("issue", issue_of[s.id])
        decisions = [r.decision for r in history.get(target, [])]
        found = {"submitted"}
        if issue_of.get(s.id) and len(submitters[issue_of[s.id]]) >= 2:
            found.add("shared")
        if SCREENED_IN & set(decisions):
            found.add("shortlisted")
        if "digest" in decisions:
            found.add("digest")
        if decisions and decisions[-1] == "adopted":
            found.add("adopted")
            if status.get(target) in CARRIED_OUT:
                found.add("carried_out")
        return found

    of_year = [s for s in originals if s.submitted_at and s.submitted_at.year == year]
    reached = {s.id: stages(s) for s in of_year}
    by = {}
    for key in ("org_type", "sector", "district"):
        groups: dict[str, Counter] = {}
        for s in of_year:
            groups.setdefault(getattr(s, key) or TEXT["unfilled"], Counter()).update(reached[s.id])
        by[key] = {name: [counts[stage] for stage in STAGES] for name, counts in groups.items()}
    return {
        "funnel": {stage: sum(stage in r for r in reached.values()) for stage in STAGES},
        "by": by,
        "monthly": [sum(1 for s in of_year if s.submitted_at.month == m) for m in range(1, 13)],
        "reposts": sum(1 for s in suggestions if s.id in reposts and s.submitted_at and s.submitted_at.year == year),
        "digest": {s.id for s in of_year if "digest" in reached[s.id]},
    }


def test_every_figure_of_the_report_matches_the_store(year_of_decisions, tmp_path, capsys):
    server, ids, parking_issue = year_of_decisions
    flags = ["--db", server.db_url, "--set", 'embed.name="tfidf"', "--set", 'issues.finder.rule="cosine:0.8"']
    outputs = {suffix: tmp_path / f"report{suffix}" for suffix in (".docx", ".html", ".xlsx")}
    for path in outputs.values():
        assert triage_main(["report", "--year", "2025", "--out", str(path), *flags]) == 0
    expected = expected_from_store(server.db_url, 2025)
    # The figures this year of decisions was built to produce, so a wrong rule in both places cannot pass.
    assert expected["funnel"] == {"submitted": 7, "shared": expected["funnel"]["shared"], "shortlisted": 6,
                                  "digest": 3, "adopted": 4, "carried_out": 3}
    assert expected["funnel"]["shared"] >= 3 and expected["reposts"] == 1

    book = openpyxl.load_workbook(outputs[".xlsx"])
    assert {"各阶段", "每月提交", "组织类型", "领域", "区域", "主要主题", "主要问题", "采纳入专报", "未采纳及理由",
            "落实情况", "图表"} <= set(book.sheetnames)
    stages = {row[0]: row[1] for row in book["各阶段"].iter_rows(min_row=2, values_only=True)}
    assert stages == {STAGES[s]: n for s, n in expected["funnel"].items()}
    for sheet, key in (("组织类型", "org_type"), ("领域", "sector"), ("区域", "district")):
        rows = {row[0]: list(row[1:]) for row in book[sheet].iter_rows(min_row=2, values_only=True)}
        assert rows == expected["by"][key], sheet
    months = [row[1] for row in book["每月提交"].iter_rows(min_row=2, values_only=True)]
    assert months == expected["monthly"]
    assert sum(row[2] for row in book["每月提交"].iter_rows(min_row=2, values_only=True)) == expected["reposts"]
    digest = {row[0]: row for row in book["采纳入专报"].iter_rows(min_row=2, values_only=True)}
    assert set(digest) == expected["digest"]
    assert digest[ids["p0"]][3:6] == ("已采纳", "已落实", "2025-09-30")
    assert digest[ids["b0"]][3:5] == ("未采纳", None) and digest[ids["u0"]][3] == "采纳入专报"
    turned_down = {row[0]: row for row in book["未采纳及理由"].iter_rows(min_row=2, values_only=True)}
    assert set(turned_down) == {ids["b0"], ids["b1"]}
    assert turned_down[ids["b0"]][4] == "经费不足，联系人电话 [手机号]"
    assert turned_down[ids["b1"]][3:] == ("不予采纳", "已有部门在办")
    implementation = {row[0]: row[1] for row in book["落实情况"].iter_rows(min_row=2, values_only=True)}
    assert implementation == {"落实中": 0, "已落实": 1, "成果转化": 2, "尚未记录": 1}
    issues = list(book["主要问题"].iter_rows(min_row=2, values_only=True))
    assert issues[0][0] == parking_issue and issues[0][3:] == (3, 3)
    assert len(book["图表"]._images) == 4

    document = docx.Document(str(outputs[".docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [TEXT[k] for k in ("overview", "monthly", "groups", "themes", "digest", "turned_down",
                                          "implementation_summary")]
    assert len(document.inline_shapes) == 4
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions == [TEXT["funnel_chart"], TEXT["monthly_chart"].format(year=2025), TEXT["sector_chart"],
                        TEXT["theme_chart"]]
    overview = next(p.text for p in document.paragraphs if p.text.startswith("2025年共收到"))
    assert "7 条" in overview and "另有转发 1 条" in overview and "3 条已落实" in overview
    text = "\n".join([p.text for p in document.paragraphs] +
                     [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert "13812345678" not in text and "13912345678" not in text
    assert TEXT["undated"].format(count=1) in text

    letters = tmp_path / "letters"
    assert triage_main(["report", "--year", "2025", "--out", str(tmp_path / "again.docx"), "--letters", str(letters),
                        *flags]) == 0
    # ORG-1 to ORG-7 submitted originals in 2025 (ORG-4 only a repost, ORG-8 only in 2024, ORG-9 undated).
    assert sorted(p.name for p in letters.iterdir()) == [f"反馈函-ORG-{n}-2025.docx" for n in (1, 2, 3, 5, 6, 7)]
    letter = "\n".join(p.text for p in docx.Document(str(letters / "反馈函-ORG-1-2025.docx")).paragraphs)
    assert ids["p0"] in letter and ids["u1"] in letter and "已落实（2025-09-30，责任部门：区住建委）" in letter
    assert "落实情况待相关部门反馈" in letter  # u1 is adopted but nothing was recorded yet
    assert "13912345678" not in letter

    page = outputs[".html"].read_text(encoding="utf-8")
    assert page.count("<svg") == 4 and page.count("<figcaption>") == 4
    assert "13812345678" not in page
    assert "7 条意见" not in capsys.readouterr().err  # the summary line names stages, not a sentence


def test_report_refuses_bad_arguments(tmp_path, capsys):
    assert triage_main(["report", "--year", "2025", "--out", str(tmp_path / "r.pdf"),
                        "--db", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    assert ".docx" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        triage_main(["report", "--year", "25", "--out", str(tmp_path / "r.docx")])
    assert "四位数" in capsys.readouterr().err
