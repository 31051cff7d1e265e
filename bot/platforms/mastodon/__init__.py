"""The Mastodon client over Mastodon.py.

- ``client``: ``MastodonPlatform``, the ``jobs.platform.ThreadedPlatform`` the jobs are handed
- ``chokepoint``: the one path to the network (pacing, retries, error mapping)
- ``pacing``: rate-limit windows from ``X-RateLimit-*`` (ISO 8601 resets)
- ``parse``: JSON bodies -> records; ``html``: content HTML -> text; ``language``: a
  status's language, declared or guessed
- ``timeline``: account statuses and mentions as pages; ``accounts``: accounts by address
- ``posting``: the ``Idempotency-Key`` that makes a post safe to repeat, image uploads
- ``urls``: the base URL and ids checked before they reach a URL
"""

from bot.platforms.mastodon.client import MastodonPlatform

__all__ = ["MastodonPlatform"]
