"""Request and query models of the spatial routes (mall map, pins, videos, journeys)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class GeoJsonMap(BaseModel):
    """A GeoJSON FeatureCollection; camera pins are Point features (see wandr.mallmap)."""

    model_config = ConfigDict(extra="allow")
    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]] = Field(max_length=5000)


class TransitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mu_sec: float = Field(ge=1, le=86400, description="typical walk time to that pin, s")
    tau_sec: float = Field(ge=1, le=86400, description="spread of the walk time, s")


class PinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=200)
    pin_kind: Literal["entrance", "normal"] = "normal"
    adjacent_to: list[str] = Field(default_factory=list, max_length=200)
    transit_times: dict[str, TransitIn] = Field(default_factory=dict)
    camera_fps: float | None = Field(default=None, ge=0.01, le=240)
    coordinates: list[float] = Field(default=[0.0, 0.0], min_length=2, max_length=2)


class VideoQuery(BaseModel):
    pin_id: str | None = Field(default=None, max_length=64)


class MediaQuery(BaseModel):
    variant: Literal["original", "proxy", "thumbnail"] = "proxy"


class TrackletQuery(BaseModel):
    upload_id: str | None = Field(default=None, max_length=64)
    pin_id: str | None = Field(default=None, max_length=64)


class AssociationQuery(BaseModel):
    decision: str | None = Field(default=None, max_length=32)


class JourneyQuery(BaseModel):
    date: dt.date | None = Field(default=None, description="one day, YYYY-MM-DD")
    min_confidence: float | None = Field(default=None, ge=0, le=1)
    entry_pin: str | None = Field(default=None, max_length=64)
    limit: int = Field(default=200, ge=1, le=1000)


class Items(BaseModel):
    items: list[dict[str, Any]]


class MediaUrl(BaseModel):
    url: str
    variant: str
    expires_in: int
