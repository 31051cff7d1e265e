"""A live progress line for long commands on a terminal (rich); nothing when piped."""

from __future__ import annotations

import sys
from collections import Counter
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.text import Text

from jobs.base import NoProgress, Progress


class LiveProgress:
    """Counts what a job reports (subjects, pages, replies new/seen) and shows it."""

    def __init__(self, title: str, console: Console) -> None:
        self.title = title
        self.counts: Counter[str] = Counter()
        self.subject = ""
        self._live = Live(self._render(), console=console, refresh_per_second=8, transient=False)

    def _render(self) -> Text:
        c = self.counts
        line = (
            f"{self.title}: {c['subjects']} subjects, {c['pages']} pages, "
            f"{c['new']} new / {c['seen']} seen replies"
        )
        if c["polls"]:
            line += f", {c['polls']} polls"
        if self.subject:
            line += f"  [{self.subject}]"
        return Text(line)

    def update(self, **counts: int | str) -> None:
        for key, value in counts.items():
            if key == "subject" and isinstance(value, str):
                self.subject = value
                self.counts["subjects"] += 1
            elif isinstance(value, int):
                self.counts[key] += value
        self._live.update(self._render())

    def __enter__(self) -> LiveProgress:
        self._live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._live.__exit__(exc_type, exc, tb)


def progress_for(title: str) -> LiveProgress | None:
    if not sys.stderr.isatty():
        return None
    return LiveProgress(title, Console(stderr=True))


__all__ = ["LiveProgress", "NoProgress", "Progress", "progress_for"]
