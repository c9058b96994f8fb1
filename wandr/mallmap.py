"""The mall map: a GeoJSON FeatureCollection whose Point features are camera pins.

Re-identification needs to know which cameras are neighbours and how long people take to walk
between them, and journeys need to know where people come in. All of that lives on the pins
(`id`, `label`, `pin_kind` entrance|normal, `adjacent_to`, `transit_times` {pin: {mu_sec,
tau_sec}}, `camera_fps`), so this module validates a map once, with every problem reported,
and hands the rest of the code a plain typed view of it.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

PIN_KINDS = ("entrance", "normal")
_PIN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class MallMapError(ValueError):
    """A map that cannot be used; `problems` lists every reason, not only the first."""

    def __init__(self, problems: list[str]):
        super().__init__("invalid mall map: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Transit:
    """Walking time between two pins: expected `mu_sec`, spread `tau_sec`."""

    mu_sec: float
    tau_sec: float


@dataclass(frozen=True)
class Pin:
    id: str
    label: str
    pin_kind: str
    adjacent_to: tuple[str, ...]
    transit_times: dict[str, Transit] = field(default_factory=dict)
    camera_fps: float | None = None
    coordinates: tuple[float, float] | None = None

    @property
    def is_entrance(self) -> bool:
        return self.pin_kind == "entrance"


@dataclass(frozen=True)
class MallMap:
    pins: dict[str, Pin]

    def hops(self, a: str, b: str, limit: int = 3) -> int | None:
        """Shortest number of adjacency hops from pin `a` to pin `b` (None if beyond `limit`)."""
        if a == b:
            return 0
        seen, queue = {a}, deque([(a, 0)])
        while queue:
            pin, depth = queue.popleft()
            if depth >= limit:
                continue
            for nxt in self.neighbours(pin):
                if nxt == b:
                    return depth + 1
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append((nxt, depth + 1))
        return None

    def neighbours(self, pin: str) -> tuple[str, ...]:
        """Adjacency is symmetric even when the map lists an edge on one side only."""
        own = self.pins[pin].adjacent_to if pin in self.pins else ()
        back = tuple(p.id for p in self.pins.values() if pin in p.adjacent_to)
        return tuple(dict.fromkeys(own + back))

    def transit(self, a: str, b: str) -> Transit | None:
        """Transit time a -> b, falling back to the one given for b -> a."""
        if a in self.pins and b in self.pins[a].transit_times:
            return self.pins[a].transit_times[b]
        if b in self.pins and a in self.pins[b].transit_times:
            return self.pins[b].transit_times[a]
        return None

    def entrances(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.pins.values() if p.is_entrance)


def _pin_problems(index: int, props: dict[str, Any]) -> list[str]:
    where = f"feature {index}"
    problems = []
    pin_id = props.get("id")
    if not isinstance(pin_id, str) or not _PIN_ID.match(pin_id):
        problems.append(f"{where}: id must be a short [A-Za-z0-9_.-] string, got {pin_id!r}")
    if not isinstance(props.get("label"), str) or not props["label"].strip():
        problems.append(f"{where}: label is required")
    if props.get("pin_kind") not in PIN_KINDS:
        problems.append(
            f"{where}: pin_kind must be entrance or normal, got {props.get('pin_kind')!r}"
        )
    adjacent = props.get("adjacent_to", [])
    if not isinstance(adjacent, list) or not all(isinstance(a, str) for a in adjacent):
        problems.append(f"{where}: adjacent_to must be a list of pin ids")
    transit = props.get("transit_times", {})
    if not isinstance(transit, dict):
        problems.append(f"{where}: transit_times must be an object")
    else:
        for other, spec in transit.items():
            ok = isinstance(spec, dict) and all(
                isinstance(spec.get(k), int | float) and spec[k] > 0 for k in ("mu_sec", "tau_sec")
            )
            if not ok:
                problems.append(
                    f"{where}: transit_times[{other}] needs positive mu_sec and tau_sec"
                )
    fps = props.get("camera_fps")
    if fps is not None and (not isinstance(fps, int | float) or fps <= 0):
        problems.append(f"{where}: camera_fps must be a positive number")
    return problems


def _to_pin(feature: dict[str, Any]) -> Pin:
    props = feature["properties"]
    coords = (feature.get("geometry") or {}).get("coordinates")
    return Pin(
        id=props["id"],
        label=props["label"],
        pin_kind=props["pin_kind"],
        adjacent_to=tuple(props.get("adjacent_to", [])),
        transit_times={
            k: Transit(float(v["mu_sec"]), float(v["tau_sec"]))
            for k, v in props.get("transit_times", {}).items()
        },
        camera_fps=props.get("camera_fps"),
        coordinates=(float(coords[0]), float(coords[1])) if coords else None,
    )


def parse(geojson: dict[str, Any]) -> MallMap:
    """Validate a mall map GeoJSON document; raise MallMapError listing every problem."""
    if not isinstance(geojson, dict) or geojson.get("type") != "FeatureCollection":
        raise MallMapError(["the map must be a GeoJSON FeatureCollection"])
    features = geojson.get("features")
    if not isinstance(features, list):
        raise MallMapError(["features must be a list"])
    problems: list[str] = []
    pins: list[Pin] = []
    for i, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict) or ("pin_kind" not in props and "id" not in props):
            continue  # not a camera pin (floor outline, store polygon, ...)
        geometry = feature.get("geometry") or {}
        found = _pin_problems(i, props)
        if geometry.get("type") != "Point":
            found.append(f"feature {i}: a camera pin needs Point geometry")
        problems += found
        if not found:
            pins.append(_to_pin(feature))
    ids = [p.id for p in pins]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        problems.append(f"duplicate pin ids: {', '.join(dupes)}")
    known = set(ids)
    for pin in pins:
        for other in (*pin.adjacent_to, *pin.transit_times):
            if other not in known:
                problems.append(f"pin {pin.id}: refers to unknown pin {other!r}")
    if problems:
        raise MallMapError(problems)
    return MallMap({p.id: p for p in pins})


def pin_feature(
    pin: dict[str, Any], coordinates: tuple[float, float] = (0.0, 0.0)
) -> dict[str, Any]:
    """A GeoJSON Point feature for a pin given as a plain dict of its properties."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(coordinates)},
        "properties": dict(pin),
    }
