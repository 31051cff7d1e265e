"""The platform's clock: the HTTP ``date`` header of its answers, carried forward locally.

Jobs run on this clock, not the host's, so the mock's scenario clock drives them in tests and
in the demo, and X's own clock drives them in production (immune to local clock skew).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

log = logging.getLogger(__name__)


def _system_now() -> datetime:
    return datetime.now(UTC)


class PlatformClock:
    """Implements ``jobs.clock.Clock``.

    ``observe`` is fed every answer's ``date`` header (a response hook does it). Between
    answers the last reading is carried forward by ``monotonic``. Before the first answer,
    ``now()`` calls ``probe`` once (the X client makes one credential-free ``GET /`` whose
    only use is its ``date`` header); if that yields nothing, it falls back to the system
    clock with a warning, and the next answer corrects it.
    """

    def __init__(
        self,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        probe: Callable[[], None] | None = None,
        initial: datetime | None = None,
        system: Callable[[], datetime] = _system_now,
    ) -> None:
        self._monotonic = monotonic
        self._probe = probe
        self._system = system
        self._lock = threading.Lock()
        self._probe_lock = threading.Lock()
        self._base: datetime | None = None
        self._base_mono = 0.0
        self._probed = False
        if initial is not None:
            if initial.tzinfo is None:
                raise ValueError("PlatformClock needs a timezone-aware initial time")
            self._set(initial.astimezone(UTC))

    @property
    def synced(self) -> bool:
        """True once any reading (header, initial time or fallback) is held."""
        return self._base is not None

    def _set(self, when: datetime) -> None:
        self._base = when
        self._base_mono = self._monotonic()

    def _carried(self) -> datetime | None:
        if self._base is None:
            return None
        return self._base + timedelta(seconds=self._monotonic() - self._base_mono)

    def observe(self, date_header: str | None) -> None:
        """Take a ``date`` header reading; unreadable or missing headers are ignored."""
        if not date_header:
            return
        try:
            stamp = parsedate_to_datetime(date_header)
        except (TypeError, ValueError, IndexError):
            log.debug("unreadable date header %r ignored", date_header)
            return
        if stamp.tzinfo is None:  # "-0000" means UTC without a claim about local time
            stamp = stamp.replace(tzinfo=UTC)
        stamp = stamp.astimezone(UTC)
        with self._lock:
            carried = self._carried()
            # The header has whole seconds: the true time is in [stamp, stamp + 1 s). A carried
            # value inside that range is the better reading, and keeping it stops the clock
            # from stepping back a fraction of a second at every answer.
            if carried is not None and stamp <= carried < stamp + timedelta(seconds=1):
                return
            self._set(stamp)

    def now(self) -> datetime:
        with self._lock:
            carried = self._carried()
            if carried is not None:
                return carried
        # One probe at a time: concurrent callers wait for its reading instead of falling
        # back to the system clock while it is in flight.
        with self._probe_lock:
            with self._lock:
                carried = self._carried()
                if carried is not None:
                    return carried
                need_probe = self._probe is not None and not self._probed
                self._probed = True
            if need_probe:
                assert self._probe is not None
                try:
                    self._probe()
                except Exception as exc:  # a probe failure only means "no reading yet"
                    log.debug("platform clock probe failed: %s", type(exc).__name__)
            with self._lock:
                carried = self._carried()
                if carried is not None:
                    return carried
                log.warning("no date header from the platform yet: using the system clock for now")
                self._set(self._system().astimezone(UTC))
                carried = self._carried()
                assert carried is not None
                return carried
