"""Corsight appearance events -> Wandr's canonical camera-event rows."""

from __future__ import annotations

import copy
import csv
import io
from typing import Any

import pytest

from wandr.corsight import mapping
from wandr.corsight.mapping import MalformedEventError

EVENT: dict[str, Any] = {
    "event_id": "8812",
    "event_type": "appearance",
    "camera_data": {
        "camera_id": "cam-01",
        "camera_description": "North entrance",
        "camera_group_id": "grp-entr",
        "camera_group_data": {"group_name": "Entrances"},
        "zone_id": "z-north",
        "zone_name": "North wing",
        "node_id": "node-a",
    },
    "frame_data": {
        "utc_time_recorded": 1767607205.5,
        "face_score": 0.912,
        "image": "aW1hZ2U=",
        "bounding_box": {"x": 1, "y": 2, "w": 3, "h": 4},
    },
    "appearance_data": {
        "appearance_id": "app-1",
        "utc_time_started": 1767607200,
        "utc_time_ended": 1767607500.25,
        "appearance_category": "face",
    },
    "face_features_data": {
        "age_group_outcome": "25-35",
        "gender_outcome": "female",
        "liveness_outcome": "live",
        "mask_outcome": "no_mask",
        "features": [0.1, 0.2],
    },
    "match_data": {
        "poi_id": "poi-42",
        "watchlists": [
            {"watchlist_type": "vip", "display_name": "VIP"},
            {"watchlist_type": "staff", "display_name": "Staff"},
        ],
    },
    "crop_data": {"face_crop_img": "Y3JvcA=="},
}


def event(**changes: Any) -> dict[str, Any]:
    """EVENT with `section__key=value` changes (value None deletes the key)."""
    copied = copy.deepcopy(EVENT)
    for path, value in changes.items():
        section, _, key = path.partition("__")
        target = copied[section] if key else copied
        name = key or section
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value
    return copied


def test_a_nested_appearance_becomes_one_flat_row_with_every_canonical_column() -> None:
    assert mapping.to_row(EVENT) == {
        "event_id": "8812",
        "person_id": "poi-42",
        "event_type": "appearance",
        "camera_id": "cam-01",
        "camera_description": "North entrance",
        "camera_group_id": "grp-entr",
        "camera_group_name": "Entrances",
        "node_id": "node-a",
        "zone_name": "North wing",
        "zone_id": "z-north",
        "age_group_outcome": "25-35",
        "gender_outcome": "female",
        "liveness_outcome": "live",
        "mask_outcome": "no_mask",
        "appearance_category": "face",
        "face_score": "0.912",
        "watchlist_type": "vip",
        "watchlist_display_name": "VIP",
        "utc_time_recorded": "2026-01-05T10:00:05.500Z",
        "utc_time_started": "2026-01-05T10:00:00.000Z",
        "utc_time_ended": "2026-01-05T10:05:00.250Z",
    }


def test_the_export_style_keeps_epoch_seconds_as_corsight_exports_do() -> None:
    row = mapping.to_row(EVENT, times="epoch")

    assert (row["utc_time_started"], row["utc_time_ended"], row["utc_time_recorded"]) == (
        "1767607200",
        "1767607500.25",
        "1767607205.5",
    )


def test_an_unmatched_appearance_is_its_own_person() -> None:
    assert mapping.to_row(event(match_data__poi_id=None))["person_id"] == "app-1"


def test_images_crops_boxes_and_face_features_are_never_copied() -> None:
    body = mapping.events_csv([EVENT])

    for leaked in (b"aW1hZ2U", b"Y3JvcA", b"features", b"bounding_box", b"0.1"):
        assert leaked not in body


def test_missing_optional_sections_leave_empty_cells() -> None:
    row = mapping.to_row(
        event(camera_data=None, face_features_data=None, match_data=None, frame_data=None)
    )

    assert row["camera_id"] == row["gender_outcome"] == row["watchlist_type"] == ""
    assert row["utc_time_recorded"] == "" and row["person_id"] == "app-1"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"event_id": None}, "no event_id"),
        (
            {"appearance_data__utc_time_started": None},
            "appearance_data.utc_time_started is missing",
        ),
        ({"appearance_data__utc_time_ended": "later"}, "utc_time_ended='later' is not epoch"),
        ({"appearance_data__utc_time_ended": -5}, "is not epoch seconds"),
        ({"appearance_data__utc_time_ended": True}, "is a boolean"),
        ({"camera_data": "cam-01"}, "camera_data is str, not an object"),
        ({"match_data__watchlists": "vip"}, "watchlists is not a list of objects"),
        ({"camera_data__camera_id": {"id": 1}}, "camera_id is dict, not a scalar"),
    ],
)
def test_a_malformed_event_is_refused_with_the_event_and_field_named(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(MalformedEventError, match=message):
        mapping.to_row(event(**changes))


def test_an_event_with_no_person_at_all_is_refused() -> None:
    with pytest.raises(MalformedEventError, match="no person"):
        mapping.to_row(event(match_data__poi_id=None, appearance_data__appearance_id=None))


def test_the_csv_has_the_header_in_canonical_order_and_is_byte_identical_across_renders() -> None:
    first = mapping.events_csv([EVENT, event(event_id="8813")])

    assert first == mapping.events_csv([EVENT, event(event_id="8813")])
    header, *rows = list(csv.reader(io.StringIO(first.decode())))
    assert tuple(header) == mapping.COLUMNS
    assert [r[0] for r in rows] == ["8812", "8813"]


def test_an_empty_batch_renders_the_header_only() -> None:
    assert mapping.render_csv([]) == (",".join(mapping.COLUMNS) + "\n").encode()


def test_the_columns_are_the_source_columns_the_validator_knows() -> None:
    events = pytest.importorskip("wandr.events")

    assert mapping.COLUMNS == events.SOURCE_COLUMNS
