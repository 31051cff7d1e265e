"""``pollbot run`` under tracemalloc, writing a snapshot at given seconds after start: how
``bench.soak --trace-memory DIR`` finds what the daemon's memory grows by.

python -m tests.support.programs.traced_daemon DIR SECONDS[,SECONDS...]

Each snapshot is ``DIR/snapshot-<seconds>.pickle`` (``tracemalloc.Snapshot.load`` reads it;
``tests.support.soak.memory`` compares two). Tracing costs time and memory of its own: the
RSS of a traced soak is not the figure to report, only where the growth comes from.
"""

from __future__ import annotations

import sys
import threading
import time
import tracemalloc
from pathlib import Path

FRAMES = 12


def _snapshots(folder: Path, marks: list[float], began: float) -> None:
    for mark in marks:
        time.sleep(max(0.0, began + mark - time.monotonic()))
        tracemalloc.take_snapshot().dump(str(folder / f"snapshot-{mark:.0f}.pickle"))


def main(argv: list[str]) -> None:
    folder = Path(argv[0])
    folder.mkdir(parents=True, exist_ok=True)
    marks = sorted(float(s) for s in argv[1].split(","))
    tracemalloc.start(FRAMES)
    began = time.monotonic()
    threading.Thread(
        target=_snapshots, args=(folder, marks, began), name="snapshots", daemon=True
    ).start()
    from bot.cli import main as pollbot

    pollbot(["run"])


if __name__ == "__main__":
    main(sys.argv[1:])
