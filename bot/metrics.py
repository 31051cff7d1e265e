"""Prometheus metrics, the health endpoint and the report's pages, on
127.0.0.1:POLLBOT_METRICS_PORT."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from jobs.errors import UsageError
from jobs.runner import RunOutcome

log = logging.getLogger("pollbot.metrics")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.job_runs = Counter(
            "pollbot_job_runs_total",
            "Job runs by job and status",
            ["job", "status"],
            registry=self.registry,
        )
        self.job_seconds = Histogram(
            "pollbot_job_duration_seconds",
            "Job run durations",
            ["job"],
            buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900),
            registry=self.registry,
        )
        self.items = Counter(
            "pollbot_job_items_total",
            "Items a job stored (replies, snapshots, summaries)",
            ["job"],
            registry=self.registry,
        )
        self.api_requests = Counter(
            "pollbot_api_requests_total",
            "Requests to a platform's API, by platform and endpoint",
            ["platform", "endpoint"],
            registry=self.registry,
        )
        self.posts_read = Counter(
            "pollbot_api_posts_read_total",
            "Posts read from a platform's API, by platform",
            ["platform"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "pollbot_api_rate_limited_total",
            "429 answers from a platform's API, by platform and endpoint",
            ["platform", "endpoint"],
            registry=self.registry,
        )
        self.posts_read_month = Gauge(
            "pollbot_posts_read_month",
            "X's posts read this month (all processes): what the read cap counts",
            registry=self.registry,
        )

        self.runs_unrecorded = Gauge(
            "pollbot_job_runs_unrecorded",
            "Runs that ended while the database was unavailable, not yet recorded",
            registry=self.registry,
        )
        self.runs_recorded_late = Counter(
            "pollbot_job_runs_recorded_late_total",
            "Runs recorded after the database came back, by job",
            ["job"],
            registry=self.registry,
        )
        self.database_outages = Counter(
            "pollbot_database_outages_total",
            "Times the database became unavailable to the daemon",
            registry=self.registry,
        )

    def observe_run(self, outcome: RunOutcome) -> None:
        self.job_runs.labels(outcome.job, outcome.status).inc()
        self.job_seconds.labels(outcome.job).observe(outcome.seconds)
        self.items.labels(outcome.job).inc(outcome.items)

    def observe_request(self, endpoint: str, posts: int, *, platform: str = "x") -> None:
        self.api_requests.labels(platform, endpoint).inc()
        self.posts_read.labels(platform).inc(posts)

    def observe_rate_limited(self, endpoint: str, *, platform: str = "x") -> None:
        self.rate_limited.labels(platform, endpoint).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


def report_name(path: str) -> str | None:
    """The report page a ``/report/...`` path asks for (``index`` for the directory), or None
    for any other path. Only the name's form is judged here; whether it is a page is the
    report's to say."""
    path = urlsplit(path).path
    if path in ("/report", "/report/", "/report/index.html"):
        return "index"
    if path.startswith("/report/") and path.endswith(".html"):
        name = unquote(path[len("/report/") : -len(".html")])
        return name if name and "/" not in name else None
    return None


def serve_metrics(
    metrics: Metrics,
    *,
    port: int,
    health: Callable[[], dict[str, object]],
    report: Callable[[str], str | None] | None = None,
) -> ThreadingHTTPServer:
    """``/metrics``, ``/healthz`` and, given ``report`` (a page by name, None when there is no
    such page), the report's pages under ``/report/``: read-only, GET only, loopback only."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = report_name(self.path) if report is not None else None
            if self.path == "/metrics":
                body, ctype, code = metrics.render(), CONTENT_TYPE_LATEST, 200
            elif self.path == "/healthz":
                doc = health()
                code = 200 if doc.get("ok") else 503
                body, ctype = json.dumps(doc, default=str).encode(), "application/json"
            elif name is not None and report is not None:
                body, ctype, code = self._report(report, name)
            else:
                body, ctype, code = b"not found\n", "text/plain", 404
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        @staticmethod
        def _report(report: Callable[[str], str | None], name: str) -> tuple[bytes, str, int]:
            try:
                page = report(name)
            except Exception as exc:  # the store away: say so, the daemon goes on
                log.warning("report page %s could not be made: %s", name, exc)
                return b"the report is unavailable right now\n", "text/plain", 503
            if page is None:
                return b"no such report page\n", "text/plain", 404
            return page.encode(), "text/html; charset=utf-8", 200

        def log_message(self, format: str, *args: object) -> None:
            return

    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    except OSError as exc:  # in use (EADDRINUSE), or a privileged port (EACCES)
        raise UsageError(
            f"POLLBOT_METRICS_PORT={port}: cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}"
        ) from None
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
