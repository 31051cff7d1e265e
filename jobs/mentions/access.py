"""The one access check: is this author an operator? Matched by user id, resolved once
from POLLBOT_OPERATORS and kept in the store."""

from __future__ import annotations

import logging

from sqlalchemy import select

from jobs.base import JobContext
from jobs.errors import NotFound
from storage.models import Operator

log = logging.getLogger("pollbot.commands")


def operator_ids(ctx: JobContext) -> set[str]:
    """User ids of the configured operators; unknown usernames are resolved (and stored)."""
    names = set(ctx.options.operators)
    if not names:
        return set()
    with ctx.db.read() as session:
        known = {
            o.username: str(o.user_id)
            for o in session.scalars(select(Operator).where(Operator.username.in_(names)))
        }
    for name in sorted(names - known.keys()):
        try:
            user = ctx.platform.user_by_username(name)
        except NotFound:
            log.warning("operator @%s does not exist on the platform; ignored", name)
            continue
        with ctx.db.write() as session:
            if session.get(Operator, name) is None:
                session.add(Operator(username=name, user_id=int(user.id), resolved_at=ctx.wall()))
            ctx.usage.flush(session)
        known[name] = user.id
    return set(known.values())


def allowed(author_id: str, *, operators_only: bool, operators: set[str]) -> bool:
    return not operators_only or author_id in operators
