"""Opaque pagination cursors that cannot be pointed at another tenant's rows.

A cursor is base64url JSON of the last key seen. Decoding checks its shape and that it
belongs to the caller's tenant; a forged or foreign cursor is a 400, never a DynamoDB error.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from wandr.api.errors import BadRequest


def encode(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode(cursor: str, expected: dict[str, str], fields: tuple[str, ...]) -> dict[str, Any]:
    """The key inside `cursor`; every `expected` item must match and `fields` be strings."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("cursor is not valid") from exc
    if (
        not isinstance(key, dict)
        or set(key) != set(fields)
        or not all(isinstance(key[f], str) for f in fields)
    ):
        raise BadRequest("cursor is not valid")
    if any(key.get(name) != value for name, value in expected.items()):
        raise BadRequest("cursor is not valid")
    return key
