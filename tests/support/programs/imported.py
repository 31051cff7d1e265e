"""``pollbot ARGS`` in this process, then the names of every module it imported written to
OUT (one a line): what ``tests.support.imports`` reads.

python -m tests.support.programs.imported OUT ARGS...
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    out = Path(argv[0])
    from bot.cli import main as pollbot

    try:
        pollbot(argv[1:])
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    out.write_text("\n".join(sorted(sys.modules)) + "\n")
    sys.exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
