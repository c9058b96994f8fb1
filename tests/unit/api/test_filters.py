"""The shared analytics filters: one parse, the same rules on every endpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from wandr.api.filters import DetailQuery, Filters, HistogramQuery


def test_filters_parse_dates_lists_and_dwell_ranges():
    f = Filters.model_validate(
        {
            "start": "2026-11-01",
            "end": "2026-11-30",
            "camera": ["cam-1", "cam-2"],
            "min_dwell": "60",
        }
    )
    assert f.start == dt.date(2026, 11, 1) and f.camera == ["cam-1", "cam-2"]
    assert f.min_dwell == 60


@pytest.mark.parametrize(
    "values",
    [
        {"start": "2026-11-30", "end": "2026-11-01"},
        {"min_dwell": 600, "max_dwell": 60},
        {"start": "2020-01-01", "end": "2026-01-01"},
        {"min_dwell": -1},
        {"start": "yesterday"},
    ],
)
def test_impossible_filters_are_refused(values):
    with pytest.raises(ValidationError):
        Filters.model_validate(values)


def test_a_detail_query_bounds_its_page_size_and_sort_column():
    assert DetailQuery.model_validate({}).limit == 100
    with pytest.raises(ValidationError):
        DetailQuery.model_validate({"limit": 5000})
    with pytest.raises(ValidationError):
        DetailQuery.model_validate({"sort": "person_id; DROP TABLE"})


def test_a_histogram_bin_under_one_second_is_refused_before_it_reaches_the_maths() -> None:
    """Found by the fuzz: bin_s=5e-324 passed `gt=0` and made the bin count infinite."""
    with pytest.raises(ValidationError):
        HistogramQuery(bin_s=5e-324)
    assert HistogramQuery(bin_s=1).bin_s == 1


def test_walk_times_and_frame_rates_too_small_to_store_are_refused() -> None:
    """DynamoDB numbers stop at 1e-130; a denormal from a client must be a 400, not a 500."""
    from wandr.api.models_spatial import PinIn

    assert PinIn.model_validate({"label": "gate", "camera_fps": 10}).camera_fps == 10
    with pytest.raises(ValidationError, match="camera_fps"):
        PinIn.model_validate({"label": "gate", "camera_fps": 5e-324})
    with pytest.raises(ValidationError, match="tau_sec"):
        PinIn.model_validate(
            {"label": "gate", "transit_times": {"p2": {"mu_sec": 30, "tau_sec": 5e-324}}}
        )
