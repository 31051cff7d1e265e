"""Platform clients: implementations of ``jobs.platform.Platform`` (X over tweepy).

``bot.platforms.clock.PlatformClock`` is the clock they share: the ``date`` header of the
platform's answers, carried forward by the local monotonic clock. What the clients share
besides: ``chokepoint`` (the loop every request runs in: pacing, retries, the 429 wait),
``pacing`` (rate-limit windows, backoff), ``limits`` (the 429 wait's rule), ``redact``
(credential values kept out of messages and debug logs).
"""
