"""Injected failures: the next N answers of an endpoint (or each answer with a probability)
fail with a status, arrive late, or come back as truncated JSON."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any

from bot.mock_api.errors import MockError
from bot.mock_api.scenario import ENDPOINTS

KINDS = ("429", "500", "502", "503", "504", "delay", "malformed")
_KEYS = {
    "endpoint",
    "status",
    "times",
    "delay_s",
    "malformed",
    "probability",
    "seed",
    "kinds",
    "reset_header",
}


class FaultError(MockError, ValueError):
    """A fault description that makes no sense; the message says why."""


@dataclass(slots=True)
class Outcome:
    status: int | None = None  # answer this instead of the real one
    delay_s: float = 0.0  # wait this long first
    malformed: bool = False  # cut the real answer's body short
    reset_header: bool = True  # a 429 tells when the window opens


@dataclass(slots=True)
class Fault:
    endpoint: str
    outcome: Outcome
    kinds: tuple[str, ...] = ()
    times: int | None = None  # None: until cleared
    probability: float = 1.0
    rng: random.Random | None = None

    def fire(self, endpoint: str) -> Outcome | None:
        if self.endpoint not in ("*", endpoint) or self.times == 0:
            return None
        if self.rng is not None and self.rng.random() >= self.probability:
            return None
        if self.times is not None:
            self.times -= 1
        if not self.kinds:
            return self.outcome
        kind = self.kinds[0] if len(self.kinds) == 1 else (self.rng or random).choice(self.kinds)
        if kind == "delay":
            return Outcome(delay_s=self.outcome.delay_s or 1.0)
        if kind == "malformed":
            return Outcome(malformed=True)
        return Outcome(status=int(kind), reset_header=self.outcome.reset_header)


def _number(spec: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise FaultError(f"{key} must be a number from {low} to {high}, got {value!r}")
    return value


def parse_fault(spec: Any, endpoints: tuple[str, ...] = ENDPOINTS) -> Fault:
    """A fault from its JSON description; ``endpoints`` are the names the face answers."""
    if not isinstance(spec, dict):
        raise FaultError("a fault is a JSON object")
    unknown = set(spec) - _KEYS
    if unknown:
        raise FaultError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
    endpoint = spec.get("endpoint") or "*"
    if endpoint != "*" and endpoint not in endpoints:
        raise FaultError(f"unknown endpoint {endpoint!r} (one of: {', '.join(endpoints)}, *)")
    status = _number(spec, "status", 400, 599)
    delay = _number(spec, "delay_s", 0, 600) or 0.0
    probability = _number(spec, "probability", 0, 1)
    times = _number(spec, "times", 1, 10**9)
    kinds = spec.get("kinds") or ()
    if not isinstance(kinds, list | tuple) or any(k not in KINDS for k in kinds):
        raise FaultError(f"kinds must be a list of {', '.join(KINDS)}, got {kinds!r}")
    malformed = spec.get("malformed") is True
    if status is None and not delay and not malformed and not kinds:
        raise FaultError("say what fails: status, delay_s, malformed or kinds")
    seed = spec.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise FaultError(f"seed must be an integer, got {seed!r}")
    outcome = Outcome(
        status=None if status is None else int(status),
        delay_s=float(delay),
        malformed=malformed,
        reset_header=spec.get("reset_header", True) is not False,
    )
    random_draws = probability is not None or len(kinds) > 1
    return Fault(
        endpoint=endpoint,
        outcome=outcome,
        kinds=tuple(kinds),
        # a probability means "until cleared" unless a count is given too
        times=int(times) if times is not None else (None if probability is not None else 1),
        probability=1.0 if probability is None else float(probability),
        rng=random.Random(seed) if random_draws else None,
    )


class Faults:
    def __init__(self, endpoints: tuple[str, ...] = ENDPOINTS) -> None:
        self.endpoints = endpoints
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, spec: Any) -> int:
        fault = parse_fault(spec, self.endpoints)
        with self._lock:
            self._faults.append(fault)
            return len(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def draw(self, endpoint: str) -> Outcome | None:
        with self._lock:
            for fault in self._faults:
                outcome = fault.fire(endpoint)
                if outcome is not None:
                    self._faults = [f for f in self._faults if f.times != 0]
                    return outcome
            return None

    def active(self) -> int:
        with self._lock:
            return len(self._faults)
