"""Every documented 4xx: a JSON body naming the field and the problem, never a 500 for a malformed body."""
from __future__ import annotations

import pytest

from api_server import TEST_SETTINGS, assert_error, unique
from api_texts import PARKING


@pytest.mark.parametrize("raw, code", [
    (b"{bad", "bad_json"), (b'{"id": "x", "title": }', "bad_json"), (b"\xff\xfe", "bad_json"), (b"[1, 2", "bad_json"),
    (b"", "missing"), (b"null", "wrong_type"), (b"42", "wrong_type"),
])
def test_malformed_json_is_a_422_naming_the_body(intake, raw, code):
    response = intake.post("/v1/suggestions", content=raw, headers={"content-type": "application/json"})
    assert_error(response, 422, code, "body")


def test_malformed_json_on_every_route_with_a_body(server):
    for role, path in (("intake", "/v1/suggestions"), ("intake", "/v1/score"), ("reviewer", "/v1/reviews"),
                       ("admin", "/v1/keys")):
        with server.client(role) as client:
            response = client.post(path, content=b'{"a": [}', headers={"content-type": "application/json"})
        assert_error(response, 422, "bad_json", "body")


def test_body_not_sent_as_json_is_415(intake):
    for headers in ({"content-type": "text/plain"}, {"content-type": "application/x-www-form-urlencoded"}, {}):
        response = intake.post("/v1/score", content=b'{"title": "x"}', headers=headers)
        assert_error(response, 415, "unsupported_media_type", "Content-Type")
    ok = intake.post("/v1/score", content=b'{"title": "x"}', headers={"content-type": "application/json; charset=utf-8"})
    assert ok.status_code == 200


def test_json_of_the_wrong_shape(intake):
    assert_error(intake.post("/v1/suggestions", json=[1, 2]), 422, "wrong_type")
    assert_error(intake.post("/v1/suggestions", json="text"), 422, "wrong_type")
    assert_error(intake.post("/v1/suggestions", json={"items": []}), 422, "too_short", "items")
    assert_error(intake.post("/v1/suggestions", json={"items": "x"}), 422, "wrong_type", "items")


@pytest.mark.parametrize("payload, code, field", [
    ({"title": "无编号"}, "missing", "id"),
    ({"id": "", "title": "空编号"}, "too_short", "id"),
    ({"id": "x", "title": "", "body": "   "}, "empty_text", "body"),
    ({"id": "x", "title": "t" * 501}, "text_too_long", "title"),
    ({"id": "x", "title": "t", "submitted_at": "明天下午"}, "bad_date", "submitted_at"),
    ({"id": "x", "title": "t", "endorsements": -1}, "out_of_range", "endorsements"),
    ({"id": "x", "title": "t", "endorsements": "很多"}, "wrong_type", "endorsements"),
    ({"id": "x", "title": 12}, "wrong_type", "title"),
    ({"id": "x", "title": "t", "colour": "red"}, "unknown_field", "colour"),
    ({"id": "x", "title": "t", "metadata": [1]}, "wrong_type", "metadata"),
])
def test_invalid_suggestion_names_the_field(intake, payload, code, field):
    assert_error(intake.post("/v1/suggestions", json=payload), 422, code, field)


def test_invalid_item_in_a_batch_names_its_position_and_stores_nothing(server, intake):
    good = {"id": unique(), **PARKING[0]}
    bad = {"id": unique(), "title": "", "body": ""}
    assert_error(intake.post("/v1/suggestions", json={"items": [good, bad]}), 422, "empty_text", "items[1].body")
    assert_error(intake.post("/v1/suggestions", json={"items": [good, {"title": "t"}]}), 422, "missing",
                 "items[1].id")
    with server.client("reviewer") as reviewer:
        assert reviewer.get("/v1/reviews", params={"target_type": "suggestion", "target_id": good["id"]}).json() \
            == {"items": []}
    answer = intake.post("/v1/suggestions", json=good)
    assert answer.status_code == 201  # the rejected batch stored nothing: the good item is new


def test_several_problems_are_all_listed(intake):
    error = assert_error(intake.post("/v1/score", json={"title": 1, "endorsements": "x"}), 422, "wrong_type")
    assert {d["field"] for d in error["details"]} == {"title", "endorsements"}


def test_score_accepts_a_draft_without_id_but_checks_the_text(intake):
    assert intake.post("/v1/score", json={"title": "小区停车难"}).status_code == 200
    assert_error(intake.post("/v1/score", json={"title": " ", "body": ""}), 422, "empty_text", "body")


def test_body_over_the_size_limit_is_413(intake):
    big = {"id": unique(), "title": "大", "body": "长" * TEST_SETTINGS.max_body_bytes}
    assert_error(intake.post("/v1/suggestions", json=big), 413, "body_too_large", "body")
    assert_error(intake.post("/v1/score", json=big), 413, "body_too_large", "body")


def test_streamed_body_over_the_size_limit_is_413(intake):
    def chunks():
        for _ in range(20):
            yield b" " * 8192  # no Content-Length: the service counts what arrives

    response = intake.post("/v1/score", content=chunks(), headers={"content-type": "application/json"})
    assert_error(response, 413, "body_too_large", "body")


def test_batch_over_the_item_limit_is_413(intake):
    items = [{"id": unique(), "title": f"意见{i}"} for i in range(TEST_SETTINGS.max_batch + 1)]
    assert_error(intake.post("/v1/suggestions", json={"items": items}), 413, "batch_too_large", "items")


def test_unknown_route_and_wrong_method(intake):
    assert_error(intake.get("/v1/nothing-here"), 404, "route_not_found", None)
    assert_error(intake.get("/v1/suggestions"), 405, "method_not_allowed", None)


def test_ranking_query_errors(reviewer):
    assert_error(reviewer.get("/v1/issues", params={"limit": 0}), 422, "out_of_range", "limit")
    assert_error(reviewer.get("/v1/issues", params={"limit": 1000}), 422, "out_of_range", "limit")
    assert_error(reviewer.get("/v1/issues", params={"offset": -1}), 422, "out_of_range", "offset")
    assert_error(reviewer.get("/v1/issues", params={"since": "yesterday"}), 422, "wrong_type", "since")
    assert_error(reviewer.get("/v1/digest", params={"since": "2024-05-01", "until": "2024-01-01"}), 422,
                 "bad_date_range", "since")
    assert_error(reviewer.get("/v1/issues/I99999"), 404, "issue_not_found", "id")


def test_review_errors(reviewer):
    assert_error(reviewer.post("/v1/reviews", json={"target_type": "issue", "target_id": "I99999",
                                                    "decision": "shortlist", "reason": "x"}),
                 404, "issue_not_found", "target_id")
    assert_error(reviewer.post("/v1/reviews", json={"target_type": "suggestion", "target_id": "nope",
                                                    "decision": "shortlist", "reason": "x"}),
                 404, "suggestion_not_found", "target_id")
    assert_error(reviewer.post("/v1/reviews", json={"target_type": "issue", "target_id": "I1",
                                                    "decision": "maybe", "reason": "x"}),
                 422, "not_allowed_value", "decision")
    assert_error(reviewer.post("/v1/reviews", json={"target_type": "topic", "target_id": "I1",
                                                    "decision": "reject", "reason": "x"}),
                 422, "not_allowed_value", "target_type")
    assert_error(reviewer.post("/v1/reviews", json={"target_type": "issue", "target_id": "I1",
                                                    "decision": "reject", "reason": ""}),
                 422, "too_short", "reason")
    assert_error(reviewer.post("/v1/reviews", json={"target_type": "issue", "target_id": "I1",
                                                    "decision": "reject"}),
                 422, "missing", "reason")
    assert_error(reviewer.get("/v1/reviews", params={"target_type": "issue"}), 422, "missing", "target_id")


def test_job_and_key_errors(admin):
    assert_error(admin.get("/v1/jobs/not-a-job"), 404, "job_not_found", "id")
    assert_error(admin.delete("/v1/keys/not-a-key"), 404, "key_not_found", "key_id")
    assert_error(admin.post("/v1/keys", json={"role": "root"}), 422, "not_allowed_value", "role")


# PostgreSQL refuses a NUL character in any text and NaN / Infinity in JSON; SQLite takes both. Each is a 422 naming
# the field on both databases, so the two stores accept the same requests.
@pytest.mark.parametrize("raw, code, field", [
    ('{"id": "%s", "title": "路灯不亮", "metadata": {"x": NaN}}', "not_finite", "metadata.x"),
    ('{"id": "%s", "title": "路灯不亮", "metadata": {"x": [1, -Infinity]}}', "not_finite", "metadata.x[1]"),
    ('{"id": "%s", "title": "路灯\\u0000不亮"}', "nul_character", "title"),
    ('{"id": "%s", "title": "路灯不亮", "metadata": {"备注\\u0000": "a"}}', "nul_character", "metadata.备注\\x00"),
    ('{"items": [{"id": "%s", "title": "路灯不亮", "metadata": {"来源": "x\\u0000"}}]}', "nul_character",
     "items[0].metadata.来源"),
])
def test_what_no_store_can_keep_is_a_422_naming_the_field(intake, raw, code, field):
    for path in ("/v1/suggestions", "/v1/score"):
        response = intake.post(path, content=(raw % unique()).encode(), headers={"content-type": "application/json"})
        assert_error(response, 422, code, field)


def test_the_words_nan_and_an_escaped_backslash_u0000_are_ordinary_text(intake):
    item = {"id": unique(), "title": "NaN Infinity 路灯不亮", "body": "路径写作 C:\\u0000\\temp",
            "metadata": {"note": "NaN"}}
    stored = intake.post("/v1/suggestions", json=item)
    assert stored.status_code == 201, stored.text


def test_a_nul_character_in_a_review_path_or_query_is_a_422(reviewer):
    review = {"target_type": "issue", "target_id": "I1", "decision": "reject", "reason": "理由\u0000"}
    assert_error(reviewer.post("/v1/reviews", json=review), 422, "nul_character", "reason")
    assert_error(reviewer.get("/v1/issues/I%00"), 422, "nul_character", "path")
    assert_error(reviewer.get("/v1/issues", params={"sector": "交通\u0000"}), 422, "nul_character", "sector")
    assert_error(reviewer.get("/v1/reviews", params={"target_type": "issue", "target_id": "\u0000"}), 422,
                 "nul_character", "target_id")


def test_a_nul_character_in_a_reviewer_page_form_or_query_is_a_422(server):
    with server.client() as browser:
        form = {"target_type": "issue", "target_id": "I00001", "decision": "reject", "reason": "理由\u0000"}
        assert_error(browser.post("/web/reviews", data=form), 422, "nul_character", "reason")
        assert_error(browser.get("/web/issues", params={"district": "\u0000"}), 422, "nul_character", "district")
