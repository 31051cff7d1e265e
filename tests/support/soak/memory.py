"""What the daemon's memory grew by between two tracemalloc snapshots (written by
``tests.support.programs.traced_daemon``): the allocation sites that grew most, each with
the frames of pollbot's own code that led there."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

KB = 1024
OWN = ("/bot/", "/jobs/", "/storage/")


def _mark(path: Path) -> float:
    return float(path.stem.split("-", 1)[1])


def memory_growth(folder: Path, *, top: int = 15) -> list[str]:
    """Lines comparing the first snapshot in ``folder`` with the last."""
    snaps = sorted(folder.glob("snapshot-*.pickle"), key=_mark)
    if len(snaps) < 2:
        return [f"memory: fewer than two snapshots in {folder}"]
    first, last = snaps[0], snaps[-1]
    old = tracemalloc.Snapshot.load(str(first))
    new = tracemalloc.Snapshot.load(str(last))
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    old, new = old.filter_traces(ignore), new.filter_traces(ignore)
    total = sum(s.size for s in new.statistics("filename")) - sum(
        s.size for s in old.statistics("filename")
    )
    lines = [
        f"memory: traced Python allocations grew {total / KB:+,.0f} KiB from "
        f"{_mark(first):.0f}s to {_mark(last):.0f}s; the sites that grew most:"
    ]
    for diff in new.compare_to(old, "traceback")[:top]:
        if diff.size_diff <= 0:
            break
        frames = list(reversed(diff.traceback))  # the allocation first
        site = f"{frames[0].filename}:{frames[0].lineno}"
        own = [
            "/".join(f.filename.rsplit("/", 2)[-2:]) + f":{f.lineno}"
            for f in frames
            if any(p in f.filename for p in OWN)
        ]
        lines.append(
            f"  {diff.size_diff / KB:+9,.0f} KiB {diff.count_diff:+7,d} blocks  {site}"
            + (f"  <- {' <- '.join(own[:4])}" if own else "")
        )
    return lines
