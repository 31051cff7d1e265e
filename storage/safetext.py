"""How a text column's value is written: PostgreSQL refuses NUL characters, so every text is
stored with them made U+FFFD, on any database. One rule for the models' ``SafeText`` type,
the page inserts that encode rows themselves (``storage.posts``) and the copy key of a text
(``storage.textkey``), which must be the same before and after the text is stored."""

from __future__ import annotations


def safe_text(text: str) -> str:
    return text.replace("\x00", "\ufffd") if "\x00" in text else text
