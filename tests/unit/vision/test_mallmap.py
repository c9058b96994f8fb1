from __future__ import annotations

import pytest

from wandr import mallmap


def test_a_valid_map_gives_pins_hops_and_symmetric_transit(mall_geojson):
    m = mallmap.parse(mall_geojson)
    assert set(m.pins) == {"a", "b", "c"}
    assert m.entrances() == ("a", "c")
    assert m.hops("a", "b") == 1
    assert m.hops("a", "c") == 2
    assert m.transit("b", "a") == mallmap.Transit(20.0, 5.0)


def test_every_problem_in_a_bad_map_is_reported_at_once(mall_geojson):
    props = mall_geojson["features"][0]["properties"]
    props["pin_kind"] = "door"
    props["adjacent_to"] = ["nowhere"]
    mall_geojson["features"][1]["properties"]["transit_times"]["a"] = {"mu_sec": -1}
    with pytest.raises(mallmap.MallMapError) as err:
        mallmap.parse(mall_geojson)
    text = " ".join(err.value.problems)
    assert "pin_kind" in text and "transit_times[a]" in text


def test_a_document_that_is_not_a_feature_collection_is_rejected():
    with pytest.raises(mallmap.MallMapError, match="FeatureCollection"):
        mallmap.parse({"type": "Feature"})
