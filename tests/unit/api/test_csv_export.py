"""CSV export escaping: formulas never survive into a spreadsheet, numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wandr.api.csv_export import FORMULA_PREFIXES, csv_chunks, escape_cell


@pytest.mark.parametrize(
    "cell", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x", '  =HYPERLINK("http://evil")']
)
def test_text_that_a_spreadsheet_would_evaluate_gets_a_leading_apostrophe(cell):
    assert escape_cell(cell) == "'" + cell


def test_numbers_including_negative_ones_are_written_as_numbers():
    assert escape_cell(-3.5) == -3.5
    assert escape_cell(0) == 0
    assert escape_cell(None) == ""
    assert escape_cell(True) == "true"


def test_plain_text_is_left_alone():
    assert escape_cell("Main entrance, north") == "Main entrance, north"


@given(st.lists(st.text(max_size=30), min_size=1, max_size=5))
def test_no_exported_text_cell_starts_like_a_formula(cells):
    columns = [f"c{i}" for i in range(len(cells))]
    text = "".join(csv_chunks(columns, [dict(zip(columns, cells, strict=True))]))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == columns
    for original, written in zip(cells, rows[1], strict=True):
        assert not written.lstrip(" ").startswith(FORMULA_PREFIXES)
        assert written.removeprefix("'") == original or written == original
