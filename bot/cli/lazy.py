"""A click group whose commands are imported only when used: the one place the CLI defers
imports. A command's module imports what the command needs at its top, as any module does;
the group imports that module when the command runs (or shows its own help), so
``pollbot score`` never loads the database, the platform client or the scheduler, and
``pollbot --help`` loads no command at all: it lists each one by the summary given here.
This is the pattern click documents for lazily loaded subcommands.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click


@dataclass(frozen=True, slots=True)
class Lazy:
    module: str  # imported when the command is first asked for
    attr: str  # the click command or group in it
    summary: str  # its line in the group's --help and its short help: one short sentence


class LazyGroup(click.Group):
    def __init__(self, *args: Any, lazy: Mapping[str, Lazy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        entry = self.lazy[cmd_name]
        cmd = getattr(importlib.import_module(entry.module), entry.attr)
        if not isinstance(cmd, click.Command):
            raise TypeError(f"{entry.module}.{entry.attr} is not a click command")
        cmd.short_help = entry.summary
        self.add_command(cmd, cmd_name)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their summaries, none of them imported."""
        names = [
            name
            for name in self.list_commands(ctx)
            if name in self.lazy or not self.commands[name].hidden
        ]
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [
            (name, self.lazy[name].summary)
            if name in self.lazy and name not in self.commands
            else (name, self.commands[name].get_short_help_str(limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
