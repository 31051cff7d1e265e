"""What the fault soak (bench/soak.py, tests/test_soak.py) and the crash matrix
(tests/test_crash_matrix.py) share: the scenario, the daemon as a child process, the mock's
controls, and the end-of-run checks. Not a benchmark itself (run alone, it does nothing).

Imported as ``_soak_common`` by bench/soak.py and as ``bench._soak_common`` by the tests.
"""

from __future__ import annotations

import html
import itertools
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

try:  # bench/ on sys.path (a script), or imported as bench._soak_common by the tests
    from _common import pollbot_env
except ModuleNotFoundError:
    from bench._common import pollbot_env  # type: ignore[no-redef,unused-ignore]

from bot.mock_api import ENDPOINTS
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

START = datetime(2022, 11, 19, 0, 0, tzinfo=UTC)
ELON_ID = "44196397"
POLL = "1593767953706921985"
POLL_OBJECT = "1593767953539239936"
BOT_ID = "9000"
ALICE_ID = "1101"  # @ops_alice, the operator
SEARCH_WINDOW = timedelta(days=7)
ISO = "%Y-%m-%dT%H:%M:%S.000Z"
FAULTS: dict[str, Any] = {
    "kinds": ["429", "503", "delay", "malformed"],
    "probability": 0.2,
    "seed": 1,
    "delay_s": 0.5,
}


# -- the scenario ------------------------------------------------------------------------------


def soak_scenario(
    *, hours: float, replies_per_hour: int = 1500, seed: int = 7, rate_window_s: int | None = 1
) -> dict[str, Any]:
    """@elonmusk posts a poll 30 minutes in; replies (to it, and to each other) arrive over
    ``hours``; the poll closes half-way, its votes growing until then. Everything stays in
    the 7-day search window, so a store that missed nothing equals what the mock shows.

    ``rate_window_s``: every endpoint's rate-limit window, in scenario seconds, with limits
    too high to reach: the soak is about injected faults. Why: the daemon cannot know that
    the mock's clock runs fast. An injected 429 says "wait for the reset" (up to 15 scenario
    minutes away with the documented windows); the client waits scenario seconds in real
    seconds, or gives up and remembers the window as spent, and between answers its clock
    moves at real speed, so every endpoint soon sits out most of a window for nothing.
    Windows of one scenario second keep each 429 a wait of 2-3 real seconds. None: the
    documented windows and limits.
    """
    if timedelta(hours=hours) + timedelta(hours=1) > SEARCH_WINDOW:
        raise ValueError(f"{hours:.0f} scenario hours do not fit the 7-day search window")
    posted = START + timedelta(minutes=30)
    poll_minutes = int(min(10080, max(5, hours * 60 / 2)))
    closes = posted + timedelta(minutes=poll_minutes)
    votes = [
        {
            "at": (posted + (closes - posted) * (i + 1) / 8).strftime(ISO),
            "counts": [410_000 * (i + 1) + 7 * i * i, 390_000 * (i + 1) + 11 * i],
        }
        for i in range(8)
    ]
    doc: dict[str, Any] = {
        "name": "soak",
        "start": START.strftime(ISO),
        "bot": {"id": BOT_ID, "username": "pollbot"},
        "users": [
            {"id": ELON_ID, "username": "elonmusk", "name": "Elon Musk"},
            {"id": ALICE_ID, "username": "ops_alice", "name": "Alice"},
        ],
        "posts": [
            {
                "id": POLL,
                "author_id": ELON_ID,
                "created_at": posted.strftime(ISO),
                "text": "Reinstate former President Trump",
                "lang": "en",
                "poll": {
                    "id": POLL_OBJECT,
                    "duration_minutes": poll_minutes,
                    "options": ["Yes", "No"],
                    "votes": votes,
                },
            }
        ],
        "generate": {
            "replies_to": [POLL],
            "count": max(1, int(replies_per_hour * hours)),
            "seed": seed,
            "from": (posted + timedelta(minutes=1)).strftime(ISO),
            "to": (posted + timedelta(hours=hours)).strftime(ISO),
        },
    }
    if rate_window_s is not None:
        doc["rate_limits"] = {
            name: {"limit": 1_000_000, "window_s": rate_window_s} for name in ENDPOINTS
        }
    return doc


# -- the daemon and the CLI as child processes -------------------------------------------------


def daemon_env(db_url: str, mock_url: str, *, cron: str, every: str = "1s") -> dict[str, str]:
    return pollbot_env(
        db_url,
        mock_url,
        POLLBOT_MONTHLY_POST_READS="100000000",
        POLLBOT_ACCOUNTS="elonmusk",
        POLLBOT_POLLS=POLL,
        POLLBOT_OPERATORS="ops_alice",
        POLLBOT_COLLECT_EVERY=every,
        POLLBOT_POLLS_EVERY=every,
        POLLBOT_COMMANDS_EVERY=every,
        POLLBOT_SUMMARY_CRON=cron,
    )


def wait_started(proc: subprocess.Popen[bytes], log: Path, *, timeout: float = 60) -> bool:
    """Until the daemon says it started (its signal handlers are in place by then)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and b"daemon started" in log.read_bytes():
            return True
        time.sleep(0.05)
    return False


def start_daemon(env: dict[str, str], workdir: Path, log: Path) -> subprocess.Popen[bytes]:
    """``python -m bot run``, its output appended to ``log`` (a pipe nobody reads would fill
    and stall it)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], env=env, cwd=workdir, stdout=out, stderr=out
        )


def stop_daemon(proc: subprocess.Popen[bytes], *, timeout: float = 180) -> tuple[int, float]:
    """SIGTERM, then wait: (exit code, seconds it took)."""
    began = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = -9
    return code, time.monotonic() - began


def pollbot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def final_clean_runs(env: dict[str, str], cwd: Path) -> list[str]:
    """``pollbot jobs run`` of every job, in order; the problems, if any."""
    problems = []
    for job in ("collect", "polls", "summarize", "commands"):
        done = pollbot("jobs", "run", job, env=env, cwd=cwd)
        if done.returncode != 0:
            problems.append(f"jobs run {job}: exit {done.returncode}: {done.stderr.strip()[-300:]}")
    return problems


# -- the mock ----------------------------------------------------------------------------------


def freeze_clock(mock: Any) -> datetime:
    """Stop the scenario clock where it is (in-process: the control API only moves it)."""
    clock = mock.state.world.clock
    clock.advance(0)  # re-anchor at now, then stop
    clock.speed = 0.0
    return mock.now()


def mock_posts(mock_url: str) -> list[dict[str, Any]]:
    return list(requests.get(f"{mock_url}/_mock/posts", timeout=30).json())


def post_mention(mock_url: str, text: str, *, author: str = ALICE_ID, tries: int = 10) -> str:
    """Post ``text`` as ``author`` (whose id begins the OAuth token). Faults hit us too: an
    answer that failed may still have created the post, so look before posting again."""
    for _ in range(tries):
        try:
            resp = requests.post(
                f"{mock_url}/2/tweets",
                json={"text": text},
                headers={"Authorization": f'OAuth oauth_token="{author}-x"'},
                timeout=30,
            )
            if resp.status_code == 201:
                return str(resp.json()["data"]["id"])
        except (requests.RequestException, ValueError):
            pass
        made = [p for p in mock_posts(mock_url) if p["author_id"] == author and p["text"] == text]
        if made:
            return str(made[0]["id"])
        time.sleep(0.2)
    raise RuntimeError(f"could not post the mention {text!r}")


# -- checks ------------------------------------------------------------------------------------


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
        ("poll", POLL): {int(p["id"]) for p in replies if p["conversation_id"] == POLL},
        ("account", "elonmusk"): {
            int(p["id"]) for p in replies if author.get(p["in_reply_to"]) == ELON_ID
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
        if p["in_reply_to"] and p["conversation_id"] == POLL and p["created_at"] <= stamp
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


def mock_stats(mock_url: str) -> dict[str, Any]:
    return dict(requests.get(f"{mock_url}/_mock/stats", timeout=30).json())


def dumps(doc: Any) -> str:
    return json.dumps(doc, default=str)
