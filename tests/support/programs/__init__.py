"""Programs the tests run as child processes, each ``python -m tests.support.programs.NAME``
(``command`` builds the line, ``with_checkout`` the environment that lets it import from any
working directory). Each does its work under ``if __name__ == "__main__"``: a scoring process
started with multiprocessing's spawn imports its parent's main module again, and must find
nothing there to run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

CHECKOUT = str(Path(__file__).resolve().parents[3])


def command(name: str, *args: str) -> list[str]:
    """The command line that runs program ``name`` with ``args``."""
    return [sys.executable, "-m", f"{__name__}.{name}", *args]


def with_checkout(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (this process's environment when None) with the checkout first on PYTHONPATH:
    ``tests`` is not installed, and a program may run in another working directory."""
    out = dict(os.environ if env is None else env)
    rest = out.get("PYTHONPATH")
    out["PYTHONPATH"] = CHECKOUT + (os.pathsep + rest if rest else "")
    return out
