"""What may go into a URL: the instance's base URL, and ids in paths."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from jobs.errors import NotFound, UsageError

# Mastodon's ids are decimal; other servers' (Pleroma's flake ids) alphanumeric. Anything else
# cannot exist, so no request is made for it (and nothing typed can reach another path).
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def check_base_url(base_url: str) -> str:
    """The base URL without a trailing slash; UsageError when it is not an http(s) URL."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise UsageError(
            "MASTODON_BASE_URL must be an http(s) URL like https://mastodon.social, "
            f"got {base_url!r}"
        )
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def check_id(value: str, endpoint: str) -> None:
    """Ids go into URL paths: refuse what cannot be an id before it can reach one."""
    if not _ID.fullmatch(str(value)):
        raise NotFound(f"Mastodon {endpoint}: {value!r} is not a Mastodon id", endpoint=endpoint)
