"""The scenario clock: starts at the scenario's ``start`` and runs at ``speed`` scenario seconds
per real (monotonic) second, unless moved; it never goes backwards."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from bot.mock_api.errors import MockError
from bot.mock_api.timefmt import from_ms, to_ms


class ClockError(MockError, ValueError):
    """A move that would take the clock backwards."""


class ScenarioClock:
    def __init__(
        self,
        start: datetime,
        *,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed < 0:
            raise ValueError("speed must be 0 or more")
        self.start_ms = to_ms(start)
        self.speed = speed
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._anchor_ms = float(self.start_ms)
        self._anchor_real = monotonic()

    def now_ms(self) -> int:
        return int(self._anchor_ms + (self._monotonic() - self._anchor_real) * self.speed * 1000)

    def now(self) -> datetime:
        return from_ms(self.now_ms())

    def set_ms(self, ms: int) -> None:
        with self._lock:
            current = self.now_ms()
            if ms < current:
                raise ClockError(
                    f"the clock cannot go backwards (now {from_ms(current).isoformat()}, "
                    f"asked {from_ms(ms).isoformat()})"
                )
            self._anchor_ms, self._anchor_real = float(ms), self._monotonic()

    def set(self, when: datetime) -> None:
        self.set_ms(to_ms(when))

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ClockError(f"the clock cannot go backwards (advance_s {seconds})")
        with self._lock:
            self._anchor_ms = self.now_ms() + seconds * 1000
            self._anchor_real = self._monotonic()

    def reset(self) -> None:
        with self._lock:
            self._anchor_ms, self._anchor_real = float(self.start_ms), self._monotonic()
