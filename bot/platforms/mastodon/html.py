"""A status's ``content`` (Mastodon's HTML) as the plain text the X client stores.

Mastodon renders every status as HTML: ``<p>`` paragraphs, ``<br>`` line breaks, mentions as
``<span class="h-card"><a class="u-url mention" href="https://instance/@user">@<span>user</span>
</a></span>``, hashtags as ``<a class="mention hashtag" rel="tag">#<span>tag</span></a>``, and
links shortened for display: ``<a href="https://example.com/a/long/path"><span
class="invisible">https://</span><span class="ellipsis">example.com/a/lo</span><span
class="invisible">ng/path</span></a>``. The text kept is what X's ``text`` would hold:

- mentions as ``@user`` (as shown; the scorer strips leading mentions as it does on X)
- hashtags as ``#tag``
- a link as its full URL, taken from ``href`` (the invisible and ellipsis spans only shorten
  what a browser shows); a link whose text is not a URL (other servers' software may write
  ``<a href=...>a title</a>``) keeps its text
- ``<br>`` as a newline, paragraphs (and other blocks) separated by a blank line
- entities unescaped; the quote fallback (``class="quote-inline"``, "RE: <link>") left out,
  as Mastodon's own clients hide it

The stdlib's ``html.parser`` reads it: it never raises on bad markup, and a status's HTML is
small and flat.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements whose content starts and ends a paragraph of its own.
_BLOCKS = frozenset(
    {"p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}
)
# Elements with no end tag: they never open a nesting level.
_VOID = frozenset({"br", "img", "hr", "wbr", "input", "meta", "link", "source"})
_PARAGRAPH = "\x00"  # a paragraph break, resolved once the whole text is known
_RUNS = re.compile(r"[ \t]{2,}")
_SPACES = re.compile(r"[ \t\r\n\f]+")
_BREAKS = re.compile(r"\s*\x00[\x00\s]*")
_URLISH = re.compile(r"^(?:[a-z][a-z0-9+.-]*:(?://)?)?[^\s/]+\.[^\s]+|^[a-z][a-z0-9+.-]*://", re.I)


def _classes(attrs: list[tuple[str, str | None]]) -> set[str]:
    for name, value in attrs:
        if name == "class" and value:
            return set(value.split())
    return set()


def _attr(attrs: list[tuple[str, str | None]], wanted: str) -> str | None:
    for name, value in attrs:
        if name == wanted:
            return value
    return None


class _Link:
    """An ``<a>`` being read: its href, kind and the text inside it."""

    __slots__ = ("href", "keep_text", "parts", "shortened")

    def __init__(self, href: str | None, keep_text: bool) -> None:
        self.href = href
        self.keep_text = keep_text  # a mention or hashtag: its text, not its href
        self.parts: list[str] = []
        self.shortened = False  # held an invisible or ellipsis span: Mastodon's link display

    def text(self) -> str:
        shown = "".join(self.parts)
        if self.keep_text or not self.href:
            return shown
        if self.shortened or not shown.strip() or _URLISH.match(shown.strip()):
            return self.href
        return shown


class _ContentParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._link: _Link | None = None
        self._link_depth = 0  # open elements inside the current <a>
        self._hidden_depth = 0  # > 0 inside a quote-inline fallback
        self._pre_depth = 0

    # -- what is written ---------------------------------------------------------------

    def _write(self, text: str) -> None:
        if self._hidden_depth:
            return
        if self._link is not None:
            self._link.parts.append(text)
        else:
            self.out.append(text)

    def _break(self, mark: str) -> None:
        if self._hidden_depth:
            return
        if self._link is not None:
            self._link.parts.append(" " if mark == _PARAGRAPH else mark)
        else:
            self.out.append(mark)

    # -- the parser's events -----------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = _classes(attrs)
        if self._hidden_depth:
            if tag not in _VOID:
                self._hidden_depth += 1
            return
        if "quote-inline" in classes:
            if tag not in _VOID:
                self._hidden_depth = 1
            return
        if tag == "br":
            self._break("\n")
            return
        if tag in _BLOCKS:
            self._break(_PARAGRAPH)
            if tag == "pre":
                self._pre_depth += 1
        elif tag == "li":
            self._break("\n")
        if self._link is not None:
            if tag not in _VOID:
                self._link_depth += 1
            if classes & {"invisible", "ellipsis"}:
                self._link.shortened = True
            return
        if tag == "a":
            keep = bool(classes & {"mention", "hashtag"}) or _attr(attrs, "rel") == "tag"
            self._link = _Link(_attr(attrs, "href"), keep)
            self._link_depth = 0

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:  # ``<br />`` comes here too (the parser's default startend)
            return
        if self._hidden_depth:
            self._hidden_depth -= 1
            return
        if self._link is not None:
            if self._link_depth > 0:
                self._link_depth -= 1
            elif tag == "a":
                link, self._link = self._link, None
                self.out.append(link.text())
                return
        if tag in _BLOCKS:
            if tag == "pre" and self._pre_depth:
                self._pre_depth -= 1
            self._break(_PARAGRAPH)

    def handle_data(self, data: str) -> None:
        if not self._pre_depth:
            data = _SPACES.sub(" ", data)  # raw newlines in HTML are spaces
        self._write(data)

    def close(self) -> None:
        super().close()
        if self._link is not None:  # an <a> never closed: keep what it held
            link, self._link = self._link, None
            self.out.append(link.text())


def content_text(content: str | None) -> str:
    """The plain text of a status's ``content`` HTML ('' for none)."""
    if not content:
        return ""
    parser = _ContentParser()
    parser.feed(content)
    parser.close()
    text = "".join(parser.out)
    text = _BREAKS.sub("\n\n", text)  # each run of paragraph breaks: one blank line
    # Spaces as a browser shows them: runs of them are one (markup removed around a space
    # leaves two), none at a line's end.
    lines = [_RUNS.sub(" ", line).rstrip(" \t") for line in text.split("\n")]
    return "\n".join(lines).strip()
