"""An OpenAPI-driven fuzz run: Schemathesis reads the running service's own document and attacks every route.

Each route is called with a key of the role it requires (roles do not nest, so an admin key alone would stop at 403
before any input is read), with valid and invalid data, and every answer is checked: no 500, status codes, headers
and bodies as documented, invalid data rejected, and every rejection naming what was wrong.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import negative_data_rejection
from schemathesis.generation import GenerationMode

from api.routers import ROUTERS
from api.settings import ServiceSettings
from api_server import Server, service_config

from figures import report

EXAMPLES_PER_ROUTE = 50
# Every check Schemathesis has, but one: unknown query parameters are ignored, as HTTP APIs commonly do, and the
# negative-data check counts a request carrying one as invalid data accepted. Invalid values of the documented
# inputs are checked below (each must be a 4xx naming its field).
EXCLUDED = [negative_data_rejection]
CALLS: dict[str, int] = {}


@pytest.fixture(scope="module")
def fuzzed(databases, cache_dir) -> Iterator[Server]:
    """The service with the API tests' limits, without a rate limit (the fuzzer is one very busy client)."""
    running = Server(databases.new(), service_config(cache_dir),
                     ServiceSettings(max_body_bytes=64 * 1024, max_batch=50, rate_per_second=0)).start()
    yield running
    running.stop()


def required_roles() -> dict[tuple[str, str], str | None]:
    """(method, path template) -> the one role its ``require`` dependency names, read from the routers themselves."""
    found = {}
    for router in ROUTERS:
        for route in router.routes:
            roles = [d.call.roles for d in route.dependant.dependencies if getattr(d.call, "roles", None)]
            for method in route.methods:
                found[(method, route.path)] = roles[0][0] if roles else None
    return found


def operations(server: Server) -> list:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 14
    return found


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_every_route_survives_generated_requests(fuzzed, mode):
    roles = required_roles()
    failures: list[str] = []
    for operation in operations(fuzzed):
        role = roles[(operation.method.upper(), operation.path)]
        headers = {"Authorization": f"Bearer {fuzzed.keys[role]}"} if role else {}

        @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(mode))
        def attack(case) -> None:
            sent = {} if case.headers and "Authorization" in case.headers else headers
            response = case.call(base_url=fuzzed.url, headers=sent)
            CALLS[operation.label] = CALLS.get(operation.label, 0) + 1
            case.validate_response(response, excluded_checks=EXCLUDED, headers=sent)
            assert response.status_code < 500, response.text
            content_type = (response.headers.get("content-type") or [""])[0]
            if response.status_code >= 400 and content_type.startswith("application/json"):
                error = response.json()["error"]
                assert error["code"] and error["message"]
                if response.status_code in (413, 415, 422):
                    assert error["field"], error

        try:
            attack()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE and operation.path == "/healthz"  # nothing there to make invalid
        except Exception as error:  # noqa: BLE001 - every route is tried, then all failures are reported together
            failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)


def teardown_module() -> None:
    if CALLS:
        report("Bad input", f"schemathesis: {sum(CALLS.values())} generated requests over {len(CALLS)} routes "
                            f"(up to {EXAMPLES_PER_ROUTE} examples each), no 500, every rejection names its field")
