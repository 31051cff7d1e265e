"""Uploaded media: reading the form X's upload endpoints take and sniffing image sizes."""

from __future__ import annotations

import base64
import binascii
import struct
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs

MAX_IMAGE_BYTES = 5 * 1024 * 1024


def form_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    """The fields of a multipart or url-encoded form body (the upload endpoints take both)."""
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        fields: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if name:
                fields[str(name)] = payload if isinstance(payload, bytes) else b""
        return fields
    if content_type.startswith("application/x-www-form-urlencoded"):
        parsed = parse_qs(body.decode("latin-1"), keep_blank_values=True)
        return {k: v[-1].encode("latin-1") for k, v in parsed.items()}
    return {}


def decode_base64(data: bytes) -> bytes | None:
    try:
        return base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return None


def sniff_image(data: bytes) -> tuple[str, int, int] | None:
    """(mime type, width, height) of a PNG, GIF, JPEG or WEBP image; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg", *_jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", 0, 0
    return None


def _jpeg_size(data: bytes) -> tuple[int, int]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return 0, 0
