"""Access, beyond the role table of tests/api/test_auth.py: the reviewer pages need a login, and neither keys nor
suggestion bodies ever reach the logs, even when a request fails inside the store.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from api.auth import create_key
from api.store import Store
from api.store.models import SuggestionRow
from api.web.router import router as web_router
from api.web.session import COOKIE
from api_server import assert_error, free_port, unique

from figures import report

PHONE, ID_CARD, EMAIL = "13812345678", "430102199003071234", "li.si@example.com"
SECRET_BODY = f"东风路夜间施工噪音扰民，联系人李四{PHONE}，身份证{ID_CARD}，邮箱{EMAIL}，施工至凌晨三点"
# Every page under /web except the login form and the stylesheet, with a value for each path parameter.
PAGES = [("GET", path.format(issue_id="I00001", suggestion_id="s-1", submitter="org-1"))
         for route in web_router.routes for path in [route.path] if "GET" in route.methods
         and path.startswith("/web/") and path not in ("/web/", "/web/login", "/web/static/{name}")]
FORMS = [("POST", "/web/reviews"), ("POST", "/web/implementations")]


def test_every_reviewer_page_needs_a_login(server):
    assert len(PAGES) >= 9
    tried = 0
    for cookie in (None, "forged", "eyJrZXkiOiJhYmMifQ.forged.sig"):
        cookies = {COOKIE: cookie} if cookie else {}
        with httpx.Client(base_url=server.url, cookies=cookies, follow_redirects=False) as browser:
            for method, path in PAGES + FORMS:
                data = {"target_type": "issue", "target_id": "I00001", "decision": "shortlist", "reason": "r",
                        "token": "x"} if method == "POST" else None
                response = browser.request(method, path, data=data)
                tried += 1
                assert response.status_code == 303, (path, response.status_code)
                assert response.headers["location"].startswith("/web/login"), path
                assert "I00001" not in response.text and "<table" not in response.text
            # An API key sent as a bearer token is not a login for the pages.
            response = browser.get("/web/issues", headers={"Authorization": f"Bearer {server.keys['reviewer']}"})
            assert response.status_code == 303
    with httpx.Client(base_url=server.url, follow_redirects=False) as browser:
        refused = browser.post("/web/login", data={"key": server.keys["intake"], "next": "/web/issues"})
        assert refused.status_code == 401 and COOKIE not in refused.cookies
        accepted = browser.post("/web/login", data={"key": server.keys["reviewer"], "next": "/web/issues"})
        assert accepted.status_code == 303 and accepted.cookies.get(COOKIE)
        assert server.keys["reviewer"] not in accepted.headers.get("set-cookie", "")
        assert browser.get("/web/issues").status_code == 200
    report("Access", f"{len(PAGES) + len(FORMS)} reviewer page routes x 3 kinds of missing or forged login "
                     f"({tried} requests): every one sent to the login page", server.db_url)


def test_triage_serve_logs_neither_keys_nor_suggestion_bodies(tmp_path):
    """``triage serve`` with its own logging (access log on), through successes, rejections and a login."""
    db = f"sqlite:///{tmp_path / 'logs.db'}"
    store = Store(db)
    store.upgrade()
    keys = {role: create_key(store, role)[1] for role in ("intake", "reviewer")}
    store.close()
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", "from triage.cli import main; raise SystemExit(main())", "serve", "--port",
             str(port), "--db", db, "--embedder", "tfidf", "--set", f'embed.cache_dir="{tmp_path / "cache"}"'],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
            assert time.monotonic() < deadline
        sid = unique("log")
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {keys['intake']}"}) as intake:
            assert intake.post("/v1/suggestions", json={"id": sid, "title": "施工噪音", "body": SECRET_BODY}
                               ).status_code == 201
            assert intake.post("/v1/suggestions", json={"id": sid, "title": "施工噪音", "body": SECRET_BODY + "!"}
                               ).status_code == 409
            assert intake.post("/v1/score", json={"title": SECRET_BODY, "endorsements": "many"}).status_code == 422
            assert intake.post("/v1/score", content=SECRET_BODY.encode(), headers={"Content-Type": "text/plain"}
                               ).status_code == 415
            assert intake.get("/v1/issues").status_code == 403
        with httpx.Client(base_url=url) as browser:
            assert browser.post("/web/login", data={"key": keys["reviewer"]}).status_code in (200, 303)
            assert browser.post("/web/login", data={"key": keys["intake"]}).status_code == 401
            assert browser.get("/v1/issues", headers={"Authorization": f"Bearer {keys['intake']}x"}
                               ).status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
    text = log_path.read_text()
    assert "POST /v1/suggestions" in text  # the access log is on, so there is something to check
    for secret in (*keys.values(), SECRET_BODY, PHONE, ID_CARD, EMAIL, "施工至凌晨"):
        assert secret not in text, secret
    report("Access", f"triage serve's log over {text.count(' HTTP/1.1')} requests (201, 409, 422, 415, 403, 401, "
                     "logins): no key, no suggestion text")


def test_a_failing_store_logs_no_suggestion_text(server, caplog):
    """A write the database refuses is logged with its traceback, but without the SQL parameters it carried."""
    service = server.app.state.service
    real = service._persist

    def conflicting(session, fresh, vectors, outcomes, moves, actor):
        real(session, fresh, vectors, outcomes, moves, actor)
        s = fresh[0].suggestion
        session.add(SuggestionRow(id=s.id, title=s.title, body=s.body, original_title=s.original_title,
                                  original_body=s.original_body, submitter=s.submitter, payload_hash="x",
                                  result={}, created_by="test"))
        session.flush()

    service._persist = conflicting
    try:
        with caplog.at_level(logging.DEBUG), server.client("intake") as intake:
            response = intake.post("/v1/suggestions", json={"id": unique("fail"), "title": "施工噪音",
                                                             "body": SECRET_BODY})
    finally:
        service._persist = real
    assert_error(response, 500, "internal_error", None)
    assert SECRET_BODY not in response.text
    logged = caplog.text + "".join(str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    assert "IntegrityError" in logged  # the failure itself is logged, for whoever runs the service
    for secret in (PHONE, ID_CARD, EMAIL, "施工至凌晨"):
        assert secret not in logged, secret


@pytest.mark.parametrize("role", ["intake", "reviewer", "admin"])
def test_keys_appear_nowhere_but_in_the_answer_that_created_them(server, role):
    with server.client("admin") as admin:
        created = admin.post("/v1/keys", json={"role": role, "name": "一次性"}).json()
        listed = admin.get("/v1/keys").text
        metrics = admin.get("/metrics").text
    assert created["key"] not in listed and created["key"] not in metrics
    store = Store(server.db_url)
    try:
        with store.engine.connect() as db:
            dump = "\n".join(str(row) for table in ("api_keys", "audit_log")
                             for row in db.exec_driver_sql(f"SELECT * FROM {table}"))
    finally:
        store.close()
    assert created["id"] in dump and created["key"] not in dump
    assert created["key"][len("trk_"):] not in dump
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {created['key']}"}) as client:
        answer = client.get("/v1/keys")
    if role != "admin":
        assert_error(answer, 403, "wrong_role", "Authorization")
    assert created["key"] not in answer.text

