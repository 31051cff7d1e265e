"""The X (Twitter) client over tweepy.

- ``client``: ``XPlatform``, the ``jobs.platform.Platform`` the jobs are handed
- ``chokepoint``: the one path to the network (pacing, retries, error mapping)
- ``transport``: the requests adapter (``X_API_BASE_URL``, timeouts)
- ``pacing``: rate-limit windows from ``x-rate-limit-*``; ``parse``: JSON bodies -> records
"""

from bot.platforms.x.client import XPlatform

__all__ = ["XPlatform"]
