"""Platform clients: implementations of ``jobs.platform.Platform`` (X over tweepy).

``bot.platforms.clock.PlatformClock`` is the clock they share: the ``date`` header of the
platform's answers, carried forward by the local monotonic clock.
"""
