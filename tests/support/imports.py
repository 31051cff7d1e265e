"""Which modules a ``pollbot`` command imports: the command run in a child process of its own
(``tests.support.programs.imported``), its ``sys.modules`` read back. The test that keeps
light commands light and ``bench.cli`` (which names what each command loads) share it."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from tests.support.programs import command, with_checkout

# The libraries that ``pollbot --help`` and ``pollbot score`` must not load: the platform
# client, the scheduler, twitter-text, the database and the charts.
HEAVY = ("tweepy", "apscheduler", "twitter_text", "sqlalchemy", "matplotlib")


def imported_by(*args: str, env: dict[str, str], cwd: Path) -> set[str]:
    """Every module name ``pollbot ARGS`` had imported when it ended (it must exit 0)."""
    with tempfile.TemporaryDirectory(prefix="pollbot-imports-") as tmp:
        out = Path(tmp) / "modules.txt"
        proc = subprocess.run(
            command("imported", str(out), *args),
            env=with_checkout(env),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if proc.returncode != 0:
            raise AssertionError(
                f"pollbot {' '.join(args)} exited {proc.returncode}: {proc.stderr}"
            )
        return set(out.read_text().split())


def heavy_in(modules: set[str], libs: tuple[str, ...] = HEAVY) -> list[str]:
    """The HEAVY libraries (or ``libs``) among ``modules``."""
    return [lib for lib in libs if any(m == lib or m.startswith(lib + ".") for m in modules)]
