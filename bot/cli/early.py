"""A stop asked for while ``pollbot run`` is still starting (imports take a second or two):
recorded here, before anything heavy is imported, and honoured by the daemon."""

from __future__ import annotations

import signal
import threading

STOP = threading.Event()


def catch_stop_signals() -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: STOP.set())
