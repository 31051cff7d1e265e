"""Finding and reading scenario files: a path, or ``builtin:NAME`` shipped in the package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.mock_api.scenario import Scenario, ScenarioError
from bot.mock_api.validate import validate
from jobs.errors import shown

BUILTIN_DIR = Path(__file__).with_name("scenarios")
BUILTIN_PREFIX = "builtin:"


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.json"))


def _named(text: str) -> str:
    """A file name as it may appear in a message: control and bidi characters escaped."""
    return shown(text, 200)[1:-1]


def resolve_ref(ref: str | Path) -> Path:
    """The file a reference points to; ``builtin:NAME`` is a file shipped in the package."""
    text = str(ref)
    if not text.startswith(BUILTIN_PREFIX):
        return Path(text)
    name = text[len(BUILTIN_PREFIX) :]
    path = BUILTIN_DIR / f"{name}.json"
    if not name or "/" in name or not path.is_file():
        have = ", ".join(builtin_names()) or "none"
        raise ScenarioError(f"scenario {_named(text)}: no such builtin scenario (have: {have})")
    return path


def load_scenario(ref: str | Path) -> Scenario:
    """Reads and validates a scenario file (a path, or ``builtin:NAME``)."""
    source = _named(str(ref))
    path = resolve_ref(ref)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ScenarioError(f"scenario {source}: cannot read: {reason}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"scenario {source}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    return parse_scenario(data, source=source, default_name=path.stem)


def parse_scenario(
    data: Any, *, source: str = "<memory>", default_name: str = "scenario"
) -> Scenario:
    """Validates an already-decoded scenario document (tests and benchmarks build them in code)."""
    return validate(data, source=source, default_name=default_name)
