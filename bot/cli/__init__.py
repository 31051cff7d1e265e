"""``pollbot``: a thin shell over the library. Each command calls one function; errors are
turned into exit codes in ``bot.cli.errors`` alone. Each command's module is imported only
when that command runs (``bot.cli.lazy``): this package and ``bot.cli.base`` stay light."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from bot.cli import early
from bot.cli.base import cli
from bot.cli.errors import exit_with


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["run"]:
        early.catch_stop_signals()  # before the daemon's imports: they take a second or two
    if not args:
        args = ["--help"]
    try:
        rv = cli.main(args=args, prog_name="pollbot", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("pollbot: interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("pollbot: interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except BaseException as exc:
        exit_with(exc)
    sys.exit(rv if isinstance(rv, int) else 0)
