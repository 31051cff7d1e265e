"""``XPlatform``: ``jobs.platform.Platform`` over tweepy (X API v2, v1.1 for media upload)."""

from __future__ import annotations

import functools
import logging
import random as _random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from bot.platforms import redact
from bot.platforms.clock import PlatformClock
from bot.platforms.pacing import Window
from bot.platforms.x import parse
from bot.platforms.x.billing import Biller, Billing, without_links
from bot.platforms.x.chokepoint import Chokepoint, Send, Usage
from bot.platforms.x.ids import oldest_searchable_id
from bot.platforms.x.media import MediaUploader
from bot.platforms.x.transport import TWEEPY_HOSTS, XTransport, equip
from jobs.errors import NotFound, PlatformRejected, PlatformUnavailable, UsageError
from jobs.platform import Media, Page, Poll, Post, User

log = logging.getLogger(__name__)


# Only the fields the jobs use: every extra field is bandwidth, and user expansions would be
# billed as user reads under pay-per-use.
TWEET_FIELDS = (
    "author_id",
    "conversation_id",
    "created_at",
    "in_reply_to_user_id",
    "lang",
    "public_metrics",
    "referenced_tweets",
    "attachments",
    "note_tweet",  # the full text of a long post; ``text`` holds only its first 280
)
POLL_EXPANSION = "attachments.poll_ids"
POLL_FIELDS = ("duration_minutes", "end_datetime", "voting_status")
PAGE_SIZE = 100  # the largest max_results X allows on timelines and recent search
LOOKUP_BATCH = 100  # ids per GET /2/tweets

# What can stand in a URL path: X ids are decimal, usernames word characters (15 at most today;
# a little slack for old accounts). Anything else cannot exist, so no request is made for it.
_ID = re.compile(r"[0-9]{1,25}")
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,50}")

_USER_CREDENTIALS = ("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")


class XPlatform:
    """The X API through tweepy, every request through one ``Chokepoint``.

    Reads use the bearer token (app-only) when there is one, else the bot's user context;
    ``me``, ``create_post`` and media uploads need the user context (OAuth 1.0a).
    """

    name = "x"
    max_post_length = 280
    supports_media = True

    def __init__(
        self,
        *,
        bearer_token: str | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        access_token: str | None = None,
        access_token_secret: str | None = None,
        base_url: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
        usage: Usage | None = None,
        billing: Billing | None = None,
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
        user_parts = (api_key, api_secret, access_token, access_token_secret)
        given = [bool(v) for v in user_parts]
        if any(given) and not all(given):
            missing = [n for n, ok in zip(_USER_CREDENTIALS, given, strict=True) if not ok]
            raise UsageError(f"incomplete X user credentials: {', '.join(missing)} not set")
        if not bearer_token and not all(given):
            raise UsageError(
                "no X credentials: set X_BEARER_TOKEN, or X_API_KEY, X_API_SECRET, "
                "X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"
            )
        if retries < 0 or max_wait_s < 0:
            raise UsageError("retries and max_wait_s must not be negative")
        redact.register(bearer_token, *user_parts)
        self._has_user = all(given)
        self._app_reads = bool(bearer_token)
        self._user_parts = user_parts
        self._biller = Biller(billing)

        # Clients of one process may share a clock: any answer to any of them moves it.
        self._chokepoint = Chokepoint.wired(
            clock=clock, monotonic=monotonic, probe=self._probe, initial=initial_time, sleep=sleep,
            stop=stop, usage=usage, max_wait_s=max_wait_s, retries=retries, random=random,
            backoff_base_s=backoff_base_s, backoff_cap_s=backoff_cap_s, on_limited=on_rate_limited,
        )  # fmt: skip
        self.clock = self._chokepoint.clock
        self._transport = XTransport(base_url=base_url, timeout=(connect_timeout_s, read_timeout_s))
        # tweepy's own waiting stays off: it sleeps on the local clock, outside our pacing.
        self._client = tweepy.Client(
            bearer_token=bearer_token or None,
            consumer_key=api_key,
            consumer_secret=api_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        equip(self._client.session, self._transport, self._chokepoint.on_response)
        self._uploader = MediaUploader(
            user_parts=user_parts,
            base_url=base_url,
            timeout=self._transport.timeout,
            chokepoint=self._chokepoint,
        )
        self._me: User | None = None

    # -- plumbing ------------------------------------------------------------------------

    def _call(self, endpoint: str, send: Send, *, counts_posts: bool = False) -> dict[str, Any]:
        return self._chokepoint.call(endpoint, send, counts_posts=counts_posts)

    def _probe(self) -> None:
        """One credential-free ``GET /`` for its ``date`` header (any status will do)."""
        self._client.session.get(TWEEPY_HOSTS[0]).close()

    def _need_user(self, what: str) -> None:
        if not self._has_user:
            raise PlatformRejected(
                f"{what} needs the bot's user credentials: set {', '.join(_USER_CREDENTIALS)}"
            )

    @property
    def _read_as_user(self) -> bool:
        return not self._app_reads

    @property
    def rate_limits(self) -> dict[str, Window]:
        """The last rate-limit window seen per endpoint (for ``status``)."""
        return self._chokepoint.limits.snapshot()

    # -- Platform ------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def me(self) -> User:
        if self._me is None:
            self._need_user("reading the bot's own account")
            body = self._call("me", lambda: self._client.get_me(user_auth=True))
            self._biller.users("me", body)
            self._me = self._user_or_not_found(body, "me", "the authenticated user")
        return self._me

    def user_by_username(self, username: str) -> User:
        name = username.strip().lstrip("@")
        if not _USERNAME.fullmatch(name):
            raise NotFound(
                f"X user_by_username: no user can be called {username!r}",
                endpoint="user_by_username",
            )
        body = self._call(
            "user_by_username",
            lambda: self._client.get_user(username=name, user_auth=self._read_as_user),
        )
        self._biller.users("user_by_username", body)
        return self._user_or_not_found(body, "user_by_username", f"user @{name}")

    def user(self, user_id: str) -> User:
        _check_id(user_id, "user")
        body = self._call(
            "user", lambda: self._client.get_user(id=user_id, user_auth=self._read_as_user)
        )
        self._biller.users("user", body)
        return self._user_or_not_found(body, "user", f"user {user_id}")

    def users(self, user_ids: Sequence[str]) -> list[User]:
        """``GET /2/users?ids=`` in batches of 100; users that are gone are left out."""
        ids = list(dict.fromkeys(str(i) for i in user_ids))
        for user_id in ids:
            _check_id(user_id, "users")
        found: list[User] = []
        for start in range(0, len(ids), LOOKUP_BATCH):
            batch = ids[start : start + LOOKUP_BATCH]
            body = self._call(
                "users",
                functools.partial(self._client.get_users, ids=batch, user_auth=self._read_as_user),
            )
            self._biller.users("users", body)
            found.extend(parse.parse_users(body))
        return found

    @staticmethod
    def _user_or_not_found(body: dict[str, Any], endpoint: str, what: str) -> User:
        user = parse.parse_single_user(body)
        if user is None:
            detail = parse.problem_text({"errors": body.get("errors")})
            raise NotFound(
                f"X {endpoint}: {what} not found" + (f" ({detail})" if detail else ""),
                endpoint=endpoint,
                status=200,
            )
        return user

    def user_posts(
        self, user_id: str, *, since_id: str | None = None, until_id: str | None = None
    ) -> Iterator[Page]:
        _check_id(user_id, "user_tweets")
        return self._pages(
            "user_tweets",
            lambda token: self._client.get_users_tweets(
                user_id,
                exclude=["replies", "retweets"],
                pagination_token=token,
                **self._timeline_params(since_id, until_id),
            ),
        )

    def search_recent(
        self, query: str, *, since_id: str | None = None, until_id: str | None = None
    ) -> Iterator[Page]:
        # Recent search answers 400 to an id older than its 7 days: a quiet account or a week
        # of downtime must not wedge a cursor. What is older cannot be read any more anyway.
        oldest = oldest_searchable_id(self.now())
        if until_id is not None and int(until_id) <= oldest:
            log.warning("search %r: below id %s is past the 7-day window; nothing to read",
                        query, until_id)  # fmt: skip
            return iter(())
        if since_id is not None and int(since_id) < oldest:
            log.warning("search %r: since id %s is past the 7-day window; reading from %s",
                        query, since_id, oldest)  # fmt: skip
            since_id = str(oldest)
        return self._pages(
            "search_recent",
            lambda token: self._client.search_recent_tweets(
                query, next_token=token, **self._timeline_params(since_id, until_id)
            ),
        )

    def mentions(
        self, user_id: str, *, since_id: str | None = None, until_id: str | None = None
    ) -> Iterator[Page]:
        _check_id(user_id, "mentions")
        as_user = self._has_user  # X prefers the user context here; the bearer also works
        # The bot reading its own mentions as itself: owned reads, at a fifth of the price.
        owned = as_user and self._me is not None and self._me.id == str(user_id)
        return self._pages(
            "mentions",
            lambda token: self._client.get_users_mentions(
                user_id,
                pagination_token=token,
                **self._timeline_params(since_id, until_id, user_auth=as_user),
            ),
            owned=owned,
        )

    def _timeline_params(
        self, since_id: str | None, until_id: str | None, *, user_auth: bool | None = None
    ) -> dict[str, Any]:
        return {
            "max_results": PAGE_SIZE,
            "since_id": since_id,
            "until_id": until_id,
            "tweet_fields": list(TWEET_FIELDS),
            "expansions": [POLL_EXPANSION],
            "poll_fields": list(POLL_FIELDS),
            "user_auth": self._read_as_user if user_auth is None else user_auth,
        }

    def _pages(
        self,
        endpoint: str,
        fetch: Callable[[str | None], requests.Response],
        *,
        owned: bool = False,
    ) -> Iterator[Page]:
        """One Page per answer, following ``next_token`` until X gives none.

        A generator: nothing is requested until the caller asks for the first page, and a
        caller that stops early makes no further requests.
        """
        token: str | None = None
        seen: set[str] = set()
        while True:
            body = self._call(endpoint, functools.partial(fetch, token), counts_posts=True)
            self._biller.posts(endpoint, body, owned=owned)
            page = parse.parse_page(body)
            yield page
            token = page.next_token
            if not token:
                return
            if token in seen:  # a server repeating a token would otherwise loop forever
                raise PlatformUnavailable(
                    f"X API {endpoint} repeated a pagination token", endpoint=endpoint
                )
            seen.add(token)

    def lookup(self, post_ids: Sequence[str]) -> Page:
        """``GET /2/tweets?ids=`` in batches of 100, as one Page; posts that are gone (partial
        errors) are left out, and the polls the posts carry come along."""
        ids = list(dict.fromkeys(str(i) for i in post_ids))  # de-duplicated, order kept
        posts: list[Post] = []
        polls: list[Poll] = []
        for start in range(0, len(ids), LOOKUP_BATCH):
            body = self._call(
                "tweets_lookup",
                functools.partial(self._lookup_batch, ids[start : start + LOOKUP_BATCH]),
                counts_posts=True,
            )
            self._biller.posts("tweets_lookup", body)
            batch = parse.parse_posts(body)
            posts.extend(batch)
            polls.extend(parse.polls_of(body, batch))
        return Page(posts=tuple(posts), polls=tuple(polls))

    def _lookup_batch(self, ids: list[str]) -> requests.Response:
        return self._client.get_tweets(
            ids,
            expansions=[POLL_EXPANSION],
            poll_fields=list(POLL_FIELDS),
            tweet_fields=list(TWEET_FIELDS),
            user_auth=self._read_as_user,
        )

    def polls(self, post_ids: Sequence[str]) -> list[Poll]:
        return list(self.lookup(post_ids).polls)

    def create_post(
        self, text: str, *, in_reply_to: str | None = None, media: Media | None = None
    ) -> str:
        self._need_user("posting")
        bare = without_links(text)
        if bare != text:
            # X bills a post with a URL at $0.20 instead of $0.015; the bot posts none.
            log.info("posting without the links in the text (X bills a link $0.20)")
            text = bare
        media_ids = [self._uploader.upload(media)] if media is not None else None
        body = self._call(
            "create_tweet",
            lambda: self._client.create_tweet(
                text=text, in_reply_to_tweet_id=in_reply_to, media_ids=media_ids, user_auth=True
            ),
        )
        post_id = parse.created_post_id(body)
        if post_id is None:
            raise PlatformUnavailable(
                "X API create_tweet answered without the new post's id", endpoint="create_tweet"
            )
        self._biller.created(post_id, text, in_reply_to=in_reply_to)
        return post_id

    def recent_own_posts(self, *, since: datetime) -> list[Post]:
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        me = self.me()
        found: list[Post] = []
        # Replies included (threads of summaries are replies to the bot itself). Read as the
        # bot (me() needs its user context anyway): X bills that as owned reads.
        for page in self._pages(
            "user_tweets",
            lambda token: self._client.get_users_tweets(
                me.id,
                pagination_token=token,
                start_time=since,
                max_results=PAGE_SIZE,
                tweet_fields=list(TWEET_FIELDS),
                user_auth=True,
            ),
            owned=True,
        ):
            self._biller.own_posts(p.id for p in page.posts)
            found.extend(p for p in page.posts if p.created_at >= since)
            if page.posts and min(p.created_at for p in page.posts) < since:
                break  # newest first: the rest is older still
        return found


def _check_id(value: str, endpoint: str) -> None:
    """Ids go into URL paths: refuse what cannot be an X id before it can reach one."""
    if not _ID.fullmatch(str(value)):
        raise NotFound(f"X {endpoint}: {value!r} is not an X id", endpoint=endpoint)
