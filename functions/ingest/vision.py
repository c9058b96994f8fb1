"""Vision workflow, step 1: probe the uploaded video and build its processing-job request."""

from __future__ import annotations

from typing import Any

from wandr.vision import prepare as vision_prepare


def prepare(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """{tenant, upload_id, kind, bucket, key, etag, size} -> CreateProcessingJob request."""
    return vision_prepare.prepare(event)
