"""One stream of posts (replies to an account, a conversation, an account's own posts,
the bot's mentions), fetched newest first and stored page by page, crash-safe.

Pages come newest first, so a pass over "everything newer than ``since_id``" stores the
newest page first. If the cursor moved to that newest id at once, a crash before the older
pages were stored would skip them forever. So while a pass is in flight the cursor keeps
``since_id`` where it was and records the oldest id stored so far (``pass_until_id``); a
resumed pass asks for ``since_id < id < pass_until_id``. Only when the last page of the pass
is stored does ``since_id`` become the pass's newest id. Each page and its cursor move are
one transaction: a crash anywhere loses nothing and stores nothing twice.

A pass also records when it began: the platform's time of its first answer (read off that
answer's ``date`` header, less a second for the header's rounding). Once the pass finishes,
every post created before that time is stored (``complete_through``), which is what tells a
summary its window is complete.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from jobs.base import JobContext, PartialRun
from jobs.budget import budget_spent, check_budget
from jobs.platform import Page
from storage.cursors import CursorState, load_cursor, save_cursor
from storage.engine import Tx

log = logging.getLogger("pollbot.collect")

Fetch = Callable[[str | None, str | None], Iterator[Page]]  # (since_id, until_id) -> pages
StorePage = Callable[[Tx, Page], int]  # stores a page in the session; returns new rows
P = TypeVar("P")

# Pages fetched ahead of the one being stored: one request in flight at a time, but a page
# whose scoring (in another process) is under way while the next is fetched and earlier ones
# stored. Sixteen keep the fetching going while a transaction stores, where four left it
# waiting on the store at every batch (``bench/ingest.py``); more would only hold pages a
# stop throws away.
READ_AHEAD = 16
# The store takes the pages already fetched ahead into one transaction, up to BATCH_PAGES:
# a commit costs about what storing a page does (SQLite's WAL, the session), so fewer of them
# is most of what a bigger batch saves (ten against five: about 5% of a SQLite run, in
# ``bench/ingest.py``'s runs); a crash or a failed commit costs the batch's requests.
BATCH_PAGES = 10
ANSWER_SLACK = timedelta(seconds=1)


class Sink(Protocol[P]):
    """What a stream does with its pages: ``prepare`` as soon as a page arrives (on the
    read-ahead thread: start work that runs meanwhile, such as scoring in another process);
    ``store`` the pages of one transaction, in page order, each with the result of that work,
    which is waited for before the transaction opens (no write lock is held while waiting).
    One call for them all: on PostgreSQL every statement is a round trip. Returns how many
    were new."""

    def prepare(self, page: Page) -> Future[P]: ...

    def store(self, session: Tx, pages: Sequence[tuple[Page, P]]) -> int: ...


@dataclass(frozen=True, slots=True)
class Plain:
    """A sink that only stores."""

    store_page: StorePage

    def prepare(self, page: Page) -> Future[None]:
        done: Future[None] = Future()
        done.set_result(None)
        return done

    def store(self, session: Tx, pages: Sequence[tuple[Page, None]]) -> int:
        return sum(self.store_page(session, page) for page, _ in pages)


@dataclass
class StreamResult:
    pages: int = 0
    seen: int = 0
    new: int = 0
    complete: bool = False
    # Every post created before this is stored (the cursor's, after the run).
    complete_through: datetime | None = None


def _s(value: int | None) -> str | None:
    return None if value is None else str(value)


def run_stream(ctx: JobContext, *, cursor_name: str, fetch: Fetch, sink: Sink[Any]) -> StreamResult:
    """Fetch and store one stream from where its cursor stands. Stops early (cursor safe)
    when ``ctx.stop`` is set; raises BudgetExhausted before a request past the cap, and the
    platform's errors (RateLimited, PlatformUnavailable) as they come, cursor safe, each as
    a ``PartialRun`` carrying the rows stored before it."""
    result = StreamResult()
    try:
        _run_passes(ctx, cursor_name, fetch=fetch, sink=sink, result=result)
    except Exception as exc:
        raise PartialRun.of(exc, result.new) from exc
    return result


def _run_passes(
    ctx: JobContext, cursor_name: str, *, fetch: Fetch, sink: Sink[Any], result: StreamResult
) -> None:
    with ctx.read() as session:
        state = load_cursor(session, cursor_name)
    result.complete_through = state.complete_through
    resumed = state.in_pass
    _run_pass(ctx, state, fetch=fetch, sink=sink, result=result)
    if resumed and result.complete and not ctx.stop.is_set():
        # That finished a pass interrupted earlier; what arrived since it began is newer than
        # its newest id, one more pass away.
        result.complete = False
        with ctx.read() as session:
            state = load_cursor(session, cursor_name)
        _run_pass(ctx, state, fetch=fetch, sink=sink, result=result)


def _run_pass(
    ctx: JobContext, state: CursorState, *, fetch: Fetch, sink: Sink[Any], result: StreamResult
) -> None:
    check_budget(ctx)
    pages = fetch(_s(state.since_id), _s(state.pass_until_id))
    with _ReadAhead(ctx, pages, sink.prepare) as ahead:
        _store_pages(ctx, state, ahead, sink=sink, result=result)


def _store_pages(
    ctx: JobContext,
    state: CursorState,
    ahead: _ReadAhead[Any],
    *,
    sink: Sink[Any],
    result: StreamResult,
) -> None:
    cursor_name = state.name
    while True:
        item = ahead.next()
        if isinstance(item, _Halt):
            if ctx.stop.is_set():
                log.info("stopping %s on request before its next page", cursor_name)
                return
            check_budget(ctx)  # raises: the cap is why the next page was not asked for
            return  # the month turned meanwhile: the next run goes on
        if not state.in_pass and state.pass_started_at is None:
            state = replace(state, pass_started_at=ahead.first_answer_at)
        if item is None:
            # The platform had nothing at all (no page): the pass is complete as it stands.
            state = _complete(state)
            _save_only(ctx, state)
            result.complete = True
            result.complete_through = state.complete_through
            return
        # The pages already asked for go in with this one, once fetched and scored: one
        # transaction, one cursor move covering them all (fewer commits; the transaction is
        # opened after the waiting, never waits on the network). Exactly-once holds as for
        # one page: the cursor moves with its rows.
        batch = [(item[0], item[1].result())]  # ScoringFailed fails the run, cursor safe
        while (
            batch[-1][0].next_token is not None
            and len(batch) < BATCH_PAGES
            and not ctx.stop.is_set()  # a stop stores the pages in hand, waits for none
            and (more := ahead.next_asked()) is not None
        ):
            batch.append((more[0], more[1].result()))
        last = batch[-1][0].next_token is None
        for page, _ in batch:
            ids = [int(p.id) for p in page.posts]
            if ids:
                newest = state.pass_newest_id or max(ids)
                state = replace(state, pass_newest_id=newest, pass_until_id=min(ids))
        if last:
            state = _complete(state)
        # Not durable: a page lost to a database crash just after its commit has its cursor
        # lost with it, and is fetched again; its commit need not wait for the disk.
        with ctx.write(durable=False) as tx:
            holding = [(page, prepared) for page, prepared in batch if page.posts]
            new = sink.store(tx, holding) if holding else 0
            save_cursor(tx, state, now=ctx.clock.now())
        seen = sum(len(page.posts) for page, _ in batch)
        result.pages += len(batch)
        result.seen += seen
        result.new += new
        ctx.progress.update(pages=len(batch), seen=seen, new=new)
        if last:
            result.complete = True
            result.complete_through = state.complete_through
            return
        if ctx.stop.is_set():  # pages fetched ahead are left for the next run
            log.info(
                "stopping %s mid-pass on request; it resumes below id %s",
                cursor_name,
                state.pass_until_id,
            )
            return


class _Halt:
    """The next page was not asked for: the job is stopping, or the read cap is reached."""


_HALT = _Halt()


class _ReadAhead(Generic[P]):
    """Fetches up to ``READ_AHEAD`` pages ahead on a worker thread, preparing each as it
    arrives, while the main thread stores them in order.

    Requests stay one at a time and in order, so the cursor logic is unchanged. Whether the
    job may read on is decided on the worker right before each request, with every earlier
    answer already counted, so the read cap is overshot by at most one page as before. Pages
    fetched ahead but not stored (the job was asked to stop, or failed) are simply fetched
    again by the next run; the cursor never claimed them."""

    def __init__(
        self, ctx: JobContext, pages: Iterator[Page], prepare: Callable[[Page], Future[P]]
    ) -> None:
        self._ctx = ctx
        self._pages = pages
        self._prepare = prepare
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead")
        self._queue: deque[Future[tuple[Page, Future[P]] | _Halt | None]] = deque()
        # The platform's time of the first answer, read right after it (on the worker, before
        # any later answer moves the clock), less a second: the header has whole seconds,
        # and what the answer holds was gathered a moment before it was sent.
        self.first_answer_at: datetime | None = None

    def __enter__(self) -> _ReadAhead[P]:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def next(self) -> tuple[Page, Future[P]] | _Halt | None:
        if not self._queue:
            self._queue.append(self._pool.submit(self._fetch))
        return self._pop()

    def next_asked(self) -> tuple[Page, Future[P]] | None:
        """The next page if it was asked for already, once fetched and prepared (waited
        for); None when it was not, or when it is a stop, the cap, an error or the end of
        the stream: those are for ``next``, after the pages before them are stored."""
        head = self._queue[0] if self._queue else None
        if head is None or head.exception() is not None:  # exception() waits for the answer
            return None
        item = head.result()
        if not isinstance(item, tuple) or item[1].exception() is not None:
            return None
        self._pop()
        return item

    def _pop(self) -> tuple[Page, Future[P]] | _Halt | None:
        item = self._queue.popleft().result()  # the platform's errors surface here
        if isinstance(item, tuple) and item[0].next_token is not None:
            while len(self._queue) < READ_AHEAD:
                self._queue.append(self._pool.submit(self._fetch))
        return item

    def _fetch(self) -> tuple[Page, Future[P]] | _Halt | None:
        # On the worker thread, one task after the other.
        ctx = self._ctx
        if ctx.stop.is_set():
            return _HALT
        if budget_spent(ctx) is not None:
            return _HALT
        page = next(self._pages, None)  # after the last page (or an error): None, no request
        if self.first_answer_at is None:
            self.first_answer_at = ctx.clock.now() - ANSWER_SLACK
        if page is None:
            return None
        return page, self._prepare(page)


def _complete(state: CursorState) -> CursorState:
    since = state.since_id
    if state.pass_newest_id is not None:
        since = max(since or 0, state.pass_newest_id)
    through = state.complete_through
    if state.pass_started_at is not None:
        # A pass resumed from a cursor stored before passes recorded their start has none:
        # it completes without moving this; the next pass does.
        through = max(through, state.pass_started_at) if through else state.pass_started_at
    return CursorState(state.name, since, None, None, None, through)


def _save_only(ctx: JobContext, state: CursorState) -> None:
    with ctx.write() as tx:
        save_cursor(tx, state, now=ctx.clock.now())
