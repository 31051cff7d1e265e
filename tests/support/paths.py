"""Where things are: the checkout, and the reference data beside it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The reference data lives in shared/ beside the checkout (CI lays a copy there too).
SHARED_DATA = next(
    (p for p in (ROOT.parent / "shared" / "data", Path("/work/shared/data")) if p.is_dir()),
    ROOT.parent / "shared" / "data",
)
