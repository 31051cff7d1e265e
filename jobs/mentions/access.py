"""The one access check: may this author run this command? Commands declare whether they
are for operators (``@command(operators_only=...)``); operators are matched by user id,
resolved once from POLLBOT_OPERATORS and kept in the store."""

from __future__ import annotations

import logging
from datetime import timedelta

from jobs.base import JobContext
from jobs.errors import NotFound
from storage.operators import add_operator, missing_operators, resolved_operators

log = logging.getLogger("pollbot.commands")
# A configured operator with no such user (a typo, an account not made yet) is looked up
# again at most this often: the commands job runs every minute.
RETRY_MISSING = timedelta(hours=1)


def operator_ids(ctx: JobContext) -> set[str]:
    """User ids of the configured operators; unknown usernames are resolved (and stored)."""
    names = set(ctx.options.operators)
    if not names:
        return set()
    now = ctx.clock.now()
    platform = ctx.platform.name
    with ctx.read() as session:
        known = resolved_operators(session, names, platform=platform)
        missing = missing_operators(session, names, platform=platform)
    for name in sorted(names - known.keys()):
        if name in missing and now - missing[name] < RETRY_MISSING:
            continue
        try:
            user = ctx.platform.user_by_username(name)
        except NotFound:
            log.warning("operator @%s does not exist on the platform; ignored", name)
            with ctx.write() as tx:
                add_operator(tx, username=name, user_id=None, at=now, platform=platform)
            continue
        with ctx.write() as tx:
            add_operator(tx, username=name, user_id=user.id, at=now, platform=platform)
        known[name] = user.id
    return set(known.values())


def allowed(author_id: str, *, operators_only: bool, operators: set[str]) -> bool:
    return not operators_only or author_id in operators
