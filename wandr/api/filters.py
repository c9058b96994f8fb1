"""The analytics filters every endpoint shares, parsed once from the query string.

A dashboard sets the same filters on every card and chart, so they are one model: a date
range (inclusive days), cameras, camera groups, demographics and a dwell range. Lists come
as repeated or comma-separated parameters (`camera=a,b` or `camera=a&camera=b`). A detail
query adds sort, order, page size and cursor.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, model_validator

MAX_RANGE_DAYS = 400


class Filters(BaseModel):
    start: dt.date | None = Field(default=None, description="first day, YYYY-MM-DD (inclusive)")
    end: dt.date | None = Field(default=None, description="last day, YYYY-MM-DD (inclusive)")
    camera: list[str] = Field(default_factory=list, max_length=100, description="camera ids")
    group: list[str] = Field(default_factory=list, max_length=100, description="camera groups")
    gender: list[str] = Field(default_factory=list, max_length=10)
    age_group: list[str] = Field(default_factory=list, max_length=20)
    min_dwell: float | None = Field(default=None, ge=0, le=7 * 86400, description="seconds")
    max_dwell: float | None = Field(default=None, ge=0, le=7 * 86400, description="seconds")

    @model_validator(mode="after")
    def _ranges(self) -> Filters:
        if self.start and self.end:
            if self.start > self.end:
                raise ValueError("start must not be after end")
            if (self.end - self.start).days > MAX_RANGE_DAYS:
                raise ValueError(f"a date range may span at most {MAX_RANGE_DAYS} days")
        if (
            self.min_dwell is not None
            and self.max_dwell is not None
            and (self.min_dwell > self.max_dwell)
        ):
            raise ValueError("min_dwell must not exceed max_dwell")
        for values in (self.camera, self.group, self.gender, self.age_group):
            if any(not v or len(v) > 128 for v in values):
                raise ValueError("filter values must be 1..128 characters")
        return self


class DetailQuery(Filters):
    sort: str = Field(default="utc_time_started", max_length=64, pattern=r"^[a-z_]+$")
    order: Literal["asc", "desc"] = "desc"
    limit: int = Field(default=100, ge=1, le=1000)
    cursor: str | None = Field(default=None, max_length=4096)


class ExportQuery(Filters):
    """The export holds every filtered row, in start-time order."""


class HistogramQuery(Filters):
    bin_s: float | None = Field(
        default=None, ge=1, le=86400, description="bin width, seconds (whole-second data)"
    )


class OccupancyQuery(Filters):
    level: Literal["site", "group", "camera"] = "site"
    resolution: Literal["minute", "hour", "day"] = "hour"


class RankingQuery(Filters):
    by: Literal["camera", "group"] = "camera"
    limit: int = Field(default=10, ge=1, le=100)
