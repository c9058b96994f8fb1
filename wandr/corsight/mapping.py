"""Corsight appearance events -> rows of Wandr's camera-event CSV.

Corsight nests an appearance event as `camera_data`, `frame_data`, `appearance_data`,
`face_features_data` and `match_data`, with times in epoch seconds. The ingest pipeline
already knows how to validate and aggregate Wandr's canonical CSV, so a pull renders the
events as exactly that CSV and the rest of the system cannot tell a pulled file from an
uploaded one.

Only the fields the analytics use are copied, by name: face crops, frame images, bounding
boxes and face feature vectors are never read, so they can never reach the raw bucket.

The rendering is deterministic (fixed column order, fixed number and time formats, no
wall-clock values) because the pull relies on "same events -> same bytes" for exactly-once.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

# Wandr's canonical camera-event columns, in the lake's order (wandr.events.SOURCE_COLUMNS).
COLUMNS: tuple[str, ...] = (
    "event_id",
    "person_id",
    "event_type",
    "camera_id",
    "camera_description",
    "camera_group_id",
    "camera_group_name",
    "node_id",
    "zone_name",
    "zone_id",
    "age_group_outcome",
    "gender_outcome",
    "liveness_outcome",
    "mask_outcome",
    "appearance_category",
    "face_score",
    "watchlist_type",
    "watchlist_display_name",
    "utc_time_recorded",
    "utc_time_started",
    "utc_time_ended",
)

# canonical column -> (section of the Corsight event, key inside it); None = top level.
_FIELDS: dict[str, tuple[str | None, str]] = {
    "event_id": (None, "event_id"),
    "event_type": (None, "event_type"),
    "camera_id": ("camera_data", "camera_id"),
    "camera_description": ("camera_data", "camera_description"),
    "camera_group_id": ("camera_data", "camera_group_id"),
    "node_id": ("camera_data", "node_id"),
    "zone_name": ("camera_data", "zone_name"),
    "zone_id": ("camera_data", "zone_id"),
    "age_group_outcome": ("face_features_data", "age_group_outcome"),
    "gender_outcome": ("face_features_data", "gender_outcome"),
    "liveness_outcome": ("face_features_data", "liveness_outcome"),
    "mask_outcome": ("face_features_data", "mask_outcome"),
    "appearance_category": ("appearance_data", "appearance_category"),
    "face_score": ("frame_data", "face_score"),
}
_TIMES: dict[str, tuple[str, str]] = {
    "utc_time_started": ("appearance_data", "utc_time_started"),
    "utc_time_ended": ("appearance_data", "utc_time_ended"),
    "utc_time_recorded": ("frame_data", "utc_time_recorded"),
}

TimeStyle = Literal["iso", "epoch"]


class MalformedEventError(ValueError):
    """A Corsight event that cannot become a camera-event row (names the event and field)."""


def event_id(event: Mapping[str, Any]) -> str:
    """The id Corsight pages by (`after_id`); every event must have one."""
    value = event.get("event_id") if isinstance(event, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        raise MalformedEventError(f"event has no event_id (got {type(value).__name__})")
    return str(value)


def to_row(event: Mapping[str, Any], *, times: TimeStyle = "iso") -> dict[str, str]:
    """One canonical CSV row (every value a string, "" when Corsight did not say)."""
    eid = event_id(event)
    row = {column: "" for column in COLUMNS}
    for column, (section, key) in _FIELDS.items():
        row[column] = _text(_get(event, eid, section, key), eid, column)
    row["camera_group_name"] = _text(_group_name(event, eid), eid, "camera_group_name")
    row["person_id"] = _person_id(event, eid)
    row["watchlist_type"], row["watchlist_display_name"] = _watchlist(event, eid)
    for column, (section, key) in _TIMES.items():
        seconds = _epoch(_get(event, eid, section, key), eid, f"{section}.{key}")
        if seconds is None and column != "utc_time_recorded":
            raise MalformedEventError(f"event {eid}: {section}.{key} is missing")
        row[column] = "" if seconds is None else _format_time(seconds, times)
    return row


def to_rows(
    events: Iterable[Mapping[str, Any]], *, times: TimeStyle = "iso"
) -> list[dict[str, str]]:
    return [to_row(event, times=times) for event in events]


def render_csv(rows: Sequence[Mapping[str, str]]) -> bytes:
    """The CSV bytes for rows (header always present, `\\n` line ends, UTF-8)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def events_csv(events: Iterable[Mapping[str, Any]], *, times: TimeStyle = "iso") -> bytes:
    """Corsight events as Wandr's camera-event CSV: what a pull writes to the raw bucket."""
    return render_csv(to_rows(events, times=times))


def export_csv(events: Iterable[Mapping[str, Any]]) -> bytes:
    """The same events as the CSV an operator would export from Corsight by hand.

    Corsight's own exports carry epoch seconds; uploading this file and pulling the same
    events must give the same dashboard numbers, which is what the end-to-end test checks.
    """
    return events_csv(events, times="epoch")


def _get(event: Mapping[str, Any], eid: str, section: str | None, key: str) -> Any:
    if section is None:
        return event.get(key)
    part = event.get(section)
    if part is None:
        return None
    if not isinstance(part, Mapping):
        raise MalformedEventError(f"event {eid}: {section} is {type(part).__name__}, not an object")
    return part.get(key)


def _group_name(event: Mapping[str, Any], eid: str) -> Any:
    group = _get(event, eid, "camera_data", "camera_group_data")
    if group is None:
        return _get(event, eid, "camera_data", "camera_group_name")
    if not isinstance(group, Mapping):
        raise MalformedEventError(f"event {eid}: camera_data.camera_group_data is not an object")
    return group.get("group_name")


def _person_id(event: Mapping[str, Any], eid: str) -> str:
    """The matched person (POI) when Corsight knows one, else the appearance itself."""
    for section, key in (("match_data", "poi_id"), ("appearance_data", "appearance_id")):
        value = _text(_get(event, eid, section, key), eid, f"{section}.{key}")
        if value:
            return value
    raise MalformedEventError(
        f"event {eid}: no person (match_data.poi_id and appearance_data.appearance_id are empty)"
    )


def _watchlist(event: Mapping[str, Any], eid: str) -> tuple[str, str]:
    """The best (first) watchlist match, as Corsight's CSV export flattens it."""
    watchlists = _get(event, eid, "match_data", "watchlists")
    if not watchlists:
        return "", ""
    if not isinstance(watchlists, list) or not isinstance(watchlists[0], Mapping):
        raise MalformedEventError(f"event {eid}: match_data.watchlists is not a list of objects")
    best = watchlists[0]
    return (
        _text(best.get("watchlist_type"), eid, "watchlist_type"),
        _text(best.get("display_name"), eid, "watchlist display_name"),
    )


def _epoch(value: Any, eid: str, name: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MalformedEventError(f"event {eid}: {name} is a boolean, not epoch seconds")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise MalformedEventError(f"event {eid}: {name}={value!r} is not epoch seconds") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise MalformedEventError(f"event {eid}: {name}={value!r} is not epoch seconds")
    return seconds


def _format_time(seconds: float, style: TimeStyle) -> str:
    if style == "epoch":
        return _text(seconds, "", "time")
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _text(value: Any, eid: str, name: str) -> str:
    """A scalar as CSV text; floats use Python's shortest round-trip form, 3.0 -> "3"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str | int):
        return str(value)
    raise MalformedEventError(f"event {eid}: {name} is {type(value).__name__}, not a scalar")
