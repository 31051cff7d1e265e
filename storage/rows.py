"""Changing one stored row, found by its primary key: what every named setter of ``storage``
does (``close_poll``, ``summary_posted``, ...)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def update_row(session: Session, model: type[Any], key: Any, **values: Any) -> bool:
    """Set ``values`` on the ``model`` row with primary key ``key``, in the caller's
    transaction; values that are None are left as they are. False when there is no such row
    (it was removed meanwhile: nothing to change)."""
    row = session.get(model, key)
    if row is None:
        return False
    for name, value in values.items():
        if value is not None:
            setattr(row, name, value)
    return True
