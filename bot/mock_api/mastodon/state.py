"""What the Mastodon face keeps beside the shared world: the instance's name and status length,
the statuses posted through it (visibility, idempotency keys), its polls by id, and a cache of
each status's HTML."""

from __future__ import annotations

from dataclasses import dataclass

from bot.mock_api.handlers.base import Request
from bot.mock_api.mastodon.html import Rendered
from bot.mock_api.mastodon.ratelimit import MastodonLimiter
from bot.mock_api.ratelimit import Limiter
from bot.mock_api.scenario import MASTODON_ENDPOINTS, Scenario
from bot.mock_api.state import MockState

IDEMPOTENCY_MS = 3_600_000  # Mastodon keeps an Idempotency-Key for an hour
_CACHE_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class Posted:
    """How a status was posted through the face (what ``Rec`` does not hold)."""

    visibility: str = "public"
    sensitive: bool = False
    spoiler_text: str = ""
    language: str | None = None


class MastodonState(MockState):
    platform = "mastodon"
    endpoints = MASTODON_ENDPOINTS

    def __init__(self, scenario: Scenario, *, speed: float = 1.0) -> None:
        super().__init__(scenario, speed=speed)
        self.instance = scenario.instance
        self.max_characters = scenario.max_characters
        # poll id -> the id of the status that carries it (only scenario posts carry polls)
        self.polls = {int(r.poll.id): r.id for r in self.world.base.recs.values() if r.poll}
        self.posted: dict[int, Posted] = {}
        # (account id, Idempotency-Key) -> (status id, when it was posted)
        self.idempotency: dict[tuple[int, str], tuple[int, int]] = {}
        self.rendered: dict[int, Rendered] = {}

    def make_limiter(self) -> Limiter:
        return MastodonLimiter(self.scenario.rate_limits)

    def remembered(self, account: int, key: str, now_ms: int) -> int | None:
        """The status an account posted with this Idempotency-Key within the hour, if any."""
        found = self.idempotency.get((account, key))
        if found is None or now_ms - found[1] >= IDEMPOTENCY_MS:
            return None
        return found[0]

    def render_cache(self) -> dict[int, Rendered]:
        if len(self.rendered) >= _CACHE_LIMIT:
            self.rendered.clear()
        return self.rendered

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.posted.clear()
            self.idempotency.clear()
            self.rendered.clear()


def mastodon(state: MockState) -> MastodonState:
    """The Mastodon face's state (its handlers are only routed for one)."""
    assert isinstance(state, MastodonState)
    return state


def token_of(req: Request) -> str | None:
    """The bearer token of a request, if it carries one."""
    header = req.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None
