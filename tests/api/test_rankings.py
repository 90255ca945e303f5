"""Rankings for reviewers: key-topic candidates with paging and filters, issue detail, digest candidates."""
from __future__ import annotations

import pytest

from api_server import Server, unique
from api_texts import BUS, PARKING, UNRELATED


@pytest.fixture(scope="module")
def ranked(databases, cache_dir):
    """A service holding two shared issues (parking in A2区 in March, buses in A7县 in May) and three one-offs."""
    from api_server import service_config

    server = Server(databases.new(), service_config(cache_dir)).start()
    items = ([{"id": f"p{i}", **t, "sector": "交通", "district": "A2区", "submitted_at": f"2024-03-0{i + 1}",
               "submitter": f"org-p{i}", "endorsements": i} for i, t in enumerate(PARKING)]
             + [{"id": f"b{i}", **t, "sector": "公交", "district": "A7县", "submitted_at": f"2024-05-1{i}",
                 "submitter": f"org-b{i}"} for i, t in enumerate(BUS)]
             + [{"id": f"u{i}", **t, "sector": "民生", "district": "A1区", "submitted_at": "2023-12-01"}
                for i, t in enumerate(UNRELATED)])
    with server.client("intake") as intake:
        results = intake.post("/v1/suggestions", json={"items": items}).json()["items"]
    server.issue_of = {r["id"]: r["issue_id"] for r in results}
    yield server
    server.stop()


def test_issues_are_ranked_best_first_with_breakdown(ranked):
    with ranked.client("reviewer") as reviewer:
        page = reviewer.get("/v1/issues").json()
    assert page["total"] == 5 and page["offset"] == 0 and page["limit"] == 20
    scores = [i["score"]["score"] for i in page["items"]]
    assert scores == sorted(scores, reverse=True)
    assert [i["rank"] for i in page["items"]] == [1, 2, 3, 4, 5]
    top = page["items"][0]
    assert top["id"] == ranked.issue_of["p0"] and top["size"] == 3 and top["submitters"] == 3
    assert top["score"]["breakdown"] and top["label"] and top["keywords"]
    assert top["decision"] is None


def test_paging(ranked):
    with ranked.client("reviewer") as reviewer:
        whole = reviewer.get("/v1/issues").json()["items"]
        first = reviewer.get("/v1/issues", params={"limit": 2}).json()
        rest = reviewer.get("/v1/issues", params={"limit": 2, "offset": 2}).json()
        beyond = reviewer.get("/v1/issues", params={"offset": 50}).json()
    assert [i["id"] for i in first["items"] + rest["items"]] == [i["id"] for i in whole[:4]]
    assert first["total"] == rest["total"] == 5 and beyond["items"] == []


@pytest.mark.parametrize("params, expected", [
    ({"sector": "交通"}, {"p0"}),
    ({"district": "A7县"}, {"b0"}),
    ({"since": "2024-04-01"}, {"b0"}),
    ({"until": "2024-03-02"}, {"p0", "u0", "u1", "u2"}),
    ({"since": "2024-03-03", "until": "2024-03-03"}, {"p0"}),
    ({"sector": "交通", "district": "A7县"}, set()),
])
def test_filters(ranked, params, expected):
    with ranked.client("reviewer") as reviewer:
        page = reviewer.get("/v1/issues", params=params).json()
    assert {i["id"] for i in page["items"]} == {ranked.issue_of[s] for s in expected}
    assert page["total"] == len(expected)


def test_issue_detail_lists_members_and_breakdown(ranked):
    issue_id = ranked.issue_of["b0"]
    with ranked.client("reviewer") as reviewer:
        detail = reviewer.get(f"/v1/issues/{issue_id}").json()
    assert detail["id"] == issue_id and detail["label"] and detail["keywords"]
    assert {m["id"] for m in detail["members"]} == {"b0", "b1"}
    assert detail["score"]["breakdown"] and detail["reviews"] == []
    assert detail["districts"] == {"A7县": 2}


def test_digest_candidates_are_ranked_and_filterable(ranked):
    with ranked.client("reviewer") as reviewer:
        page = reviewer.get("/v1/digest").json()
        filtered = reviewer.get("/v1/digest", params={"district": "A1区"}).json()
    scores = [i["score"]["score"] for i in page["items"]]
    assert page["total"] >= 1 and scores == sorted(scores, reverse=True)
    first = page["items"][0]
    assert first["suggestion"]["id"] and first["issue_id"] and first["score"]["breakdown"]
    assert filtered["total"] >= 1 and all(i["suggestion"]["district"] == "A1区" for i in filtered["items"])


def test_new_suggestion_shows_up_in_the_rankings(ranked):
    new_id = unique()
    with ranked.client("intake") as intake:
        result = intake.post("/v1/suggestions", json={"id": new_id, **BUS[1], "submitter": "org-new",
                                                      "district": "A7县"}).json()
    with ranked.client("reviewer") as reviewer:
        detail = reviewer.get(f"/v1/issues/{result['issue_id']}").json()
    assert new_id in {m["id"] for m in detail["members"]}


def test_themes_are_the_key_topic_candidates_with_their_issues(ranked):
    with ranked.client("reviewer") as reviewer:
        page = reviewer.get("/v1/themes").json()
        detail = reviewer.get(f"/v1/themes/{page['items'][0]['id']}").json()
        missing = reviewer.get("/v1/themes/T-nothing")
    labels = [t["label"] for t in page["items"]]
    assert labels[0] == "道路设施与停车秩序" and "轨道交通与公交规划服务" in labels
    assert page["total"] == len(labels) == 2  # the one-offs are one submitter each: no candidates
    for theme in page["items"]:
        assert theme["score"]["score"] == pytest.approx(sum(theme["score"]["breakdown"].values()), abs=1e-5)
    assert detail["ranked_issues"][0]["id"] == ranked.issue_of["p0"] and detail["submitters"] == 3
    assert detail["examples"] and detail["examples"][0]["id"].startswith("p")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "theme_not_found"


def test_themes_filter_like_issues_and_need_the_reviewer_role(ranked):
    with ranked.client("reviewer") as reviewer:
        in_a7 = reviewer.get("/v1/themes", params={"district": "A7县"}).json()
    with ranked.client("intake") as intake:
        refused = intake.get("/v1/themes")
    assert [t["label"] for t in in_a7["items"]] == ["轨道交通与公交规划服务"]
    assert refused.status_code == 403
