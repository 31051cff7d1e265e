"""Mastodon's error answers: ``{"error": "..."}`` with its statuses."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from bot.mock_api.errors import ApiError

NOT_FOUND = "Record not found"
INVALID_TOKEN = "The access token is invalid"
TOO_MANY = "Too many requests"


def body(message: str) -> dict[str, Any]:
    return {"error": message}


def error(status: int, message: str) -> ApiError:
    return ApiError(status, body(message))


def not_found() -> ApiError:
    return error(404, NOT_FOUND)


def unprocessable(message: str) -> ApiError:
    """422, as Mastodon answers a model that fails validation."""
    return error(422, f"Validation failed: {message}")


def status_body(status: int) -> dict[str, Any]:
    """What Mastodon (or the proxy before it) says for a status with nothing more to say."""
    if status == 429:
        return body(TOO_MANY)
    if status == 401:
        return body(INVALID_TOKEN)
    if status == 404:
        return body(NOT_FOUND)
    return body(HTTPStatus(status).phrase)
