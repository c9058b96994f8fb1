"""Formula flags read off the first byte of each string view give exactly the regular
expression's answers (csvfile._FORMULA), whatever the values, nulls, slices and chunks."""

from __future__ import annotations

import random

import polars as pl
import pytest

from wandr.validation import formulas
from wandr.validation.csvfile import _FORMULA

EDGES = ["", "=", "=1+1", "+", "@x", "\t", "\tx", "\r", "-", "-1", "-.5", "- x", "-x", "-é"]
EDGES += ["-\t", "-\n", "-\x0c", "-\r", "=" + "x" * 20, "-" + "x" * 20, "x" * 30, "é=1", " =1"]
EDGES += ["\x00", "\x7f", "caf\u00e9", "\U0001f600=", "'=x", "a=b", "12 chars lon", "13 chars long"]


def _expected(values: pl.Series) -> list[bool]:
    return values.str.contains(_FORMULA).fill_null(False).to_list()


def test_every_edge_value_is_flagged_as_the_expression_flags_it() -> None:
    values = pl.Series([*EDGES, None], dtype=pl.String)
    assert formulas.flags(values).tolist() == _expected(values)
    assert sum(_expected(values)) > 10  # the edges do hold formulas


@pytest.mark.parametrize("seed", range(5))
def test_random_text_in_several_chunks_with_nulls_matches_the_expression(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = ["=", "+", "@", "-", "\t", "\r", "\n", " ", ".", "0", "7", "a", "Z", "é", "'"]

    def value() -> str | None:
        if rng.random() < 0.1:
            return None
        return "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 2, 3, 12, 13, 40])))

    chunks = [pl.Series([value() for _ in range(rng.randint(0, 300))], dtype=pl.String)]
    chunks += [pl.Series([value() for _ in range(rng.randint(1, 300))], dtype=pl.String)]
    values = pl.concat(chunks, rechunk=False)
    assert values.n_chunks() == 2 or len(chunks[0]) == 0
    assert formulas.flags(values).tolist() == _expected(values)
    sliced = values.slice(7, len(values) - 20)  # views and validity start inside a buffer
    assert formulas.flags(sliced).tolist() == _expected(sliced)


def test_stripped_text_is_read_at_its_own_first_byte() -> None:
    values = pl.Series(["  =cmd", "\t-x ", " p1 "], dtype=pl.String).str.strip_chars(" ")
    assert formulas.flags(values).tolist() == [True, True, False]
