"""``pollbot demo``: the whole bot against the built-in November 2022 scenario, in a minute.

The mock X API runs in-process with ``builtin:nov-2022`` on a sped-up scenario clock; the
daemon runs against it with a fresh SQLite file, collecting, snapshotting the poll, and
posting a summary every six scenario hours and the final one when the poll closes. Each
summary is printed as it is posted; a table of what was collected ends the run.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from bot.app import App
from bot.config import Secret, Settings
from bot.daemon import Daemon
from jobs.clock import iso
from jobs.runner import RunOutcome
from storage.polls import count_snapshots
from storage.posts import count_posts
from storage.subjects import list_subjects
from storage.summaries import aggregate, count_summaries, list_summaries, summary_chart

log = logging.getLogger("pollbot.demo")
DEMO_CRON = "0 */6 * * *"
SCENARIO = "builtin:nov-2022"


class DemoPrinter:
    """Prints each summary once it is posted, with the path of its chart."""

    def __init__(self, app: App, out: Path, console: Console) -> None:
        self.app, self.out, self.console = app, out, console
        self.shown: set[int] = set()
        self.final_seen = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, outcome: RunOutcome) -> None:
        if outcome.job.startswith("summarize") and outcome.items:
            self.show_new()

    def show_new(self) -> None:
        with self._lock, self.app.db().read() as session:
            made = list_summaries(session, states=("posted", "dry_run"), oldest_first=True)
            for summary in made:
                if summary.id in self.shown:
                    continue
                self.shown.add(summary.id)
                chart = ""
                png = summary_chart(session, summary.id)
                if png:
                    path = self.out / f"summary-{summary.id}.png"
                    path.write_bytes(png)
                    chart = f"\nchart: {path}"
                ids = ", ".join(str(p.post_id) for p in summary.parts if p.post_id)
                body = "\n\n".join(p.text for p in summary.parts)
                title = f"{'FINAL ' if summary.final else ''}summary at {iso(summary.window_end)}"
                self.console.print(
                    Panel(
                        f"{body}\n\n[dim]posted as {ids or '-'}{chart}[/dim]",
                        title=title,
                        title_align="left",
                        border_style="green" if summary.final else "cyan",
                    )
                )
                if summary.final and summary.subject.is_poll:
                    self.final_seen.set()


def collected_table(app: App) -> Table:
    table = Table(title="What the demo collected", title_justify="left")
    for col in ("subject", "replies", "scored", "non-en", "pos", "neg", "snaps", "posted"):
        table.add_column(col, justify="left" if col == "subject" else "right")
    with app.db().read() as session:
        for subject in list_subjects(session, active_only=False):
            counts = aggregate(session, subject.stored_id, None, None)
            scored = counts.scored
            name = subject.display or subject.key
            name = (name[:24] + "…") if len(name) > 25 else name
            table.add_row(
                name,
                f"{scored + counts.unscored:,}",
                f"{scored:,}",
                f"{counts.unscored:,}",
                _share(counts.positive, scored),
                _share(counts.negative, scored),
                str(count_snapshots(session, subject.stored_id)),
                str(count_summaries(session, subject.stored_id, state="posted")),
            )
        total = count_posts(session)
    table.caption = f"{total:,} posts stored"
    return table


def _share(count: int, scored: int) -> str:
    return f"{100 * count / scored:.0f}%" if scored else "-"


def demo_settings(
    base: Settings, *, db_path: Path, url: str, bot_id: str, instance: str | None = None
) -> Settings:
    """The demo's settings: X's face of the mock at ``url``, or, given the ``instance``
    name, its Mastodon face (and no X at all)."""
    if instance is not None:
        return replace(
            _demo_common(base, db_path),
            x_bearer_token=Secret(""),
            x_api_key=Secret(""),
            x_api_secret=Secret(""),
            x_access_token=Secret(""),
            x_access_token_secret=Secret(""),
            mastodon_base_url=url,
            mastodon_access_token=Secret(f"{bot_id}-demo-access-token"),
            accounts=(f"elonmusk@{instance}",),
            operators=(f"ops_alice@{instance}",),
        )
    return replace(
        _demo_common(base, db_path),
        x_api_base_url=url,
        x_bearer_token=Secret("demo-bearer-token"),
        x_api_key=Secret("demo-key"),
        x_api_secret=Secret("demo-secret"),
        x_access_token=Secret(f"{bot_id}-demo-access-token"),
        x_access_token_secret=Secret("demo-access-secret"),
        mastodon_base_url=None,
        accounts=("elonmusk",),
        operators=("ops_alice",),
    )


def _demo_common(base: Settings, db_path: Path) -> Settings:
    return replace(
        base,
        database_url=f"sqlite:///{db_path}",
        polls=(),
        summary_cron=DEMO_CRON,
        timezone=ZoneInfo("UTC"),
        dry_run=False,
        monthly_post_reads=max(base.monthly_post_reads, 100_000),
        metrics_port=None,
    )


def run_demo(
    base: Settings, *, speed: float, duration: float, out: Path, platform: str = "x"
) -> int:
    from bot.mock_api import MockServer, load_scenario

    console = Console()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    scenario = load_scenario(SCENARIO)
    face = "Mastodon" if platform == "mastodon" else "X"
    console.print(
        f"[bold]pollbot demo[/bold]: the mock {face} API with {SCENARIO} at {speed:g}x "
        f"(a scenario day in {86400 / speed:.0f} s), a fresh SQLite file in {out}/, "
        f"summaries at '{DEMO_CRON}' and when the poll closes. Stops after {duration:g} s "
        "or the final summary."
    )
    with MockServer(scenario, speed=speed, platform=platform) as mock:
        settings = demo_settings(
            base,
            db_path=out / "pollbot.db",
            url=mock.url,
            bot_id=scenario.bot.id,
            instance=scenario.instance if platform == "mastodon" else None,
        )
        # Scenario time runs ``speed`` times faster than real time: the platform clock is
        # carried forward, and rate-limit waits are slept, at that rate.
        app = App(
            settings,
            max_rate_wait_s=15 * 60,
            monotonic=lambda: time.monotonic() * speed,
            sleep=lambda seconds: time.sleep(seconds / speed),
        )
        printer = DemoPrinter(app, out, console)
        daemon = Daemon(app, speed=speed, on_outcome=printer)

        def stop_after_final() -> None:
            printer.final_seen.wait()
            daemon.request_stop("the poll closed and its final summary is posted")

        watcher = threading.Thread(target=stop_after_final, daemon=True)
        watcher.start()
        daemon.run(duration=duration)
        printer.show_new()
        console.print(collected_table(app))
        console.print(
            f"scenario clock at the end: {iso(mock.now())}; posts made: {len(mock.posts())}"
        )
        app.close()
    return 0
