"""``GET /api/v2/instance`` (and v1, which Mastodon.py reads to learn the server's version): the
recorded instance's shape, with the scenario's domain and status length."""

from __future__ import annotations

from typing import Any

from bot.mock_api.handlers.base import Reply, Request, json_reply
from bot.mock_api.mastodon.state import mastodon
from bot.mock_api.state import MockState

VERSION = "4.6.4"  # as the recorded instance says
API_VERSION = 11
_MIME = [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/heic",
    "image/heif",
    "image/webp",
    "image/avif",
]
_MEDIA = {
    "description_limit": 10000,
    "image_matrix_limit": 33177600,
    "image_size_limit": 16777216,
    "supported_mime_types": _MIME,
    "video_frame_rate_limit": 120,
    "video_matrix_limit": 8294400,
    "video_size_limit": 103809024,
}
_POLLS = {
    "max_options": 4,
    "max_characters_per_option": 50,
    "min_expiration": 300,
    "max_expiration": 2629746,
}


def _statuses(max_characters: int) -> dict[str, int]:
    return {
        "max_characters": max_characters,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 23,
    }


def instance_v2(domain: str, max_characters: int) -> dict[str, Any]:
    site = f"https://{domain}"
    return {
        "domain": domain,
        "title": "Mastodon",
        "version": VERSION,
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "A mock Mastodon instance serving a pollbot scenario.",
        "usage": {"users": {"active_month": 0}},
        "thumbnail": {"url": f"{site}/packs/media/images/preview.png", "description": ""},
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": {
                "streaming": f"wss://{domain}",
                "status": None,
                "about": f"{site}/about",
                "privacy_policy": f"{site}/privacy-policy",
                "terms_of_service": None,
            },
            "vapid": {"public_key": ""},
            "accounts": {
                "max_display_name_length": 30,
                "max_note_length": 500,
                "max_avatar_description_length": 150,
                "max_header_description_length": 150,
                "max_featured_tags": 10,
                "max_pinned_statuses": 5,
                "max_profile_fields": 4,
                "profile_field_name_limit": 255,
                "profile_field_value_limit": 255,
            },
            "statuses": _statuses(max_characters),
            "media_attachments": _MEDIA,
            "polls": _POLLS,
            "translation": {"enabled": False},
            "timelines_access": {
                name: {"local": "public", "remote": "public"}
                for name in ("live_feeds", "hashtag_feeds", "trending_link_feeds")
            },
            "limited_federation": False,
        },
        "registrations": {
            "enabled": False,
            "approval_required": False,
            "reason_required": False,
            "message": None,
            "min_age": None,
            "url": None,
        },
        "api_versions": {"mastodon": API_VERSION},
        "wrapstodon": None,
        "contact": {"email": "", "account": None},
        "rules": [],
    }


def instance_v1(domain: str, max_characters: int) -> dict[str, Any]:
    return {
        "uri": domain,
        "title": "Mastodon",
        "short_description": "",
        "description": "A mock Mastodon instance serving a pollbot scenario.",
        "email": "",
        "version": VERSION,
        "urls": {"streaming_api": f"wss://{domain}"},
        "stats": {"user_count": 0, "status_count": 0, "domain_count": 0},
        "thumbnail": f"https://{domain}/packs/media/images/preview.png",
        "languages": ["en"],
        "registrations": False,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": {
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": _statuses(max_characters),
            "media_attachments": _MEDIA,
            "polls": _POLLS,
        },
        "contact_account": None,
        "rules": [],
    }


def instance(state: MockState, req: Request) -> Reply:
    m = mastodon(state)
    make = instance_v1 if req.path.startswith("/api/v1/") else instance_v2
    return json_reply(make(m.instance, m.max_characters))
