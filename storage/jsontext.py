"""How a JSON column's value is written: one encoder for SQLAlchemy's ``JSON`` type (the
engine's ``json_serializer``) and for the page inserts that encode rows themselves
(``storage.posts``), so the text stored is the same whichever way a row went in.

orjson, compact: a post's metrics are encoded for every reply collected, and ``json.dumps``
took a tenth of the collecting process's time. Keys that are not strings are written as
strings, as ``json.dumps`` writes them; reading back is ``json.loads`` (SQLAlchemy's own).
"""

from __future__ import annotations

import orjson


def json_text(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
