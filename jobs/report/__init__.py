"""``pollbot report``: each subject's story on a page of its own, and an index; the same
pages the daemon serves at ``/report/``. Gathering is SQL aggregates (``data``); the pages
are pure HTML (``html``, ``svg``)."""

from __future__ import annotations

from datetime import datetime

from jobs.report.data import PAGE, ReportIndex, index_rows, subject_report, subjects_named
from jobs.report.html import render_index, render_subject
from jobs.status import gather_status
from storage.engine import Database

INDEX = "index"


def build_report(
    db: Database,
    *,
    now: datetime,
    cap: int,
    budget_usd: float,
    pages: list[str] | None = None,
) -> dict[str, str]:
    """Every page (or the index and the pages named), by name (``index``,
    ``x-poll-1593767953706921985``): what ``report --out`` writes as NAME.html."""
    with db.read() as session:
        subjects = subjects_named(session, pages)
    out = {INDEX: _index(db, subjects_of=pages, now=now, cap=cap, budget_usd=budget_usd)}
    for subject in subjects:
        with db.read() as session:
            report = subject_report(session, subject)
        out[report.page] = render_subject(report)
    return out


def report_page(
    db: Database, name: str, *, now: datetime, cap: int, budget_usd: float
) -> str | None:
    """One page by name, as the daemon serves it; None for a name that is not a page (an
    unknown subject, or anything that is not a page name: never looked up)."""
    if name == INDEX:
        return _index(db, subjects_of=None, now=now, cap=cap, budget_usd=budget_usd)
    if not PAGE.fullmatch(name):
        return None
    with db.read() as session:
        found = subjects_named(session, [name])
        if not found:
            return None
        report = subject_report(session, found[0])
    return render_subject(report)


def _index(
    db: Database, *, subjects_of: list[str] | None, now: datetime, cap: int, budget_usd: float
) -> str:
    status = gather_status(db, now=now, cap=cap, budget_usd=budget_usd)
    with db.read() as session:
        rows = index_rows(session, subjects_named(session, subjects_of))
    return render_index(ReportIndex(rows, status, now))
