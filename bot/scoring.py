"""Scoring in processes of their own (``POLLBOT_SCORING_PROCESSES``): VADER is pure Python
and holds the GIL, so only another process can score one page while this one fetches and
stores the others. The processes start on first use and live as long as the ``App``.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from contextlib import suppress
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext

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


class _Broken(Exception):
    """The worker is gone (or the scorer closed): the page goes to a new one, or fails."""


class _Worker:
    """One scoring process, the pipe to it, and the thread that reads its answers.

    A page crosses as one pickled message each way, sent by the thread that submits it and
    answered to a reader thread: a ``ProcessPoolExecutor`` moves each page through a queue's
    feeder thread, its manager thread and a result queue, three thread hops and their
    wake-ups, which cost the collecting process as much CPU as parsing the pages did.
    """

    def __init__(self, context: SpawnContext, on_death: Callable[[_Worker], None]) -> None:
        self._conn, theirs = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(theirs, os.getpid()), name="pollbot-scoring", daemon=True
        )
        self.process.start()
        theirs.close()
        self._on_death = on_death
        self._pending: dict[int, Future[Scores]] = {}
        self._jobs = itertools.count()
        self._lock = threading.Lock()  # the pending futures; never held while the pipe blocks
        self._sending = threading.Lock()
        self._alive = True
        self._reader = threading.Thread(target=self._read, name="scoring-answers", daemon=True)
        self._reader.start()

    @property
    def load(self) -> int:
        return len(self._pending)

    def submit(self, items: Items) -> Future[Scores]:
        future: Future[Scores] = Future()
        with self._lock:
            if not self._alive:
                raise _Broken("the scoring process died")
            job = next(self._jobs)
            self._pending[job] = future
        try:
            with self._sending:
                self._conn.send((job, items))
        except (OSError, ValueError) as exc:  # the pipe is closed: the worker is gone
            with self._lock:
                self._pending.pop(job, None)
            raise _Broken("the scoring process died") from exc
        return future

    def close(self, *, timeout: float) -> None:
        """Ask the worker to end after the pages it holds; wait up to ``timeout`` s for it,
        then end it."""
        try:
            with self._sending:
                self._conn.send(None)
        except (OSError, ValueError):
            pass  # gone already
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout)
        self._reader.join(timeout)
        self._conn.close()

    def _read(self) -> None:
        while True:
            try:
                job, scores, error = self._conn.recv()
            except (EOFError, OSError):
                break
            except Exception:  # an answer that cannot be read back: the pipe is past use
                log.exception("unreadable answer from the scoring process; ending it")
                self.process.kill()
                break
            with self._lock:
                future = self._pending.pop(job)
            with suppress(InvalidStateError):  # cancelled by its caller meanwhile
                if error is None:
                    future.set_result(scores)
                else:  # a bug in scoring itself: the same error it would raise here
                    future.set_exception(error)
        with self._lock:
            self._alive = False
            lost = list(self._pending.values())
            self._pending.clear()
        if lost:
            log.warning("the scoring process died; a new one starts with the next page")
        for future in lost:
            with suppress(InvalidStateError):  # cancelled by its caller meanwhile
                future.set_exception(_failed(_Broken("the scoring process died")))
        self._on_death(self)


def _serve(conn: Connection, parent: int) -> None:
    """The worker's loop: a page in, its scores out, until the parent sends None or goes."""
    _start_worker(parent)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        job, items = message
        try:
            answer: tuple[int, Scores | None, BaseException | None] = (job, score_page(items), None)
        except Exception as exc:
            answer = (job, None, exc)
        try:
            conn.send(answer)
        except (TypeError, AttributeError, pickle.PicklingError) as exc:  # an odd exception
            conn.send((job, None, RuntimeError(f"scoring failed: {answer[2]!r} ({exc})")))


class ProcessScorer:
    """Scores in ``processes`` worker processes (spawned, never forked: the parent has
    threads), each page to the least busy. A worker that dies fails the pages it held with
    ScoringFailed; the next submit starts a fresh one, so one lost worker costs one failed
    run, not the daemon."""

    CLOSE_TIMEOUT_S = 10.0

    def __init__(self, processes: int) -> None:
        if processes < 1:
            raise ValueError(f"processes must be at least 1, not {processes}")
        self.processes = processes
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        self._context = multiprocessing.get_context("spawn")

    def warm(self) -> None:
        """Start the workers now (the daemon does at start-up) instead of on the first page;
        does not wait for them."""
        with self._lock:
            try:
                self._ensure()
            except (RuntimeError, OSError) as exc:
                log.warning("%s", _failed(exc))

    def submit(self, items: Items) -> Future[Scores]:
        failed: Future[Scores] = Future()
        with self._lock:
            try:
                workers = self._ensure()
            except (RuntimeError, OSError) as exc:
                failed.set_exception(_failed(exc))
                return failed
            worker = min(workers, key=lambda w: w.load)
        try:
            return worker.submit(list(items))
        except _Broken as exc:
            self._forget(worker)
            failed.set_exception(_failed(exc))
            return failed

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.close(timeout=self.CLOSE_TIMEOUT_S)

    def _forget(self, worker: _Worker) -> None:
        # A worker died: the next page starts a fresh one.
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)

    def _ensure(self) -> list[_Worker]:
        if self._closed:
            raise RuntimeError("the scorer is closed")
        while len(self._workers) < self.processes:
            self._workers.append(_Worker(self._context, self._forget))
            log.debug("scoring in %d process(es)", len(self._workers))
        return self._workers


def _failed(exc: BaseException) -> ScoringFailed:
    if isinstance(exc, _Broken):
        why = str(exc)
    else:
        first = (str(exc).strip().splitlines() or [""])[0]  # spawn's own errors run to pages
        why = f"the scoring process could not start ({type(exc).__name__}: {first})"
    return ScoringFailed(f"{why}; the page it was scoring is collected again by the next run")
