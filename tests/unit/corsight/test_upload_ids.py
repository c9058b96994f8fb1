"""The raw object of a pulled range: its upload id and key are a pure function of the range."""

from __future__ import annotations

from wandr import rawkeys
from wandr.corsight.pull import raw_key, upload_id_for


def test_a_range_of_short_ids_gets_a_readable_upload_id() -> None:
    assert upload_id_for(None, "120") == "corsight-start-120"
    assert upload_id_for("120", "150") == "corsight-120-150"


def test_a_range_of_long_or_unsafe_ids_gets_a_stable_digest() -> None:
    first = "3f2b8c1e-8a43-4d1e-9b7c-2f1f6f0a9e11"
    last = "9d1c0b7a-1e2f-4a3b-8c4d-5e6f7a8b9c0d"

    upload_id = upload_id_for(first, last)

    assert upload_id == upload_id_for(first, last)
    assert upload_id.startswith("corsight-") and rawkeys.is_valid_id(upload_id)
    assert upload_id != upload_id_for(first, "another")
    assert rawkeys.is_valid_id(upload_id_for("a/b", "c d"))


def test_the_key_follows_the_raw_layout_as_a_csv_upload() -> None:
    key = rawkeys.parse(raw_key("acme", "corsight-120-150"))

    assert (key.tenant, key.kind, key.upload_id, key.filename) == (
        "acme",
        "csv",
        "corsight-120-150",
        "corsight-120-150.csv",
    )
