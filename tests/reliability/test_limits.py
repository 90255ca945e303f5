"""Per-key rate limiting: 429 with Retry-After once a key's budget is spent, other keys unaffected.

(The body size and batch size limits are tested in tests/api/test_errors.py.)
"""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from api.rate_limit import RateLimiter
from api.settings import ServiceSettings
from api_server import Server, assert_error, service_config

from figures import report

BURST, PER_SECOND = 5, 2.0


@pytest.fixture(scope="module")
def limited(databases, cache_dir) -> Iterator[Server]:
    running = Server(databases.new(), service_config(cache_dir),
                     ServiceSettings(rate_per_second=PER_SECOND, rate_burst=BURST)).start()
    yield running
    running.stop()


def test_a_key_over_its_budget_gets_429_with_retry_after(limited):
    with limited.client("reviewer") as reviewer, limited.client("intake") as intake:
        answers = [reviewer.get("/v1/issues").status_code for _ in range(BURST + 3)]
        assert answers[:BURST] == [200] * BURST and 429 in answers[BURST:]
        refused = reviewer.get("/v1/digest")
        error = assert_error(refused, 429, "rate_limited", "Authorization")
        wait = int(refused.headers["Retry-After"])
        assert 1 <= wait <= 2 and str(wait) in error["message"]
        # Another key has a budget of its own; the refused requests stored nothing and cost the store nothing.
        assert intake.post("/v1/score", json={"title": "停车难"}).status_code == 200
        time.sleep(wait)
        assert reviewer.get("/v1/issues").status_code == 200
    report("Limits", f"rate limit {PER_SECOND:g}/s, burst {BURST}: request {BURST + 1} of a burst answered 429 with "
                     f"Retry-After {wait}; another key unaffected; served again after the wait", limited.db_url)


def test_429_is_documented_on_every_route_that_takes_a_key(limited):
    with limited.client() as anonymous:
        paths = anonymous.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert ("429" in operation["responses"]) == (path != "/healthz"), (method, path)


def test_token_bucket_refills_at_the_configured_rate():
    now = [0.0]
    limiter = RateLimiter(per_second=4, burst=2, clock=lambda: now[0])
    assert [limiter.retry_after("k") for _ in range(3)] == [0, 0, 1]
    now[0] += 0.25
    assert limiter.retry_after("k") == 0 and limiter.retry_after("k") == 1
    assert limiter.retry_after("other") == 0
    assert RateLimiter(per_second=0, burst=1).retry_after("k") == 0  # off
