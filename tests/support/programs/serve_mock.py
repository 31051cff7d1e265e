"""``bot.mock_api.serve`` of a scenario file on a free port, until SIGTERM.

python -m tests.support.programs.serve_mock SCENARIO.json [SPEED] [--timing] [--mastodon]

SPEED is scenario seconds per real second (default 1); ``--timing`` turns on the handler
timing the benchmarks read from ``/_mock/stats``; ``--mastodon`` serves the Mastodon face
(X's by default).
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    from bot.mock_api import serve

    flags = {"--timing", "--mastodon"}
    args = [a for a in argv if a not in flags]
    speed = float(args[1]) if len(args) > 1 else 1.0
    platform = "mastodon" if "--mastodon" in argv else "x"
    serve(
        args[0], host="127.0.0.1", port=0, speed=speed, timing="--timing" in argv, platform=platform
    )


if __name__ == "__main__":
    main(sys.argv[1:])
