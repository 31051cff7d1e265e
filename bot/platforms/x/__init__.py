"""The X (Twitter) client over tweepy.

- ``client``: ``XPlatform``, the ``jobs.platform.Platform`` the jobs are handed
- ``chokepoint``: the one path to the network (pacing, retries, error mapping)
- ``transport``: the requests adapter (``X_API_BASE_URL``, timeouts)
- ``pacing``: rate-limit windows and backoff; ``parse``: JSON bodies -> records
- ``redact``: credential values kept out of messages and tweepy's debug log
"""

from bot.platforms.x.client import XPlatform

__all__ = ["XPlatform"]
