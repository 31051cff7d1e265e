"""``pollbot jobs run summarize`` that SIGKILLs itself right after its first post is made,
before the post's id is recorded.

    python -m tests.support.programs.summarize_then_die
"""

from __future__ import annotations

import os
import signal
from typing import Any


def main() -> None:
    from bot.platforms.x.client import XPlatform

    original = XPlatform.create_post

    def create_then_die(self: XPlatform, *args: Any, **kwargs: Any) -> Any:
        post_id = original(self, *args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)  # posted, not yet recorded
        return post_id

    XPlatform.create_post = create_then_die  # type: ignore[method-assign]
    from bot.cli import main as pollbot

    pollbot(["jobs", "run", "summarize"])


if __name__ == "__main__":
    main()
