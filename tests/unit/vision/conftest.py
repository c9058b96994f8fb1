"""Shared fixtures for the vision unit tests: a three-pin mall map."""

from __future__ import annotations

from typing import Any

import pytest


def _pin(pid: str, kind: str, adjacent: list[str], transit: dict[str, Any], x: float) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [x, 0.0]},
        "properties": {
            "id": pid,
            "label": pid.upper(),
            "pin_kind": kind,
            "adjacent_to": adjacent,
            "transit_times": transit,
            "camera_fps": 10,
        },
    }


@pytest.fixture
def mall_geojson() -> dict[str, Any]:
    """entrance -> b -> c(entrance); 20 s +- 5 s between neighbours."""
    t = {"mu_sec": 20, "tau_sec": 5}
    return {
        "type": "FeatureCollection",
        "features": [
            _pin("a", "entrance", ["b"], {"b": t}, 0),
            _pin("b", "normal", ["a", "c"], {"a": t, "c": t}, 1),
            _pin("c", "entrance", ["b"], {"b": t}, 2),
        ],
    }
