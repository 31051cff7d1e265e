"""The one place where errors become exit codes and one-line messages."""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

import click

from jobs.errors import LeaseHeld, PollbotError, UsageError
from storage.errors import DatabaseUnavailable, DatabaseURLInvalid, StorageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3
log = logging.getLogger("pollbot.cli")


def one_line(text: str) -> str:
    return " ".join(str(text).split()) or "unknown error"


def exit_with(exc: BaseException) -> NoReturn:
    """Print one line for ``exc`` on stderr and exit with its code."""
    code, message = classify(exc)
    if code == EXIT_FAILED and not isinstance(exc, PollbotError | StorageError):
        log.debug("unexpected error", exc_info=exc)
    click.echo(f"pollbot: error: {one_line(message)}", err=True)
    sys.exit(code)


def classify(exc: BaseException) -> tuple[int, str]:
    if isinstance(exc, click.exceptions.NoSuchOption | click.exceptions.BadOptionUsage):
        return EXIT_USAGE, exc.format_message()
    if isinstance(exc, click.UsageError):
        ctx = exc.ctx
        where = f" (see '{ctx.command_path} --help')" if ctx else ""
        return EXIT_USAGE, exc.format_message() + where
    if isinstance(exc, click.ClickException):
        return EXIT_USAGE, exc.format_message()
    if isinstance(exc, UsageError | DatabaseURLInvalid | DatabaseUnavailable):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, LeaseHeld):
        return EXIT_BUSY, str(exc)
    if isinstance(exc, PollbotError | StorageError):
        return EXIT_FAILED, str(exc)
    if isinstance(exc, OSError):
        return EXIT_FAILED, f"{exc.strerror or exc} ({getattr(exc, 'filename', '') or ''})"
    return EXIT_FAILED, (
        f"unexpected {type(exc).__name__}: {exc} (run with POLLBOT_LOG_LEVEL=debug for details)"
    )
