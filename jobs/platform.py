"""What the jobs need from a social platform, as plain records and one protocol.

``bot.platforms.x`` implements it over tweepy, ``bot.platforms.mastodon`` over Mastodon.py.
Ids are the platform's own, as strings: X's are decimal, Mastodon's opaque.
Every method raises only the errors of ``jobs.errors``; never a foreign exception.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeGuard


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class PollOption:
    position: int
    label: str
    votes: int


@dataclass(frozen=True, slots=True)
class Poll:
    id: str
    post_id: str  # the post that carries the poll
    options: tuple[PollOption, ...]
    voting_status: str  # "open" | "closed"
    duration_minutes: int | None = None
    end_datetime: datetime | None = None

    @property
    def total_votes(self) -> int:
        return sum(o.votes for o in self.options)

    @property
    def closed(self) -> bool:
        return self.voting_status == "closed"


@dataclass(frozen=True, slots=True)
class Post:
    id: str
    author_id: str
    text: str
    created_at: datetime  # timezone-aware UTC
    conversation_id: str | None = None
    lang: str | None = None
    in_reply_to_user_id: str | None = None
    replied_to_id: str | None = None  # referenced_tweets[type=replied_to]
    poll_id: str | None = None  # attachments.poll_ids[0]
    metrics: dict[str, int] = field(default_factory=dict)  # public_metrics


@dataclass(frozen=True, slots=True)
class Page:
    """One answer of a paginated endpoint, newest first as the platform gives it."""

    posts: tuple[Post, ...]
    polls: tuple[Poll, ...] = ()
    users: tuple[User, ...] = ()
    newest_id: str | None = None
    oldest_id: str | None = None
    next_token: str | None = None


@dataclass(frozen=True, slots=True)
class Thread:
    """A conversation read whole in one answer (Mastodon's ``context``, which is not paginated):
    the root post and every descendant the platform returned, oldest first, each descendant's
    ``conversation_id`` set to the root's id. ``complete`` is False when the platform counts
    more replies than came back (a status whose ``replies_count`` exceeds the descendants
    answering it, or the answer's cap reached): read it again later."""

    root: Post
    posts: tuple[Post, ...]
    polls: tuple[Poll, ...] = ()
    complete: bool = True


@dataclass(frozen=True, slots=True)
class Media:
    """An image to attach to a post, with its description for those who cannot see it
    (Mastodon's alt text; X's client may leave it out)."""

    data: bytes
    mime_type: str = "image/png"
    description: str = ""


class Platform(Protocol):
    """The reads and writes the jobs make. Ids are strings, as on the wire."""

    name: str
    max_post_length: int  # weighted characters a post may hold
    supports_media: bool

    def now(self) -> datetime:
        """The platform's clock (the ``date`` header of its answers, carried forward)."""
        ...

    def me(self) -> User: ...

    def user_by_username(self, username: str) -> User: ...

    def user(self, user_id: str) -> User: ...

    def users(self, user_ids: Sequence[str]) -> list[User]:
        """The given users (batched by the client, 100 ids a request); those gone left out."""
        ...

    def user_posts(
        self, user_id: str, *, since_id: str | None = None, until_id: str | None = None
    ) -> Iterator[Page]:
        """The user's own posts (no replies, no retweets), with any poll they carry, newest first."""
        ...

    def search_recent(
        self, query: str, *, since_id: str | None = None, until_id: str | None = None
    ) -> Iterator[Page]:
        """Pages of ``GET /2/tweets/search/recent`` (max_results=100), newest first."""
        ...

    def mentions(
        self, user_id: str, *, since_id: str | None = None, until_id: str | None = None
    ) -> Iterator[Page]:
        """Posts mentioning the user, newest first."""
        ...

    def lookup(self, post_ids: Sequence[str]) -> Page:
        """The given posts (batched by the client, 100 ids a request) with the polls they
        carry in ``Page.polls``. Posts that are gone are left out."""
        ...

    def polls(self, post_ids: Sequence[str]) -> list[Poll]:
        """The polls carried by the given posts (batched by the client, 100 ids a request).

        Posts that are gone or carry no poll are left out.
        """
        ...

    def create_post(
        self, text: str, *, in_reply_to: str | None = None, media: Media | None = None
    ) -> str:
        """Post as the bot's account; returns the new post's id."""
        ...

    def recent_own_posts(self, *, since: datetime) -> list[Post]:
        """The bot's own posts created at or after ``since`` (to check what went out)."""
        ...


class ThreadedPlatform(Platform, Protocol):
    """A platform whose conversations are read whole (Mastodon) rather than searched (X):
    ``search_recent`` is not offered (it raises ``PlatformRejected``); collection reads the
    ``conversation`` of each poll, and of each recent post of a followed account."""

    def conversation(self, post_id: str, *, known: Container[str] = frozenset()) -> Thread:
        """The post and its descendants (``GET /api/v1/statuses/:id/context``); those whose
        ids are ``known`` (stored already) may be left out of ``Thread.posts``, unread, but
        count for ``Thread.complete``."""
        ...


def reads_threads(platform: Platform) -> TypeGuard[ThreadedPlatform]:
    """Whether the platform reads conversations whole (looked up on its type: an instance's
    attributes may cost a request)."""
    return callable(getattr(type(platform), "conversation", None))
