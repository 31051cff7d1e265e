"""The Mastodon face against real Mastodon: every key of the recorded answers in
``shared/data/mastodon-samples`` (Mastodon.py's cassettes, a Mastodon 4.x server) is in the
mock's answer of the same kind, at every depth; and the headers match (names, content type,
the ISO reset time, the Link header's form, error bodies)."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from tests.support.mastodon import ALICE_REPLY, ALICE_TOKEN, BOT_TOKEN, client
from tests.support.paths import SHARED_DATA
from tests.support.scenarios import ALICE_ID, POLL_ID, POLL_POST_ID
from tests.test_mastodon_mock_posting import png

SAMPLES = Path(os.environ.get("POLLBOT_MASTODON_SAMPLES", str(SHARED_DATA / "mastodon-samples")))
CASSETTES = SAMPLES / "cassettes"
ISO_RESET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")

pytestmark = pytest.mark.skipif(not CASSETTES.is_dir(), reason="mastodon-samples not available")


def interactions() -> Iterator[tuple[str, str, int, dict[str, list[str]], Any]]:
    """(method, path, status, headers, decoded body) of every recorded answer."""
    for path in sorted(CASSETTES.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]:
            request, response = item["request"], item["response"]
            raw = response["body"]["string"]
            try:
                body = json.loads(raw)
            except (TypeError, ValueError):
                body = None
            url = urlsplit(request["uri"])
            yield request["method"], url.path, response["status"]["code"], response["headers"], body


def recorded(kind: str) -> list[Any]:
    """The recorded bodies of one kind of answer."""
    patterns = {
        "status": ("POST", r"/api/v1/statuses|/api/v1/statuses/\d+"),
        "account": ("GET", r"/api/v1/accounts/lookup"),
        "credentials": ("GET", r"/api/v1/accounts/verify_credentials"),
        "statuses": ("GET", r"/api/v1/accounts/\d+/statuses"),
        "context": ("GET", r"/api/v1/statuses/\d+/context"),
        "poll": ("GET", r"/api/v1/polls/\d+"),
        "notifications": ("GET", r"/api/v1/notifications"),
        "instance": ("GET", r"/api/v2/instance/?"),
        "media": ("POST", r"/api/v2/media"),
    }
    method, pattern = patterns[kind]
    found = []
    for m, path, status, _, body in interactions():
        if status == 200 and re.fullmatch(pattern, path) and (m == method or kind == "status"):
            if kind == "status" and (m == "DELETE" or "content" not in body):
                continue  # a deletion answers the source text instead of the HTML
            found.append(body)
    assert found, f"no recorded {kind} answer"
    return found


def missing_keys(want: Any, have: Any, where: str = "") -> list[str]:
    """The keys of ``want`` (a recorded body) that ``have`` lacks, at every depth where both
    hold an object (lists: their first items)."""
    if isinstance(want, dict) and isinstance(have, dict):
        out = [f"{where}.{k}" for k in want if k not in have]
        for key in want.keys() & have.keys():
            out += missing_keys(want[key], have[key], f"{where}.{key}")
        return out
    if isinstance(want, list) and isinstance(have, list) and want and have:
        return missing_keys(want[0], have[0], f"{where}[0]")
    return []


@pytest.fixture
def answers(mastodon_mock: Any) -> dict[str, Any]:
    """The mock's answer of each kind, with a token, chosen to hold what the recordings hold
    (mentions, tags, media, a poll)."""
    api = client(mastodon_mock.url)
    media = api.media_post(io.BytesIO(png()), mime_type="image/png", description="alt")
    posted = api.status_post("@ops_alice a chart #polls", media_ids=[media.id])

    def get(path: str, token: str = BOT_TOKEN) -> Any:
        answer = requests.get(
            f"{mastodon_mock.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    return {
        "statuses": get(f"/api/v1/accounts/{ALICE_ID}/statuses"),
        "status": [get(f"/api/v1/statuses/{i}") for i in (ALICE_REPLY, POLL_POST_ID, posted.id)],
        "account": get("/api/v1/accounts/lookup?acct=ops_alice"),
        "credentials": get("/api/v1/accounts/verify_credentials"),
        "context": get(f"/api/v1/statuses/{POLL_POST_ID}/context"),
        "poll": get(f"/api/v1/polls/{POLL_ID}"),
        "notifications": get("/api/v1/notifications?types[]=mention", ALICE_TOKEN),
        "instance": get("/api/v2/instance"),
        "media": get(f"/api/v1/statuses/{posted.id}")["media_attachments"][0],
    }


@pytest.mark.parametrize(
    "kind",
    [
        "status",
        "statuses",
        "account",
        "credentials",
        "context",
        "poll",
        "notifications",
        "instance",
        "media",
    ],
)
def test_every_recorded_key_is_in_the_mocks_answer(kind: str, answers: dict[str, Any]) -> None:
    ours = answers[kind]
    for want in recorded(kind):
        # each recorded status against each of ours (with a poll, media, mentions, tags)
        gaps = {
            k for have in (ours if kind == "status" else [ours]) for k in missing_keys(want, have)
        }
        assert not gaps, f"{kind}: the mock lacks {sorted(gaps)}"


def test_headers_are_mastodons(mastodon_mock: Any) -> None:
    recorded_resets = [h["x-ratelimit-reset"][0] for *_, h, _ in interactions()]
    assert recorded_resets and all(ISO_RESET.fullmatch(r) for r in recorded_resets)
    answer = requests.get(
        f"{mastodon_mock.url}/api/v1/accounts/{ALICE_ID}/statuses?limit=5",
        headers={"Authorization": f"Bearer {BOT_TOKEN}", "Host": "localhost:3000"},
        timeout=10,
    )
    for name in (*RATE_HEADERS, "content-type", "date", "link"):
        assert name in answer.headers, name
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    assert answer.headers["x-ratelimit-limit"] == "300"
    assert ISO_RESET.fullmatch(answer.headers["x-ratelimit-reset"])
    # the Link header reads as the recorded one, ids aside
    [recorded_link] = [
        h["link"][0]
        for m, path, _, h, _ in interactions()
        if "link" in h and path.endswith("/statuses") and "limit=5" in h["link"][0]
    ][:1]
    ids = [s["id"] for s in answer.json()]
    expected = re.sub(r"/accounts/\d+/", f"/accounts/{ALICE_ID}/", recorded_link)
    expected = re.sub(r"max_id=\d+", f"max_id={ids[-1]}", expected)
    expected = re.sub(r"min_id=\d+", f"min_id={ids[0]}", expected)
    assert answer.headers["link"] == expected


def test_notification_links_keep_the_types_as_recorded(mastodon_mock: Any) -> None:
    [recorded_link] = [
        h["link"][0]
        for _, path, _, h, _ in interactions()
        if "link" in h and path == "/api/v1/notifications" and "follow" not in h["link"][0]
    ][:1]
    answer = requests.get(
        f"{mastodon_mock.url}/api/v1/notifications?types[]=mention",
        headers={"Authorization": f"Bearer {BOT_TOKEN}", "Host": "localhost:3000"},
        timeout=10,
    )
    ids = [n["id"] for n in answer.json()]
    expected = re.sub(r"max_id=\d+", f"max_id={ids[-1]}", recorded_link)
    expected = re.sub(r"min_id=\d+", f"min_id={ids[0]}", expected)
    assert answer.headers["link"] == expected


def test_error_bodies_are_as_recorded(mastodon_mock: Any) -> None:
    [not_found] = [
        body for _, path, status, _, body in interactions() if status == 404 and "lookup" in path
    ]
    answer = requests.get(
        f"{mastodon_mock.url}/api/v1/accounts/lookup?acct=kljadklajsdkljlkjlkjlkjasdasd",
        timeout=10,
    )
    assert answer.status_code == 404 and answer.json() == not_found
    unprocessable = [body for *_, status, _, body in interactions() if status == 422]
    assert unprocessable and all(set(b) == {"error"} for b in unprocessable)
    too_long = requests.post(
        f"{mastodon_mock.url}/api/v1/statuses",
        data={"status": "x" * 501},
        headers={"Authorization": f"Bearer {BOT_TOKEN}"},
        timeout=10,
    )
    assert too_long.status_code == 422 and set(too_long.json()) == {"error"}
