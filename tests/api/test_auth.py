"""Access: every route but /healthz needs a key (401), and a key of the right role (403)."""
from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from api.store import Store
from api.store.models import ApiKeyRow

from api_server import assert_error

# (method, path, JSON body, the one role allowed)
ROUTES = [
    ("POST", "/v1/suggestions", {"id": "auth-1", "title": "t"}, "intake"),
    ("POST", "/v1/score", {"title": "t"}, "intake"),
    ("GET", "/v1/themes", None, "reviewer"),
    ("GET", "/v1/themes/T-nimby", None, "reviewer"),
    ("GET", "/v1/issues", None, "reviewer"),
    ("GET", "/v1/issues/I00001", None, "reviewer"),
    ("GET", "/v1/digest", None, "reviewer"),
    ("POST", "/v1/issues/I00001/split", {"members": ["x"], "reason": "r"}, "reviewer"),
    ("POST", "/v1/issues/merge", {"issue_ids": ["I00001", "I00002"], "reason": "r"}, "reviewer"),
    ("POST", "/v1/reviews", {"target_type": "issue", "target_id": "I00001", "decision": "shortlist", "reason": "r"},
     "reviewer"),
    ("GET", "/v1/reviews?target_type=issue&target_id=I00001", None, "reviewer"),
    ("POST", "/v1/implementations", {"target_type": "issue", "target_id": "I00001", "status": "in_progress",
                                     "date": "2025-01-01", "department": "d"}, "reviewer"),
    ("GET", "/v1/implementations", None, "reviewer"),
    ("GET", "/v1/implementations/history?target_type=issue&target_id=I00001", None, "reviewer"),
    ("POST", "/v1/jobs/recluster", None, "admin"),
    ("GET", "/v1/jobs/some-job", None, "admin"),
    ("POST", "/v1/keys", {"role": "intake"}, "admin"),
    ("GET", "/v1/keys", None, "admin"),
    ("DELETE", "/v1/keys/some-key", None, "admin"),
    ("GET", "/metrics", None, "admin"),
]
ROLES = ("intake", "reviewer", "admin")


def call(client: httpx.Client, method: str, path: str, body):
    return client.request(method, path, json=body) if body is not None else client.request(method, path)


def test_the_table_covers_every_route(server):
    documented = {(m.upper(), p) for p, ops in server.app.openapi()["paths"].items() for m in ops}
    tested = {(m, p.split("?")[0].replace("I00001", "{issue_id}").replace("T-nimby", "{theme_id}")
               .replace("some-job", "{job_id}")
               .replace("some-key", "{key_id}")) for m, p, _, _ in ROUTES}
    assert documented - tested == {("GET", "/healthz")}


@pytest.mark.parametrize("method, path, body, allowed", ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES])
def test_401_without_a_key_and_403_with_the_wrong_role(server, method, path, body, allowed):
    with server.client() as anonymous:
        response = call(anonymous, method, path, body)
        assert_error(response, 401, "missing_key", "Authorization")
        assert response.headers["www-authenticate"] == "Bearer"
        assert_error(anonymous.request(method, path, headers={"Authorization": "Bearer trk_not-a-real-key"}), 401,
                     "invalid_key")
        assert_error(anonymous.request(method, path, headers={"Authorization": "Basic dXNlcjpwdw=="}), 401,
                     "missing_key")
    for role in ROLES:
        with server.client(role) as client:
            response = call(client, method, path, body)
        if role == allowed:
            assert response.status_code not in (401, 403), response.text
        else:
            assert_error(response, 403, "wrong_role", "Authorization")


def test_healthz_needs_no_key(server):
    with server.client() as anonymous:
        response = anonymous.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_revoked_key_is_refused_at_once(server, admin):
    created = admin.post("/v1/keys", json={"role": "reviewer", "name": "临时审阅人"})
    assert created.status_code == 201
    key = created.json()["key"]
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as client:
        assert client.get("/v1/issues").status_code == 200
        revoked = admin.delete(f"/v1/keys/{created.json()['id']}")
        assert revoked.status_code == 200 and revoked.json()["revoked_at"]
        assert_error(client.get("/v1/issues"), 401, "invalid_key")
    listed = admin.get("/v1/keys").json()
    assert all("key" not in k for k in listed)


def test_keys_are_stored_hashed(server):
    store = Store(server.db_url)
    with store.session() as session:
        hashes = [row.key_hash for row in session.query(ApiKeyRow)]
    store.close()
    assert hashes and not any(key in hashes for key in server.keys.values())
    assert all(len(h) == 64 for h in hashes)


def test_keys_cli_prints_the_key_alone_on_its_last_line(server):
    done = subprocess.run(
        [sys.executable, "-c", "from triage.cli import main; raise SystemExit(main())",
         "keys", "create", "--role", "reviewer", "--name", "cli test", "--db", server.db_url],
        capture_output=True, text=True, timeout=120, check=True)
    lines = done.stdout.strip().splitlines()
    key = lines[-1]
    assert key.startswith("trk_") and " " not in key and len(key) > 40
    assert key not in "\n".join(lines[:-1])
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as client:
        assert client.get("/v1/issues").status_code == 200
        assert_error(client.post("/v1/score", json={"title": "t"}), 403, "wrong_role")


def test_keys_cli_rejects_an_unknown_role(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "from triage.cli import main; raise SystemExit(main())",
         "keys", "create", "--role", "root", "--db", f"sqlite:///{tmp_path / 'k.db'}"],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "root" in done.stderr
