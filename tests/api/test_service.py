"""Health, metrics, the OpenAPI document, and ``triage serve`` itself as a separate process."""
from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time

import httpx

from api_server import free_port, unique
from api_texts import BUS, PARKING, UNRELATED


def test_healthz_counts(server):
    with server.client() as client:
        body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["suggestions"] >= 0 and body["issues"] >= 0


def test_metrics_in_prometheus_text_format(server, intake, admin):
    intake.post("/v1/score", json=PARKING[0])
    intake.get("/v1/issues/I00042")  # 403, counted under its route template
    response = admin.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE triage_http_requests_total counter" in text
    assert 'triage_http_requests_total{method="POST",route="/v1/score",status="200"}' in text
    assert 'route="/v1/issues/{issue_id}",status="403"' in text
    assert "I00042" not in text
    assert "# TYPE triage_http_request_duration_seconds histogram" in text
    assert 'triage_http_request_duration_seconds_bucket{method="POST",route="/v1/score",le="+Inf"}' in text
    assert 'triage_http_request_duration_seconds_count{method="POST",route="/v1/score"}' in text
    assert "triage_suggestions " in text and "triage_issues " in text
    for line in text.splitlines():
        assert line.startswith("#") or len(line.rsplit(" ", 1)) == 2


def test_every_route_is_documented(server):
    with server.client() as client:
        document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            assert operation.get("description"), (method, path)
            responses = operation["responses"]
            success = [code for code in responses if code.startswith("2")]
            assert success and all(responses[c].get("content") for c in success), (method, path)
            if path != "/healthz":
                assert {"401", "403"} <= set(responses), (method, path)
                assert responses["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
            if "requestBody" in operation:
                assert {"413", "415", "422"} <= set(responses), (method, path)
                assert operation["requestBody"]["content"]["application/json"]["schema"], (method, path)
            if operation.get("parameters"):
                assert "422" in responses, (method, path)


def test_triage_serve_loads_files_and_reloading_stores_nothing_twice(tmp_path):
    source = tmp_path / "suggestions.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "title", "body", "sector"])
        writer.writeheader()
        for i, text in enumerate(PARKING + BUS + UNRELATED):
            writer.writerow({"id": f"f{i}", "sector": "交通", **text})
        writer.writerow({"id": "empty", "title": " ", "body": ""})  # row 10: rejected, and said so with its reason
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cli = [sys.executable, "-c", "from triage.cli import main; raise SystemExit(main())"]

    def serve(*flags: str) -> tuple[subprocess.Popen, str]:
        port = free_port()
        process = subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--db", db, "--embedder", "tfidf", "--load", str(source),
             "--set", f'embed.cache_dir="{tmp_path / "cache"}"', *flags],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read()
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    return process, url
            except httpx.TransportError:
                time.sleep(0.2)
        process.kill()
        raise AssertionError("triage serve did not start")

    def stop(process: subprocess.Popen) -> str:
        process.send_signal(signal.SIGINT)
        return process.communicate(timeout=60)[0]

    process, url = serve()
    assert httpx.get(f"{url}/healthz").json()["suggestions"] == 8
    output = stop(process)
    assert "新增 8 条" in output and "拒收 1 条" in output
    assert f"拒收 {source}:10 [body]" in output and "标题和正文均为空" in output
    key = subprocess.run([*cli, "keys", "create", "--role", "intake", "--db", db], capture_output=True, text=True,
                         check=True).stdout.strip().splitlines()[-1]
    process, url = serve("--rate-per-second", "0.01", "--rate-burst", "2")
    try:
        assert httpx.get(f"{url}/healthz").json()["suggestions"] == 8
        response = httpx.post(f"{url}/v1/score", json=PARKING[1], headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200 and response.json()["issue_id"]
        stored = httpx.post(f"{url}/v1/suggestions", json={"id": unique(), **UNRELATED[0], "title": "另一条"},
                            headers={"Authorization": f"Bearer {key}"})
        assert stored.status_code == 201
        # The burst of 2 the flags allow is spent: the third request waits its turn.
        limited = httpx.post(f"{url}/v1/score", json=PARKING[1], headers={"Authorization": f"Bearer {key}"})
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 1
    finally:
        output = stop(process)
    assert "新增 0 条，已存在 8 条" in output
