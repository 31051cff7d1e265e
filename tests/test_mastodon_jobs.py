"""The jobs on Mastodon, end to end: Mastodon.py against the mock's Mastodon face over HTTP,
on each database. Collection of a poll's conversation and an account's replies (exact,
incremental, HTML turned to text), the poll's snapshots and final summary within the
instance's ``max_characters``, and operators' mentions answered once."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from bot.app import App
from bot.registry import get_job
from jobs.errors import LeaseHeld
from jobs.export import iter_records
from jobs.runner import Holder, RunOutcome, run_job
from jobs.subjects import parse_subject
from jobs.tracking import track
from storage.leases import acquire_lease
from storage.models import MentionRow, PostRow, SubjectRow, SummaryPart, SummaryRow
from tests.support import programs
from tests.support.env import clean_env, mastodon_settings_for
from tests.support.mastodon import INSTANCE as SCENARIO_INSTANCE
from tests.support.mastodon import mastodon_scenario
from tests.support.mock import mock_posts
from tests.support.scenarios import BOT_ID

INSTANCE = "mastodon.example"  # the builtin scenario's instance
POLL = "1593767953706921985"
ELON = "44196397"
ALICE = "1101"  # @ops_alice, the operator
LOOKALIKE = "1591234567890123457"  # @ops_aIice


def run(app: App, job: str) -> RunOutcome:
    ctx = app.job_context(trigger="cli", platform=app.platform("mastodon"))
    return run_job(get_job(job), ctx, holder=Holder.here("test"))


@pytest.fixture
def on_mastodon(
    db_url: str, mastodon_factory: Callable[..., Any], make_app: Callable[..., App]
) -> Callable[..., tuple[Any, Callable[..., App]]]:
    """``start(at)``: the built-in day on the Mastodon face, its clock at ``at``; and a maker
    of Apps on it (Mastodon only, this test's database, no sleeping through waits)."""

    def start(at: datetime) -> tuple[Any, Callable[..., App]]:
        mock = mastodon_factory("builtin:nov-2022")
        mock.set_clock(at)

        def make(**overrides: Any) -> App:
            overrides.setdefault("operators", (f"ops_alice@{INSTANCE}",))
            settings = mastodon_settings_for(db_url, mock.url, **overrides)
            return make_app(settings, sleep=lambda s: None)

        return mock, make

    return start


def expected(visible: list[dict[str, Any]]) -> set[str]:
    """What collection of @elonmusk and his poll must store: every reply in the poll's
    conversation, and the replies answering him in the conversations of his posts."""
    author = {p["id"]: p["author_id"] for p in visible}
    roots = {p["id"] for p in visible if p["in_reply_to"] is None and p["author_id"] == ELON}
    return {
        p["id"]
        for p in visible
        if p["in_reply_to"] is not None
        and p["conversation_id"] in roots
        and (p["conversation_id"] == POLL or author[p["in_reply_to"]] == ELON)
    }


def exported(app: App) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in iter_records(app.db())}


def test_a_poll_and_an_account_are_collected_exactly_and_incrementally(
    on_mastodon: Callable[..., tuple[Any, Callable[..., App]]],
) -> None:
    mock, make = on_mastodon(datetime(2022, 11, 19, 6, 0, tzinfo=UTC))
    app = make()
    account = parse_subject(f"@elonmusk@{INSTANCE}")
    assert track(app.db(), account, now=app.wall(), platform=app.platform("mastodon"))
    assert run(app, "collect").status == "ok"
    first = exported(app)
    want = expected(mock.visible_posts())
    assert set(first) == want and len(want) > 50
    with app.db().read() as s:
        # The poll he posted is followed by itself, on Mastodon.
        polls = s.execute(select(SubjectRow.platform, SubjectRow.key).where(
            SubjectRow.kind == "poll")).all()  # fmt: skip
    assert [tuple(p) for p in polls] == [("mastodon", POLL)]

    # Later: only what is new is added; nothing is stored twice.
    mock.set_clock(datetime(2022, 11, 19, 18, 0, tzinfo=UTC))
    later = make()
    outcome = run(later, "collect")
    assert outcome.status == "ok"
    second = exported(later)
    want = expected(mock.visible_posts())
    assert set(second) == want and len(second) > len(first)
    # A run counts the replies new to each subject's stream (the poll's replies to him are
    # new to both his and the poll's).
    assert outcome.items >= len(second) - len(first) > 0
    with later.db().read() as s:
        assert s.scalar(select(func.count()).select_from(PostRow)) == len(
            {p for p in second} | {p for p in _own_posts(mock)}
        )
        assert s.scalar(select(func.count()).where(PostRow.platform != "mastodon")) == 0
    # HTML came back as the text that was written: mentions, links, line breaks.
    texts = {p["id"]: p["text"] for p in mock.visible_posts()}
    assert all(r["text"] == texts[i] for i, r in second.items())
    # Non-English replies are stored and counted, not scored.
    other = [r for r in second.values() if r["lang"] not in (None, "en")]
    assert other and all(r["compound"] is None for r in other)
    # Collection is complete up to the last answer: a summary of the window need not wait.
    with later.db().read() as s:
        through = s.scalars(select(SubjectRow.collected_through)).all()
    assert all(t is not None and t > datetime(2022, 11, 19, 17, 50, tzinfo=UTC) for t in through)


def _own_posts(mock: Any) -> set[str]:
    """@elonmusk's own top-level posts of the window: stored as his, not as replies."""
    return {
        p["id"] for p in mock.visible_posts() if p["in_reply_to"] is None and p["author_id"] == ELON
    }


def test_the_poll_is_followed_to_its_final_summary_within_the_instances_length(
    on_mastodon: Callable[..., tuple[Any, Callable[..., App]]],
) -> None:
    mock, make = on_mastodon(datetime(2022, 11, 19, 12, 0, tzinfo=UTC))
    poll_url = f"https://{INSTANCE}/@elonmusk/{POLL}"
    app = make(polls=(poll_url,), summary_cron="0 */6 * * *")
    for job in ("collect", "polls"):
        assert run(app, job).status == "ok"
    # The poll closes at 00:30 the next day; a snapshot after that is its final result.
    mock.set_clock(datetime(2022, 11, 20, 1, 0, tzinfo=UTC))
    app = make(polls=(poll_url,), summary_cron="0 */6 * * *")
    for job in ("collect", "polls"):
        assert run(app, job).status == "ok"
    mock.set_clock(datetime(2022, 11, 20, 1, 20, tzinfo=UTC))
    app = make(polls=(poll_url,), summary_cron="0 */6 * * *")
    assert run(app, "summarize").status == "ok"
    posted = mock_posts(mock.url)
    assert posted, "no summary posted"
    limit = requests.get(f"{mock.url}/api/v2/instance", timeout=10).json()
    max_chars = limit["configuration"]["statuses"]["max_characters"]
    assert all(len(p["text"]) <= max_chars for p in posted)
    final = [p["text"] for p in posted if "Final result" in p["text"]]
    assert len(final) == 1
    assert "Yes 51.8% / No 48.2% of 15.1M votes" in final[0]
    assert "@" not in final[0]  # accounts are named without the @ (no one is notified)
    # The chart went with the first part, described for those who cannot see it.
    with_media = [p for p in posted if p.get("media_ids")]
    assert with_media


def _status_as(mock_url: str, author: str, text: str) -> str:
    resp = requests.post(
        f"{mock_url}/api/v1/statuses",
        data={"status": text},
        headers={"Authorization": f"Bearer {author}-token"},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


def test_an_operators_mention_is_answered_once_and_a_lookalike_is_not_obeyed(
    on_mastodon: Callable[..., tuple[Any, Callable[..., App]]],
) -> None:
    mock, make = on_mastodon(datetime(2022, 11, 19, 12, 0, tzinfo=UTC))
    app = make()
    # The first run reads what is there; a new store answers only what comes after it.
    run(app, "commands")
    asked = _status_as(mock.url, ALICE, "@pollbot help")
    # @ops_aIice@mastodon.example (a capital I) looks like the operator and is not her:
    # operators are matched by account id.
    ignored = _status_as(mock.url, LOOKALIKE, "@pollbot untrack @elonmusk@mastodon.example")
    assert run(app, "commands").status == "ok"
    assert run(make(), "commands").status == "ok"  # again, in a new process: nothing more
    answers = [p for p in mock_posts(mock.url) if p.get("in_reply_to") == asked]
    assert len(answers) == 1 and answers[0]["text"].startswith("Commands: help")
    assert not [p for p in mock_posts(mock.url) if p.get("in_reply_to") == ignored]
    with app.db().read() as s:
        query = select(MentionRow.post_id, MentionRow.state).where(
            MentionRow.platform == "mastodon"
        )
        states = {post_id: state for post_id, state in s.execute(query)}
    assert states[asked] == "replied" and states[ignored] == "ignored"


def test_runs_on_mastodon_are_leased_and_recorded_apart_from_x(
    on_mastodon: Callable[..., tuple[Any, Callable[..., App]]],
) -> None:
    _, make = on_mastodon(datetime(2022, 11, 19, 1, 0, tzinfo=UTC))
    app = make()
    now = datetime.now(UTC)

    def hold(job: str) -> None:
        with app.db().write() as tx:
            taken = acquire_lease(tx, job=job, holder="other-daemon", host="elsewhere", pid=1,
                                  now=now, ttl=timedelta(minutes=5))  # fmt: skip
            assert taken is None

    hold("polls")  # X's polls, busy in another daemon: Mastodon's go on
    outcome = run(app, "polls")
    assert (outcome.job, outcome.status) == ("polls@mastodon", "ok")
    hold("polls@mastodon")
    with pytest.raises(LeaseHeld, match="polls@mastodon"):
        run(app, "polls")


MASTODON_FAULTS = [
    # two answers in five: a 429 with its ISO reset, a 503, a late or a truncated answer
    {
        "endpoint": "*",
        "probability": 0.4,
        "kinds": ["429", "503", "delay", "malformed"],
        "delay_s": 0.2,
        "seed": 3,
    },
]


def test_429s_and_5xx_on_mastodon_converge_to_the_exact_store(
    on_mastodon: Callable[..., tuple[Any, Callable[..., App]]],
) -> None:
    mock, make = on_mastodon(datetime(2022, 11, 19, 8, 0, tzinfo=UTC))
    account = parse_subject(f"@elonmusk@{INSTANCE}")
    first = make()
    assert track(first.db(), account, now=first.wall(), platform=first.platform("mastodon"))
    for fault in MASTODON_FAULTS:
        mock.add_fault(**fault)
    waits: list[float] = []
    statuses = []
    for _ in range(30):
        settings = mastodon_settings_for(
            first.settings.database_url, mock.url, operators=(), summary_cron="0 9 * * *"
        )
        # Transient failures are retried after waits (recorded, not slept); a reset too
        # far away ends the run, and the next goes on.
        app = App(settings, sleep=waits.append, max_rate_wait_s=30.0)
        try:
            statuses.append(run(app, "collect").status)
        finally:
            app.close()
        if statuses[-1] == "ok":
            break
    assert statuses[-1] == "ok", statuses
    # Faults were met: waited out (recorded, not slept) and retried, or ending a run that the
    # next one took up.
    assert waits and max(waits) <= 30.0 and len(statuses) >= 2
    assert set(exported(first)) == expected(mock.visible_posts())
    with first.db().read() as s:
        posts = s.scalars(select(PostRow.ext)).all()
    ids = [p["id"] for p in posts if p]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_killed_between_posting_and_recording_each_status_goes_out_once(
    mastodon_factory: Callable[..., Any], db_url: str, make_app: Callable[..., App]
) -> None:
    start = datetime(2022, 11, 19, 0, 0, tzinfo=UTC)
    mock = mastodon_factory(mastodon_scenario(replies=300, start=start, hours=8))
    env = clean_env(
        POLLBOT_DATABASE_URL=db_url,
        MASTODON_BASE_URL=mock.url,
        MASTODON_ACCESS_TOKEN=f"{BOT_ID}-test-token",
        POLLBOT_SUMMARY_CRON="0 * * * *",
    )
    settings = mastodon_settings_for(db_url, mock.url, summary_cron="0 * * * *")
    app = make_app(settings, sleep=lambda s: None)
    track(app.db(), parse_subject(f"@elonmusk@{SCENARIO_INSTANCE}"), now=app.wall(),
          platform=app.platform("mastodon"))  # fmt: skip
    for trial in range(5):
        mock.set_clock(start + timedelta(hours=1 + trial, minutes=5))
        app = make_app(settings, sleep=lambda s: None)
        run(app, "collect")
        killed = subprocess.run(
            programs.command("summarize_then_die"),
            env=programs.with_checkout(env),
            capture_output=True,
            timeout=120,
        )
        assert killed.returncode == -9, killed.stderr
        # The dead holder's lease is taken over at once (same host, pid gone).
        again = run(app, "summarize")
        assert again.status == "ok", again.error
    statuses = mock_posts(mock.url)
    with app.db().read() as s:
        states = s.scalars(select(SummaryRow.state)).all()
        ids = s.scalars(select(SummaryPart.post_id)).all()
    assert states and set(states) == {"posted"}
    # Each part went out exactly once, and the store knows it as the status it became.
    assert sorted(str(i) for i in ids) == sorted(p["id"] for p in statuses)
    assert len(statuses) == len({p["text"] for p in statuses})


def test_a_post_whose_answer_was_lost_is_retried_without_a_second_status(
    on_mastodon: Callable[..., tuple[Any, Callable[..., App]]],
) -> None:
    # The instance takes the status, and its answer comes back cut short: the client asks
    # again, with the same Idempotency-Key, and gets the first status, not a second one.
    mock, make = on_mastodon(datetime(2022, 11, 19, 7, 0, tzinfo=UTC))
    app = make(summary_cron="0 */6 * * *")
    account = parse_subject(f"@elonmusk@{INSTANCE}")
    track(app.db(), account, now=app.wall(), platform=app.platform("mastodon"))
    assert run(app, "collect").status == "ok"
    mock.add_fault(endpoint="create_status", malformed=True, times=2)
    assert run(app, "summarize").status == "ok"
    statuses = mock_posts(mock.url)
    with app.db().read() as s:
        ids = s.scalars(select(SummaryPart.post_id)).all()
    assert len(statuses) == len(ids) == 2  # the account's summary and its poll's, once each
    assert sorted(str(i) for i in ids) == sorted(p["id"] for p in statuses)
