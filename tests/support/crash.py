"""Shared by the crash and fault tests of collection: a collecting child process that SIGKILLs
itself at a chosen commit (``programs/crash_collect.py``), and readers of what the store holds.

Asserts stay in the test modules, where pytest rewrites them; these helpers only return data.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from jobs.subjects import Subject
from jobs.tracking import track
from storage.cursors import CursorState
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Cursor, JobLease, JobRun, PostRow, SubjectPost, SubjectRow
from tests.support import programs
from tests.support.programs.crash_collect import KILL_MARK
from tests.support.scenarios import ACCOUNT_ID, POLL_POST_ID

ELON = ACCOUNT_ID
POLL = POLL_POST_ID
REPLIES_CURSOR = f"account:{ELON}:replies"
CONVERSATION_CURSOR = f"poll:{POLL}:conversation"
OWN_POSTS_CURSOR = f"account:{ELON}:posts"


@dataclass
class Child:
    """A collecting child process and where its output goes."""

    proc: subprocess.Popen[bytes]
    out: Path
    err: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait(self, timeout: float = 90.0) -> int:
        """The exit code; a child still running after ``timeout`` is killed, not left over."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> int:
        """SIGKILL (if still running) and reap; returns the exit code (-9 when killed)."""
        if self.proc.poll() is None:
            self.proc.kill()
        return self.proc.wait(timeout=30)

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")

    def kill_point(self) -> str | None:
        """What the child said it was doing when it killed itself, if it did."""
        for line in self.stderr().splitlines():
            if line.startswith(KILL_MARK):
                return line[len(KILL_MARK) :]
        return None


def spawn_collect(
    env: dict[str, str],
    cwd: Path,
    *,
    event: str = "none",
    nth: int = 0,
    phase: str = "",
    tag: str = "run",
) -> Child:
    """Start ``collect`` in a child process (stdout and stderr to files in ``cwd``) that kills
    itself at the ``nth`` ``event`` of a ``phase`` transaction (see programs/crash_collect.py)."""
    out, err = cwd / f"{tag}.out", cwd / f"{tag}.err"
    argv = programs.command("crash_collect", event, str(nth), phase)
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(argv, env=programs.with_checkout(env), cwd=cwd, stdout=o, stderr=e)
    return Child(proc, out, err)


# -- the database ---------------------------------------------------------------------------


def prepare_db(db_url: str, *, account: bool = True, poll: bool = False) -> None:
    """Migrate and follow the subjects, as ``pollbot track`` would."""
    db = Database(db_url)
    try:
        upgrade(db)
        now = datetime.now(UTC)
        if account:
            track(db, Subject("account", "elonmusk"), now=now)
        if poll:
            track(db, Subject("poll", POLL), now=now)
    finally:
        db.dispose()


def lease_holders(db_url: str) -> list[tuple[str, int, str]]:
    """(holder, pid, host) of each lease held."""
    db = Database(db_url)
    try:
        with db.read() as s:
            rows = s.execute(
                select(JobLease.holder, JobLease.pid, JobLease.host).where(
                    JobLease.holder.is_not(None)
                )
            )
            return [(h or "", p or 0, host or "") for h, p, host in rows]
    finally:
        db.dispose()


def expire_leases(db_url: str) -> None:
    """Make every held lease expired, as if its TTL had run out."""
    db = Database(db_url)
    try:
        with db.write() as s:
            stale = datetime.now(UTC) - timedelta(seconds=1)
            s.execute(update(JobLease).where(JobLease.holder.is_not(None)).values(expires_at=stale))
    finally:
        db.dispose()


def move_lease(db_url: str, *, host: str) -> None:
    """Say the holders of held leases run on ``host`` (another machine: pids tell nothing)."""
    db = Database(db_url)
    try:
        with db.write() as s:
            s.execute(update(JobLease).where(JobLease.holder.is_not(None)).values(host=host))
    finally:
        db.dispose()


@dataclass
class Stored:
    """What the store holds, read in one go."""

    links: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (kind, key) -> ids
    posts: list[int] = field(default_factory=list)
    cursors: dict[str, CursorState] = field(default_factory=dict)
    runs: list[JobRun] = field(default_factory=list)  # oldest first
    subjects: list[tuple[str, str]] = field(default_factory=list)

    def linked(self, kind: str, key: str) -> list[int]:
        return self.links.get((kind, key), [])

    def cursor(self, name: str) -> CursorState:
        return self.cursors.get(name, CursorState(name))


def read_store(db_url: str) -> Stored:
    db = Database(db_url)
    try:
        out = Stored()
        with db.read() as s:
            q = select(SubjectRow.kind, SubjectRow.key, SubjectPost.post_id).join(
                SubjectPost, SubjectPost.subject_id == SubjectRow.id
            )
            for kind, key, post_id in s.execute(q):
                out.links.setdefault((kind, key), []).append(int(post_id))
            out.posts = [int(i) for i in s.scalars(select(PostRow.id))]
            for c in s.scalars(select(Cursor)):
                out.cursors[c.name] = CursorState(
                    c.name, c.since_id, c.pass_newest_id, c.pass_until_id
                )
            out.runs = list(s.scalars(select(JobRun).order_by(JobRun.id)))
            out.subjects = [
                (k, key) for k, key in s.execute(select(SubjectRow.kind, SubjectRow.key))
            ]
        return out
    finally:
        db.dispose()


def passes_in_flight(db_url: str, names: tuple[str, ...]) -> bool:
    """Whether a cursor of ``names`` stands in the middle of a pass (its first transaction
    committed, its last not yet)."""
    db = Database(db_url)
    try:
        with db.read() as s:
            found = s.scalars(select(Cursor).where(Cursor.name.in_(names)))
            return any(
                CursorState(c.name, c.since_id, c.pass_newest_id, c.pass_until_id).in_pass
                for c in found
            )
    finally:
        db.dispose()


# -- the ground truth -----------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What each stream must hold, from the mock's list of visible posts."""

    replies: frozenset[int]  # replies to the account's posts
    conversation: frozenset[int]  # every reply in the poll's conversation
    own: frozenset[int]  # the account's own posts (stored, linked to no subject)

    @property
    def all_posts(self) -> frozenset[int]:
        return self.replies | self.conversation | self.own

    @property
    def searched(self) -> frozenset[int]:
        """The replies the account's own search reads (its cursor's): those outside the
        tracked poll's conversation, whose search reads the rest and links them to it."""
        return self.replies - self.conversation


def expected(visible: list[dict[str, Any]]) -> Expected:
    authors = {p["id"]: p["author_id"] for p in visible}
    replies, conversation, own = set(), set(), set()
    for p in visible:
        parent = p.get("in_reply_to")
        if parent is None:
            if p["author_id"] == ELON:
                own.add(int(p["id"]))
            continue
        if authors.get(parent) == ELON:
            replies.add(int(p["id"]))
        if p.get("conversation_id") == POLL:
            conversation.add(int(p["id"]))
    return Expected(frozenset(replies), frozenset(conversation), frozenset(own))


def covered(state: CursorState, ids: frozenset[int]) -> set[int]:
    """The ids a cursor claims are stored: at or below ``since_id``, and the part of an
    unfinished pass already walked (``pass_until_id`` up to ``pass_newest_id``)."""
    out = set()
    for i in ids:
        if (state.since_id is not None and i <= state.since_id) or (
            state.pass_until_id is not None
            and state.pass_newest_id is not None
            and state.pass_until_id <= i <= state.pass_newest_id
        ):
            out.add(i)
    return out
