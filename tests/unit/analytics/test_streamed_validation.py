"""The streamed path (polars' reader, one pass) gives exactly the general two-pass path's
rows and report, or declines the file before anything is staged."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.unit.analytics.test_parallel_validation import (
    EVENT_LINE,
    HEADER,
    _general,
    _rows,
    _strip_files,
    fast_path,
    stage_equals_general,
)
from wandr.validation import streamed
from wandr.validation.parallel import NotFastPath
from wandr.validation.report import Limits


def _streamed(
    path: str, work: str, limits: Limits | None = None
) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    return fast_path(streamed.validate_to_days, path, work, limits)


def _same_as_general(tmp_path: Path, text: str | bytes) -> dict[str, Any]:
    """Write `text`, run both paths, assert equal rows, report and file schemas."""
    path = tmp_path / "events.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    general_report, general_rows = _general(str(path), str(tmp_path / "g"))
    report, rows = _streamed(str(path), str(tmp_path / "s"))
    assert report == general_report
    assert _comparable(rows) == _comparable(general_rows)
    schemas = {
        side: {str(pq.read_schema(p)) for p in (tmp_path / side / "days").glob("dt=*/*.parquet")}
        for side in ("g", "s")
    }
    assert schemas["s"] == schemas["g"]
    return report


def _comparable(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows without their file names, NaN spelled out (NaN != NaN in a tuple compare)."""
    return [tuple("NaN" if v != v else v for v in row) for row in _strip_files(rows)]


def _declines(tmp_path: Path, text: str | bytes, why: str, limits: Limits | None = None) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(NotFastPath, match=why):
        _streamed(str(path), str(tmp_path / "s"), limits)


def _well_formed_rows() -> list[str]:
    """`_rows()` without its two lines of the wrong width (only DuckDB can report those)."""
    return [r for r in _rows() if r.count(",") == 6]


def test_rows_and_report_equal_the_general_path(tmp_path: Path) -> None:
    report = _same_as_general(tmp_path, HEADER + "\n".join(_well_formed_rows()) + "\n")
    assert report["duplicates"] == 2 and report["rows_total"] == 398
    assert report["column_problems"]  # the formula and the bad face score were counted


def test_odd_values_are_read_as_duckdb_reads_them(tmp_path: Path) -> None:
    rows = _well_formed_rows()[:60]
    rows[1] = "e1,p1,c1, 1709280000 ,1709280090, 0.5 ,red"  # spaces polars' cast refuses
    rows[2] = "e2,p1,c1,1_709_280_000,1709280090,1_0,red"  # underscores DuckDB accepts
    rows[3] = "e3,p1,c1,1.70928e9,1709280090,inf,red"
    rows[4] = "e4,p1,c1,2024-03-01T10:00:00.25+07:00,2024-03-01 03:05:00Z,NaN,red"
    rows[5] = "e5,  p2\t,c1,1709280000123,1709280090000,.5,red"  # person trimmed; ms epochs
    rows[6] = "e6,p1,c1,1e15,1709280090,0x1,red"  # beyond the millisecond range
    rows[7] = "e7,p1,c1,2024-03-01,2024-03-01T00:00:30,-0,red"
    rows[8] = "-e8,+p1,@c1,1709280000,1709280090,0.5,-red"  # formulas in several columns
    rows[9] = "e9,-1p,c1,1709280000,1709280090,0.5,-1.5"  # a leading minus digit is no formula
    rows[10] = 'e10,p1,"c,1",1709280000,1709280090,0.5,"say ""hi"""'  # quoted delimiter/quotes
    rows[11] = "e11,p1,c1,1709280000,1709280000.0004,0.5,red"  # rounds to the same ms
    rows[12] = "e12,p1,c1,1709280000,1709323201,0.5,red"  # over 12 h
    rows[13] = "e13,p1,c1,946684799,946684800,0.5,red"  # before 2000
    _same_as_general(tmp_path, HEADER + "\n".join(rows) + "\n")


@pytest.mark.parametrize("remembered", [10_000, 3])
def test_odd_values_repeated_across_batches_read_alike_remembered_or_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, remembered: int
) -> None:
    monkeypatch.setattr(streamed, "_BATCH_ROWS", 16)
    monkeypatch.setattr(streamed, "_REMEMBERED_VALUES", remembered)
    rows = _well_formed_rows()[:120]
    odd = ["not-a-date", " 1709280000 ", "2024-03-01T10:00:00Z", "1_709_280_000", "N/A"]
    for k in range(0, 120, 7):  # the same few odd texts in every batch, in both columns
        rows[k] = f"o{k},p{k % 5},c1,{odd[k % 5]},{odd[(k + 2) % 5]},{odd[k % 4]},red"
    _same_as_general(tmp_path, HEADER + "\n".join(rows) + "\n")


def test_repeats_keep_the_first_good_row_of_each_id(tmp_path: Path) -> None:
    rows = _well_formed_rows()[:50]
    rows[20] = "e10,,c1,1709280000,1709280060,0.5,red"  # a bad row repeating e10
    rows[30] = "e10,p9,c2,1709290000,1709290060,0.5,red"  # a good one
    rows[31] = "=e10,p9,c2,1709290000,1709290060,0.5,red"  # stored as '=e10
    rows[32] = "'=e10,p9,c2,1709290000,1709290060,0.5,red"  # the same stored id
    report = _same_as_general(tmp_path, HEADER + "\n".join(rows) + "\n")
    assert report["duplicates"] == 2


def test_unknown_columns_keep_their_text_as_json(tmp_path: Path) -> None:
    header = "event_id,note,shoe size,person_id,utc_time_started,utc_time_ended\n"
    rows = [
        'e1,"a ""quoted"" \\ note",42,p1,1709280000,1709280060',
        "e2,,,p2,1709280000,1709280060",
        "e3,caf\u00e9 \U0001f600,\t,p3,1709280000,1709280060",
        "e4,\x01\x7f,x,p4,1709280000,1709280060",
    ]
    _same_as_general(tmp_path, header + "\n".join(rows) + "\n")


@pytest.mark.parametrize(
    ("name", "transform"),
    [
        ("no final newline", lambda t: t.rstrip("\n")),
        ("CRLF line ends", lambda t: t.replace("\n", "\r\n")),
        ("a BOM", lambda t: "\ufeff" + t),
        ("semicolons", lambda t: t.replace(",", ";")),
        ("trailing blank lines", lambda t: t + "\n\n"),
    ],
)
def test_file_shapes_the_general_path_reads_give_its_result(
    tmp_path: Path, name: str, transform: Any
) -> None:
    text = HEADER + "\n".join(_well_formed_rows()[:80]) + "\n"
    report = _same_as_general(tmp_path, transform(text))
    assert report["rows_total"] == 80, name


def test_the_last_line_without_a_newline_keeps_its_number(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(HEADER + "\n".join(_well_formed_rows()[:120]))
    _report, rows = _streamed(str(path), str(tmp_path / "s"))
    assert rows[-1][EVENT_LINE] == 121


@pytest.mark.parametrize(
    ("name", "line", "why"),
    [
        ("too many fields", "e5,p1,c1,1709280060,1709280090,0.5,red,x", "DuckDB"),
        ("too few fields", "e5,p1,c1,1709280060,1709280090,0.5", "last field is empty"),
        ("an empty last field", "e5,p1,c1,1709280060,1709280090,0.5,", "last field is empty"),
        ("a quoted line break", 'e5,p1,c1,1709280060,1709280090,0.5,"red\nblue"', "line break"),
        ("a blank line", "", "blank line"),
        ("a stray quote", 'e5,p1,c1,1709280060,1709280090,0.5,re"d', "DuckDB"),
        ("text after a quote", 'e5,p1,c1,1709280060,1709280090,0.5,"re"d', "DuckDB"),
    ],
)
def test_lines_only_duckdb_can_report_make_it_decline(
    tmp_path: Path, name: str, line: str, why: str
) -> None:
    rows = _well_formed_rows()[:30]
    rows[5] = line
    _declines(tmp_path, HEADER + "\n".join(rows) + "\n", why)


def test_a_file_that_is_not_utf8_is_declined(tmp_path: Path) -> None:
    rows = _well_formed_rows()[:30]
    tail = "\ncaf\xe9,p1,c1,1709280060,1709280090,0.5,red\n".encode("latin-1")
    text = (HEADER + "\n".join(rows)).encode() + tail
    _declines(tmp_path, text, "DuckDB", Limits(max_line_bytes=1024))  # sniffs 1 KB: UTF-8


def test_a_line_near_the_length_limit_is_declined(tmp_path: Path) -> None:
    rows = _well_formed_rows()[:30]
    rows[5] = f"e5,p1,c1,1709280060,1709280090,0.5,{'x' * 3000}"
    _declines(tmp_path, HEADER + "\n".join(rows) + "\n", "length", Limits(max_line_bytes=4096))


def test_random_odd_files_equal_the_general_path_or_are_declined(tmp_path: Path) -> None:
    """Seeded rows drawn from values that sit on the edges of both readers."""
    rng = random.Random(7)
    ids = ["e1", "e2", "=e1", "", " e3", "-e4", "e5"]
    people = ["p1", " p2 ", "", "\tp3", "+p4", "-1", "@x"]
    stamps = [
        "1709280000",
        "1709280000.5",
        " 1709280030",
        "1.70928003e9",
        "1709280000999",
        "2024-03-01T10:00:00Z",
        "2024-03-01 10:00:00+0530",
        "soon",
        "",
        "1e20",
        "-5",
        "2024-02-30T00:00:00",
        "1_709_280_000",
    ]
    scores = ["0.5", "", " 0.7", "nan", "-inf", "x", "1e-3", "+.5"]
    extras = ["red", '"a,b"', '"x ""y"""', "=1+1", "é", "-", "\t"]
    passed = declined = 0
    for k in range(12):
        rows = [
            ",".join(
                [
                    rng.choice(ids),
                    rng.choice(people),
                    f"c{rng.randint(0, 3)}",
                    rng.choice(stamps),
                    rng.choice(stamps),
                    rng.choice(scores),
                    rng.choice(extras),
                ]
            )
            for _ in range(60)
        ]
        case = tmp_path / f"case{k}"
        case.mkdir()
        try:
            _same_as_general(case, HEADER + "\n".join(rows) + "\n")
            passed += 1
        except NotFastPath:
            declined += 1
    assert passed >= 6  # the odd values themselves do not make it decline


def test_staging_falls_back_to_duckdb_when_the_streamed_path_declines(tmp_path: Path) -> None:
    stage_equals_general(tmp_path, _rows()[:120])  # rows 40 and 41 have the wrong width
