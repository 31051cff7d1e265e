"""The Mastodon face of the mock: the scenario's world served as one Mastodon 4.x instance
(``scenario.instance``), so that Mastodon.py talks to it unchanged.

``routes`` names each endpoint; ``steps`` puts the request chain in order (a bearer token names
the poster, Mastodon's rate limits of ``ratelimit``, faults); ``reads`` and ``posting`` answer;
``serialize`` and ``html`` write statuses, accounts, polls and notifications as Mastodon does;
``state`` keeps what only this face holds (idempotency keys, how statuses were posted).
"""
