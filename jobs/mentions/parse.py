"""Reading a command out of a mention. Pure."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_LEADING_MENTIONS = re.compile(r"^(?:\s*@[A-Za-z0-9_]{1,15})+")
MAX_COMMAND_CHARS = 500
# Direction overrides make a client show other text than what was sent ("poll 123" shown
# reversed): a mention holding one is never run, whatever it seems to say.
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class CommandCall:
    name: str  # a known command's name, "" when the mention holds none
    args: tuple[str, ...] = ()
    raw: str = ""


def parse_mention(text: str, *, bot_username: str) -> CommandCall | None:
    """The command in a mention addressed to the bot, or None when the bot is not
    addressed at the start (a mention in passing is not a command)."""
    # Control, format (bidi overrides, zero-width) and unassigned characters become spaces.
    clean = "".join(
        ch if ch.isprintable() else " " for ch in html.unescape(text[: MAX_COMMAND_CHARS * 2])
    )[:MAX_COMMAND_CHARS]
    lead = _LEADING_MENTIONS.match(clean)
    if lead is None:
        return None
    handles = {h.lower() for h in re.findall(r"@([A-Za-z0-9_]{1,15})", lead.group())}
    if bot_username.lower() not in handles:
        return None
    if _BIDI.search(text[: MAX_COMMAND_CHARS * 2]):
        return CommandCall("", (), "")
    words = clean[lead.end() :].split()
    if not words:
        return CommandCall("", (), "")
    name = words[0].lower().lstrip("/!")
    return CommandCall(name, tuple(words[1:]), " ".join(words))
