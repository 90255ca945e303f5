"""Submitting and scoring: idempotency, reposts, incremental assignment, original text kept verbatim."""
from __future__ import annotations

from api_server import assert_error, unique
from api_texts import BUS, PARKING, UNRELATED


def item(text: dict, **extra) -> dict:
    return {"id": unique(), **text, **extra}


def count(server) -> int:
    with server.client() as client:
        return client.get("/healthz").json()["suggestions"]


def test_single_submission_answers_with_issue_and_score_breakdown(intake):
    response = intake.post("/v1/suggestions", json=item(UNRELATED[0], sector="民政", district="A1区"))
    assert response.status_code == 201
    result = response.json()
    assert result["duplicate_of"] is None
    assert result["issue_id"] and result["opened_issue"] in (True, False)
    digest = result["scores"]["digest"]
    assert set(digest) == {"score", "breakdown", "factors"}
    assert abs(sum(digest["breakdown"].values()) - digest["score"]) < 1e-3
    assert result["scores"]["issue"]["breakdown"]


def test_same_submission_twice_is_stored_once_with_the_same_answer(fresh_server):
    payload = {"id": "org7-2024-001", **PARKING[0], "submitted_at": "2024-03-01 09:30"}
    with fresh_server.client("intake") as intake:
        first = intake.post("/v1/suggestions", json=payload)
        second = intake.post("/v1/suggestions", json=payload)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json() == second.json()
    assert count(fresh_server) == 1


def test_same_id_with_other_content_is_a_conflict(intake):
    payload = item(UNRELATED[1])
    assert intake.post("/v1/suggestions", json=payload).status_code == 201
    changed = {**payload, "body": payload["body"] + "补充说明。"}
    assert_error(intake.post("/v1/suggestions", json=changed), 409, "id_conflict", "id")
    batch = {"items": [item(UNRELATED[2]), changed]}
    assert_error(intake.post("/v1/suggestions", json=batch), 409, "id_conflict", "items[1].id")


def test_batch_is_answered_in_order_and_resubmitting_it_stores_nothing(fresh_server):
    batch = {"items": [item(t) for t in PARKING + UNRELATED]}
    with fresh_server.client("intake") as intake:
        first = intake.post("/v1/suggestions", json=batch)
        assert first.status_code == 201
        assert [r["id"] for r in first.json()["items"]] == [i["id"] for i in batch["items"]]
        again = intake.post("/v1/suggestions", json=batch)
    assert again.status_code == 200 and again.json() == first.json()
    assert count(fresh_server) == len(batch["items"])


def test_same_item_twice_in_one_batch_is_stored_once(fresh_server):
    one = item(UNRELATED[0])
    with fresh_server.client("intake") as intake:
        response = intake.post("/v1/suggestions", json={"items": [one, one]})
    assert response.status_code == 201
    first, second = response.json()["items"]
    assert first == second
    assert count(fresh_server) == 1


def test_repost_links_to_its_original_and_joins_its_issue(intake):
    original = item(BUS[0])
    stored = intake.post("/v1/suggestions", json=original).json()
    repost = {**original, "id": unique("repost"), "submitter": "another-org"}
    result = intake.post("/v1/suggestions", json=repost).json()
    assert result["duplicate_of"] == original["id"]
    assert result["issue_id"] == stored["issue_id"]
    assert result["opened_issue"] is False


def test_similar_suggestion_joins_an_existing_issue_and_unrelated_one_opens_a_new_one(fresh_server):
    with fresh_server.client("intake") as intake:
        first = intake.post("/v1/suggestions", json=item(PARKING[0])).json()
        assert first["opened_issue"] is True
        joined = intake.post("/v1/suggestions", json=item(PARKING[1])).json()
        assert joined["duplicate_of"] is None
        assert joined["issue_id"] == first["issue_id"] and joined["opened_issue"] is False
        assert joined["nearest"][0]["id"] == first["id"]
        other = intake.post("/v1/suggestions", json=item(UNRELATED[2])).json()
    assert other["opened_issue"] is True and other["issue_id"] != first["issue_id"]


def test_score_answers_like_a_submission_and_stores_nothing(fresh_server):
    with fresh_server.client("intake") as intake:
        stored = intake.post("/v1/suggestions", json=item(PARKING[0])).json()
        before = count(fresh_server)
        preview = intake.post("/v1/score", json=PARKING[2])
        assert preview.status_code == 200
        assert preview.json()["issue_id"] == stored["issue_id"]
        assert preview.json()["scores"]["digest"]["breakdown"]
        fresh = intake.post("/v1/score", json=UNRELATED[1]).json()
    assert fresh["opened_issue"] is True and fresh["issue_id"] is None
    assert count(fresh_server) == before


def test_original_text_is_kept_verbatim(server, intake, reviewer):
    raw = {"id": unique(), "title": "  垃圾分类　宣传不足 ", "body": "小区垃圾分类\n\t宣传不到位，居民不会分类。\u3000\u3000建议加强指导。"}
    result = intake.post("/v1/suggestions", json=raw).json()
    issue = reviewer.get(f"/v1/issues/{result['issue_id']}").json()
    member = next(m for m in issue["members"] if m["id"] == raw["id"])
    assert member["original_title"] == raw["title"] and member["original_body"] == raw["body"]
    assert member["body"] != raw["body"]  # the normalised text is what the pipeline reads
