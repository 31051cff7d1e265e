"""Collection on Mastodon is exactly-once across crashes: a ``pollbot jobs run collect``
process on the mock's Mastodon face is SIGKILLed at every commit of its run in turn (before
the DBAPI COMMIT, and right after it), then run again until it finishes. After every kill
nothing is stored twice or foreign, and a subject whose collection claims completeness
through a time holds every reply created before it; at the end the store holds exactly the
replies of the conversations, each once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from jobs.subjects import parse_subject
from jobs.tracking import track
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import JobRun, PostRow, SubjectPost, SubjectRow
from tests.support.crash import spawn_collect
from tests.support.env import clean_env
from tests.support.mastodon import INSTANCE, mastodon_scenario
from tests.support.scenarios import ACCOUNT_ID, BOT_ID, POLL_POST_ID

SIGKILLED = -9
START = datetime(2022, 11, 19, 3, 0, tzinfo=UTC)
STEP = timedelta(minutes=20)  # new replies arrive between trials
ACCOUNT = f"elonmusk@{INSTANCE}"
# (event, Nth commit of the run): every commit in turn, before it reaches the database and
# once it has.
KILLS = [("engine_commit", n) for n in range(2, 12)] + [("after_commit", n) for n in (3, 5, 7)]


def expected(visible: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Each subject's replies: the poll's whole conversation; the replies answering the
    account in the conversations of its posts (the poll's too, linked by the poll's
    collection)."""
    author = {p["id"]: p["author_id"] for p in visible}
    roots = {p["id"] for p in visible if p["in_reply_to"] is None and p["author_id"] == ACCOUNT_ID}
    replies = [p for p in visible if p["in_reply_to"] is not None and p["conversation_id"] in roots]
    return {
        "poll": {p["id"] for p in replies if p["conversation_id"] == POLL_POST_ID},
        "account": {p["id"] for p in replies if author[p["in_reply_to"]] == ACCOUNT_ID},
    }


def created(visible: list[dict[str, Any]]) -> dict[str, datetime]:
    return {
        p["id"]: datetime.fromisoformat(p["created_at"].replace("Z", "+00:00")) for p in visible
    }


def linked(db_url: str) -> tuple[dict[str, list[str]], dict[str, datetime | None], list[str]]:
    """Each subject's stored replies (a list: a duplicate would show), how far each claims
    to be complete, and the run statuses."""
    db = Database(db_url)
    try:
        with db.read() as s:
            rows = s.execute(
                select(SubjectRow.kind, PostRow.ext)
                .join(SubjectPost, SubjectPost.subject_id == SubjectRow.id)
                .join(PostRow, PostRow.id == SubjectPost.post_id)
            ).all()
            through = dict(s.execute(select(SubjectRow.kind, SubjectRow.collected_through)).all())
            runs = list(s.scalars(select(JobRun.status).order_by(JobRun.id)))
    finally:
        db.dispose()
    out: dict[str, list[str]] = {"poll": [], "account": []}
    for kind, ext in rows:
        out[kind].append(ext["id"])
    return out, through, runs


def check(db_url: str, mock: Any, *, after: str) -> None:
    visible = mock.visible_posts()
    want, when = expected(visible), created(visible)
    stored, through, _ = linked(db_url)
    for kind in ("poll", "account"):
        got = stored[kind]
        assert len(got) == len(set(got)), f"{kind}: a reply stored twice ({after})"
        assert set(got) <= want[kind], f"{kind}: stored what is not its reply ({after})"
        claimed = through.get(kind)
        if claimed is not None:
            missing = {i for i in want[kind] if when[i] < claimed} - set(got)
            assert not missing, f"{kind} claims {claimed} but lacks {len(missing)} ({after})"


def test_sigkill_at_every_commit_loses_and_duplicates_nothing(
    mastodon_factory: Any, db_url: str, tmp_path: Path
) -> None:
    mock = mastodon_factory(mastodon_scenario(replies=1500))
    mock.set_clock(START)
    db = Database(db_url)
    try:
        upgrade(db)
        now = datetime.now(UTC)
        track(db, parse_subject(f"@{ACCOUNT}"), now=now)
        track(db, parse_subject(f"https://{INSTANCE}/@elonmusk/{POLL_POST_ID}"), now=now)
    finally:
        db.dispose()
    env = clean_env(
        POLLBOT_DATABASE_URL=db_url,
        MASTODON_BASE_URL=mock.url,
        MASTODON_ACCESS_TOKEN=f"{BOT_ID}-crash-token",
    )
    killed = 0
    for trial, (event, nth) in enumerate(KILLS):
        child = spawn_collect(env, tmp_path, event=event, nth=nth, tag=f"t{trial}")
        code = child.wait()
        if code == SIGKILLED:
            killed += 1
            check(db_url, mock, after=f"trial {trial}, killed at {child.kill_point()}")
        else:  # the run had fewer commits than that: it finished
            assert code == 0, child.stderr()[-3000:]
        mock.advance(STEP.total_seconds())
    assert killed >= 8
    rerun = spawn_collect(env, tmp_path, tag="rerun")
    assert rerun.wait() == 0, rerun.stderr()[-3000:]
    assert "collect@mastodon ok:" in rerun.out.read_text()
    want = expected(mock.visible_posts())
    stored, _, runs = linked(db_url)
    assert sorted(stored["poll"]) == sorted(want["poll"])
    assert sorted(stored["account"]) == sorted(want["account"])
    assert runs[-1] == "ok"
    assert set(runs) <= {"ok", "failed"}  # each killed run closed as abandoned by the next
