"""Vision workflow, last step: load a finished job's outputs into the lake and the spatial table."""

from __future__ import annotations

from typing import Any

from wandr.vision import publish as vision_publish


def publish(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The workflow state (with $.prepared.job) -> a small summary for the upload's report."""
    return vision_publish.publish(event)
