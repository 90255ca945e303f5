"""Implementation tracking in the workspace: a reviewer records how an adopted suggestion is carried out on its page,
sees the history there, and the organisation's feedback page and CSV carry the current status."""
from __future__ import annotations

import csv
import io

from api.web.texts import IMPLEMENTATION_STATUSES, T

from .conftest import log_in


def test_a_reviewer_tracks_an_adopted_suggestion(page, sample_server, screenshots, tmp_path):
    suggestion = sample_server.workspace.get("S2025-0010")
    log_in(page, sample_server.keys["reviewer"], f"/web/suggestions/{suggestion.id}")
    assert T["implementation_not_adopted"] in page.text_content("#implementation")
    page.fill("#decide textarea[name=reason]", "市卫健委采纳，列入年度工作计划")
    page.click("#decide button[value=adopted]")
    page.wait_for_load_state()

    form = page.locator("#implementation form")
    form.locator("select[name=status]").select_option("in_progress")
    form.locator("input[name=date]").fill("2025-04-01")
    form.locator("input[name=department]").fill("市卫生健康委员会")
    form.locator("textarea[name=note]").fill("已列入年度工作计划")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert T["implementation_saved"].format(label="落实中") in page.text_content(".flash")

    # A link that is not http(s) is refused with a notice naming the field; nothing is recorded.
    form = page.locator("#implementation form")
    form.locator("select[name=status]").select_option("implemented")
    form.locator("input[name=date]").fill("2025-08-15")
    form.locator("input[name=department]").fill("市卫生健康委员会")
    form.evaluate("f => { const u = f.querySelector('input[name=evidence_url]'); u.type = 'text'; "
                  "u.removeAttribute('pattern'); u.value = 'javascript:alert(1)'; }")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "佐证链接" in page.text_content(".flash") and "http" in page.text_content(".flash")
    assert page.locator("#implementation-history tbody tr").count() == 1

    form = page.locator("#implementation form")
    form.locator("select[name=status]").select_option("implemented")
    form.locator("input[name=date]").fill("2025-08-15")
    form.locator("input[name=department]").fill("市卫生健康委员会")
    form.locator("input[name=evidence_url]").fill("https://example.gov.cn/wjw/2025/15")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    rows = page.locator("#implementation-history tbody tr")
    assert rows.count() == 2
    assert IMPLEMENTATION_STATUSES["implemented"] in rows.nth(0).text_content()  # newest first
    assert rows.nth(0).locator("a").get_attribute("href") == "https://example.gov.cn/wjw/2025/15"
    page.screenshot(path=str(screenshots / "implementation.png"), full_page=True)

    page.goto(f"/web/feedback/{suggestion.submitter}")
    row = page.locator("tr", has_text=suggestion.original_title)
    assert "已落实" in row.text_content() and "2025-08-15" in row.text_content()
    with page.expect_download() as caught:
        page.click("a.button[download]")
    path = tmp_path / "feedback.csv"
    caught.value.save_as(path)
    [mine] = [r for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))) if r["意见编号"] == suggestion.id]
    assert (mine["落实状态"], mine["落实日期"], mine["责任部门"], mine["佐证链接"]) == (
        "已落实", "2025-08-15", "市卫生健康委员会", "https://example.gov.cn/wjw/2025/15")
