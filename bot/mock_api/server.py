"""The HTTP face of the mock: a threading server on loopback, usable in-process
(``MockServer``, for tests and the demo) or in the foreground (``serve``, for ``pollbot mock-api``)."""

from __future__ import annotations

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

from bot.mock_api.dispatch import answer
from bot.mock_api.errors import dumps, problem
from bot.mock_api.loader import load_scenario
from bot.mock_api.scenario import Scenario
from bot.mock_api.state import MockState
from bot.mock_api.timefmt import to_ms


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
            result = answer(self.server.state, self.command, url.path, query, headers, body)
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
        self, address: tuple[str, int], state: MockState, *, verbose: bool = False
    ) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.verbose = verbose


class MockServer:
    """The fake X API on a background thread. ``port=0`` picks a free port."""

    def __init__(
        self,
        scenario: Scenario | str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 1.0,
    ) -> None:
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.state = MockState(self.scenario, speed=speed)
        self.host = host
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> MockServer:
        if self._server is None:
            self._server = _Server((self.host, self._requested_port), self.state)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="mock-x-api",
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

    # in-process helpers (the same as the /_mock/ endpoints) --------------------------------
    def now(self) -> datetime:
        return self.state.world.clock.now()

    def set_clock(self, when: datetime) -> None:
        self.state.world.clock.set_ms(to_ms(when))

    def advance(self, seconds: float) -> None:
        self.state.world.clock.advance(seconds)

    def visible_posts(self) -> list[dict]:
        with self.state.lock:
            return self.state.world.visible_posts(self.state.world.clock.now_ms())

    def posts(self) -> list[dict]:
        with self.state.lock:
            return self.state.world.created_posts()

    def stats(self) -> dict[str, Any]:
        with self.state.lock:
            return self.state.stats.as_dict()

    def add_fault(self, **spec: Any) -> None:
        self.state.faults.add(spec)

    def reset(self) -> None:
        self.state.reset()


def serve(
    scenario_ref: str | Path, *, host: str = "127.0.0.1", port: int = 8787, speed: float = 1.0
) -> None:
    """Runs the mock in the foreground until Ctrl-C or SIGTERM."""
    scenario = load_scenario(scenario_ref)
    state = MockState(scenario, speed=speed)
    server = _Server((host, port), state)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    bound = server.server_address[1]
    print(
        f"mock X API on http://{host}:{bound} - scenario {scenario.name} ({scenario_ref}), "
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
