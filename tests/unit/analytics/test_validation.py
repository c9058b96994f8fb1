"""Validation of real-world variants and of malformed or hostile files."""

from __future__ import annotations

import codecs

import pyarrow as pa
import pytest

from wandr.validation import csvfile, insight
from wandr.validation.columns import map_columns
from wandr.validation.csvfile import Sink
from wandr.validation.report import InvalidUpload, Limits, Report


class ListSink(Sink):
    def __init__(self) -> None:
        self.tables: list[pa.Table] = []

    def write(self, table: pa.Table) -> None:
        self.tables.append(table)

    def discard(self) -> None:
        self.tables.clear()

    def rows(self) -> list[dict[str, object]]:
        return pa.concat_tables(self.tables).to_pylist() if self.tables else []


def check(data: bytes, limits: Limits | None = None) -> tuple[Report, ListSink]:
    sink = ListSink()
    report, _repeats = csvfile.validate(
        lambda: pa.BufferReader(data), len(data), "u1", sink, limits
    )
    return report, sink


GOOD = "person_id,utc_time_started,utc_time_ended\np1,1709280000,1709280060\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, "binary"),
        (b"PK\x03\x04rest-of-a-zip", "ZIP"),
        (b"person_id,utc_time_started,utc_time_ended\n", "no data rows"),
        (b"person_id,utc_time_started,utc_time_ended", "no data rows"),
        (b"x" * (2 << 20), "first line is longer"),
        (b"name,when\nbob,today\n", "missing mandatory column"),
    ],
)
def test_an_unusable_file_is_refused_with_a_clear_reason(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidUpload, match=reason):
        check(data)


def test_a_good_row_is_accepted_with_its_dwell_and_line() -> None:
    report, sink = check(GOOD.encode())
    assert (report.rows_total, report.rows_good, report.rows_bad) == (1, 1, 0)
    row = sink.rows()[0]
    assert row["dwell_s"] == 60.0 and row["source_line"] == 2


def test_mixed_timestamp_formats_and_zones_are_read_as_utc() -> None:
    data = (
        b"person_id,utc_time_started,utc_time_ended\n"
        b"p1,1.70928e9,1709280060\n"
        b"p2,2024-03-01T08:00:00+07:00,2024-03-01 01:01:00Z\n"
        b"p3,2024-03-01 01:00:00,1709254860000\n"
    )
    report, sink = check(data)
    assert report.rows_good == 3
    assert [r["dwell_s"] for r in sink.rows()] == [60.0, 60.0, 60.0]


def test_bad_rows_are_reported_with_line_numbers_and_reasons_and_good_rows_kept() -> None:
    data = (
        b"event_id,person_id,utc_time_started,utc_time_ended\n"
        b"e1,p1,1709280000,1709280060\n"
        b"e2,,1709280000,1709280060\n"
        b"e3,p3,soon,1709280060\n"
        b"e4,p4,1709280060,1709280000\n"
        b"e5,p5,1709280000,1709380000\n"
        b"e1,p1,1709280000,1709280060\n"
        b"e6,p6,1709280000\n"
    )
    report, _ = check(data)
    assert report.rows_good == 1
    lines = {r["line"]: r["reason"] for r in report.bad_rows}
    assert lines[3] == "person_id is empty"
    assert lines[4].startswith("utc_time_started is missing")
    assert lines[5] == "utc_time_ended is before utc_time_started"
    assert "absurd" in lines[6]
    assert lines[7] == "duplicate event_id"
    assert any(
        "fields" in r["reason"] and r["value"] == "e6,p6,1709280000" for r in report.bad_rows
    )
    assert report.status == "succeeded_with_warnings"


def test_formula_injection_is_neutralised_and_reported() -> None:
    data = (
        b"person_id,camera_id,utc_time_started,utc_time_ended\n"
        b"p1,=cmd|' /C calc'!A0,1709280000,1709280060\n"
    )
    report, sink = check(data)
    assert sink.rows()[0]["camera_id"].startswith("'=")
    assert any("formula" in k for k in report.column_problems)


def test_latin1_bom_and_semicolons_are_detected() -> None:
    data = (
        "person_id;utc_time_started;utc_time_ended;zone_name\np1;1709280000;1709280060;Caf\u00e9\n"
    ).encode("latin-1")
    report, sink = check(data)
    assert (report.encoding, report.delimiter) == ("latin-1", ";")
    assert sink.rows()[0]["zone_name"] == "Caf\u00e9"
    report, sink = check(codecs.BOM_UTF8 + GOOD.encode())
    assert report.rows_good == 1


def test_header_variants_map_to_canonical_columns_and_unknown_columns_are_kept() -> None:
    data = (
        b"Person ID,utc_time_started_readable,utc_time_end,camera_group_data_group_name,"
        b"shoe_colour\np1,2024-03-01 00:00:00,2024-03-01 00:01:00,Food,red\n"
    )
    report, sink = check(data)
    row = sink.rows()[0]
    assert row["camera_group_name"] == "Food" and row["dwell_s"] == 60.0
    assert row["extra"] == '{"shoe_colour":"red"}'
    assert any("truncated" in n for n in report.notes)


def test_an_ambiguous_truncated_header_is_not_guessed() -> None:
    cmap = map_columns(["person_id", "utc_time_started", "utc_time_ended", "utc_time_"])
    assert cmap.unknown == {3: "utc_time_"}


def test_a_ten_megabyte_line_after_the_header_is_a_reported_bad_row() -> None:
    data = (GOOD + "p2," + "9" * (10 << 20) + ",1709280060\n").encode()
    report, _ = check(data)
    assert report.rows_good == 1 and report.rows_bad == 1
    assert len(report.bad_rows[0]["value"]) <= 200


def test_insight_json_arrays_lines_and_nested_events_are_read() -> None:
    nested = (
        '{"event_id": "n1", "camera_data": {"camera_id": "c1"}, '
        '"frame_data": {"utc_time_recorded": 1709280000}, "match_data": {"poi_id": "p1"}}'
    )
    report, table = insight.validate(f"[{nested}]".encode(), "u1")
    row = table.to_pylist()[0]
    assert (row["camera_id"], row["person_id"]) == ("c1", "p1")
    assert '"camera_data"' in row["original"]
    lines = nested + "\n" + '{"event_id": "n2", "camera_id": "c2"}\nnot json\n'
    report, table = insight.validate(lines.encode(), "u1")
    assert table.num_rows == 1 and report.rows_bad == 2
    with pytest.raises(InvalidUpload):
        insight.validate(b"\x00\x01binary", "u1")
