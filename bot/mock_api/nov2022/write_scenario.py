"""Builds ``scenarios/nov-2022.json`` from the hand-written replies beside this file.

    python -m bot.mock_api.nov2022.write_scenario          # writes the JSON
    python -m bot.mock_api.nov2022.write_scenario --check  # exits 1 when the JSON is stale

The texts are written by hand; this script only gives them authors, times and snowflake ids
(deterministically), prefixes the @mentions a reply carries on X, and lays out the poll's votes.
"""

from __future__ import annotations

import json
import math
import random
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.mock_api.timefmt import iso_ms, parse_iso, snowflake, to_ms

HERE = Path(__file__).parent
OUT = HERE.parent / "scenarios" / "nov-2022.json"
POLL_POST, POLL_ID = "1593767953706921985", "1593767953539239936"
POLL_CREATED = "2022-11-19T00:30:00.000Z"
FINAL_VOTES = (7_814_551, 7_270_907)
DEAL_CREATED = "2022-11-19T16:02:51.000Z"
ELON = {"id": "44196397", "username": "elonmusk", "name": "Elon Musk"}
BOT = {"id": "9000", "username": "pollbot", "name": "Poll Bot"}
NAMED_USERS = [
    ELON,
    {"id": "1101", "username": "ops_alice", "name": "Alice (pollbot ops)"},
    {"id": "1102", "username": "ops_bob", "name": "Bob (pollbot ops)"},
    # look-alikes: a capital I where the real name has a lower-case l
    {"id": "1591234567890123456", "username": "eIonmusk", "name": "Elon Musk"},
    {"id": "1591234567890123457", "username": "ops_aIice", "name": "Alice (pollbot ops)"},
]
FIRST = [
    "amber",
    "ben",
    "carla",
    "dev",
    "eli",
    "fatima",
    "gus",
    "hana",
    "ivan",
    "jade",
    "kofi",
    "lena",
    "marco",
    "nadia",
    "oscar",
    "priya",
    "quinn",
    "rosa",
    "sam",
    "tariq",
    "uma",
    "vik",
    "wes",
    "xena",
    "yara",
    "zane",
    "ade",
    "bea",
    "cole",
    "dina",
    "emil",
    "flo",
    "gio",
    "hugo",
    "iris",
    "jon",
    "kira",
    "lou",
    "mae",
    "nico",
]
SUFFIX = (
    "",
    "_",
    "_x",
    "_tx",
    "_nyc",
    "_uk",
    "_br",
    "_de",
    "_jp",
    "_real",
    "_official",
    "88",
    "_99",
)
LINE = re.compile(
    r"^(?P<depth>>*)\s*(?:(?P<lang>[a-z]{2,3})\|\s*)?(?:\{(?P<author>\w+)\}\s*)?(?P<text>.+)$"
)
EMOJI_ONLY = re.compile(r"^[\W_]+$")


@dataclass
class Node:
    depth: int
    lang: str
    author: str | None
    text: str
    ms: int = 0
    parent: Node | None = None
    post_id: str = ""
    author_id: str = ""


def repliers(rng: random.Random, count: int) -> list[dict[str, str]]:
    users: list[dict[str, str]] = []
    taken = {u["username"].lower() for u in NAMED_USERS}
    while len(users) < count:
        first = rng.choice(FIRST)
        username = (
            f"{first}{rng.choice(SUFFIX)}{rng.randrange(100, 10_000) if rng.random() < 0.6 else ''}"
        )
        if username.lower() in taken or len(username) > 15:
            continue
        taken.add(username.lower())
        user_id = str(rng.randrange(10**7, 16 * 10**17))
        users.append(
            {
                "id": user_id,
                "username": username,
                "name": f"{first.capitalize()} {rng.choice('ABCDEFGHKLMNPRSTVW')}.",
            }
        )
    return users


def read_replies(path: Path, rng: random.Random) -> list[Node]:
    """Every line a post; times spread evenly between the ``@time`` markers around them."""
    nodes: list[Node] = []
    stack: list[Node] = []
    span: list[Node] = []
    since: int | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        if raw.startswith("@"):
            until = to_ms(parse_iso(raw[1:].strip()))
            if since is not None:
                _spread(span, since, until, rng)
            since, span = until, []
            continue
        match = LINE.match(raw)
        if match is None:
            raise SystemExit(f"{path.name}: cannot read line {raw!r}")
        text = match["text"].replace("\\n", "\n")
        lang = match["lang"] or ("art" if EMOJI_ONLY.match(text) else "en")
        node = Node(len(match["depth"]), lang, match["author"], text)
        if node.depth > len(stack):
            raise SystemExit(f"{path.name}: {raw[:40]!r} nests deeper than the line above")
        del stack[node.depth :]
        node.parent = stack[-1] if stack else None
        stack.append(node)
        nodes.append(node)
        span.append(node)
    if span:
        raise SystemExit(f"{path.name}: end the file with an @time line")
    return nodes


def _spread(nodes: list[Node], since: int, until: int, rng: random.Random) -> None:
    tops = [n for n in nodes if n.parent is None]
    step = (until - since) / max(1, len(tops))
    for i, node in enumerate(tops):
        node.ms = since + int(step * (i + rng.uniform(0.05, 0.95)))
    for node in nodes:
        if node.parent is not None:  # an answer comes a minute to half an hour after its parent
            node.ms = node.parent.ms + int(rng.uniform(45, 1800) * 1000)


def assign(
    nodes: list[Node],
    root: dict[str, Any],
    users: dict[str, dict[str, str]],
    pool: list[dict[str, str]],
    rng: random.Random,
    taken: set[int],
) -> list[dict[str, Any]]:
    posts = []
    by_id = {u["id"]: u for u in users.values()}
    for node in sorted(nodes, key=lambda n: n.ms):
        parent_author = node.parent.author_id if node.parent else root["author_id"]
        if node.author:
            node.author_id = users[node.author]["id"]
        elif node.parent and node.parent.parent and rng.random() < 0.5:
            node.author_id = node.parent.parent.author_id  # back-and-forth between two people
        else:
            node.author_id = rng.choice([u["id"] for u in pool if u["id"] != parent_author])
        seq = rng.getrandbits(22)
        while snowflake(node.ms, seq) in taken:
            seq = rng.getrandbits(22)
        taken.add(snowflake(node.ms, seq))
        node.post_id = str(snowflake(node.ms, seq))
        # X shows who a reply answers as leading @mentions: the parent's author, then the root's
        mentioned = dict.fromkeys(
            a for a in (parent_author, root["author_id"]) if a != node.author_id
        )
        prefix = "".join(f"@{by_id[a]['username']} " for a in mentioned)
        posts.append(
            {
                "id": node.post_id,
                "author_id": node.author_id,
                "created_at": iso_ms(node.ms),
                "text": prefix + node.text,
                "lang": node.lang,
                "in_reply_to": node.parent.post_id if node.parent else root["id"],
            }
        )
    return posts


def poll_votes() -> list[dict[str, Any]]:
    """Cumulative counts every half hour, Yes a little ahead early, ending at the real result."""
    start, end = parse_iso(POLL_CREATED), parse_iso(POLL_CREATED) + timedelta(minutes=1440)
    entries = []
    at = start + timedelta(minutes=5)
    while at <= end:
        x = (at - start) / (end - start)
        yes = FINAL_VOTES[0] * (1 - math.exp(-3.0 * x)) / (1 - math.exp(-3.0))
        no = FINAL_VOTES[1] * (1 - math.exp(-2.6 * x)) / (1 - math.exp(-2.6))
        entries.append({"at": iso_ms(to_ms(at)), "counts": [round(yes), round(no)]})
        at = end if end - at < timedelta(minutes=30) and at != end else at + timedelta(minutes=30)
    entries[-1]["counts"] = list(FINAL_VOTES)
    return entries


def build() -> dict[str, Any]:
    rng = random.Random(20221119)
    pool = repliers(rng, 260)
    users = {u["username"]: u for u in [*NAMED_USERS, *pool, BOT]}
    deal_ms = to_ms(parse_iso(DEAL_CREATED))
    deal = {
        "id": str(snowflake(deal_ms, 0x2A5F17)),
        "author_id": ELON["id"],
        "created_at": DEAL_CREATED,
        "text": "They broke the deal",
        "lang": "en",
    }
    poll = {
        "id": POLL_POST, "author_id": ELON["id"], "created_at": POLL_CREATED,
        "text": "Reinstate former President Trump", "lang": "en",
        "poll": {"id": POLL_ID, "duration_minutes": 1440, "options": ["Yes", "No"], "votes": poll_votes()},
    }  # fmt: skip
    spoken_ms = to_ms(datetime(2022, 11, 20, 4, 31, 9, tzinfo=UTC))
    spoken = {
        "id": str(snowflake(spoken_ms, 0x1B2C3D)),
        "author_id": ELON["id"],
        "created_at": iso_ms(spoken_ms),
        "text": "The people have spoken.\n\nTrump will be reinstated.\n\nVox Populi, Vox Dei.",
        "lang": "en",
    }
    taken = {int(str(p["id"])) for p in (poll, deal, spoken)}
    replies = []
    for root, pattern in ((poll, "poll_replies_*.txt"), (deal, "deal_replies_*.txt")):
        nodes = [n for path in sorted(HERE.glob(pattern)) for n in read_replies(path, rng)]
        replies += assign(nodes, root, users, pool, rng, taken)
    replies.sort(key=lambda p: int(p["id"]))
    return {
        "name": "nov-2022",
        "start": "2022-11-19T00:00:00.000Z",
        "bot": BOT,
        "users": [*NAMED_USERS, *pool],
        "posts": [poll, deal, spoken, *replies],
    }


def render(doc: dict[str, Any]) -> str:
    """Tidy JSON: one user or post a line, so a diff shows what changed."""

    def rows(items: list[Any]) -> str:
        return ",\n".join("    " + json.dumps(i, ensure_ascii=False) for i in items)

    head = {k: v for k, v in doc.items() if k not in ("users", "posts")}
    top = ",\n".join(
        f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in head.items()
    )
    return f'{{\n{top},\n  "users": [\n{rows(doc["users"])}\n  ],\n  "posts": [\n{rows(doc["posts"])}\n  ]\n}}\n'


def main(argv: list[str]) -> int:
    text = render(build())
    if "--check" in argv:
        fresh = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print(
            f"{OUT.name} is {'up to date' if fresh else 'stale: run python -m bot.mock_api.nov2022.write_scenario'}"
        )
        return 0 if fresh else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
