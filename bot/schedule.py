"""How often each job runs, from the configuration; and when it is next due (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings
from bot.registry import JOBS

# However fast the demo's clock runs, jobs are not fired more often than this.
MIN_EVERY = timedelta(seconds=0.25)


@dataclass(frozen=True, slots=True)
class Schedule:
    job: str
    every: timedelta

    def describe(self) -> str:
        seconds = int(self.every.total_seconds())
        for unit, size in (("h", 3600), ("m", 60)):
            if seconds % size == 0:
                return f"every {seconds // size}{unit}"
        return f"every {seconds}s"

    def next_run(self, *, last_started: datetime | None, now: datetime) -> datetime:
        if last_started is None:
            return now
        return max(now, last_started + self.every)


def schedules(settings: Settings, *, speed: float = 1.0) -> dict[str, Schedule]:
    """Every job's interval; ``speed`` divides them (the demo's accelerated clock)."""
    return {
        name: Schedule(name, max(spec.every(settings) / speed, MIN_EVERY))
        for name, spec in JOBS.items()
    }
