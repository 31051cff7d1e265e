"""A parent of one scoring process: starts it, waits for its first answer, says "ready" and
sleeps, for the test that SIGKILLs this parent and watches the worker exit on its own.

    python -m tests.support.programs.warm_scorer
"""

from __future__ import annotations

import time

from bot.scoring import ProcessScorer


def main() -> None:
    scorer = ProcessScorer(1)
    scorer.submit([("warm", "en")]).result(timeout=60)
    print("ready", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main()
