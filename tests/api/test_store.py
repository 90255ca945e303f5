"""The store: schema upgrades in place, restart without re-embedding, one transaction per batch."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import sqlalchemy as sa
from sqlalchemy import select

from api.store import Store, current_revision, head_revision, upgrade_database
from api.store.models import EmbeddingRow, MembershipRow, SuggestionRow
from triage.workspace import Workspace

from api_server import Server, service_config
from api_texts import BUS, PARKING, UNRELATED


def test_an_existing_database_is_upgraded_in_place(databases, cache_dir):
    url = databases.new()
    store = Store(url)
    upgrade_database(store.engine, "0001")
    assert current_revision(store.engine) == "0001"
    now = datetime(2024, 1, 1)
    with store.engine.begin() as db:
        db.execute(sa.text(
            "INSERT INTO api_keys (id, key_hash, role, created_at) VALUES ('old', :h, 'reviewer', :t)"),
            {"h": "0" * 64, "t": now})
        db.execute(sa.text(
            "INSERT INTO suggestions (id, title, body, original_title, original_body, submitter, org_name, org_type,"
            " sector, district, endorsements, opposes, extra, source, row, payload_hash, result, created_at,"
            " created_by) VALUES ('old-1', '旧意见', '正文', '旧意见', '正文', 'o', '', '', '', '', 0, 0, '{}',"
            " 'api', 1, 'h', '{}', :t, 'cli')"), {"t": now})
    store.close()

    server = Server(url, service_config(cache_dir)).start()  # start-up upgrades to head
    try:
        store = Store(url)
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as db:
            assert db.execute(sa.text("SELECT name FROM api_keys WHERE id = 'old'")).scalar_one() == ""
            assert db.execute(sa.text("SELECT count(*) FROM jobs")).scalar_one() == 0
        store.close()
        with server.client() as client:
            assert client.get("/healthz").json()["suggestions"] == 1  # old rows restored (and embedded once)
    finally:
        server.stop()


def test_restart_restores_the_workspace_without_re_embedding(databases, cache_dir):
    url = databases.new()
    first = Server(url, service_config(cache_dir)).start()
    items = [{"id": f"r{i}", **t} for i, t in enumerate(PARKING + BUS + UNRELATED)]
    with first.client("intake") as intake:
        before = intake.post("/v1/suggestions", json={"items": items}).json()["items"]
    with first.client("reviewer") as reviewer:
        issues_before = reviewer.get("/v1/issues").json()
    first.stop()

    class CountingWorkspace(Workspace):
        embedded = 0

        def embed(self, suggestions):
            CountingWorkspace.embedded += len(suggestions)
            return super().embed(suggestions)

    second = Server(url, service_config(cache_dir))
    second.start(CountingWorkspace(second.config))
    try:
        workspace = second.workspace
        assert len(workspace) == len(items) and CountingWorkspace.embedded == 0
        with second.client("reviewer") as reviewer:
            assert reviewer.get("/v1/issues").json() == issues_before
        with second.client("intake") as intake:
            again = intake.post("/v1/suggestions", json={"items": items})
        assert again.status_code == 200 and again.json()["items"] == before
        store = Store(url)
        with store.session() as session:
            stored = {row.suggestion_id: np.frombuffer(row.vector, dtype=np.float32)
                      for row in session.scalars(select(EmbeddingRow))}
            members = dict(session.execute(select(MembershipRow.suggestion_id, MembershipRow.issue_id)).all())
        store.close()
        for suggestion_id, vector in stored.items():
            assert np.array_equal(workspace.vector(suggestion_id), vector)
        assert members == {r["id"]: r["issue_id"] for r in before}
    finally:
        second.stop()


def test_a_batch_that_fails_to_store_leaves_nothing_behind(databases, cache_dir):
    url = databases.new()
    server = Server(url, service_config(cache_dir)).start()
    try:
        with server.client("intake") as intake:
            assert intake.post("/v1/suggestions", json={"id": "keep", **UNRELATED[0]}).status_code == 201
            service = server.app.state.service
            real = service._persist

            def failing(session, fresh, vectors, outcomes, moves, actor):
                real(session, fresh, vectors, outcomes, moves, actor)
                session.flush()
                raise RuntimeError("disk full")

            service._persist = failing
            try:
                response = intake.post("/v1/suggestions",
                                       json={"items": [{"id": "lost1", **PARKING[0]}, {"id": "lost2", **BUS[0]}]})
            finally:
                service._persist = real
            assert response.status_code == 500 and response.json()["error"]["code"] == "internal_error"
            store = Store(url)
            with store.session() as session:
                assert set(session.scalars(select(SuggestionRow.id))) == {"keep"}
            store.close()
            assert len(server.workspace) == 1  # rolled back, so the workspace and the store agree
            retry = intake.post("/v1/suggestions", json={"items": [{"id": "lost1", **PARKING[0]},
                                                                   {"id": "lost2", **BUS[0]}]})
            assert retry.status_code == 201
    finally:
        server.stop()
