"""How fast the mock X API serves recent-search pages of 100 over loopback.

Starts the server in-process on a generated scenario, walks the conversation page by page
with a plain ``requests.Session`` (starting over when it runs out) for a few seconds, and
prints pages/s, posts/s, the client's round trip and the server's own CPU time per page
(measured inside the handler). Baseline, same run: the last page built the plain way, a dict a post and
``json.dumps`` (what a server without the cached post bytes pays), timed in-process.

    python -m bench.mock_api                      # 100,000 replies, 3 s
    python -m bench.mock_api --replies 1000000 --seconds 10
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import requests

from bot.mock_api import MockServer, parse_scenario
from bot.mock_api.timefmt import iso_ms
from tests.support.scenarios import POLL_CLOSES, POLL_POST_ID, UNLIMITED_SEARCH, poll_scenario

ROOT = POLL_POST_ID
FIELDS = {
    "tweet.fields": "author_id,conversation_id,created_at,in_reply_to_user_id,lang,"
    "public_metrics,referenced_tweets,attachments",
    "expansions": "attachments.poll_ids",
    "poll.fields": "duration_minutes,end_datetime,voting_status",
}


def scenario(replies: int) -> dict[str, Any]:
    """The poll (no language, no vote counts) and ``replies`` generated replies to it until it
    closes, with no
    rate limit on search: X allows 450 searches a window; the bench measures speed, not the
    limit."""
    return poll_scenario(
        replies,
        name=f"bench-{replies}",
        lang=None,
        votes=(),
        until=POLL_CLOSES,
        rate_limits=UNLIMITED_SEARCH,
    )


def naive_page(mock: MockServer, ids: list[int], meta: dict[str, Any]) -> bytes:
    world, now_ms = mock.state.world, mock.state.world.clock.now_ms()
    data = []
    for post_id in ids:
        r = world.rec(post_id)
        assert r is not None
        replies = world.reply_count(r.id, now_ms)
        data.append(
            {
                "author_id": str(r.author),
                "conversation_id": str(r.conv),
                "created_at": iso_ms(r.ms),
                "edit_history_tweet_ids": [str(r.id)],
                "id": str(r.id),
                "in_reply_to_user_id": str(r.reply_user),
                "lang": r.lang,
                "public_metrics": {"retweet_count": replies // 4, "reply_count": replies,
                                   "like_count": replies * 3, "quote_count": replies // 20},
                "referenced_tweets": [{"type": "replied_to", "id": str(r.parent)}],
                "text": r.text,
            }
        )  # fmt: skip
    return json.dumps({"data": data, "meta": meta}, ensure_ascii=False).encode()


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mock_api", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--replies", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    started = time.perf_counter()
    # timing: the handlers' CPU time in the stats (off by default) is the server figure below
    mock = MockServer(parse_scenario(scenario(args.replies)), speed=0, timing=True)
    built = time.perf_counter() - started
    with mock.start():
        mock.advance(25 * 3600)
        session = requests.Session()
        session.headers["Authorization"] = "Bearer bench"
        url = f"{mock.url}/2/tweets/search/recent"
        params: dict[str, Any] = {
            "query": f"conversation_id:{ROOT} is:reply",
            "max_results": 100,
            **FIELDS,
        }
        pages = posts = 0
        began = time.perf_counter()
        while time.perf_counter() - began < args.seconds:
            answer = session.get(url, params=params)
            answer.raise_for_status()
            # the client reads only the meta: its own JSON parsing would compete for the GIL
            meta = json.loads(answer.content[answer.content.rindex(b'"meta":') + 7 : -1])
            pages += 1
            posts += meta["result_count"]
            params["next_token"] = meta.get("next_token")
            if params["next_token"] is None:
                del params["next_token"]
        elapsed = time.perf_counter() - began
        stats = mock.stats()
        last = answer.json()

    server_s = stats["handler_seconds"]["search_recent"] / stats["requests"]["search_recent"]
    page_ids = [int(p["id"]) for p in last.get("data", [])]
    naive_started = time.perf_counter()
    for _ in range(200):
        naive_page(mock, page_ids, last["meta"])
    naive_s = (time.perf_counter() - naive_started) / 200

    print(f"scenario: {args.replies:,} generated replies, built in {built:.2f} s")
    print(f"served {pages:,} pages ({posts:,} posts) in {elapsed:.2f} s over loopback")
    print(f"  {pages / elapsed:,.0f} pages/s, {posts / elapsed:,.0f} posts/s")
    print(f"  client round trip     {1000 * elapsed / pages:.3f} ms a page")
    print(f"  server CPU (handler)  {1000 * server_s:.3f} ms a page of {len(page_ids)}")
    print(f"  baseline dicts+dumps  {1000 * naive_s:.3f} ms for the last page (in-process)")
    print(f"  handler / baseline    {server_s / naive_s:.2f}x")


if __name__ == "__main__":
    main()
