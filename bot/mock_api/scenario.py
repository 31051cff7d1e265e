"""A scenario: what the fake world holds (users, posts, polls, synthetic replies, limits), served
by the X face and by the Mastodon face (as one instance, ``instance``, whose statuses are at most
``max_characters`` long).

Frozen dataclasses built by ``validate`` from a scenario file (``loader``). Anything wrong in a
file raises ``ScenarioError`` with one line naming the file and the JSON path at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.mock_api.errors import MockError

ENDPOINTS = (
    "user_by_username",
    "users_by",
    "user",
    "users",
    "me",
    "user_tweets",
    "mentions",
    "search_recent",
    "tweets_lookup",
    "tweet",
    "create_tweet",
    "media_upload",
)
# the Mastodon face's endpoints (stats, faults and scenario rate limits name them)
MASTODON_ENDPOINTS = (
    "account_lookup",
    "account",
    "verify_credentials",
    "account_statuses",
    "status",
    "status_context",
    "poll",
    "notifications",
    "create_status",
    "media_upload",
    "instance",
)
DEFAULT_INSTANCE = "mastodon.example"
DEFAULT_MAX_CHARACTERS = 500


class ScenarioError(MockError):
    """A scenario that cannot be loaded; the message is one line: file, JSON path, problem."""


@dataclass(frozen=True, slots=True)
class UserSpec:
    """A user. The profile fields are optional in a scenario; ``bot.mock_api.profiles`` gives
    plausible deterministic values for those it leaves out."""

    id: str
    username: str
    name: str
    created_at: datetime | None = None
    description: str | None = None
    protected: bool | None = None
    verified: bool | None = None
    profile_image_url: str | None = None
    followers_count: int | None = None


@dataclass(frozen=True, slots=True)
class VoteSnapshot:
    at: datetime
    counts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PollSpec:
    id: str
    duration_minutes: int
    options: tuple[str, ...]
    votes: tuple[VoteSnapshot, ...] = ()


@dataclass(frozen=True, slots=True)
class PostSpec:
    id: str
    author_id: str
    created_at: datetime
    text: str
    lang: str = "en"
    in_reply_to: str | None = None
    poll: PollSpec | None = None


@dataclass(frozen=True, slots=True)
class GenerateSpec:
    replies_to: tuple[str, ...]
    count: int
    seed: int
    start: datetime  # "from" in the file
    end: datetime  # "to" in the file


@dataclass(frozen=True, slots=True)
class RateLimitSpec:
    limit: int
    window_s: int


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str  # the reference it was loaded from, for messages
    start: datetime
    bot: UserSpec
    users: tuple[UserSpec, ...]
    posts: tuple[PostSpec, ...]
    generate: tuple[GenerateSpec, ...] = ()
    rate_limits: dict[str, RateLimitSpec] = field(default_factory=dict)
    instance: str = DEFAULT_INSTANCE  # the Mastodon face's domain
    max_characters: int = DEFAULT_MAX_CHARACTERS  # the Mastodon face's status length
