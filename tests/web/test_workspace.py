"""The reviewer workspace in real headless Chromium against the real service holding the shipped sample.

One reviewer's session end to end: log in, filter and search the key-topic list, open an issue, record decisions
with reasons and see their status change, accept suggestions into the digest and export it; then the exported
.docx is read back with python-docx. Screenshots of the three main pages land in tests/screenshots/.
"""
from __future__ import annotations

import csv
import io

import docx
import httpx
import pytest

from api.web.texts import DECISIONS, T
from triage.cli import main as triage_main
from triage.documents import TEXT, current_quarter
from triage.privacy import find_pii

from .conftest import log_in

# Suggestions of the sample with a phone number or an ID-card number in the body (samples/README.md).
WITH_PII = ("S2025-0031", "S2025-0037", "S2025-0149")
RAW_PII = ("18612345678", "13956781234", "13912345678")


def reviews_of(server, target_type: str, target_id: str) -> list[dict]:
    with server.client("reviewer") as api:
        response = api.get("/v1/reviews", params={"target_type": target_type, "target_id": target_id})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def docx_text(document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def headings(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def test_pages_need_a_reviewer_login(page, sample_server):
    page.goto("/web/issues?sector=物业管理")
    assert "/web/login" in page.url
    page.fill("input[name=key]", "trk_not-a-key")
    page.click("button[type=submit]")
    assert T["login_invalid"] in page.text_content("[role=alert]")

    page.fill("input[name=key]", sample_server.keys["intake"])
    page.click("button[type=submit]")
    assert "不能登录审阅工作台" in page.text_content("[role=alert]")

    page.fill("input[name=key]", sample_server.keys["reviewer"])
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/web/issues" in url and "sector=" in url)
    assert page.locator("#issues tbody tr").count() > 0

    # Without the session cookie a decision is refused and nothing is written.
    with httpx.Client(base_url=sample_server.url, follow_redirects=False) as anonymous:
        response = anonymous.post("/web/reviews", data={"target_type": "issue", "target_id": "I00001",
                                                        "decision": "reject", "reason": "无会话"})
    assert response.status_code == 303 and response.headers["location"].startswith("/web/login")
    assert reviews_of(sample_server, "issue", "I00001") == []


def test_a_reviewer_ranks_decides_and_exports(page, sample_server, screenshots, tmp_path):
    workspace = sample_server.workspace
    log_in(page, sample_server.keys["reviewer"])
    assert page.text_content("h1") == T["common_issues_title"]
    everything = page.locator("#issues tbody tr").count()
    page.screenshot(path=str(screenshots / "common-issues.png"))

    # Filter: choosing a sector applies at once; every listed issue has a suggestion from that sector.
    page.select_option("select[name=sector]", "物业管理")
    page.wait_for_url(lambda url: "sector=" in url)
    listed = page.locator("#issues tbody tr").evaluate_all("rows => rows.map(r => r.dataset.issue)")
    assert 0 < len(listed) < everything
    for issue_id in listed:
        assert any(s.sector == "物业管理" for s in workspace.members(issue_id))

    # Search over titles and keywords, within the filter.
    page.fill("input[name=q]", "维修资金")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(lambda url: "q=" in url)
    found = page.locator("#issues tbody tr").evaluate_all("rows => rows.map(r => r.dataset.issue)")
    assert found and set(found) <= set(listed)
    for issue_id in found:
        issue = workspace.issue(issue_id)
        text = " ".join([issue.label, *issue.keywords, *(s.original_title for s in workspace.members(issue_id))])
        assert "维修资金" in text

    # Open the best-ranked issue of the full list.
    page.click("a.reset")
    page.click("#issues tbody tr:first-child a.title")
    page.wait_for_url(lambda url: "/web/issues/I" in url)
    issue_id = page.url.rsplit("/", 1)[-1]
    issue = workspace.issue(issue_id)
    assert page.text_content("#issue-label") == issue.label
    assert page.locator(".timeline .week").count() >= 1
    originals = [m for m in issue.members if not workspace.get(m).duplicate_of]
    assert page.locator("ol.members > li").count() == len(originals)
    if len(originals) < len(issue.members):
        assert page.locator("details.reposts").count() >= 1
    assert page.text_content("#issue-status").strip() == T["status_unreviewed"]

    # A decision needs a reason: the browser refuses to send the form without one.
    page.click("#decide button[value=shortlist]")
    assert page.eval_on_selector("#decide textarea[name=reason]", "e => e.validity.valueMissing")
    assert reviews_of(sample_server, "issue", issue_id) == []

    page.fill("#decide textarea[name=reason]", "多家组织反映同一问题，诉求具体，建议列入年度协商计划")
    page.click("#decide button[value=shortlist]")
    page.wait_for_url(lambda url: "notice=" in url)
    assert page.text_content("#issue-status").strip() == DECISIONS["shortlist"]
    assert "建议列入年度协商计划" in page.text_content("#issue-history")
    [review] = reviews_of(sample_server, "issue", issue_id)
    assert review["decision"] == "shortlist" and review["reviewer"].startswith("key:")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "issue.png"))
    page.screenshot(path=str(screenshots / "issue-full.png"), full_page=True)

    # The list shows the new status and can be filtered by it.
    page.goto("/web/issues?status=shortlist")
    assert page.locator("#issues tbody tr").evaluate_all("rows => rows.map(r => r.dataset.issue)") == [issue_id]

    # Digest candidates: accept the top one from the list, two with personal data in them from their own pages,
    # and accept then overrule a fourth (which must stay out of the digest).
    page.goto("/web/digest")
    top = page.locator("#digest tbody tr").first.get_attribute("data-suggestion")
    row = page.locator(f"#d-{top}")
    row.locator("details.inline-decide summary").click()
    row.locator("textarea[name=reason]").fill("问题具体、有数据支撑，建议采纳入专报")
    row.locator("button[value=digest]").click()
    page.wait_for_url(lambda url: "notice=" in url)
    assert page.locator(f"#d-{top} .status").text_content() == DECISIONS["digest"]
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "digest.png"))

    notes = {top: "问题具体、有数据支撑，建议采纳入专报"}
    for suggestion_id in WITH_PII[:2]:
        page.goto(f"/web/suggestions/{suggestion_id}")
        assert not any(raw in page.content() for raw in RAW_PII)  # pages mask, too
        notes[suggestion_id] = f"反映情况属实（已电话联系 13912345678 核实），建议采纳 {suggestion_id}"
        page.fill("#decide textarea[name=reason]", notes[suggestion_id])
        page.click("#decide button[value=digest]")
        page.wait_for_url(lambda url: "notice=" in url)
        assert page.text_content("#suggestion-status").strip() == DECISIONS["digest"]
    overruled = WITH_PII[2]
    for decision, reason in (("digest", "先采纳"), ("reject", "已有部门在办，不再重复报送")):
        page.goto(f"/web/suggestions/{overruled}")
        page.fill("#decide textarea[name=reason]", reason)
        page.click(f"#decide button[value={decision}]")
        page.wait_for_url(lambda url: "notice=" in url)
    assert page.text_content("#suggestion-status").strip() == DECISIONS["reject"]

    # Export the digest of this quarter with the button and read it back.
    page.goto("/web/digest")
    assert page.input_value("input[name=period]") == current_quarter()
    page.select_option("select[name=format]", "docx")
    with page.expect_download() as caught:
        page.click("#export-digest")
    path = tmp_path / "digest.docx"
    caught.value.save_as(path)
    document = docx.Document(str(path))

    title = [p.text for p in document.paragraphs if p.style.name == "Title"]
    assert title == [TEXT["digest_title"]]
    accepted = {sid: workspace.get(sid) for sid in notes}
    assert sorted(headings(document, 3)) == sorted(f"《{s.original_title}》" for s in accepted.values())
    for issue in (workspace.issue(workspace.issue_of(sid)) for sid in notes):
        if issue.size > 1:
            assert issue.label in headings(document, 2)
        assert (issue.topic or TEXT["no_topic"]) in headings(document, 1)
    text = docx_text(document)
    for suggestion_id, note in notes.items():
        assert note.replace("13912345678", "[手机号]") in text
        assert (accepted[suggestion_id].org_name or accepted[suggestion_id].submitter) in text
    assert workspace.get(overruled).original_title not in text
    assert find_pii(text) == []
    assert not any(raw in text for raw in RAW_PII)


def test_feedback_to_an_organisation(page, sample_server, screenshots, tmp_path):
    suggestion = sample_server.workspace.get("S2025-0004")
    with sample_server.client("reviewer") as api:
        assert api.post("/v1/reviews", json={"target_type": "suggestion", "target_id": suggestion.id,
                                             "decision": "not_adopted",
                                             "reason": "相关部门已出台清欠专项行动，暂不单独采纳"}).status_code == 201
    log_in(page, sample_server.keys["reviewer"], "/web/feedback")
    page.click(f"a[href='/web/feedback/{suggestion.submitter}']")
    row = page.locator("tr", has_text=suggestion.original_title)
    assert DECISIONS["not_adopted"] in row.text_content() and "清欠专项行动" in row.text_content()
    page.screenshot(path=str(screenshots / "feedback.png"))

    with page.expect_download() as caught:
        page.click("a.button[download]")
    path = tmp_path / "feedback.csv"
    caught.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert {r["组织编号"] for r in rows} == {suggestion.submitter}
    [mine] = [r for r in rows if r["意见编号"] == suggestion.id]
    assert mine["当前状态"] == DECISIONS["not_adopted"] and "清欠专项行动" in mine["理由"]


@pytest.mark.parametrize("suffix", [".docx", ".md", ".html"])
def test_cli_exports_the_digest_from_the_database(sample_server, tmp_path, suffix, capsys):
    accepted, dropped = "S2025-0002", "S2025-0003"
    with sample_server.client("reviewer") as api:
        for target, decision in ((accepted, "digest"), (dropped, "digest"), (dropped, "reject")):
            api.post("/v1/reviews", json={"target_type": "suggestion", "target_id": target, "decision": decision,
                                          "reason": f"命令行导出测试：{decision}"})
    out = tmp_path / f"digest{suffix}"
    code = triage_main(["digest", "--period", current_quarter(), "--out", str(out), "--db", sample_server.db_url])
    assert code == 0 and out.is_file()
    workspace = sample_server.workspace
    text = (docx_text(docx.Document(str(out))) if suffix == ".docx" else out.read_text(encoding="utf-8"))
    assert workspace.get(accepted).original_title in text
    assert workspace.get(dropped).original_title not in text
    assert find_pii(text) == []
    assert triage_main(["digest", "--period", "2025-Q5", "--out", str(out), "--db", sample_server.db_url]) == 2
    assert "2025-Q1" in capsys.readouterr().err


def test_the_key_topic_page_lists_themes_with_their_issues(page, sample_server, screenshots, tmp_path):
    workspace = sample_server.workspace
    log_in(page, sample_server.keys["reviewer"], start="/web/themes")
    assert page.text_content("h1") == T["key_topics_title"]
    listed = page.locator("#themes tbody tr").evaluate_all("rows => rows.map(r => r.dataset.theme)")
    candidates = [theme.id for theme, _ in workspace.theme_candidates()]
    assert listed == candidates[:len(listed)] and len(listed) >= 3
    page.screenshot(path=str(screenshots / "key-topics.png"))
    page.screenshot(path=str(screenshots / "key-topics-full.png"), full_page=True)

    # Each theme lists its concrete issues, every one of them in the theme, in common-issue rank order; none is
    # one submitter's issue standing alone.
    top = workspace.theme_candidates()[0][0]
    row = page.locator(f"#t-{top.id}")
    assert row.locator(".theme-label").text_content() == top.label and top.submitters >= 2
    shown = row.locator("ol.theme-issues > li").evaluate_all("items => items.map(i => i.dataset.issue)")
    assert shown and set(shown) <= set(top.issues)
    rank_of = {issue.id: n for n, (issue, _) in enumerate(workspace.key_topics(), 1)}
    assert [rank_of[i] for i in shown] == sorted(rank_of[i] for i in shown)

    # A theme is shortlisted with a reason; the key-topic report then holds it with its issues.
    row.locator("details.inline-decide summary").click()
    row.locator("textarea[name=reason]").fill("多个地点、多家组织反映的同类问题，建议列为年度协商议题")
    row.locator("button[value=shortlist]").click()
    page.wait_for_url(lambda url: "notice=" in url)
    assert page.locator(f"#t-{top.id} .status-cell").text_content().strip() == DECISIONS["shortlist"]
    [review] = reviews_of(sample_server, "theme", top.id)
    assert review["decision"] == "shortlist"
    with page.expect_download() as caught:
        page.click("a[href='/web/exports/key-topics.docx']")
    caught.value.save_as(tmp_path / "key-topics.docx")
    report = docx.Document(str(tmp_path / "key-topics.docx"))
    assert headings(report, 1) == [f"1. {top.label}"]
    text = docx_text(report)
    assert "建议列为年度协商议题" in text and workspace.issue(shown[0]).label in text and find_pii(text) == []

    # The workbook downloads from the same page and reads back.
    import openpyxl

    with page.expect_download() as caught:
        page.click("a[href='/web/exports/triage.xlsx']")
    caught.value.save_as(tmp_path / "triage.xlsx")
    book = openpyxl.load_workbook(tmp_path / "triage.xlsx")
    assert book.sheetnames == ["重点议题候选", "共同问题", "直通车候选", "意见明细"]
    assert [row[1] for row in book["重点议题候选"].iter_rows(min_row=2, values_only=True)] == candidates
    details = "\n".join(str(v) for row in book["意见明细"].iter_rows(values_only=True) for v in row if v)
    assert not any(secret in details for secret in RAW_PII) and find_pii(details) == []
