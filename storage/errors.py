"""Errors of the storage layer; SQLAlchemy's are mapped to these in ``storage.engine``."""

from __future__ import annotations


class StorageError(Exception):
    """Base of storage errors."""


class DatabaseUnavailable(StorageError):
    """The database cannot be reached or opened (bad URL, server down, no such file)."""


class DatabaseURLInvalid(StorageError):
    """The URL is not one SQLAlchemy can use."""

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason  # a short why, for messages that name the URL themselves


class DatabaseLost(StorageError):
    """The database went away in the middle of the work, after it had been reached: the
    server stopped or dropped the connection, the disk failed. Transient: the same
    operation may succeed once it is back. The message is one line: what was being done,
    where, and the driver's reason (never SQL text or parameters)."""


class DatabaseFailed(StorageError):
    """Any other error the database raised, in one line like ``DatabaseLost``'s."""


class DirectReadFailed(StorageError):
    """A read on the direct path (``storage.direct``, no SQLAlchemy) failed: the command starts
    over on the SQLAlchemy path, which says what is wrong. Carries the driver error's type
    only, never its text."""
