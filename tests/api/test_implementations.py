"""Implementation tracking: only adopted items take a status, every change is kept as history and audited, and the
current statuses can be listed with filters."""
from __future__ import annotations

from sqlalchemy import select

from api.store import Store
from api.store.models import AuditRow

from api_server import assert_error, unique
from api_texts import BUS, UNRELATED


def decide(reviewer, target_type: str, target_id: str, decision: str, reason: str = "理由") -> None:
    response = reviewer.post("/v1/reviews", json={"target_type": target_type, "target_id": target_id,
                                                   "decision": decision, "reason": reason})
    assert response.status_code == 201, response.text


def track(reviewer, target_id: str, status: str, on: str, department: str = "市住建局", target_type: str = "suggestion",
          **extra):
    return reviewer.post("/v1/implementations", json={"target_type": target_type, "target_id": target_id,
                                                       "status": status, "date": on, "department": department,
                                                       **extra})


def test_an_adopted_item_keeps_every_status_change_in_order(server, intake, reviewer):
    sid = intake.post("/v1/suggestions", json={"id": unique(), **UNRELATED[0]}).json()["id"]
    decide(reviewer, "suggestion", sid, "adopted", "民政局已采纳")
    first = track(reviewer, sid, "in_progress", "2025-03-01", note="已列入年度工作计划")
    assert first.status_code == 201, first.text
    assert first.json()["status_label"] == "落实中" and first.json()["recorder"].startswith("key:")
    second = track(reviewer, sid, "implemented", "2025-06-30", evidence_url="https://example.gov.cn/notice/42")
    third = track(reviewer, sid, "converted", "2025-09-15", department="市民政局", note="形成护理补贴新政")
    assert second.status_code == third.status_code == 201

    history = reviewer.get("/v1/implementations/history",
                           params={"target_type": "suggestion", "target_id": sid}).json()["items"]
    assert [(h["status"], h["date"], h["department"]) for h in history] == [
        ("in_progress", "2025-03-01", "市住建局"), ("implemented", "2025-06-30", "市住建局"),
        ("converted", "2025-09-15", "市民政局")]
    assert history[1]["evidence_url"] == "https://example.gov.cn/notice/42"

    current = reviewer.get("/v1/implementations", params={"target_type": "suggestion", "limit": 200}).json()
    mine = [i for i in current["items"] if i["target_id"] == sid]
    assert len(mine) == 1 and mine[0]["status"] == "converted" and mine[0]["changes"] == 3

    store = Store(server.db_url)
    with store.session() as session:
        audited = session.scalars(select(AuditRow).where(AuditRow.target_id == sid,
                                                         AuditRow.action == "implementation.create")
                                  .order_by(AuditRow.id)).all()
        trail = [(a.actor, a.detail["status"]) for a in audited]
    store.close()
    assert trail == [(first.json()["recorder"], "in_progress"), (first.json()["recorder"], "implemented"),
                     (first.json()["recorder"], "converted")]


def test_only_an_adopted_item_takes_a_status(server, intake, reviewer):
    sid = intake.post("/v1/suggestions", json={"id": unique(), **UNRELATED[1]}).json()["id"]
    error = assert_error(track(reviewer, sid, "in_progress", "2025-03-01"), 409, "not_adopted", "target_id")
    assert "未审阅" in error["message"]
    decide(reviewer, "suggestion", sid, "digest")
    assert "采纳入专报" in assert_error(track(reviewer, sid, "in_progress", "2025-03-01"), 409, "not_adopted")["message"]
    decide(reviewer, "suggestion", sid, "adopted")
    assert track(reviewer, sid, "in_progress", "2025-03-01").status_code == 201
    # Overruled afterwards: no further status until it is adopted again; the history stays.
    decide(reviewer, "suggestion", sid, "not_adopted", "经复核不具备条件")
    assert_error(track(reviewer, sid, "implemented", "2025-04-01"), 409, "not_adopted")
    history = reviewer.get("/v1/implementations/history", params={"target_type": "suggestion", "target_id": sid})
    assert [h["status"] for h in history.json()["items"]] == ["in_progress"]

    assert_error(track(reviewer, unique(), "in_progress", "2025-03-01"), 404, "suggestion_not_found", "target_id")
    assert_error(track(reviewer, "I99999", "in_progress", "2025-03-01", target_type="issue"), 404,
                 "issue_not_found", "target_id")


def test_an_adopted_issue_is_tracked_too(server, intake, reviewer):
    results = intake.post("/v1/suggestions", json={"items": [{"id": unique(), **t} for t in BUS]}).json()["items"]
    issue_id = results[0]["issue_id"]
    decide(reviewer, "issue", issue_id, "adopted", "列入年度重点协商议题")
    response = track(reviewer, issue_id, "implemented", "2025-05-20", department="市交通运输局", target_type="issue")
    assert response.status_code == 201, response.text
    listed = reviewer.get("/v1/implementations", params={"target_type": "issue", "status": "implemented"}).json()
    assert issue_id in [i["target_id"] for i in listed["items"]]


def test_bad_fields_are_named(server, intake, reviewer):
    sid = intake.post("/v1/suggestions", json={"id": unique(), **UNRELATED[2]}).json()["id"]
    decide(reviewer, "suggestion", sid, "adopted")
    for url in ("ftp://example.org/a", "javascript:alert(1)", "http://", "https://exa mple.org"):
        assert_error(track(reviewer, sid, "implemented", "2025-03-01", evidence_url=url), 422, "bad_url",
                     "evidence_url")
    assert_error(track(reviewer, sid, "done", "2025-03-01"), 422, "not_allowed_value", "status")
    assert_error(track(reviewer, sid, "implemented", "2025-02-30"), 422, "wrong_type", "date")
    assert_error(track(reviewer, sid, "implemented", "2025-03-01", department=""), 422, "too_short", "department")
    assert_error(reviewer.get("/v1/implementations", params={"since": "2025-05-01", "until": "2025-01-01"}), 422,
                 "bad_date_range", "since")
    assert_error(reviewer.get("/v1/implementations", params={"status": "finished"}), 422, "not_allowed_value",
                 "status")


def test_filters_on_the_current_statuses(fresh_server):
    with fresh_server.client("intake") as intake, fresh_server.client("reviewer") as reviewer:
        ids = [r["id"] for r in intake.post("/v1/suggestions", json={"items": [
            {"id": unique(), **t} for t in UNRELATED]}).json()["items"]]
        for sid in ids:
            decide(reviewer, "suggestion", sid, "adopted")
        track(reviewer, ids[0], "in_progress", "2025-02-01", department="市民政局")
        track(reviewer, ids[0], "implemented", "2025-08-01", department="市民政局")
        track(reviewer, ids[1], "in_progress", "2025-04-01", department="市城管局")
        track(reviewer, ids[2], "converted", "2025-11-01", department="市生态环境局")

        def listed(**params) -> list[str]:
            return [i["target_id"] for i in reviewer.get("/v1/implementations", params=params).json()["items"]]

        assert listed() == [ids[2], ids[0], ids[1]]  # newest status date first
        assert listed(status="in_progress") == [ids[1]]  # ids[0] has moved on
        assert listed(department="民政") == [ids[0]]
        assert listed(since="2025-05-01", until="2025-09-30") == [ids[0]]
        assert listed(target_type="issue") == []
        page = reviewer.get("/v1/implementations", params={"limit": 1, "offset": 1}).json()
        assert page["total"] == 3 and [i["target_id"] for i in page["items"]] == [ids[0]]
        with fresh_server.client("intake") as wrong:
            assert_error(wrong.get("/v1/implementations"), 403, "wrong_role")
            assert_error(track(wrong, ids[0], "implemented", "2025-03-01"), 403, "wrong_role")
