"""Post keys: the one BIGINT a post, its author and its conversation are stored under, per
(platform, the platform's own id).

X's ids are 64-bit numbers whose order is time order: an X post's key is its id. Another
platform's ids are opaque strings, mapped into the negative numbers so no key of theirs can
be an X id: a decimal id (Mastodon's own, in practice every one) below 2**62 exactly, as
``-(id + 1)``, in -2**62..-1; any other id (a fork's, say) by a 62-bit hash of it, below that.
Two different hashed ids meeting on one key is as likely as a 62-bit hash collision; the
ids themselves are kept as the platform gave them (``posts.ext``), so an export shows them.
"""

from __future__ import annotations

from hashlib import blake2b

X = "x"
_EXACT = 1 << 62


def post_key(platform: str, platform_id: str) -> int:
    """The key of ``platform_id`` on ``platform``: the same for the same pair, always."""
    if platform == X:
        return int(platform_id)
    if platform_id.isdecimal() and platform_id.isascii() and not platform_id.startswith("0"):
        number = int(platform_id)
        if number < _EXACT:
            return -(number + 1)
    digest = blake2b(f"{platform}:{platform_id}".encode(), digest_size=8).digest()
    return -(_EXACT + 1 + (int.from_bytes(digest, "big") % _EXACT))


def optional_key(platform: str, platform_id: str | None) -> int | None:
    return post_key(platform, platform_id) if platform_id else None
