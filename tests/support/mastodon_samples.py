"""The recorded answers of a real Mastodon 4.5 server (``shared/data/mastodon-samples``, made
by Mastodon.py's test suite), as plain records: each request's method and URL, and the answer's
status, headers and decoded JSON body."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.support.paths import SHARED_DATA

CASSETTES = SHARED_DATA / "mastodon-samples" / "cassettes"


@dataclass(frozen=True)
class Exchange:
    method: str
    uri: str
    status: int
    headers: dict[str, str]  # lower-cased names, first value
    body: Any  # decoded JSON, or None when the body is not JSON


@cache
def cassette(name: str) -> tuple[Exchange, ...]:
    """``test_status_reply`` -> its exchanges, in the order recorded."""
    doc = yaml.safe_load((CASSETTES / f"{name}.yaml").read_text(encoding="utf-8"))
    found = []
    for item in doc["interactions"]:
        request, response = item["request"], item["response"]
        raw = response["body"]["string"]
        try:
            body = json.loads(raw) if isinstance(raw, str) and raw else None
        except ValueError:
            body = None
        headers = {
            str(k).lower(): str(v[0] if isinstance(v, list) else v)
            for k, v in response["headers"].items()
        }
        found.append(
            Exchange(
                request["method"], request["uri"], int(response["status"]["code"]), headers, body
            )
        )
    return tuple(found)


def names() -> list[str]:
    return sorted(p.stem for p in Path(CASSETTES).glob("*.yaml"))


def statuses() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every status object recorded anywhere (top level, in lists, in notifications and
    contexts), with the cassette it came from."""
    for name in names():
        for exchange in cassette(name):
            yield from ((name, s) for s in _statuses_in(exchange.body))


def _statuses_in(body: Any) -> Iterator[dict[str, Any]]:
    if isinstance(body, list):
        for item in body:
            yield from _statuses_in(item)
    elif isinstance(body, dict):
        if "content" in body and "account" in body and "id" in body:
            yield body
        elif isinstance(body.get("status"), dict):
            yield from _statuses_in(body["status"])
        else:
            for key in ("ancestors", "descendants"):
                yield from _statuses_in(body.get(key))
