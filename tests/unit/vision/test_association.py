"""Association maths against hand-computed values (no video needed)."""

from __future__ import annotations

import math

import pytest

from wandr import mallmap
from wandr.vision import association as assoc
from wandr.vision import journeys
from wandr.vision.config import AssociationConfig

CFG = AssociationConfig()


def _tracklet(
    tid: str,
    pin: str,
    t_in: float,
    t_out: float,
    lab=(30.0, 0.0, 0.0),
    emb=None,
    hist=None,
    quality=0.9,
) -> dict:
    hist = hist or [1.0] + [0.0] * 255
    region = {"lab": list(lab), "hist": hist, "colour": "x"}
    return {
        "tracklet_id": tid,
        "pin_id": pin,
        "t_in": t_in,
        "t_out": t_out,
        "quality": quality,
        "outfit": {"top": region, "bottom": region, "shoes": {"lab": list(lab)}},
        "embedding": emb or [1.0, 0.0],
        "height_category": "medium",
        "aspect_ratio": 0.4,
    }


def test_time_term_is_one_at_the_expected_transit_and_decays_with_tau():
    assert assoc.time_score(20, 20, 5, CFG) == 1.0
    assert assoc.time_score(25, 20, 5, CFG) == pytest.approx(math.exp(-1))
    assert assoc.time_score(10, 20, 5, CFG) == pytest.approx(math.exp(-2))


def test_time_gate_rejects_under_one_second_and_beyond_mu_plus_three_tau():
    assert assoc.time_score(0.5, 20, 5, CFG) is None
    assert assoc.time_score(35.0, 20, 5, CFG) is not None
    assert assoc.time_score(35.1, 20, 5, CFG) is None


def test_adjacency_is_one_direct_half_for_two_hops_and_zero_beyond():
    assert [assoc.adjacency_score(h) for h in (1, 2, 3, None)] == [1.0, 0.5, 0.0, 0.0]


def test_without_a_garment_model_the_type_weight_is_shared_out():
    w_type, w_colour, w_app = CFG.outfit_weights
    assert (w_type, round(w_colour, 4), round(w_app, 4)) == (0.0, 0.5385, 0.4615)


def test_identical_outfits_at_the_expected_time_score_the_hand_computed_value(mall_geojson):
    mall = mallmap.parse(mall_geojson)
    c = assoc.score_pair(_tracklet("s", "a", 0, 10), _tracklet("d", "b", 30, 40), mall, CFG)
    # outfit 1, time 1, adjacency 1, physique 1 -> 0.55 + 0.20 + 0.15 + 0.10
    assert (c.outfit, c.time, c.adjacency, c.physique) == (1.0, 1.0, 1.0, 1.0)
    assert c.score == pytest.approx(1.0)


def test_two_hops_sum_the_transit_times_and_halve_adjacency(mall_geojson):
    mall = mallmap.parse(mall_geojson)
    c = assoc.score_pair(_tracklet("s", "a", 0, 10), _tracklet("d", "c", 50, 60), mall, CFG)
    assert (c.mu, round(c.tau, 4), c.adjacency) == (40.0, round(math.hypot(5, 5), 4), 0.5)
    assert c.score == pytest.approx(0.55 + 0.20 + 0.15 * 0.5 + 0.10)


def test_a_clear_best_match_links_and_a_near_tie_is_ambiguous(mall_geojson):
    mall = mallmap.parse(mall_geojson)
    src = _tracklet("s", "a", 0, 10)
    same = _tracklet("d1", "b", 30, 40)
    result = assoc.associate([src, same], mall, CFG)
    assert [(link["source"], link["target"]) for link in result.links] == [("s", "d1")]
    twin = _tracklet("d2", "b", 31, 41)
    result = assoc.associate([src, same, twin], mall, CFG)
    assert result.links == []
    assert {d["target"] for d in result.decisions if d["decision"] == "ambiguous"} == {"d1", "d2"}


def test_a_target_claimed_by_two_sources_goes_to_the_better_score(mall_geojson):
    mall = mallmap.parse(mall_geojson)
    good = _tracklet("s1", "a", 0, 10)
    late = _tracklet("s2", "c", 0, 16)  # 14 s before the target: time term exp(-6/5)
    dst = _tracklet("d", "b", 30, 40)
    result = assoc.associate([good, late, dst], mall, CFG)
    assert [link["source"] for link in result.links] == ["s1"]
    lost = [d for d in result.decisions if d["decision"] == "conflict_lost"]
    assert [d["source"] for d in lost] == ["s2"]


def test_different_colours_fail_the_outfit_gate(mall_geojson):
    mall = mallmap.parse(mall_geojson)
    red = _tracklet(
        "d", "b", 30, 40, lab=(50.0, 60.0, 40.0), emb=[0.0, 1.0], hist=[0.0] * 255 + [1.0]
    )
    result = assoc.associate([_tracklet("s", "a", 0, 10), red], mall, CFG)
    assert result.links == []
    assert result.decisions[0]["decision"] in {"outfit_gate", "below_threshold"}


def test_a_visitor_cannot_re_enter_a_camera_within_the_cool_down(mall_geojson):
    mall = mallmap.parse(mall_geojson)
    ts = [_tracklet("a1", "a", 0, 10), _tracklet("b1", "b", 30, 40), _tracklet("a2", "a", 60, 70)]
    result = assoc.associate(ts, mall, CFG)
    assert [link["target"] for link in result.links] == ["b1"]
    assert [d["target"] for d in result.decisions if d["decision"] == "cooldown"] == ["a2"]


def test_a_journey_runs_from_an_entrance_to_the_exit_with_geometric_mean_confidence(
    mall_geojson,
):
    mall = mallmap.parse(mall_geojson)
    ts = [_tracklet("a1", "a", 0, 10), _tracklet("b1", "b", 30, 40), _tracklet("c1", "c", 60, 70)]
    links = [
        {"link_id": "a1>b1", "source": "a1", "target": "b1", "score": 0.9},
        {"link_id": "b1>c1", "source": "b1", "target": "c1", "score": 0.8},
    ]
    (j,) = journeys.build(ts, links, mall, CFG)
    assert (j["pins"], j["closed_by"], j["exit_pin"]) == (["a", "b", "c"], "exit", "c")
    assert j["confidence"] == pytest.approx(math.sqrt(0.9 * 0.8), abs=1e-4)
    reports = journeys.reports([j], links and [{**links[0], "decision": "link"}])
    assert reports["edge_traversal"]["edges"] == [
        {"from_pin": "a", "to_pin": "b", "count": 1},
        {"from_pin": "b", "to_pin": "c", "count": 1},
    ]
    assert reports["first_store"]["entries"] == [
        {"entry_pin": "a", "first_pin": "b", "journeys": 1}
    ]


def test_a_chain_not_starting_at_an_entrance_is_not_a_journey(mall_geojson):
    mall = mallmap.parse(mall_geojson)
    assert journeys.build([_tracklet("b1", "b", 0, 10)], [], mall, CFG) == []


def test_a_long_gap_closes_the_journey_for_inactivity(mall_geojson):
    mall = mallmap.parse(mall_geojson)
    ts = [_tracklet("a1", "a", 0, 10), _tracklet("b1", "b", 4000, 4010)]
    links = [{"link_id": "a1>b1", "source": "a1", "target": "b1", "score": 0.9}]
    (j,) = journeys.build(ts, links, mall, CFG)
    assert (j["pins"], j["closed_by"]) == (["a"], "inactivity")


def test_unknown_config_keys_are_rejected():
    with pytest.raises(ValueError, match="nope"):
        AssociationConfig.from_dict({"nope": 1})
