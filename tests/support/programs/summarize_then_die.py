"""``pollbot jobs run summarize`` that SIGKILLs itself right after its first post is made,
before the post's id is recorded (on X or on Mastodon, whichever is configured).

    python -m tests.support.programs.summarize_then_die
"""

from __future__ import annotations

import os
import signal
from typing import Any


def _die_after_posting(platform: Any) -> None:
    original = platform.create_post

    def create_then_die(self: Any, *args: Any, **kwargs: Any) -> Any:
        post_id = original(self, *args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)  # posted, not yet recorded
        return post_id

    platform.create_post = create_then_die


def main() -> None:
    from bot.platforms.mastodon import MastodonPlatform
    from bot.platforms.x.client import XPlatform

    _die_after_posting(XPlatform)
    _die_after_posting(MastodonPlatform)
    from bot.cli import main as pollbot

    pollbot(["jobs", "run", "summarize"])


if __name__ == "__main__":
    main()
