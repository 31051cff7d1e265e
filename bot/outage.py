"""The daemon's view of its database: said once when it goes away, once when it is back.

Every thread of the daemon (each job, the heartbeat, the lease renewers) meets the same
outage; the log gets one ERROR for it, not one per attempt, and one line when it ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from storage.errors import DatabaseFailed, StorageError

log = logging.getLogger("pollbot.daemon")


class DatabaseOutage:
    def __init__(
        self,
        *,
        on_down: Callable[[], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._on_down = on_down
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._since: float | None = None

    @property
    def down(self) -> bool:
        return self._since is not None

    def failed(self, exc: StorageError, doing: str) -> None:
        """``doing`` failed with ``exc``. An error of the database's own (not its absence)
        is logged each time, in one line; the start of an outage once."""
        if isinstance(exc, DatabaseFailed):
            log.error("%s: %s", doing, exc)
            return
        with self._lock:
            first = self._since is None
            if first:
                self._since = self._monotonic()
        if not first:
            log.debug("%s: %s", doing, exc)
            return
        if self._on_down is not None:
            self._on_down()
        log.error(
            "%s (%s); jobs wait for it, and runs that end meanwhile are recorded once it is back",
            exc,
            doing,
        )

    def reached(self) -> None:
        """The database answered: ends the outage, if there was one."""
        if self._since is None:
            return
        with self._lock:
            since, self._since = self._since, None
        if since is not None:
            log.warning("database reachable again after %.0fs", self._monotonic() - since)
