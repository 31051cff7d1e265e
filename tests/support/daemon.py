"""The daemon (``python -m bot run``) as a child process: its configuration, starting it,
waiting for it (or for any condition), stopping it; and the clean runs that end a soak."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.cli import pollbot
from tests.support.env import pollbot_env
from tests.support.scenarios import POLL_POST_ID


def daemon_env(db_url: str, mock_url: str, *, cron: str, every: str = "1s") -> dict[str, str]:
    """A daemon following @elonmusk and his poll, obeying @ops_alice, running every job
    ``every`` and summarizing on ``cron``, with a read cap and a spend cap it never reaches
    (a loaded machine's many restarts once spent the default $50)."""
    return pollbot_env(
        db_url,
        mock_url,
        POLLBOT_MONTHLY_POST_READS="100000000",
        POLLBOT_MONTHLY_BUDGET_USD="1000000",
        POLLBOT_ACCOUNTS="elonmusk",
        POLLBOT_POLLS=POLL_POST_ID,
        POLLBOT_OPERATORS="ops_alice",
        POLLBOT_COLLECT_EVERY=every,
        POLLBOT_POLLS_EVERY=every,
        POLLBOT_COMMANDS_EVERY=every,
        POLLBOT_SUMMARY_CRON=cron,
    )


def start_daemon(env: dict[str, str]) -> subprocess.Popen[str]:
    """``python -m bot run``, its output piped: for a short life whose output is read with
    ``communicate`` when it ends (a long one would fill the pipes and stall)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def start_daemon_logging(
    env: dict[str, str], workdir: Path, log: Path, *, argv: list[str] | None = None
) -> subprocess.Popen[bytes]:
    """``python -m bot run`` (or ``argv``, a program that runs it) in ``workdir``, its output
    appended to ``log`` (a pipe nobody reads would fill and stall it)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            argv or [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=workdir,
            stdout=out,
            stderr=out,
        )


def wait_started(proc: subprocess.Popen[bytes], log: Path, *, timeout: float = 60) -> bool:
    """Until the daemon says in ``log`` that it started (its signal handlers are in place by
    then): True, or False when it died or ``timeout`` passed first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and b"daemon started" in log.read_bytes():
            return True
        time.sleep(0.05)
    return False


def stop_daemon(proc: subprocess.Popen[bytes], *, timeout: float = 180) -> tuple[int, float]:
    """SIGTERM, then wait: (exit code, seconds it took); -9 when it had to be killed."""
    began = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = -9
    return code, time.monotonic() - began


def final_clean_runs(env: dict[str, str], cwd: Path) -> list[str]:
    """``pollbot jobs run`` of every job, in order; the problems, if any."""
    problems = []
    for job in ("collect", "polls", "summarize", "commands"):
        done = pollbot("jobs", "run", job, env=env, cwd=cwd)
        if done.returncode != 0:
            problems.append(f"jobs run {job}: exit {done.returncode}: {done.stderr.strip()[-300:]}")
    return problems


def wait_until(
    condition: Callable[[], bool], *, timeout: float = 60.0, every: float = 0.005
) -> bool:
    """Poll ``condition`` until true (True) or ``timeout`` real seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def wait_for(check: Callable[[], bool], *, timeout: float = 30.0, what: str = "") -> None:
    """Poll ``check`` every 0.1 s until true; AssertionError naming ``what`` after
    ``timeout`` real seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
