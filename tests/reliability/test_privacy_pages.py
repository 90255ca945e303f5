"""Personal data in suggestions: masked on every reviewer page and in every export, kept intact in the store.

The browser tests (tests/web) check the main pages on the shipped sample with Chromium; this walks every page and
every export over plain HTTP, so it runs wherever the service does, on suggestions made to carry each kind of
personal data in every field a page shows.
"""
from __future__ import annotations

import io
import re

import docx
import httpx
import openpyxl
from sqlalchemy import select

from api.store import Store
from api.store.models import SuggestionRow
from api_server import unique
from api_texts import PARKING
from triage.privacy import MASKS, find_pii

from figures import report

PHONE, LANDLINE, ID_CARD, EMAIL = "13812345678", "0731-84512345", "43010219900307123X", "wang.wu@example.org"
SECRETS = (PHONE, "138 1234 5678", LANDLINE, ID_CARD, EMAIL)


def texts() -> list[dict]:
    """The parking issue, each member carrying personal data in its title, body and organisation name."""
    contact = f"联系人王五，手机{PHONE}（138 1234 5678），座机{LANDLINE}，身份证{ID_CARD}，邮箱{EMAIL}"
    return [{"id": unique("pii"), "title": f"{t['title']} 电话{PHONE}", "body": f"{t['body']}{contact}",
             "org_name": f"热心居民{PHONE}", "submitter": unique("org"), "submitted_at": "2025-01-02"}
            for t in PARKING]


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text] + [text[s:e] for _, s, e in find_pii(text)]


def test_pages_and_exports_mask_personal_data_and_the_store_keeps_it(server):
    items = texts()
    with server.client("intake") as intake:
        answers = intake.post("/v1/suggestions", json={"items": items}).json()["items"]
    issue_id = answers[0]["issue_id"]
    with server.client("reviewer") as api:
        for item in items:
            decided = api.post("/v1/reviews", json={"target_type": "suggestion", "target_id": item["id"],
                                                    "decision": "digest", "reason": f"请回电{PHONE}核实"})
            assert decided.status_code == 201
        adopted = items[0]["id"]
        assert api.post("/v1/reviews", json={"target_type": "suggestion", "target_id": adopted,
                                             "decision": "adopted", "reason": f"已采纳，联系{PHONE}"}).status_code == 201
        assert api.post("/v1/implementations", json={
            "target_type": "suggestion", "target_id": adopted, "status": "implemented", "date": "2025-06-01",
            "department": f"市住建委（{LANDLINE}）", "note": f"经办人邮箱{EMAIL}，身份证{ID_CARD}"}).status_code == 201
    with httpx.Client(base_url=server.url, follow_redirects=True, timeout=60) as browser:
        assert browser.post("/web/login", data={"key": server.keys["reviewer"]}).status_code == 200
        pages = ["/web/themes", "/web/issues", f"/web/issues/{issue_id}", "/web/digest", "/web/feedback",
                 f"/web/feedback/{items[0]['submitter']}", "/web/feedback.csv", f"/web/issues?q={PHONE[:7]}",
                 "/web/annual?year=2025", "/web/exports/annual?year=2025&format=html"]
        pages += [f"/web/suggestions/{item['id']}" for item in items]
        shown: dict[str, str] = {}
        for path in pages:
            response = browser.get(path)
            assert response.status_code == 200, path
            shown[path] = response.content.decode("utf-8-sig")
        for fmt in ("md", "html"):
            response = browser.get("/web/exports/digest", params={"format": fmt})
            assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
            shown[f"digest.{fmt}"] = response.text
        book = openpyxl.load_workbook(io.BytesIO(browser.get("/web/exports/triage.xlsx").content))
        shown["triage.xlsx"] = "\n".join(str(value) for sheet in book for row in sheet.iter_rows(values_only=True)
                                         for value in row if value is not None)
        for path in ("/web/exports/digest?format=docx", "/web/exports/key-topics.docx",
                     "/web/exports/annual?year=2025&format=docx", f"/web/exports/letters/{items[0]['submitter']}"):
            document = docx.Document(io.BytesIO(browser.get(path).content))
            shown[path] = "\n".join([p.text for p in document.paragraphs]
                                    + [c.text for t in document.tables for r in t.rows for c in r.cells])
    for where, text in shown.items():
        visible = re.sub(r'href="[^"]*"', "", text)  # links carry ids, not text
        assert not leaks(visible), (where, leaks(visible))
    assert MASKS["mobile"] in shown[f"/web/issues/{issue_id}"] and MASKS["id_card"] in shown["digest.md"]
    assert MASKS["email"] in shown[f"/web/suggestions/{items[0]['id']}"]
    assert MASKS["email"] in shown[f"/web/exports/letters/{items[0]['submitter']}"]

    store = Store(server.db_url)
    try:
        with store.session() as session:
            kept = {row.id: (row.original_title, row.original_body, row.org_name)
                    for row in session.scalars(select(SuggestionRow).where(SuggestionRow.id.in_([i["id"] for i in items])))}
    finally:
        store.close()
    assert kept == {i["id"]: (i["title"], i["body"], i["org_name"]) for i in items}
    report("Privacy", f"{len(shown)} reviewer pages and exports (HTML, CSV, Markdown, HTML and Word) over suggestions "
                      "with a mobile, landline, ID-card number and e-mail in title, body, organisation and reason: "
                      "none shown unmasked; the stored originals intact", server.db_url)
