"""One stream of posts (replies to an account, a conversation, an account's own posts,
the bot's mentions), fetched newest first and stored page by page, crash-safe.

Pages come newest first, so a pass over "everything newer than ``since_id``" stores the
newest page first. If the cursor moved to that newest id at once, a crash before the older
pages were stored would skip them forever. So while a pass is in flight the cursor keeps
``since_id`` where it was and records the oldest id stored so far (``pass_until_id``); a
resumed pass asks for ``since_id < id < pass_until_id``. Only when the last page of the pass
is stored does ``since_id`` become the pass's newest id. Each page and its cursor move are
one transaction: a crash anywhere loses nothing and stores nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy.orm import Session

from jobs.base import JobContext
from jobs.errors import BudgetExhausted
from jobs.platform import Page
from storage.cursors import CursorState, load_cursor, save_cursor

log = logging.getLogger("pollbot.collect")

Fetch = Callable[[str | None, str | None], Iterator[Page]]  # (since_id, until_id) -> pages
StorePage = Callable[[Session, Page], int]  # stores a page in the session; returns new rows


@dataclass
class StreamResult:
    pages: int = 0
    seen: int = 0
    new: int = 0
    complete: bool = False


def _s(value: int | None) -> str | None:
    return None if value is None else str(value)


def check_budget(ctx: JobContext) -> None:
    used = ctx.usage.posts_read_this_month()
    cap = ctx.options.monthly_post_reads
    if used >= cap:
        raise BudgetExhausted(
            f"monthly read cap reached: {used} of {cap} posts read in {ctx.usage.month()}; "
            "collection resumes next month (POLLBOT_MONTHLY_POST_READS)"
        )


def run_stream(
    ctx: JobContext, *, cursor_name: str, fetch: Fetch, store: StorePage
) -> StreamResult:
    """Fetch and store one stream from where its cursor stands. Stops early (cursor safe)
    when ``ctx.stop`` is set; raises BudgetExhausted before a request past the cap, and the
    platform's errors (RateLimited, PlatformUnavailable) as they come, cursor safe."""
    with ctx.db.read() as session:
        state = load_cursor(session, cursor_name)
    result = StreamResult()
    resumed = state.in_pass
    _run_pass(ctx, state, fetch=fetch, store=store, result=result)
    if resumed and result.complete and not ctx.stop.is_set():
        # That finished a pass interrupted earlier; what arrived since it began is newer than
        # its newest id, one more pass away.
        result.complete = False
        with ctx.db.read() as session:
            state = load_cursor(session, cursor_name)
        _run_pass(ctx, state, fetch=fetch, store=store, result=result)
    return result


def _run_pass(
    ctx: JobContext, state: CursorState, *, fetch: Fetch, store: StorePage, result: StreamResult
) -> None:
    check_budget(ctx)
    with _ReadAhead(ctx, fetch(_s(state.since_id), _s(state.pass_until_id))) as pages:
        _store_pages(ctx, state, pages, store=store, result=result)


def _store_pages(
    ctx: JobContext,
    state: CursorState,
    pages: _ReadAhead,
    *,
    store: StorePage,
    result: StreamResult,
) -> None:
    cursor_name = state.name
    while True:
        page = pages.next()
        if page is None:
            # The platform had nothing at all (no page): the pass is complete as it stands.
            state = _complete(state)
            _save_only(ctx, state)
            result.complete = True
            return
        ids = [int(p.id) for p in page.posts]
        last = page.next_token is None
        if ids:
            newest = state.pass_newest_id or max(ids)
            state = CursorState(cursor_name, state.since_id, newest, min(ids))
        if last:
            state = _complete(state)
        with ctx.db.write() as session:
            new = store(session, page) if page.posts else 0
            save_cursor(session, state, now=ctx.clock.now())
            ctx.usage.flush(session)
        result.pages += 1
        result.seen += len(ids)
        result.new += new
        ctx.stored += new
        ctx.keepalive()
        ctx.progress.update(pages=1, seen=len(ids), new=new)
        if last:
            result.complete = True
            return
        if ctx.stop.is_set():
            log.info(
                "stopping %s mid-pass on request; it resumes below id %s",
                cursor_name,
                state.pass_until_id,
            )
            return
        pages.prefetch_or_check()


class _ReadAhead:
    """Fetches the next page on a worker thread while the current one is scored and stored.

    Only one request is ever in flight and pages are still taken in order, so the cursor
    logic is unchanged. The read budget is checked before each request is sent; a page
    fetched ahead but not stored (the job was asked to stop) is simply fetched again by
    the next run."""

    def __init__(self, ctx: JobContext, pages: Iterator[Page]) -> None:
        self._ctx = ctx
        self._pages = pages
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead")
        self._ahead: Future[Page | None] | None = None

    def __enter__(self) -> _ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def next(self) -> Page | None:
        if self._ahead is not None:
            ahead, self._ahead = self._ahead, None
            page = ahead.result()  # the platform's errors surface here, as they would have
        else:
            page = next(self._pages, None)
        if page is not None and page.next_token is not None and self._may_read():
            self._ahead = self._pool.submit(next, self._pages, None)
        return page

    def prefetch_or_check(self) -> None:
        """Before the next page: if it was not fetched ahead, say why (the budget)."""
        if self._ahead is None:
            check_budget(self._ctx)

    def _may_read(self) -> bool:
        ctx = self._ctx
        if ctx.stop.is_set():
            return False
        return ctx.usage.posts_read_this_month() < ctx.options.monthly_post_reads


def _complete(state: CursorState) -> CursorState:
    since = state.since_id
    if state.pass_newest_id is not None:
        since = max(since or 0, state.pass_newest_id)
    return CursorState(state.name, since, None, None)


def _save_only(ctx: JobContext, state: CursorState) -> None:
    with ctx.db.write() as session:
        save_cursor(session, state, now=ctx.clock.now())
        ctx.usage.flush(session)
