"""``bot.mock_api.serve`` of a scenario file on a free port at speed 1, until SIGTERM.

python -m tests.support.programs.serve_mock SCENARIO.json
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    from bot.mock_api import serve

    serve(argv[0], host="127.0.0.1", port=0, speed=1)


if __name__ == "__main__":
    main(sys.argv[1:])
