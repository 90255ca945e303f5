"""Issues merged while suggestions arrive one at a time are merged in the store too, audited, and stay merged."""
from __future__ import annotations

import json
from pathlib import Path

from api_server import Server, assert_error, service_config
from sqlalchemy import select

from api.store import Store
from api.store.models import AuditRow, MembershipRow
from triage.config import apply_override
from triage.intake import Limits, load

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "suggestions.csv"
# The sample's shared issues form only with a real model; its e5 vectors come from the project's cache after one run.
EMBED_CACHE = ROOT / ".cache"


def as_sent(suggestion) -> dict:
    """A stored-to-be suggestion as the intake system sends it."""
    return {"id": suggestion.id, "title": suggestion.original_title, "body": suggestion.original_body,
            "submitter": suggestion.submitter, "org_name": suggestion.org_name, "org_type": suggestion.org_type,
            "sector": suggestion.sector, "district": suggestion.district,
            "submitted_at": suggestion.submitted_at.isoformat(), "endorsements": suggestion.endorsements}


def test_a_bridging_submission_merges_two_stored_issues(databases):
    gold = {g["id"]: g for g in json.loads((ROOT / "samples" / "sample_gold.json").read_text())["issues"]}
    members = gold["G4"]["members"]  # 滨江大道夜间渣土车噪声: its early complaints begin as two issues
    db = databases.new()
    # The single-threshold rule at a cosine where these early complaints begin as two issues, without regrouping on
    # add (tests/test_workspace.py says why).
    config = service_config(EMBED_CACHE, "e5")
    apply_override(config, 'issues.finder.rule="cosine:0.945"')
    apply_override(config, "issues.regroup_on_add=false")
    server = Server(db, config).start()
    try:
        service = server.app.state.service
        order = sorted(load([SAMPLE], limits=Limits(**config["intake"])).accepted, key=lambda s: s.submitted_at)
        cut = round(len(order) * 0.7)
        service.ingest(order[:cut], actor="test:early")  # the first load of an empty store: one batch fit
        before = {m: service.workspace.issue_of(m) for m in members if service.workspace.issue_of(m)}
        assert len(set(before.values())) == 2

        with server.client("intake") as intake:
            for suggestion in order[cut:]:
                assert intake.post("/v1/suggestions", json=as_sent(suggestion)).status_code == 201
        merged = service.workspace.issue_of(members[0])
        moved = {m: issue for m, issue in before.items() if issue != merged}
        absorbed = next(iter(set(moved.values())))
        with server.client("reviewer") as reviewer:
            shown = reviewer.get(f"/v1/issues/{merged}").json()
            assert set(members) <= {m["id"] for m in shown["members"]}
            # An old link to the absorbed issue says where it went, for the API and for a reviewer's browser.
            error = assert_error(reviewer.get(f"/v1/issues/{absorbed}"), 404, "issue_merged", "id")
            assert absorbed in error["message"] and merged in error["message"]
            review = {"target_type": "issue", "target_id": absorbed, "decision": "shortlist", "reason": "多家反映"}
            assert_error(reviewer.post("/v1/reviews", json=review), 404, "issue_merged", "target_id")
        with server.client(follow_redirects=False) as browser:
            browser.post("/web/login", data={"key": server.keys["reviewer"], "next": "/web/issues"})
            page = browser.get(f"/web/issues/{absorbed}")
            assert page.status_code == 303 and page.headers["location"].startswith(f"/web/issues/{merged}?notice=")
            assert browser.get("/web/issues/I99999").status_code == 404
    finally:
        server.stop()

    store = Store(db)
    with store.session() as session:
        stored = dict(session.execute(select(MembershipRow.suggestion_id, MembershipRow.issue_id)).all())
        audits = {row.target_id: row.detail for row in session.scalars(
            select(AuditRow).where(AuditRow.action == "issue.merge"))}
    store.close()
    assert {stored[m] for m in members} == {merged}
    assert {m: audits[m] for m in moved} == {m: {"from": issue, "to": merged} for m, issue in moved.items()}

    restarted = Server(db, config).start()  # restored from the store alone
    try:
        assert {restarted.workspace.issue_of(m) for m in members} == {merged}
    finally:
        restarted.stop()
