"""The fault soak (``tests.support.soak``, whose figures bench/soak.py prints), shortened: the daemon (``python -m bot run``, restarted
gracefully twice) against the sped-up mock with ~20% of answers failing, then one clean run of
each job at a frozen clock, and the same checks as the bench (not its RSS figures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.soak.run import SoakConfig, run_soak


@pytest.mark.slow
def test_fault_soak_loses_nothing_and_posts_everything_once(db_url: str, tmp_path: Path) -> None:
    lines: list[str] = []
    report = run_soak(
        SoakConfig(
            seconds=30,
            speed=300,  # 2.5 scenario hours: several summary windows, the poll closes
            db_url=db_url,
            cron="*/15 * * * *",
            mention_every=3.0,
            restart_every=10.0,  # each start asks "what is due?" at once
            sample_every=1.0,
            workdir=tmp_path,
            min_kept_up=None,  # throughput under load is the bench's to judge, not a test's
        ),
        say=lines.append,
    )
    shown = "\n".join(lines)
    assert not report.failed, shown
    names = {c.name for c in report.checks}
    assert {
        "daemon exits 0 on SIGTERM",
        "final clean runs exit 0",
        "store poll 1593767953706921985",
        "store account elonmusk",
        "store none twice",
        "summaries posted exactly once",
        "mentions answered exactly once",
        "no lease held after exit",
        "no run left running",
        "no crash or traceback in the daemon log",
    } <= names, shown
    # The faults did reach the daemon, and it kept going.
    assert report.rate_limited > 0, shown
    assert all(c["ok"] > 0 for c in report.runs.values()), shown
    assert len(report.rss) > 10
