"""The HTTP server of the mock: a threading server on loopback, usable in-process
(``MockServer``, for tests and the demo) or in the foreground (``serve``, for ``pollbot mock-api``),
answering as X (``platform="x"``, the default) or as a Mastodon instance (``"mastodon"``).

Both answer through a ``Dispatcher``; ``MockServer``'s control helpers (clock, faults, ground
truth, stats, reset) call the ``/_mock/`` routes through that same dispatcher."""

from __future__ import annotations

import json
import signal
import sys
import threading
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.mock_api.clock import ClockError
from bot.mock_api.dispatch import Dispatcher, new_state
from bot.mock_api.errors import MockError, dumps, problem
from bot.mock_api.faults import FaultError
from bot.mock_api.loader import load_scenario
from bot.mock_api.scenario import Scenario
from bot.mock_api.timefmt import iso_ms, parse_iso, to_ms


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a client session reuses its connection
    server_version = "tsa_b"
    sys_version = ""
    server: _Server

    def _serve(self) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            result = self.server.dispatcher.answer(
                self.command, url.path, query, headers, body, raw_query=url.query
            )
            status, out_headers, payload = result.status, result.headers, result.body
        except Exception as exc:  # a bug in the mock must not look like a dropped connection
            self.log_error("mock API error on %s %s: %r", self.command, url.path, exc)
            status, out_headers, payload = (
                500,
                {"content-type": "application/json"},
                dumps(problem(500)),
            )
        lines = [f"{self.protocol_version} {status} {HTTPStatus(status).phrase}"]
        lines += [f"{name}: {value}" for name, value in out_headers.items()]
        lines += [f"server: {self.server_version}", f"content-length: {len(payload)}", "", ""]
        # one write: headers and body sent apart meet Nagle and delayed ACKs (40 ms a request)
        self.wfile.write("\r\n".join(lines).encode("latin-1") + payload)
        self.log_request(status, len(payload))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], dispatcher: Dispatcher, *, verbose: bool = False
    ) -> None:
        super().__init__(address, _Handler)
        self.dispatcher = dispatcher
        self.verbose = verbose


class MockServer:
    """The fake X API (or, with ``platform="mastodon"``, the fake Mastodon instance) on a
    background thread. ``port=0`` picks a free port; ``timing=True`` records each handler's CPU
    time in the stats (``handler_seconds``), for the benchmarks."""

    def __init__(
        self,
        scenario: Scenario | str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 1.0,
        timing: bool = False,
        platform: str = "x",
    ) -> None:
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.platform = platform
        self.state = new_state(self.scenario, speed=speed, platform=platform)
        self.dispatcher = Dispatcher(self.state, timing=timing)
        self.host = host
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> MockServer:
        if self._server is None:
            self._server = _Server((self.host, self._requested_port), self.dispatcher)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"mock-{self.platform}-api",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the mock server is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # in-process controls: the /_mock/ routes, through the dispatcher the HTTP server uses ----
    def _control(
        self, method: str, path: str, body: Any = None, *, refused: type[MockError] = MockError
    ) -> Any:
        """The decoded answer of a control route; ``refused`` (with the route's message) when it
        answers 400."""
        raw = b"" if body is None else json.dumps(body).encode()
        answer = self.dispatcher.answer(method, path, {}, {}, raw)
        decoded = json.loads(answer.body)
        if answer.status != 200:
            raise refused(decoded.get("error") if isinstance(decoded, dict) else decoded)
        return decoded

    def now(self) -> datetime:
        return parse_iso(self._control("GET", "/_mock/clock")["now"])

    def set_clock(self, when: datetime) -> None:
        """Raises ``ClockError`` for a time before the clock's."""
        self._control("POST", "/_mock/clock", {"now": iso_ms(to_ms(when))}, refused=ClockError)

    def advance(self, seconds: float) -> None:
        self._control("POST", "/_mock/clock", {"advance_s": seconds}, refused=ClockError)

    def visible_posts(self) -> list[dict[str, Any]]:
        posts: list[dict[str, Any]] = self._control("GET", "/_mock/visible")
        return posts

    def posts(self) -> list[dict[str, Any]]:
        posts: list[dict[str, Any]] = self._control("GET", "/_mock/posts")
        return posts

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self._control("GET", "/_mock/stats")
        return stats

    def add_fault(self, **spec: Any) -> None:
        """Raises ``FaultError`` for a spec that makes no sense."""
        self._control("POST", "/_mock/faults", spec, refused=FaultError)

    def reset(self) -> None:
        self._control("POST", "/_mock/reset")


def serve(
    scenario_ref: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8787,
    speed: float = 1.0,
    timing: bool = False,
    platform: str = "x",
) -> None:
    """Runs the mock in the foreground until Ctrl-C or SIGTERM (``timing`` and ``platform`` as
    for ``MockServer``)."""
    scenario = load_scenario(scenario_ref)
    state = new_state(scenario, speed=speed, platform=platform)
    server = _Server((host, port), Dispatcher(state, timing=timing))

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    bound = server.server_address[1]
    face = "X API" if platform == "x" else f"Mastodon instance {scenario.instance}"
    print(
        f"mock {face} on http://{host}:{bound} - scenario {scenario.name} ({scenario_ref}), "
        f"clock from {scenario.start.isoformat()} at speed {speed}",
        file=sys.stdout,
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        signal.signal(signal.SIGTERM, previous)
