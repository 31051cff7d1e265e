"""The newest migration's revision, read from the migrations' file names alone: no Alembic
(a third of a second to import) and no SQLAlchemy, so that ``storage.schema`` and the direct
read path (``storage.direct``) ask "is the schema current?" cheaply."""

from __future__ import annotations

from pathlib import Path

_VERSIONS = Path(__file__).with_name("migrations") / "versions"


def newest_revision() -> str:
    """The newest migration's revision. Each file in migrations/versions is
    ``NNNN_what.py`` declaring ``revision = "NNNN"``, each revising the one before, so the
    highest number is Alembic's head (tests/test_migrations.py checks the two agree)."""
    numbers = sorted(p.name.split("_", 1)[0] for p in _VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))
    return numbers[-1]
