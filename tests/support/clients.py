"""What the platform clients' tests share: a monotonic clock that moves only when the code
under test sleeps, and a client's time and usage callback held by the test (``Driven``), on
the mock (``OnMock``) or on a server of the test's own; and an image to upload."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any

from bot.mock_api import MockServer


class FakeTime:
    """A monotonic clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.mono

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.mono += seconds


class Driven:
    """A platform client's time and usage as a test holds them: ``knobs()`` are the client's
    keyword arguments (``monotonic``, ``sleep``, ``usage``, no jitter); a sleep moves
    ``time`` and then the server's clock (``move``) instead of waiting, and every usage
    callback's call is kept in ``usage``."""

    def __init__(self, move: Callable[[float], object]) -> None:
        self.time = FakeTime()
        self.usage: list[tuple[str, int]] = []
        self._move = move

    @property
    def sleeps(self) -> list[float]:
        return self.time.sleeps

    def sleep(self, seconds: float) -> None:
        self.time.sleep(seconds)
        self._move(seconds)

    def knobs(self) -> dict[str, Any]:
        return {
            "monotonic": self.time.monotonic,
            "sleep": self.sleep,
            "usage": lambda endpoint, n: self.usage.append((endpoint, n)),
            "random": lambda: 0.0,
        }


class OnMock(Driven):
    """``Driven`` on the mock: a sleep advances the mock's scenario clock."""

    def __init__(self, mock: MockServer) -> None:
        super().__init__(mock.advance)
        self.mock = mock

    def requests_to(self, endpoint: str) -> int:
        """The requests the mock has had for ``endpoint`` (SPEC's name)."""
        return int(self.mock.stats()["requests"].get(endpoint, 0))


def tiny_png() -> bytes:
    """A valid 1x1 PNG, built by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
