"""Request counts and latencies in the Prometheus text format, without a client library.

Requests are labelled by route template (``/v1/issues/{issue_id}``), never by raw path, so the number of series
stays bounded whatever clients send.
"""
from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections import defaultdict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        self.sums: dict[tuple[str, str], float] = defaultdict(float)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, str(status))] += 1
            self.buckets[(method, route)][bisect_left(BUCKETS, seconds)] += 1
            self.sums[(method, route)] += seconds

    def render(self, gauges: dict[str, tuple[str, float]] | None = None) -> str:
        lines = ["# HELP triage_http_requests_total HTTP requests by method, route and status.",
                 "# TYPE triage_http_requests_total counter"]
        with self._lock:
            for (method, route, status), count in sorted(self.requests.items()):
                lines.append(f'triage_http_requests_total{{method="{method}",route="{_escape(route)}",'
                             f'status="{status}"}} {count}')
            lines += ["# HELP triage_http_request_duration_seconds HTTP request latency by method and route.",
                      "# TYPE triage_http_request_duration_seconds histogram"]
            for (method, route), counts in sorted(self.buckets.items()):
                labels = f'method="{method}",route="{_escape(route)}"'
                total = 0
                for bound, count in zip((*BUCKETS, float("inf")), counts):
                    total += count
                    le = "+Inf" if bound == float("inf") else repr(bound)
                    lines.append(f'triage_http_request_duration_seconds_bucket{{{labels},le="{le}"}} {total}')
                lines.append(f"triage_http_request_duration_seconds_sum{{{labels}}} {self.sums[(method, route)]:.6f}")
                lines.append(f"triage_http_request_duration_seconds_count{{{labels}}} {total}")
        for name, (help_text, value) in (gauges or {}).items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


class MetricsMiddleware:
    """Times every HTTP request from first byte in to response start, labelled by the route that matched."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            self.metrics.observe(scope["method"], template, status, time.perf_counter() - start)
