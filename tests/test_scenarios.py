"""Scenario files: the builtin nov-2022 world, validation errors (one line naming the file and
the JSON path), deterministic synthetic replies, the scenario clock, and ``serve``."""

from __future__ import annotations

import copy
import json
import re
import signal
import subprocess
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from twitter_text import parse_tweet

from bot.mock_api import MockError, MockServer, ScenarioError, load_scenario, parse_scenario
from bot.mock_api.clock import ClockError, ScenarioClock
from bot.mock_api.nov2022 import write_scenario as nov2022
from bot.mock_api.timefmt import snowflake_ms, to_ms
from bot.mock_api.world import World
from jobs.errors import PollbotError
from jobs.subjects import parse_subject
from tests.support import programs
from tests.support.mastodon import bench_scenario as mastodon_bench_scenario
from tests.support.mastodon import poll_urls
from tests.support.scenarios import collect_time
from tests.test_mock_api import ROOT, scenario_doc

POLL_POST = "1593767953706921985"


def test_builtin_nov_2022_holds_the_poll_and_the_deal() -> None:
    scenario = load_scenario("builtin:nov-2022")
    assert scenario.start == datetime(2022, 11, 19, tzinfo=UTC)
    assert (scenario.bot.id, scenario.bot.username) == ("9000", "pollbot")
    names = {u.username: u.id for u in scenario.users}
    assert names["elonmusk"] == "44196397" and {"ops_alice", "ops_bob", "eIonmusk"} <= set(names)
    posts = {p.id: p for p in scenario.posts}
    poll_post = posts[POLL_POST]
    assert poll_post.text == "Reinstate former President Trump"
    assert poll_post.created_at == datetime(2022, 11, 19, 0, 30, tzinfo=UTC)
    poll = poll_post.poll
    assert poll is not None and poll.id == "1593767953539239936" and poll.duration_minutes == 1440
    assert poll.options == ("Yes", "No")
    last = poll.votes[-1]
    assert last.at == datetime(2022, 11, 20, 0, 30, tzinfo=UTC) and last.counts == (
        7814551,
        7270907,
    )
    assert (
        sum(last.counts) == 15_085_458 and round(100 * last.counts[0] / sum(last.counts), 1) == 51.8
    )
    assert len(poll.votes) > 20  # the counts move through the day
    deal = next(p for p in scenario.posts if p.text == "They broke the deal")
    assert deal.author_id == "44196397" and deal.created_at.date() == poll_post.created_at.date()
    assert snowflake_ms(int(deal.id)) == to_ms(deal.created_at)


def test_builtin_replies_are_many_varied_and_spread_over_the_day() -> None:
    scenario = load_scenario("builtin:nov-2022")
    world = World(scenario, speed=0)
    everything = world.visible_posts(to_ms(datetime(2022, 11, 21, tzinfo=UTC)))
    deal = next(p.id for p in scenario.posts if p.text == "They broke the deal")
    for root in (POLL_POST, deal):
        replies = [p for p in everything if p["conversation_id"] == root and p["in_reply_to"]]
        assert len(replies) >= 300
        nested = [p for p in replies if p["in_reply_to"] != root]
        assert len(nested) >= 40
        hours = {p["created_at"][:13] for p in replies}
        assert len(hours) >= 12
        langs = Counter(p["lang"] for p in replies)
        assert len(langs) >= 8 and langs["en"] < len(replies) * 0.95
        texts = [p["text"] for p in replies]
        assert any(parse_tweet(t).weightedLength > 280 for t in texts)
        shouted = [t for t in texts if len(re.findall(r"(?<![@\w])[A-Z]{2,}\b", t)) >= 2]
        assert len(shouted) >= 6
        assert sum(1 for t in texts if re.search(r"[\U0001F300-\U0001FAFF]", t)) >= 10  # emoji
        # replies carry their @mentions, but nobody mentions themselves
        assert all(p["text"].startswith("@") for p in replies if p["author_id"] != "44196397")
    assert len({p["text"] for p in everything}) > 0.97 * len(everything)  # written, not generated


def test_builtin_json_is_what_the_builder_makes() -> None:
    assert nov2022.render(nov2022.build()) == nov2022.OUT.read_text(encoding="utf-8")


def _write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def _mutated(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(scenario_doc(count=5))
    change(doc)
    return doc


BAD = [
    (lambda d: d["posts"][1].update(created_at="yesterday"),
     "posts[1].created_at: expected an ISO 8601 UTC time like 2022-11-19T00:30:00.000Z, got 'yesterday'"),
    (lambda d: d["posts"][1].pop("text"), "posts[1].text: required field is missing"),
    (lambda d: d["posts"][0].update(author_id=44196397), "posts[0].author_id: expected an id as a string of digits"),
    (lambda d: d["posts"][1].update(in_reply_to="42"), "posts[1].in_reply_to: reply to unknown post '42'"),
    (lambda d: d["posts"][1].update(id=ROOT), f"posts[1].id: duplicate post id '{ROOT}' (also posts[0])"),
    (lambda d: d["posts"][1].update(author_id="777"), "posts[1].author_id: unknown author '777'"),
    (lambda d: d["posts"][0]["poll"]["votes"].reverse(), "posts[0].poll.votes[1].at: votes entries go backwards in time"),
    (lambda d: d["generate"].update(replies_to=["12345"]), "generate.replies_to[0]: unknown post '12345'"),
    (lambda d: d.update(rate_limits={"search": {"limit": 1, "window_s": 60}}), "rate_limits.search: unknown field"),
    (lambda d: d["users"][1].update(username="has space"), "users[1].username: expected 1-15 letters, digits or _"),
    (lambda d: d.update(posts={}), "posts: expected a list, got an object"),
    (lambda d: d.pop("start"), "start: required field is missing"),
    (lambda d: d["posts"][0]["poll"].update(options=["Only"]), "posts[0].poll.options: expected 2 to 4 options, got 1"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), BAD)
def test_a_bad_scenario_is_named_in_one_line(tmp_path: Path, change: Any, expected: str) -> None:
    path = _write(tmp_path, _mutated(change))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    # the mock's own error, not the bot's: `pollbot mock-api` maps it to exit 2 (test_bad_input)
    assert isinstance(caught.value, MockError) and not isinstance(caught.value, PollbotError)
    assert "\n" not in message
    assert message.startswith(f"scenario {path}: {expected}")


def test_bad_json_and_missing_files_and_builtins(tmp_path: Path) -> None:
    path = _write(tmp_path, '{"start": "2022-11-19T00:00:00.000Z",\n  "bot": {"id": "9000"\n}')
    with pytest.raises(
        ScenarioError, match=r"^scenario .*bad\.json: invalid JSON at line 3 column 2: "
    ):
        load_scenario(path)
    with pytest.raises(
        ScenarioError, match=r"^scenario .*nothing\.json: cannot read: No such file"
    ):
        load_scenario(tmp_path / "nothing.json")
    with pytest.raises(
        ScenarioError, match=r"^scenario builtin:nope: no such builtin scenario \(have: .*nov-2022"
    ):
        load_scenario("builtin:nope")


def _generated(seed: int, count: int = 3000) -> list[dict[str, Any]]:
    doc = scenario_doc(count=count)
    doc["generate"]["seed"] = seed
    world = World(parse_scenario(doc), speed=0)
    return [
        p for p in world.visible_posts(to_ms(datetime(2022, 11, 21, tzinfo=UTC))) if p["id"] != ROOT
    ]


def test_generated_replies_are_deterministic_and_varied() -> None:
    first, again, other = _generated(7), _generated(7), _generated(8)
    assert first == again and first != other
    assert len(first) == 3001
    ids = [int(p["id"]) for p in first]
    assert ids == sorted(ids)
    assert all(
        snowflake_ms(int(p["id"])) == to_ms(datetime.fromisoformat(p["created_at"]))
        for p in first[1:]
    )
    langs = Counter(p["lang"] for p in first)
    assert (
        0.05 < sum(n for lang, n in langs.items() if lang not in ("en", "art")) / len(first) < 0.15
    )
    assert len(langs) >= 6
    nested = [p for p in first if p["in_reply_to"] not in (ROOT, None)]
    assert len(nested) > 100 and all(p["conversation_id"] == ROOT for p in nested)
    texts = [p["text"] for p in first]
    assert any(len(t) > 2000 for t in texts) and any("https://t.co/" in t for t in texts)
    assert any(re.search(r"[\U0001F300-\U0001FAFF]", t) for t in texts)
    assert all(t.startswith("@") for t in texts)
    assert len(set(texts)) > len(texts) / 3


def test_a_hundred_thousand_replies_build() -> None:
    world = World(parse_scenario(scenario_doc(count=100_000)), speed=0)
    index = world.base.index("conv", int(ROOT))
    assert index is not None and len(index.regular) == 100_000  # plus the root and a reply:
    assert len(index.irregular) == 2  # their ids do not carry their created_at
    assert list(index.regular) == sorted(set(index.regular))


def test_the_scenario_clock_runs_at_its_speed_and_never_back() -> None:
    real = [100.0]
    start = datetime(2022, 11, 19, tzinfo=UTC)
    clock = ScenarioClock(start, speed=60, monotonic=lambda: real[0])
    real[0] += 2.5
    assert clock.now() == start + timedelta(minutes=2.5)
    clock.advance(3600)
    assert clock.now() == start + timedelta(minutes=62.5)
    with pytest.raises(ClockError):
        clock.set(start)
    clock.reset()
    assert clock.now() == start


def test_posts_become_visible_when_the_clock_reaches_them() -> None:
    with MockServer(parse_scenario(scenario_doc(count=0)), speed=0) as mock:
        assert mock.visible_posts() == []
        mock.set_clock(datetime(2022, 11, 19, 0, 30, tzinfo=UTC))
        assert [p["id"] for p in mock.visible_posts()] == [ROOT]
        mock.advance(11 * 60)
        assert [p["in_reply_to"] for p in mock.visible_posts()] == [None, ROOT]


def test_serve_says_where_it_listens_and_stops_on_sigterm(tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    path.write_text(json.dumps(scenario_doc(count=10)), encoding="utf-8")
    proc = subprocess.Popen(
        programs.command("serve_mock", str(path)),
        env=programs.with_checkout(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert url is not None and "scenario test" in line
        assert requests.get(f"{url.group()}/_mock/clock", timeout=10).json()["speed"] == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()


def test_the_mastodon_bench_spreads_its_replies_over_polls_read_whole(
    mastodon_factory: Callable[..., Any],
) -> None:
    # bench.ingest's Mastodon rows: each poll's conversation within one context answer
    doc = mastodon_bench_scenario(50, per_poll=20)
    assert [b["count"] for b in doc["generate"]] == [17, 17, 16]
    mock = mastodon_factory(doc)
    mock.set_clock(collect_time(doc))
    replies = 0
    for url in poll_urls(doc):
        subject = parse_subject(url)
        assert (subject.kind, subject.platform) == ("poll", "mastodon")
        answer = requests.get(f"{mock.url}/api/v1/statuses/{subject.key}/context", timeout=10)
        descendants = answer.json()["descendants"]
        assert 0 < len(descendants) <= 20
        replies += len(descendants)
    assert replies == 50 == sum(1 for p in mock.visible_posts() if p["in_reply_to"])
