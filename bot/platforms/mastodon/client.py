"""``MastodonPlatform``: ``jobs.platform.ThreadedPlatform`` over Mastodon.py.

Mastodon.py builds the requests; every one of them runs inside the ``Chokepoint`` (pacing,
retries, typed errors), and the answers are read from the wire's JSON (``parse``), not from
Mastodon.py's typed objects.
"""

from __future__ import annotations

import functools
import logging
import random as _random
import threading
import time
from collections.abc import Callable, Container, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import mastodon
import requests

from bot.platforms import redact
from bot.platforms.clock import PlatformClock
from bot.platforms.mastodon import accounts, parse, timeline
from bot.platforms.mastodon.chokepoint import Answer, Chokepoint, Counter, Send, Usage
from bot.platforms.mastodon.posting import MEDIA_CHECKS, idempotency_key, upload_media
from bot.platforms.mastodon.timeline import MENTIONS_PAGE_SIZE, PAGE_SIZE
from bot.platforms.mastodon.urls import check_base_url, check_id
from bot.platforms.pacing import Window
from jobs.errors import NotFound, PlatformRejected, PlatformUnavailable, UsageError
from jobs.platform import Media, Page, Poll, Post, Thread, User

if TYPE_CHECKING:
    from jobs.platform import ThreadedPlatform

log = logging.getLogger(__name__)

CONTEXT_CAP = 4096  # descendants a context answer holds at most (with a token)
DEFAULT_MAX_CHARACTERS = 500
# The version Mastodon.py is told the server runs, so it asks nothing to find out (it would
# read the instance outside the chokepoint): 4.0 has every endpoint used here (v2 media,
# accounts/lookup, notifications ``types[]``).
ASSUMED_VERSION = "4.0.0"


class MastodonPlatform:
    """The bot's Mastodon instance and account, through Mastodon.py, one request at a time
    through one ``Chokepoint``."""

    name = "mastodon"
    supports_media = True

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
        usage: Usage | None = None,
        max_wait_s: float = 120.0,
        retries: int = 4,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 30.0,
        random: Callable[[], float] = _random.random,
        connect_timeout_s: float = 10.0,
        read_timeout_s: float = 30.0,
        initial_time: datetime | None = None,
        clock: PlatformClock | None = None,
        on_rate_limited: Callable[[str], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        if not access_token:
            raise UsageError("no Mastodon credentials: set MASTODON_ACCESS_TOKEN")
        if retries < 0 or max_wait_s < 0:
            raise UsageError("retries and max_wait_s must not be negative")
        self.base_url = check_base_url(base_url)
        redact.register(access_token)
        self._chokepoint = Chokepoint.wired(
            clock=clock, monotonic=monotonic, probe=self._probe, initial=initial_time, sleep=sleep,
            stop=stop, usage=usage, max_wait_s=max_wait_s, retries=retries, random=random,
            backoff_base_s=backoff_base_s, backoff_cap_s=backoff_cap_s, on_limited=on_rate_limited,
        )  # fmt: skip
        self._timeout = (connect_timeout_s, read_timeout_s)
        self._session = requests.Session()
        self._session.hooks["response"].append(self._chokepoint.on_response)
        self.clock = self._chokepoint.clock  # shared, or its own (probed through the session)
        self._api = mastodon.Mastodon(
            access_token=access_token,
            api_base_url=self.base_url,
            session=self._session,
            ratelimit_method="throw",  # our pacing waits, on the platform's clock
            version_check_mode="created",
            mastodon_version=ASSUMED_VERSION,
            request_timeout=self._timeout,  # type: ignore[arg-type]  # requests takes a pair
            user_agent="pollbot",
        )
        self._me: User | None = None
        self._instance: dict[str, Any] | None = None
        self._max_post_length: int | None = None
        # Mentions are notifications, paged by notification ids; the jobs' cursors hold status
        # ids. The notification of each mention seen maps one to the other.
        self._mention_marks: dict[str, str] = {}

    # -- plumbing ------------------------------------------------------------------------

    def _call(self, endpoint: str, send: Send, count: Counter | None = None) -> Answer:
        return self._chokepoint.call(endpoint, send, count=count)

    def _object(
        self, endpoint: str, send: Send, what: str, *, count: Counter | None = None
    ) -> dict[str, Any]:
        """A request answered with one JSON object (a status, an account)."""
        body = self._call(endpoint, send, count).body
        if not isinstance(body, dict):
            raise PlatformUnavailable(
                f"Mastodon API {endpoint} answered {what} with a list", endpoint=endpoint
            )
        return body

    def _probe(self) -> None:
        """One credential-free ``GET /`` for its ``date`` header (any status will do)."""
        self._session.get(self.base_url + "/", timeout=self._timeout, allow_redirects=False).close()

    @property
    def rate_limits(self) -> dict[str, Window]:
        """The last rate-limit window seen per bucket (``api``, ``statuses``, ``media``)."""
        return self._chokepoint.limits.snapshot()

    def _instance_info(self) -> dict[str, Any]:
        if self._instance is None:
            body = self._call("instance", self._api.instance_v2).body
            self._instance = body if isinstance(body, dict) else {}
        return self._instance

    @property
    def max_post_length(self) -> int:
        """``configuration.statuses.max_characters`` of the instance, read once, lazily."""
        if self._max_post_length is None:
            info = self._instance_info()
            self._max_post_length = parse.max_characters(info, DEFAULT_MAX_CHARACTERS)
        return self._max_post_length

    @max_post_length.setter
    def max_post_length(self, value: int) -> None:
        self._max_post_length = value

    # -- accounts ------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def me(self) -> User:
        if self._me is None:
            body = self._object(
                "verify_credentials", self._api.account_verify_credentials, "an account"
            )
            self._me = accounts.user_of(body, "verify_credentials", "the bot's account")
        return self._me

    def user_by_username(self, username: str) -> User:
        """``user``, ``@user``, ``user@domain`` or ``@user@domain``. A local account (no domain,
        or the instance's own) is looked up; a remote one is looked up, and when the instance
        does not know it yet, resolved through it (account search with ``resolve``)."""
        name, domain = accounts.parse_address(username)
        if domain is not None and self._is_local(domain):
            domain = None
        acct = name if domain is None else f"{name}@{domain}"
        try:
            body = self._object(
                "account_lookup", functools.partial(self._api.account_lookup, acct), "an account"
            )
        except NotFound:
            if domain is None:
                raise
            return accounts.resolve(self._call, self._api, acct)
        return accounts.user_of(body, "account_lookup", f"account @{acct}")

    def _is_local(self, domain: str) -> bool:
        """The instance's own domain: its base URL's host, or (asked once) its ``domain``."""
        if domain == urlsplit(self.base_url).netloc.lower():
            return True
        return domain == parse.instance_domain(self._instance_info())

    def user(self, user_id: str) -> User:
        check_id(user_id, "account")
        body = self._object(
            "account", functools.partial(self._api.account, str(user_id)), "an account"
        )
        return accounts.user_of(body, "account", f"account {user_id}")

    def users(self, user_ids: Sequence[str]) -> list[User]:
        """One ``GET /api/v1/accounts/:id`` each; accounts that are gone are left out."""
        found: list[User] = []
        for user_id in dict.fromkeys(str(i) for i in user_ids):
            try:
                found.append(self.user(user_id))
            except NotFound:
                log.debug("Mastodon account %s is gone; left out", user_id)
        return found

    # -- timelines -----------------------------------------------------------------------

    def user_posts(
        self, user_id: str, *, since_id: str | None = None, until_id: str | None = None
    ) -> Iterator[Page]:
        """The account's statuses without replies and reblogs, newest first, 40 a page.
        (Mastodon's ``exclude_replies`` keeps an author's replies to itself, threads; they are
        dropped here, as X drops them.)"""
        check_id(user_id, "account_statuses")
        fetch = functools.partial(
            self._api.account_statuses,
            str(user_id),
            exclude_replies=True,
            exclude_reblogs=True,
            since_id=since_id,
            limit=PAGE_SIZE,
        )
        return timeline.pages(
            self._call,
            "account_statuses",
            lambda max_id: fetch(max_id=max_id),
            start=until_id,
            keep=lambda post: post.replied_to_id is None,
        )

    def recent_own_posts(self, *, since: datetime) -> list[Post]:
        """The bot's statuses created at or after ``since``, its replies included (a summary
        thread is a chain of replies to itself)."""
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        me = self.me()
        fetch = functools.partial(
            self._api.account_statuses, me.id, exclude_reblogs=True, limit=PAGE_SIZE
        )
        found: list[Post] = []
        for page in timeline.pages(
            self._call, "account_statuses", lambda max_id: fetch(max_id=max_id)
        ):
            found.extend(p for p in page.posts if p.created_at >= since)
            if page.posts and min(p.created_at for p in page.posts) < since:
                break  # newest first: the rest is older still
        return found

    def search_recent(
        self, query: str, *, since_id: str | None = None, until_id: str | None = None
    ) -> Iterator[Page]:
        raise PlatformRejected(
            "Mastodon has no recent search of posts: its conversations are read whole "
            "(conversation)",
            endpoint="search_recent",
        )

    def mentions(
        self, user_id: str, *, since_id: str | None = None, until_id: str | None = None
    ) -> Iterator[Page]:
        """The bot's mention notifications, their statuses newest first. ``since_id`` and
        ``until_id`` are status ids, as on X; notifications are paged by ids of their own, so
        they bound the statuses here, and a ``since_id`` whose notification this process has
        seen also bounds the request (else reading stops at the first page reaching it)."""
        me = self.me()
        if str(user_id) != me.id:
            raise PlatformRejected(
                "Mastodon gives the mentions of the bot's own account only",
                endpoint="notifications",
            )
        fetch = functools.partial(
            self._api.notifications, types=["mention"], limit=MENTIONS_PAGE_SIZE
        )
        return timeline.mention_pages(
            self._call,
            lambda since, max_id: fetch(since_id=since, max_id=max_id),
            self._mention_marks,
            since_id=since_id,
            until_id=until_id,
        )

    # -- statuses ------------------------------------------------------------------------

    def lookup(self, post_ids: Sequence[str]) -> Page:
        """One ``GET /api/v1/statuses/:id`` each, with the polls they carry; statuses that
        are gone are left out."""
        posts: list[Post] = []
        polls: list[Poll] = []
        for post_id in dict.fromkeys(str(i) for i in post_ids):
            try:
                check_id(post_id, "status")
                body = self._object(
                    "status",
                    functools.partial(self._api.status, post_id),
                    "a status",
                    count=parse.count_statuses,
                )
            except NotFound:
                log.debug("Mastodon status %s is gone; left out", post_id)
                continue
            post = parse.parse_status(body)
            if post is None:
                continue
            posts.append(post)
            poll = parse.poll_of(body, post)
            if poll is not None:
                polls.append(poll)
        return Page(posts=tuple(posts), polls=tuple(polls))

    def polls(self, post_ids: Sequence[str]) -> list[Poll]:
        return list(self.lookup(post_ids).polls)

    def conversation(self, post_id: str, *, known: Container[str] = frozenset()) -> Thread:
        """The status and its descendants (``GET /statuses/:id``, then ``/context``), those
        with ``known`` ids left out."""
        check_id(post_id, "status")
        root = self._object(
            "status",
            functools.partial(self._api.status, post_id),
            "a status",
            count=parse.count_statuses,
        )
        context = self._object(
            "status_context",
            functools.partial(self._api.status_context, post_id),
            "a context",
            count=parse.count_statuses,
        )
        thread = parse.parse_thread(root, context, cap=CONTEXT_CAP, known=known)
        if thread is None:
            raise PlatformUnavailable(
                f"Mastodon API status answered {post_id} without an id", endpoint="status"
            )
        return thread

    # -- posting -------------------------------------------------------------------------

    def create_post(
        self, text: str, *, in_reply_to: str | None = None, media: Media | None = None
    ) -> str:
        """Post as the bot's account with an ``Idempotency-Key`` (``posting``): a retry, even
        by a restarted process within Mastodon's hour, returns the first status."""
        if in_reply_to is not None:
            check_id(in_reply_to, "create_status")
        key = idempotency_key(self.me().id, text, in_reply_to=in_reply_to, media=media)
        media_ids = None
        if media is not None:
            media_ids = [
                upload_media(
                    self._call,
                    self._api,
                    media,
                    pause=self._chokepoint.pause,
                    checks=MEDIA_CHECKS,
                )
            ]
        body = self._object(
            "create_status",
            functools.partial(
                self._api.status_post,
                text,
                in_reply_to_id=in_reply_to,
                media_ids=media_ids,
                idempotency_key=key,
            ),
            "a status",
        )
        status_id = parse.wire_id(body.get("id"))
        if status_id is None:
            raise PlatformUnavailable(
                "Mastodon API create_status answered without the new status's id",
                endpoint="create_status",
            )
        return status_id


if TYPE_CHECKING:

    def _is_a_threaded_platform(platform: MastodonPlatform) -> ThreadedPlatform:
        return platform  # mypy checks here that MastodonPlatform meets the protocol
