"""The App of this invocation, for the commands that use the database or the platform."""

from __future__ import annotations

import click

from bot.app import App
from bot.cli.base import get_settings
from bot.config.checks import check_settings


def get_app(ctx: click.Context) -> App:
    """The App, built once per invocation: the configuration read (``get_settings``) and
    its database URL and cron checked."""
    root = ctx.find_root()
    if root.obj is None:
        app = App(check_settings(get_settings(ctx)))
        root.obj = app
        root.call_on_close(app.close)
    assert isinstance(root.obj, App)
    return root.obj
