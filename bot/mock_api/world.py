"""The live world: the scenario's posts as the clock reveals them, plus what clients post and
upload. One lock serialises requests; reads are a bisect and a slice, so it is held briefly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

from bot.mock_api.clock import ScenarioClock
from bot.mock_api.scenario import Scenario, UserSpec
from bot.mock_api.table import Bounds, IdIndex, Rec, insert_sorted, merge_walks
from bot.mock_api.timefmt import iso_ms, snowflake, snowflake_ms, to_ms
from bot.mock_api.world_base import Base, add_rec, build_base

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class PollState:
    counts: tuple[int, ...]
    open: bool
    end_ms: int


@dataclass(frozen=True, slots=True)
class MediaItem:
    id: int
    owner: int
    size: int
    mime: str
    width: int
    height: int
    ms: int
    description: str | None = None  # alt text, where the upload gave one (Mastodon's face)


class World:
    def __init__(self, scenario: Scenario, *, speed: float = 1.0) -> None:
        self.scenario = scenario
        self.clock = ScenarioClock(scenario.start, speed=speed)
        self.base: Base = build_base(scenario)
        self.lock = threading.RLock()
        self.bot_id = int(scenario.bot.id)
        self._created: list[Rec] = []
        self._undo: list[tuple[IdIndex, int]] = []
        self.media: dict[int, MediaItem] = {}
        self._last_made = 0

    # users ---------------------------------------------------------------------------------
    def user(self, user_id: int) -> UserSpec | None:
        return self.base.users.get(user_id)

    def user_by_username(self, username: str) -> UserSpec | None:
        user_id = self.base.by_username.get(username.lower())
        return None if user_id is None else self.base.users[user_id]

    # posts ---------------------------------------------------------------------------------
    def rec(self, post_id: int) -> Rec | None:
        found = self.base.recs.get(post_id)
        if found is not None:
            return found
        for block in self.base.blocks:
            found = block.get(post_id)
            if found is not None:
                return found
        return None

    def visible(self, post_id: int, now_ms: int) -> Rec | None:
        rec = self.rec(post_id)
        return rec if rec is not None and rec.ms <= now_ms else None

    def ms_of(self, post_id: int) -> int:
        rec = self.base.recs.get(post_id)
        return rec.ms if rec is not None else snowflake_ms(post_id)

    def walk(self, keys: list[tuple[str, int]], bounds: Bounds) -> Iterator[int]:
        """Visible ids under any of the keys, newest first; no key = no posts."""
        walks = []
        for kind, key in keys:
            index = self.base.index(kind, key)
            if index is not None:
                walks.append(index.walk(bounds, self.ms_of))
        return merge_walks(walks) if walks else iter(())

    def reply_count(self, post_id: int, now_ms: int) -> int:
        index = self.base.index("children", post_id)
        return 0 if index is None else index.count_visible(now_ms, self.ms_of)

    def poll_state(self, rec: Rec, now_ms: int) -> PollState:
        poll = rec.poll
        assert poll is not None
        counts: tuple[int, ...] = (0,) * len(poll.options)
        for snapshot in poll.votes:  # a handful of entries: a scan beats a bisect here
            if to_ms(snapshot.at) > now_ms:
                break
            counts = snapshot.counts
        end_ms = rec.ms + poll.duration_minutes * 60_000
        return PollState(counts=counts, open=now_ms < end_ms, end_ms=end_ms)

    def has_recent_text(self, author: int, text: str, now_ms: int) -> bool:
        """Whether the author posted this very text in the last 24 hours."""
        bounds = Bounds(now_ms=now_ms, min_ms=now_ms - DAY_MS)
        for post_id in self.walk([("author", author)], bounds):
            rec = self.rec(post_id)
            if rec is not None and rec.text == text:
                return True
        return False

    def create_post(
        self, *, author: int, text: str, parent: Rec | None, media: tuple[str, ...], lang: str
    ) -> Rec:
        now_ms = self.clock.now_ms()
        post_id = max(snowflake(now_ms, 0), self._last_made + 1)
        while self.rec(post_id) is not None:
            post_id += 1
        self._last_made = post_id
        rec = Rec(
            id=post_id,
            ms=snowflake_ms(post_id),
            author=author,
            parent=parent.id if parent else 0,
            conv=parent.conv if parent else post_id,
            reply_user=parent.author if parent else 0,
            lang=lang,
            text=text,
            media=media,
        )

        def add(kind: str, key: int, pid: int, _regular: bool) -> None:
            table = self.base.indexes[kind]
            index = table.get(key)
            if index is None:
                index = table[key] = IdIndex()
            insert_sorted(index.irregular, pid)  # checked one by one, and easy to take back
            self._undo.append((index, pid))

        add_rec(self.base, add, rec)
        self._created.append(rec)
        return rec

    def add_media(
        self,
        *,
        owner: int,
        size: int,
        mime: str,
        width: int,
        height: int,
        description: str | None = None,
    ) -> MediaItem:
        now_ms = self.clock.now_ms()
        # a sequence space of its own: a media id never equals a post id made the same instant
        media_id = snowflake(now_ms, (1 << 21) | (len(self.media) + 1))
        item = MediaItem(media_id, owner, size, mime, width, height, now_ms, description)
        self.media[media_id] = item
        return item

    # ground truth for tests and the control endpoints ----------------------------------------
    def created_posts(self) -> list[dict]:
        return [
            {
                "id": str(r.id),
                "author_id": str(r.author),
                "text": r.text,
                "created_at": iso_ms(r.ms),
                "in_reply_to": str(r.parent) if r.parent else None,
                "media_ids": list(r.media),
            }
            for r in self._created
        ]

    def visible_posts(self, now_ms: int) -> list[dict]:
        ids = list(self.walk([("all", 0)], Bounds(now_ms=now_ms)))
        ids.reverse()
        out = []
        for post_id in ids:
            r = self.rec(post_id)
            assert r is not None
            out.append(
                {
                    "id": str(r.id),
                    "author_id": str(r.author),
                    "conversation_id": str(r.conv),
                    "in_reply_to": str(r.parent) if r.parent else None,
                    "created_at": iso_ms(r.ms),
                    "lang": r.lang,
                    "text": r.text,
                }
            )
        return out

    def reset(self) -> None:
        """Back to the scenario as loaded: created posts and media gone, clock at the start."""
        for index, post_id in self._undo:
            index.irregular.remove(post_id)
        for rec in self._created:
            del self.base.recs[rec.id]
        self._undo.clear()
        self._created.clear()
        self.media.clear()
        self._last_made = 0
        self.clock.reset()
