"""The root command group and the shared pieces every command uses."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

from bot.app import App
from jobs.errors import shown

F = TypeVar("F", bound=Callable[..., Any])


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="pollbot", prog_name="pollbot")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """pollbot follows accounts and informal polls on X, scores the replies they get with
    VADER, stores everything and posts periodic summaries.

    Configuration comes from the environment and a .env file (the environment wins); see
    .env.example. Exit codes: 0 done, 1 failed, 2 bad usage/configuration/input, 3 busy.

    \b
    Example:
      pollbot track account elonmusk && pollbot jobs run collect
    """
    ctx.obj = None


def get_app(ctx: click.Context) -> App:
    """The App, built once per invocation (configuration is validated here)."""
    root = ctx.find_root()
    if root.obj is None:
        app = App.from_environment()
        root.obj = app
        root.call_on_close(app.close)
    assert isinstance(root.obj, App)
    return root.obj


class Speed(click.ParamType):
    """A positive, finite number of scenario seconds per real second (click's FloatRange
    lets nan and inf through)."""

    name = "speed"

    def __init__(self, *, minimum: float = 0.0) -> None:
        self.minimum = minimum

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{shown(str(value))} is not a number", param, ctx)
        if not math.isfinite(number) or number <= 0 or number < self.minimum:
            least = f"at least {self.minimum:g}" if self.minimum else "greater than 0"
            self.fail(f"{shown(str(value))} is not a finite number {least}", param, ctx)
        return number


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")(f)


def echo_json(doc: Any) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
