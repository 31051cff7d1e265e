"""``bot.mock_api.serve`` of a scenario file on a free port, until SIGTERM.

python -m tests.support.programs.serve_mock SCENARIO.json [SPEED] [--timing]

SPEED is scenario seconds per real second (default 1); ``--timing`` turns on the handler
timing the benchmarks read from ``/_mock/stats``.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    from bot.mock_api import serve

    timing = "--timing" in argv
    args = [a for a in argv if a != "--timing"]
    speed = float(args[1]) if len(args) > 1 else 1.0
    serve(args[0], host="127.0.0.1", port=0, speed=speed, timing=timing)


if __name__ == "__main__":
    main(sys.argv[1:])
