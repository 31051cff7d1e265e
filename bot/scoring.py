"""Scoring in processes of their own (``POLLBOT_SCORING_PROCESSES``): VADER is pure Python
and holds the GIL, so only another process can score one page while this one fetches and
stores the others. The processes start on first use and live as long as the ``App``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from jobs.errors import ScoringFailed
from jobs.scoring import Items, Scores, score_page

log = logging.getLogger("pollbot.scoring")

ORPHAN_CHECK_S = 0.5  # how soon a worker whose parent died notices and exits


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_processes() -> int:
    """One scoring process where there is a second CPU to run it; none on a single CPU,
    where it would only add the cost of shipping texts across."""
    return 1 if available_cpus() >= 2 else 0


def _start_worker(parent: int) -> None:
    # The parent decides when a worker ends. A Ctrl-C or a SIGTERM sent to the whole group,
    # as systemd does, must not take the scores of the page the parent is still storing as
    # it shuts down cleanly; and a parent killed outright (SIGKILL, OOM) must not leave
    # workers behind, which nothing else would tell: they wait on a queue nobody closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), name="orphan-watch", daemon=True).start()
    score_page([("warm up", "en")])  # the lexicons, loaded before the first page arrives


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(0)


class ProcessScorer:
    """Scores in ``processes`` worker processes (spawned, never forked: the parent has
    threads). A worker that dies fails the futures it held with ScoringFailed; the next
    submit starts a fresh pool, so one lost worker costs one failed run, not the daemon."""

    def __init__(self, processes: int) -> None:
        if processes < 1:
            raise ValueError(f"processes must be at least 1, not {processes}")
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def warm(self) -> None:
        """Start the workers now (the daemon does at start-up) instead of on the first page;
        does not wait for them."""
        for _ in range(self.processes):  # a pool starts a worker per task waiting, up to max
            self.submit([])

    def submit(self, items: Items) -> Future[Scores]:
        outer: Future[Scores] = Future()
        with self._lock:
            try:
                pool = self._ensure()
                inner = pool.submit(score_page, list(items))
            except (BrokenProcessPool, RuntimeError, OSError) as exc:
                self._discard(self._pool)
                outer.set_exception(_failed(exc))
                return outer
        inner.add_done_callback(lambda f: _relay(f, outer, lambda: self._broken(pool)))
        return outer

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _broken(self, pool: ProcessPoolExecutor) -> None:
        # A worker of ``pool`` died: the next page starts a fresh pool (unless one already did).
        with self._lock:
            self._discard(pool)

    def _ensure(self) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError("the scorer is closed")
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
            log.debug("scoring in %d process(es)", self.processes)
        return self._pool

    def _discard(self, pool: ProcessPoolExecutor | None) -> None:
        if pool is not None and pool is self._pool:
            self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)


def _failed(exc: BaseException) -> ScoringFailed:
    if isinstance(exc, BrokenProcessPool):
        why = "the scoring process died"
    else:
        first = (str(exc).strip().splitlines() or [""])[0]  # spawn's own errors run to pages
        why = f"the scoring process could not start ({type(exc).__name__}: {first})"
    return ScoringFailed(f"{why}; the page it was scoring is collected again by the next run")


def _relay(
    inner: Future[Scores],
    outer: Future[Scores],
    broken: Callable[[], None],
) -> None:
    if inner.cancelled():
        outer.cancel()
        return
    exc = inner.exception()
    if exc is None:
        outer.set_result(inner.result())
        return
    if isinstance(exc, BrokenProcessPool):
        log.warning("the scoring process died; a new one starts with the next page")
        broken()
        outer.set_exception(_failed(exc))
    else:  # a bug in scoring itself: the same error it would raise in this process
        outer.set_exception(exc)
