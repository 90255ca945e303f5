"""The 年度通报 page in real Chromium: the sample with its demo decisions and implementation changes (posted through
the API), the page's figures equal to the downloaded workbook's, the charts drawn, the downloads and an
organisation's feedback letter read back."""
from __future__ import annotations

import json

import docx
import openpyxl

from api.web.texts import T
from triage.annual import STAGES, TEXT
from triage.feedback import LETTER
from triage.privacy import find_pii

from .conftest import ROOT, log_in


def post_demo_decisions(server) -> None:
    with server.client("reviewer") as api:
        for route in ("reviews", "implementations"):
            for line in (ROOT / "samples" / f"{route}.jsonl").read_text(encoding="utf-8").splitlines():
                response = api.post(f"/v1/{route}", json=json.loads(line))
                assert response.status_code == 201, response.text


def cells(table) -> list[list[str]]:
    return table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent.trim()))")


def test_the_annual_page_shows_the_report_and_its_downloads(page, sample_server, screenshots, tmp_path):
    post_demo_decisions(sample_server)
    log_in(page, sample_server.keys["reviewer"], "/web/annual")
    assert page.text_content("h1") == T["annual_title"].format(year=2025)  # the latest year with suggestions
    assert page.locator("select[name=year] option").all_text_contents() == ["2025", "2024"]
    assert page.locator("figure.chart svg").count() == 4
    stages = {row[0]: int(row[1]) for row in cells(page.locator("#stages"))}
    assert list(stages) == list(STAGES.values())
    assert stages["已采纳"] == 6 and stages["已落实"] == 4 and stages["采纳入专报"] == 8
    turned_down = cells(page.locator("#turned-down"))
    assert any("市场主体自主决定" in row[-1] for row in turned_down)
    page.screenshot(path=str(screenshots / "annual.png"), full_page=True)

    with page.expect_download() as caught:
        page.click("a[data-format=xlsx]")
    workbook = tmp_path / "annual.xlsx"
    caught.value.save_as(workbook)
    book = openpyxl.load_workbook(workbook)
    assert {row[0]: row[1] for row in book["各阶段"].iter_rows(min_row=2, values_only=True)} == stages
    assert [list(map(str, row)) for row in book["未采纳及理由"].iter_rows(min_row=2, values_only=True)] == turned_down

    with page.expect_download() as caught:
        page.click("a[data-format=docx]")
    path = tmp_path / "annual.docx"
    caught.value.save_as(path)
    document = docx.Document(str(path))
    assert len(document.inline_shapes) == 4
    assert TEXT["turned_down"] in [p.text for p in document.paragraphs if p.style.name == "Heading 1"]

    page.select_option("select[name=year]", "2024")
    page.wait_for_url(lambda url: "year=2024" in url)
    assert page.text_content("h1") == T["annual_title"].format(year=2024)


def test_an_organisation_gets_its_feedback_letter(page, sample_server, tmp_path):
    submitter = sample_server.workspace.get("S2025-0100").submitter
    log_in(page, sample_server.keys["reviewer"], f"/web/feedback/{submitter}")
    with page.expect_download() as caught:
        page.click("#letter")
    path = tmp_path / "letter.docx"
    caught.value.save_as(path)
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == LETTER["title"]
    items = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    own = [s for s in sample_server.workspace.suggestions if s.submitter == submitter and not s.duplicate_of]
    assert len(items) == len(own)
    assert "S2025-0100" in text and "已落实（2025-10-20" in text and LETTER["pending"] in text
    assert find_pii(text) == []
