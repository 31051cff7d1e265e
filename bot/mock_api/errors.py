"""The mock's own exceptions, and error bodies as X writes them (v2 problem objects; v1.1 shapes
for the upload endpoint).

The mock is a fake of X, not part of the bot: its exceptions derive from ``MockError`` alone and
never from the bot's error types, so the bot cannot catch a fake's failure as one of its own.
Where the bot hands the mock user input (``pollbot mock-api --scenario``), the CLI maps the
mock's error to its own."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

# Problem types in the form X documents today (its OpenAPI spec and SDK accept no other).
PROBLEMS = "https://api.x.com/2/problems/"
INVALID = PROBLEMS + "invalid-request"
NOT_FOUND = PROBLEMS + "resource-not-found"


class MockError(Exception):
    """Base of every exception the mock raises on purpose."""


class ApiError(MockError):
    """Raised by a handler to answer with an error status and body."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def problem(
    status: int, detail: str | None = None, *, title: str | None = None, type_: str = "about:blank"
) -> dict[str, Any]:
    phrase = HTTPStatus(status).phrase
    return {"title": title or phrase, "detail": detail or phrase, "type": type_, "status": status}


def too_many_requests() -> dict[str, Any]:
    return {
        "title": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
        "detail": "Too Many Requests",
    }


def unauthorized() -> dict[str, Any]:
    return {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}


def unsupported_auth() -> ApiError:
    return ApiError(
        403,
        {
            "title": "Unsupported Authentication",
            "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
            "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
            "type": PROBLEMS + "unsupported-authentication",
            "status": 403,
        },
    )


def forbidden(detail: str) -> ApiError:
    return ApiError(403, problem(403, detail, title="Forbidden"))


def invalid(parameter: str, value: str | list[str], message: str) -> ApiError:
    values = value if isinstance(value, list) else [value]
    return ApiError(
        400,
        {
            "errors": [{"parameters": {parameter: values}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": INVALID,
        },
    )


def invalid_body(message: str) -> ApiError:
    return ApiError(
        400,
        {
            "errors": [{"message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": INVALID,
        },
    )


def not_found(
    resource_type: str, parameter: str, value: str, what: str | None = None
) -> dict[str, Any]:
    """One entry of ``errors`` for a resource that is not there (answered with HTTP 200)."""
    return {
        "value": value,
        "detail": f"Could not find {resource_type} with {what or parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": NOT_FOUND,
    }


def page_missing() -> dict[str, Any]:
    return {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}


def v1_error(status: int, message: str, code: int) -> ApiError:
    return ApiError(status, {"errors": [{"code": code, "message": message}]})


def upload_error(message: str) -> ApiError:
    return ApiError(400, {"request": "/1.1/media/upload.json", "error": message})
