"""The end-of-run checks of the fault soak (bench/soak.py, tests/test_soak.py) and the crash
matrix (tests/test_crash_matrix.py): what the store, the mock and the logs must show after a
daemon ran against faults or kills. Each returns ``Check`` rows, never asserts: the bench
prints them, the tests assert on them.
"""

from __future__ import annotations

import html
import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from jobs.summary.data import standings
from jobs.summary.due import due_windows
from storage.engine import Database
from storage.models import (
    JobLease,
    JobRun,
    MentionRow,
    SubjectPost,
    SubjectRow,
    SummaryPart,
    SummaryRow,
)
from tests.support.mock import mock_posts
from tests.support.scenarios import ACCOUNT_ID, BOT_ID, POLL_POST_ID


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _same(a: str, b: str) -> bool:
    return " ".join(html.unescape(a).split()) == " ".join(html.unescape(b).split())


def check_store(db: Database, mock: Any) -> list[Check]:
    """Each subject's stored replies are exactly the scenario's visible ones: none missing,
    none extra, none twice."""
    visible = mock.visible_posts()
    author = {p["id"]: p["author_id"] for p in visible}
    replies = [p for p in visible if p["in_reply_to"]]
    expected = {
        ("poll", POLL_POST_ID): {
            int(p["id"]) for p in replies if p["conversation_id"] == POLL_POST_ID
        },
        ("account", "elonmusk"): {
            int(p["id"]) for p in replies if author.get(p["in_reply_to"]) == ACCOUNT_ID
        },
    }
    checks = []
    with db.read() as s:
        subjects = {(x.kind, x.key): x.id for x in s.scalars(select(SubjectRow))}
        twice = s.execute(
            select(SubjectPost.subject_id, SubjectPost.post_id)
            .group_by(SubjectPost.subject_id, SubjectPost.post_id)
            .having(func.count() > 1)
        ).all()
        for key, want in expected.items():
            sid = subjects.get(key)
            got = (
                set(s.scalars(select(SubjectPost.post_id).where(SubjectPost.subject_id == sid)))
                if sid is not None
                else set()
            )
            missing, extra = want - got, got - want
            checks.append(
                Check(
                    f"store {key[0]} {key[1]}",
                    not missing and not extra and bool(want),
                    f"{len(got):,} stored == {len(want):,} visible"
                    if not missing and not extra
                    else f"{len(missing)} missing (e.g. {sorted(missing)[:3]}), "
                    f"{len(extra)} extra (e.g. {sorted(extra)[:3]})",
                )
            )
    checks.append(Check("store none twice", not twice, f"{len(twice)} duplicated links"))
    return checks


def check_kept_up(db: Database, mock: Any, *, until: datetime, least: float = 0.9) -> Check:
    """Before any clean run: the daemon itself had stored most of what was visible at
    ``until`` (faults slow it down; they must not stop it)."""
    stamp = until.strftime("%Y-%m-%dT%H:%M:%S.999Z")
    want = {
        int(p["id"])
        for p in mock.visible_posts()
        if p["in_reply_to"] and p["conversation_id"] == POLL_POST_ID and p["created_at"] <= stamp
    }
    with db.read() as s:
        got = set(s.scalars(select(SubjectPost.post_id)))
    share = len(want & got) / len(want) if want else 1.0  # nothing visible yet: nothing owed
    return Check(
        f"daemon kept up (>= {least:.0%} of the replies visible 10 s before it stopped)",
        share >= least,
        f"{len(want & got):,} of {len(want):,} visible replies ({share:.1%})",
    )


def check_summaries(db: Database, mock_url: str, *, cron: str, now: datetime) -> list[Check]:
    """Every summary posted, each part once on the platform as itself, windows contiguous
    per subject, and nothing left due at ``now``."""
    from zoneinfo import ZoneInfo

    posts = mock_posts(mock_url)
    by_id = {p["id"]: p for p in posts}
    own = [p for p in posts if p["author_id"] == BOT_ID]
    text_count = Counter(" ".join(html.unescape(p["text"]).split()) for p in own)
    problems: list[str] = []
    with db.read() as s:
        summaries = list(
            s.scalars(select(SummaryRow).order_by(SummaryRow.subject_id, SummaryRow.id))
        )
        parts = {
            (p.summary_id, p.position): p
            for p in s.scalars(select(SummaryPart).order_by(SummaryPart.position))
        }
        due = due_windows(standings(s), cron=cron, tz=ZoneInfo("UTC"), now=now)
    windows: dict[int, list[SummaryRow]] = {}
    posted_parts = 0
    for summary in summaries:
        windows.setdefault(summary.subject_id, []).append(summary)
        if summary.state != "posted":
            problems.append(f"summary {summary.id} is {summary.state}: {summary.error}")
        before: str | None = None
        for (sid, _pos), part in sorted(parts.items()):
            if sid != summary.id:
                continue
            post = by_id.get(str(part.post_id)) if part.post_id is not None else None
            if post is None or post["author_id"] != BOT_ID or not _same(post["text"], part.text):
                problems.append(f"summary {summary.id} part {_pos}: not on the platform as itself")
            elif before is not None and post["in_reply_to"] != before:
                problems.append(f"summary {summary.id} part {_pos}: not a reply to the part before")
            else:
                posted_parts += 1
            copies = text_count[" ".join(html.unescape(part.text).split())]
            if copies != 1:
                problems.append(f"summary {summary.id} part {_pos} posted {copies} times")
            before = str(part.post_id)
    gaps = 0
    for rows in windows.values():
        rows.sort(key=lambda x: x.window_start)
        for a, b in itertools.pairwise(rows):
            if b.window_start != a.window_end:
                gaps += 1
                problems.append(
                    f"windows of subject {a.subject_id}: {a.window_end} -> {b.window_start}"
                )
    if due:
        problems.append(f"{len(due)} summaries still due at {now:%Y-%m-%d %H:%M}")
    return [
        Check(
            "summaries posted exactly once",
            not problems and bool(summaries),
            f"{len(summaries)} summaries, {posted_parts} posts, {len(windows)} subjects, "
            f"contiguous, none due"
            if not problems and summaries
            else "; ".join(problems[:5]) or "no summary was made",
        )
    ]


def check_mentions(
    db: Database, mock_url: str, asked: Iterable[str], *, exactly_once: bool
) -> Check:
    """Each mention answered at most once (exactly once when ``exactly_once``)."""
    replies = Counter(p["in_reply_to"] for p in mock_posts(mock_url) if p["author_id"] == BOT_ID)
    asked = list(asked)
    twice = [m for m in asked if replies[m] > 1]
    unanswered = [m for m in asked if replies[m] == 0]
    with db.read() as s:
        states = Counter(s.scalars(select(MentionRow.state)))
    ok = not twice and (not exactly_once or not unanswered)
    return Check(
        "mentions answered " + ("exactly" if exactly_once else "at most") + " once",
        ok,
        f"{len(asked)} asked, {len(asked) - len(unanswered)} answered, {len(twice)} twice; "
        f"states {dict(states)}",
    )


def run_counts(db: Database) -> dict[str, Counter[str]]:
    with db.read() as s:
        rows = s.execute(
            select(JobRun.job, JobRun.status, func.count()).group_by(JobRun.job, JobRun.status)
        )
        out: dict[str, Counter[str]] = {}
        for job, status, n in rows:
            out.setdefault(job, Counter())[status] = n
    return out


def run_errors(db: Database) -> Counter[str]:
    """Failed runs by the start of their error (what went wrong, not the details)."""
    with db.read() as s:
        errors = s.scalars(select(JobRun.error).where(JobRun.status == "failed"))
        return Counter(" ".join((e or "?").split()[:6]) for e in errors)


def check_runs_closed(db: Database, *, abandoned_ok: bool) -> Check:
    """No run left 'running'; failed runs are the takeover's 'abandoned' ones when asked."""
    with db.read() as s:
        running = s.scalar(select(func.count()).where(JobRun.status == "running")) or 0
        failed = list(s.scalars(select(JobRun.error).where(JobRun.status == "failed")))
    other = [e for e in failed if not (e or "").startswith("abandoned")]
    ok = running == 0 and (not abandoned_ok or not other)
    detail = f"{running} running, {len(failed)} failed ({len(failed) - len(other)} abandoned)"
    if abandoned_ok and other:
        detail += f"; other failures: {other[:3]}"
    return Check("no run left running", ok, detail)


def check_leases(db: Database) -> Check:
    with db.read() as s:
        held = [f"{x.job} by {x.holder}" for x in s.scalars(select(JobLease)) if x.holder]
    return Check("no lease held after exit", not held, ", ".join(held) or "none held")


def check_log(*logs: Path) -> Check:
    """No job crashed on an unexpected exception and nothing printed a traceback."""
    bad = []
    for log in logs:
        if log.exists():
            for line in log.read_text(errors="replace").splitlines():
                if "Traceback" in line or " crashed" in line or "could not start" in line:
                    bad.append(line.strip()[:200])
    return Check("no crash or traceback in the daemon log", not bad, "; ".join(bad[:3]) or "none")
