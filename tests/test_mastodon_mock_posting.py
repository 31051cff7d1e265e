"""Posting through the Mastodon face with Mastodon.py: statuses (as the token's account, with
an Idempotency-Key, in reply, over the instance's length), media with alt text, and what
``/_mock/posts`` records."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
import requests
from mastodon import MastodonAPIError, MastodonNotFoundError, MastodonUnauthorizedError

from tests.support.mastodon import (
    ALICE_REPLY,
    ALICE_TOKEN,
    BOT_TOKEN,
    MAX_CHARACTERS,
    client,
)
from tests.support.mock import mock_posts
from tests.support.scenarios import ALICE_ID, BOT_ID


def png(width: int = 3, height: int = 2) -> bytes:
    """A small valid PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * 3 * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_a_status_is_posted_by_the_tokens_account(mastodon_mock: Any) -> None:
    status = client(mastodon_mock.url, ALICE_TOKEN).status_post("Hello <world> & all")
    assert str(status.account.id) == ALICE_ID and status.account.username == "ops_alice"
    assert status.content == "<p>Hello &lt;world&gt; &amp; all</p>"
    assert status.visibility == "public" and status.in_reply_to_id is None
    assert status.created_at == mastodon_mock.now()
    [posted] = mock_posts(mastodon_mock.url)
    assert posted["id"] == str(status.id) and posted["author_id"] == ALICE_ID
    assert posted["text"] == "Hello <world> & all" and posted["in_reply_to"] is None
    # another token's prefix that names no account posts as the scenario's bot
    assert (
        str(client(mastodon_mock.url, "somebody").status_post("from the bot").account.id) == BOT_ID
    )


def test_a_reply_answers_its_status_and_shows_in_its_context(mastodon_mock: Any) -> None:
    api = client(mastodon_mock.url)
    reply = api.status_post(
        "@ops_alice thanks", in_reply_to_id=ALICE_REPLY, visibility="unlisted", language="en"
    )
    assert str(reply.in_reply_to_id) == ALICE_REPLY
    assert str(reply.in_reply_to_account_id) == ALICE_ID
    assert reply.visibility == "unlisted" and reply.language == "en"
    assert [m.acct for m in reply.mentions] == ["ops_alice"]
    assert str(reply.id) in {str(s.id) for s in api.status_context(ALICE_REPLY).descendants}
    assert api.status(ALICE_REPLY).replies_count == 2
    assert mock_posts(mastodon_mock.url)[0]["in_reply_to"] == ALICE_REPLY
    # Alice is notified: the reply names her
    notes = client(mastodon_mock.url, ALICE_TOKEN).notifications(types=["mention"])
    assert str(notes[0].status.id) == str(reply.id)
    with pytest.raises(MastodonNotFoundError):
        api.status_post("to nothing", in_reply_to_id="12345")


def test_the_same_idempotency_key_gives_the_first_status(mastodon_mock: Any) -> None:
    alice = client(mastodon_mock.url, ALICE_TOKEN)
    first = alice.status_post("Only once", idempotency_key="summary-1")
    again = alice.status_post("Only once", idempotency_key="summary-1")
    assert again.id == first.id
    assert len(mock_posts(mastodon_mock.url)) == 1
    # a key is the account's own: the bot with the same key posts its own status
    other = client(mastodon_mock.url).status_post("Only once", idempotency_key="summary-1")
    assert other.id != first.id
    # and a new key, a new status
    assert alice.status_post("Only once", idempotency_key="summary-2").id != first.id
    assert len(mock_posts(mastodon_mock.url)) == 3


def test_over_max_characters_is_refused_422(mastodon_mock: Any) -> None:
    api = client(mastodon_mock.url)
    with pytest.raises(MastodonAPIError) as caught:
        api.status_post("x" * (MAX_CHARACTERS + 1))
    assert caught.value.args[1] == 422
    assert caught.value.args[3] == "Validation failed: Text character limit of 500 exceeded"
    # Mastodon's count: a link is 23 characters, however long
    link = "https://example.com/" + "a" * 200
    fits = "y" * (MAX_CHARACTERS - 24) + " " + link
    assert len(fits) > MAX_CHARACTERS
    assert api.status_post(fits).content.startswith("<p>yyy")
    with pytest.raises(MastodonAPIError) as blank:
        api.status_post("   ")
    assert blank.value.args[3] == "Validation failed: Text can't be blank"
    assert len(mock_posts(mastodon_mock.url)) == 1


def test_media_upload_keeps_its_description_and_attaches(mastodon_mock: Any) -> None:
    api = client(mastodon_mock.url)
    media = api.media_post(io.BytesIO(png(3, 2)), mime_type="image/png", description="A chart")
    assert media.type == "image" and media.description == "A chart"
    assert media.url.startswith("https://poll.example/system/media_attachments/files/")
    assert media.meta.original.width == 3 and media.meta.original.height == 2
    status = api.status_post("With a chart", media_ids=[media.id])
    [attached] = status.media_attachments
    assert attached.id == media.id and attached.description == "A chart"
    assert mock_posts(mastodon_mock.url)[0]["media_ids"] == [str(media.id)]
    # another account cannot attach it
    with pytest.raises(MastodonAPIError) as caught:
        client(mastodon_mock.url, ALICE_TOKEN).status_post("mine?", media_ids=[media.id])
    assert caught.value.args[1] == 422
    with pytest.raises(MastodonAPIError) as not_image:
        api.media_post(io.BytesIO(b"plain text"), mime_type="image/png")
    assert not_image.value.args[1] == 422


def test_posting_needs_a_token(mastodon_mock: Any) -> None:
    with pytest.raises(MastodonUnauthorizedError) as caught:
        client(mastodon_mock.url, token=None).status_post("anonymous")
    assert caught.value.args[3] == "The access token is invalid"
    answer = requests.post(f"{mastodon_mock.url}/api/v2/media", timeout=10)
    assert answer.status_code == 401
    assert answer.json() == {"error": "The access token is invalid"}
    assert mock_posts(mastodon_mock.url) == []


def test_a_form_post_with_repeated_media_ids_and_a_json_post(mastodon_mock: Any) -> None:
    """The bodies other clients send: a form with ``media_ids[]`` twice, and JSON."""
    headers = {"Authorization": f"Bearer {BOT_TOKEN}"}
    ids = []
    for n in range(2):
        upload = requests.post(
            f"{mastodon_mock.url}/api/v2/media",
            files={"file": (f"c{n}.png", png(), "image/png")},
            data={"description": f"chart {n}"},
            headers=headers,
            timeout=10,
        )
        assert upload.status_code == 200, upload.text
        ids.append(upload.json()["id"])
    form = requests.post(
        f"{mastodon_mock.url}/api/v1/statuses",
        data=[("status", "two charts"), ("media_ids[]", ids[0]), ("media_ids[]", ids[1])],
        headers=headers,
        timeout=10,
    )
    assert form.status_code == 200
    assert [m["description"] for m in form.json()["media_attachments"]] == ["chart 0", "chart 1"]
    as_json = requests.post(
        f"{mastodon_mock.url}/api/v1/statuses/",
        json={"status": "as JSON", "in_reply_to_id": ALICE_REPLY},
        headers=headers,
        timeout=10,
    )
    assert as_json.status_code == 200 and as_json.json()["in_reply_to_id"] == ALICE_REPLY
