import pytest

from wandr import rawkeys


def test_a_raw_key_round_trips_through_its_text_form():
    key = rawkeys.RawKey("demo", "csv", "u-1", "cameras.csv")
    assert str(key) == "tenant=demo/kind=csv/upload=u-1/cameras.csv"
    assert rawkeys.parse(str(key)) == key


@pytest.mark.parametrize(
    "key",
    [
        "cameras.csv",
        "tenant=demo/kind=pdf/upload=u1/a.pdf",
        "tenant=../x/kind=csv/upload=u1/a.csv",
        "tenant=demo/kind=csv/upload=u1/sub/a.csv",
        "tenant=demo/kind=csv/upload=/a.csv",
    ],
)
def test_keys_outside_the_layout_are_refused_with_the_expected_shape(key):
    with pytest.raises(rawkeys.RawKeyError, match="tenant=<t>"):
        rawkeys.parse(key)


def test_execution_names_are_stable_per_object_version_and_valid_for_step_functions():
    first = rawkeys.execution_name("b", "k", '"abc"')
    assert first == rawkeys.execution_name("b", "k", "abc")  # quotes around ETags ignored
    assert first != rawkeys.execution_name("b", "k", "abd")
    assert first != rawkeys.execution_name("b", "k2", "abc")
    assert len(first) <= 80
    assert all(c.isalnum() or c in "-_" for c in first)


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("C:\\Users\\me\\export 2026.csv", "export 2026.csv"),
        ("../../etc/passwd", "passwd"),
        ("=cmd|' /C calc'!A0.csv", "C calc__A0.csv"),
        ("...", "upload"),
    ],
)
def test_client_file_names_are_reduced_to_safe_characters(given, safe):
    assert rawkeys.safe_filename(given) == safe
