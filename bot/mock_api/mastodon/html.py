"""A status's text as Mastodon's HTML (its ``TextFormatter``): links for URLs, mentions of local
accounts and hashtags; the rest escaped; paragraphs in ``<p>``, single line breaks as
``<br />`` (Rails' ``simple_format``); plus the mentions and tags the status carries.

URLs are found as Mastodon finds them (twitter-text, with a scheme only) and shortened as it
shortens them: the scheme and ``www.`` hidden, 30 characters shown, the rest hidden behind an
ellipsis."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from twitter_text import extract_urls_with_indices

# Mastodon's Account::MENTION_RE: @user or @user@domain, not after =, / or a word character
MENTION = re.compile(
    r"(?<![=/\w])@(([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@([\w.-]+\w))?)", re.IGNORECASE
)
# Mastodon's Tag::HASHTAG_RE, simplified: a name of word characters holding a letter
HASHTAG = re.compile(r"(?<![=/)\w])#(\w*[^\W\d_]\w*|_\w*[^\W\d]\w*)")
_PREFIX = re.compile(r"\A(https?://(www\.)?|xmpp:)")
_REL = "nofollow noopener"


@dataclass(frozen=True, slots=True)
class Rendered:
    content: str
    mentions: tuple[int, ...]  # the local accounts mentioned, each once, in order
    tags: tuple[str, ...]  # hashtag names, lower-cased, each once, in order


def _h(text: str) -> str:
    """Rails' ``html_escape``: & < > " and ' (as &#39;)."""
    return escape(text, quote=True).replace("&#x27;", "&#39;")


def shortened_link(url: str) -> str:
    prefix = _PREFIX.match(url)
    head = prefix.group(0) if prefix else ""
    rest = url[len(head) :]
    shown, hidden = rest[:30], rest[30:]
    cutoff = len(rest) > 30
    if len(hidden) == 1:  # no ellipsis to hide a single character
        shown, hidden, cutoff = rest, "", False
    return (
        f'<a href="{_h(url)}" target="_blank" rel="{_REL}" translate="no">'
        f'<span class="invisible">{_h(head)}</span>'
        f'<span class="{"ellipsis" if cutoff else ""}">{_h(shown)}</span>'
        f'<span class="invisible">{_h(hidden)}</span></a>'
    )


def mention_link(instance: str, username: str) -> str:
    return (
        f'<span class="h-card" translate="no"><a href="https://{instance}/@{username}" '
        f'class="u-url mention">@<span>{username}</span></a></span>'
    )


def hashtag_link(instance: str, name: str) -> str:
    return (
        f'<a href="https://{instance}/tags/{_h(name.lower())}" class="mention hashtag" '
        f'rel="tag">#<span>{_h(name)}</span></a>'
    )


def simple_format(html: str) -> str:
    """Rails' ``simple_format`` then ``.delete("\\n")``, as Mastodon formats a local status."""
    text = html.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ""
    paragraphs = [
        re.sub(r"([^\n]\n)(?=[^\n])", r"\1<br />", part) for part in re.split(r"\n\n+", text)
    ]
    return "".join(f"<p>{p}</p>" for p in paragraphs).replace("\n", "")


def render(
    text: str, instance: str, local_account: Callable[[str], tuple[int, str] | None]
) -> Rendered:
    """``local_account(username)``: (id, username as stored) of a local account, or None."""
    spans: list[tuple[int, int, str]] = []  # (start, end, html)
    if "://" in text:
        for found in extract_urls_with_indices(text, extract_urls_without_protocol=False):
            start, end = found["indices"]
            spans.append((start, end, shortened_link(found["url"])))
    taken = [range(s, e) for s, e, _ in spans]
    mentions: list[int] = []
    if "@" in text:
        for m in MENTION.finditer(text):
            if any(m.start() in r for r in taken):
                continue
            domain = m.group(3)
            if domain is not None and domain.lower() != instance.lower():
                continue  # a remote account this instance does not know: plain text
            account = local_account(m.group(2))
            if account is None:
                continue
            spans.append((m.start(), m.end(), mention_link(instance, account[1])))
            if account[0] not in mentions:
                mentions.append(account[0])
    tags: list[str] = []
    if "#" in text:
        for m in HASHTAG.finditer(text):
            if any(m.start() in r for r in taken):
                continue
            spans.append((m.start(), m.end(), hashtag_link(instance, m.group(1))))
            if m.group(1).lower() not in tags:
                tags.append(m.group(1).lower())
    spans.sort()
    out: list[str] = []
    pos = 0
    for start, end, html in spans:
        if start < pos:  # overlapping entities: the first wins
            continue
        out.append(_h(text[pos:start]))
        out.append(html)
        pos = end
    out.append(_h(text[pos:]))
    return Rendered(simple_format("".join(out)), tuple(mentions), tuple(tags))
