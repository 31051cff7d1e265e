"""Writing through the Mastodon face: ``POST /api/v1/statuses`` and the media upload.

The poster is the account of the bearer token (see ``steps.authenticate``). Mastodon's rules:
a status is at most the instance's ``max_characters`` long, counted as Mastodon counts (a URL
is 23 characters, a remote mention counts its username only, grapheme clusters); an
``Idempotency-Key`` makes a repeat by the same account, within the hour, answer the first status
instead of posting a second; up to 4 of the poster's own media attached."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any
from urllib.parse import parse_qs

from twitter_text import extract_urls_with_indices

from bot.mock_api.handlers.base import Reply, Request, json_reply
from bot.mock_api.mastodon.errors import error, unprocessable
from bot.mock_api.mastodon.html import MENTION
from bot.mock_api.mastodon.reads import status_at
from bot.mock_api.mastodon.serialize import media_json, status_json
from bot.mock_api.mastodon.state import Posted, mastodon
from bot.mock_api.media import form_fields, sniff_image
from bot.mock_api.state import MockState

VISIBILITIES = ("public", "unlisted", "private", "direct")
MAX_MEDIA = 4
MAX_IMAGE_BYTES = 16 * 1024 * 1024
MAX_DESCRIPTION = 10_000  # the recorded instance's ``description_limit``
_URL_PLACEHOLDER = "x" * 23
_JOINERS = re.compile(r"[\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")


def params(req: Request) -> dict[str, list[str]]:
    """A request's parameters as Mastodon (Rails) merges them: the query, then the body (a form,
    multipart or JSON); ``name[]`` and ``name`` are one parameter."""
    found: dict[str, list[str]] = {}
    content_type = req.headers.get("content-type", "")
    body: dict[str, Any]
    if content_type.startswith("application/json"):
        try:
            decoded = json.loads(req.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise error(400, "Error occurred while parsing request parameters") from None
        body = decoded if isinstance(decoded, dict) else {}
    elif content_type.startswith("multipart/form-data"):
        body = {
            k: v.decode("utf-8", "replace") for k, v in form_fields(content_type, req.body).items()
        }
    else:
        body = parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)
    for source in (req.multi, body):
        for name, value in source.items():
            values = value if isinstance(value, list) else [value]
            found[name.removesuffix("[]")] = [
                v if isinstance(v, str) else json.dumps(v) for v in values
            ]
    return found


def _one(given: dict[str, list[str]], name: str) -> str:
    values = given.get(name) or [""]
    return values[-1]


def countable_length(text: str) -> int:
    """Mastodon's ``StatusLengthValidator``: URLs as 23 characters, ``@user@domain`` as
    ``@user``, then grapheme clusters (approximated: combining marks, joiners, variation
    selectors and skin tones join the character before)."""
    spans: list[tuple[int, int, str]] = []
    if "://" in text:
        for found in extract_urls_with_indices(text, extract_urls_without_protocol=False):
            start, end = found["indices"]
            spans.append((start, end, _URL_PLACEHOLDER))
    for m in MENTION.finditer(text):
        if not any(s <= m.start() < e for s, e, _ in spans):
            spans.append((m.start(), m.end(), "@" + m.group(2)))
    spans.sort()
    out, pos = [], 0
    for start, end, replacement in spans:
        if start >= pos:
            out += [text[pos:start], replacement]
            pos = end
    out.append(text[pos:])
    countable = "".join(out)
    count, joined = 0, False
    for char in countable:
        if joined or unicodedata.combining(char) or _JOINERS.match(char):
            joined = char == "\u200d"
            continue
        count += 1
    return count


def create_status(state: MockState, req: Request) -> Reply:
    m = mastodon(state)
    world, now_ms = m.world, req.now_ms
    poster = req.auth.user_id
    key = req.headers.get("idempotency-key")
    if key:
        first = m.remembered(poster, key, now_ms)
        rec = world.rec(first) if first is not None else None
        if rec is not None:
            return json_reply(status_json(m, rec, now_ms, poster))
    given = params(req)
    text, spoiler = _one(given, "status"), _one(given, "spoiler_text")
    media_ids = [i for i in given.get("media_ids", []) if i]
    if "poll" in given or "poll[options]" in given:
        raise unprocessable("Polls cannot be posted to the mock")
    if not text.strip() and not media_ids:
        raise unprocessable("Text can't be blank")
    if countable_length(text) + countable_length(spoiler) > m.max_characters:
        raise unprocessable(f"Text character limit of {m.max_characters} exceeded")
    visibility = _one(given, "visibility") or "public"
    if visibility not in VISIBILITIES:
        raise error(422, f"'{visibility}' is not a valid visibility")
    if len(media_ids) > MAX_MEDIA:
        raise error(422, f"Cannot attach more than {MAX_MEDIA} files")
    missing = [
        i
        for i in media_ids
        if not i.isdigit() or getattr(world.media.get(int(i)), "owner", None) != poster
    ]
    if missing:
        raise error(
            422,
            f"Media {', '.join(missing)} not found. Might have been attached to another post already",
        )
    parent = (
        status_at(m, _one(given, "in_reply_to_id"), req) if _one(given, "in_reply_to_id") else None
    )
    language = _one(given, "language") or None
    rec = world.create_post(
        author=poster, text=text, parent=parent, media=tuple(media_ids), lang=language or "und"
    )
    sensitive = _one(given, "sensitive") not in ("", "0", "false", "f", "off") or bool(spoiler)
    m.posted[rec.id] = Posted(visibility, sensitive, spoiler, language)
    if key:
        m.idempotency[(poster, key)] = (rec.id, now_ms)
    return json_reply(status_json(m, rec, now_ms, poster))


def media_upload(state: MockState, req: Request) -> Reply:
    """``POST /api/v2/media`` (and v1): an image, processed at once, so 200 with its ``url``;
    ``description`` is its alt text."""
    m = mastodon(state)
    content_type = req.headers.get("content-type", "")
    fields = form_fields(content_type, req.body)
    data = fields.get("file")
    if not data:
        raise unprocessable("File can't be blank")
    if len(data) > MAX_IMAGE_BYTES:
        raise unprocessable("File file size must be less than 16 MB")
    image = sniff_image(data)
    if image is None:
        raise unprocessable(
            "File content type is invalid, File file has contents that are not what they are reported to be"
        )
    description = (
        fields["description"].decode("utf-8", "replace") if "description" in fields else None
    )
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise unprocessable(f"Description is too long (maximum is {MAX_DESCRIPTION} characters)")
    mime, width, height = image
    item = m.world.add_media(
        owner=req.auth.user_id,
        size=len(data),
        mime=mime,
        width=width,
        height=height,
        description=description or None,
    )
    return json_reply(media_json(m, item))
