"""``pollbot``: a thin shell over the library. Each command calls one function; errors are
turned into exit codes in ``bot.cli.errors`` alone."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from bot.cli import early


def _register() -> None:
    # Imported for their side effect of attaching commands to ``cli``.
    from bot.cli import db, demo, export, jobs, mock, run, score, status, summary, track  # noqa: F401


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["run"]:
        early.catch_stop_signals()  # before the imports below: they take a second or two
    from bot.cli.base import cli
    from bot.cli.errors import exit_with

    _register()
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
