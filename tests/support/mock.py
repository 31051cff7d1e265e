"""The mock X API's control endpoints, as tests and benchmarks drive them over HTTP (and, for
an in-process ``MockServer``, its clock directly)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import requests

from tests.support.scenarios import ALICE_ID

# ~20% of answers fail, repeatably: a 429 (with its reset), a 503, a 0.5 s delay, truncated JSON.
FAULTS: dict[str, Any] = {
    "kinds": ["429", "503", "delay", "malformed"],
    "probability": 0.2,
    "seed": 1,
    "delay_s": 0.5,
}


def mock_stats(url: str, *, timeout: float = 10) -> dict[str, Any]:
    return dict(requests.get(f"{url}/_mock/stats", timeout=timeout).json())


def mock_control(url: str, path: str, doc: dict[str, Any]) -> Any:
    """POST ``doc`` to ``/_mock/PATH``; its JSON answer, if any."""
    resp = requests.post(f"{url}/_mock/{path}", json=doc, timeout=10)
    resp.raise_for_status()
    return resp.json() if resp.content else None


def mock_posts(mock_url: str) -> list[dict[str, Any]]:
    return list(requests.get(f"{mock_url}/_mock/posts", timeout=30).json())


def post_as(mock_url: str, author: str, text: str, *, reply_to: str | None = None) -> str:
    """Post ``text`` as user ``author`` (whose id begins the OAuth token), optionally in
    reply to ``reply_to``; returns the new post's id. The post must be taken."""
    body: dict[str, Any] = {"text": text}
    if reply_to is not None:
        body["reply"] = {"in_reply_to_tweet_id": reply_to}
    resp = requests.post(
        f"{mock_url}/2/tweets",
        json=body,
        headers={"Authorization": f'OAuth oauth_token="{author}-token"'},
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["data"]["id"])


def replies_to(mock_url: str, post_id: str) -> list[dict[str, Any]]:
    """What was posted through the mock in reply to ``post_id``, oldest first."""
    return [p for p in mock_posts(mock_url) if p["in_reply_to"] == post_id]


def freeze_clock(mock: Any) -> datetime:
    """Stop the scenario clock where it is (in-process: the control API only moves it)."""
    clock = mock.state.world.clock
    clock.advance(0)  # re-anchor at now, then stop
    clock.speed = 0.0
    now: datetime = mock.now()
    return now


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
