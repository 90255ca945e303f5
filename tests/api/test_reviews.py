"""Reviewer decisions are kept in history and never overwritten; the latest one is the current decision."""
from __future__ import annotations

from sqlalchemy import select

from api.store import Store
from api.store.models import AuditRow

from api_server import unique
from api_texts import PARKING, UNRELATED


def test_decisions_accumulate_and_the_latest_shows_in_rankings(server, intake, reviewer):
    result = intake.post("/v1/suggestions", json={"id": unique(), **PARKING[0]}).json()
    issue_id = result["issue_id"]
    first = reviewer.post("/v1/reviews", json={"target_type": "issue", "target_id": issue_id,
                                                "decision": "shortlist", "reason": "多家组织反映，具体可行"})
    assert first.status_code == 201
    assert first.json()["decision_label"] == "入围" and first.json()["reviewer"].startswith("key:")
    second = reviewer.post("/v1/reviews", json={"target_type": "issue", "target_id": issue_id,
                                                 "decision": "reject", "reason": "已有部门在办"})
    assert second.status_code == 201 and second.json()["id"] > first.json()["id"]

    history = reviewer.get("/v1/reviews", params={"target_type": "issue", "target_id": issue_id}).json()["items"]
    assert [(r["decision"], r["reason"]) for r in history] == [("shortlist", "多家组织反映，具体可行"),
                                                                ("reject", "已有部门在办")]
    detail = reviewer.get(f"/v1/issues/{issue_id}").json()
    assert detail["decision"] == "reject" and len(detail["reviews"]) == 2
    listed = {i["id"]: i for i in reviewer.get("/v1/issues", params={"limit": 200}).json()["items"]}
    assert listed[issue_id]["decision"] == "reject"


def test_every_decision_on_a_suggestion(server, intake, reviewer):
    suggestion_id = intake.post("/v1/suggestions", json={"id": unique(), **UNRELATED[0]}).json()["id"]
    labels = {}
    for decision in ("shortlist", "digest", "reject", "adopted", "not_adopted"):
        response = reviewer.post("/v1/reviews", json={"target_type": "suggestion", "target_id": suggestion_id,
                                                       "decision": decision, "reason": f"理由：{decision}"})
        assert response.status_code == 201
        labels[decision] = response.json()["decision_label"]
    assert labels == {"shortlist": "入围", "digest": "采纳入专报", "reject": "不予采纳", "adopted": "已采纳",
                      "not_adopted": "未采纳"}
    history = reviewer.get("/v1/reviews", params={"target_type": "suggestion", "target_id": suggestion_id}).json()
    assert len(history["items"]) == 5


def test_changes_are_audited_by_whom(server, intake, reviewer):
    suggestion_id = intake.post("/v1/suggestions", json={"id": unique(), **UNRELATED[1]}).json()["id"]
    review = reviewer.post("/v1/reviews", json={"target_type": "suggestion", "target_id": suggestion_id,
                                                 "decision": "digest", "reason": "可直接报送"}).json()
    store = Store(server.db_url)
    with store.session() as session:
        rows = session.scalars(select(AuditRow).where(AuditRow.target_id == suggestion_id)
                               .order_by(AuditRow.id)).all()
        actions = [(row.action, row.actor) for row in rows]
    store.close()
    assert actions[0][0] == "suggestion.create" and actions[-1][0] == "review.create"
    assert actions[0][1] != actions[-1][1]  # the intake key created it, the reviewer's key decided
    assert actions[-1][1] == review["reviewer"]
