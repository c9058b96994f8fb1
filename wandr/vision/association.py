"""Cross-camera association: which tracklet at one camera is the same visitor at another.

Every candidate pair (source tracklet leaves camera A, target enters camera B) that passes the
adjacency and time gates is scored:

    score  = 0.55 outfit + 0.20 time + 0.15 adjacency + 0.10 physique
    outfit = 0.35 type + 0.35 exp(-dE2000 / 12) + 0.30 appearance
    time   = exp(-max(0, |dt - mu|) / tau), rejected when dt < 1 s or dt > mu + 3 tau
    adjacency = 1 direct, 0.5 two hops

and decided in this order, each decision logged with all its components:
1. a source links only if its best target has score >= 0.78 and outfit >= 0.70;
2. if its two best targets are within 0.04 it is *ambiguous*: no link, the target starts a
   new visitor (a false split is cheaper than a false merge);
3. a target claimed by several sources goes to the best score, the others get no link;
4. a visitor may not re-enter a camera within the cool-down of leaving it.
Frequent outfits (uniforms) have their outfit term scaled down (see config).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from wandr.mallmap import MallMap, Transit
from wandr.vision import outfit as outfit_mod
from wandr.vision import physique
from wandr.vision.config import AssociationConfig


@dataclass(frozen=True)
class Components:
    """Everything that went into one pair's score (the explainable log row)."""

    dt: float
    mu: float
    tau: float
    hops: int
    delta_e: float
    colour: float
    garment_type: float
    embedding_cos: float
    histogram: float
    appearance: float
    frequency_factor: float
    outfit: float
    time: float
    adjacency: float
    physique: float
    score: float


def time_score(dt: float, mu: float, tau: float, cfg: AssociationConfig) -> float | None:
    """exp(-max(0,|dt-mu|)/tau), or None when the gate rejects dt."""
    if dt < cfg.min_dt_sec or dt > mu + cfg.max_tau * tau:
        return None
    return math.exp(-max(0.0, abs(dt - mu)) / tau)


def adjacency_score(hops: int | None) -> float:
    return {1: 1.0, 2: 0.5}.get(hops if hops is not None else -1, 0.0)


def transit_between(mall: MallMap, a: str, b: str, cfg: AssociationConfig) -> Transit | None:
    """Direct transit time, or the sum over the best intermediate pin for two hops."""
    hops = mall.hops(a, b, cfg.max_hops)
    if hops == 1:
        return mall.transit(a, b) or Transit(cfg.default_mu_sec, cfg.default_tau_sec)
    if hops == 2:
        best: Transit | None = None
        for mid in mall.neighbours(a):
            if b not in mall.neighbours(mid):
                continue
            t1 = mall.transit(a, mid) or Transit(cfg.default_mu_sec, cfg.default_tau_sec)
            t2 = mall.transit(mid, b) or Transit(cfg.default_mu_sec, cfg.default_tau_sec)
            cand = Transit(t1.mu_sec + t2.mu_sec, math.hypot(t1.tau_sec, t2.tau_sec))
            if best is None or cand.mu_sec < best.mu_sec:
                best = cand
        return best
    return None


def combine(
    outfit: float, time: float, adjacency: float, phys: float, cfg: AssociationConfig
) -> float:
    return (cfg.w_outfit * outfit + cfg.w_time * time + cfg.w_adjacency * adjacency
            + cfg.w_physique * phys)  # fmt: skip


def outfit_score(
    delta_e: float, garment_type: float, appearance: float, factor: float, cfg: AssociationConfig
) -> tuple[float, float]:
    """(outfit, colour term): the weighted outfit similarity, scaled by the frequency factor."""
    w_type, w_colour, w_app = cfg.outfit_weights
    colour = math.exp(-delta_e / cfg.colour_scale_de)
    return factor * (w_type * garment_type + w_colour * colour + w_app * appearance), colour


def appearance_similarity(
    a: dict[str, Any], b: dict[str, Any], cfg: AssociationConfig
) -> tuple[float, float, float]:
    """(appearance, embedding cosine clipped to 0..1, histogram similarity)."""
    cos = float(np.dot(np.asarray(a["embedding"]), np.asarray(b["embedding"])))
    cos = max(0.0, min(1.0, cos))
    hist = outfit_mod.histogram_similarity(a["outfit"], b["outfit"])
    return cfg.embedding_mix * cos + (1 - cfg.embedding_mix) * hist, cos, hist


def frequency_factors(tracklets: list[dict[str, Any]], cfg: AssociationConfig) -> dict[str, float]:
    """Per tracklet: 1, or frequent_share / share when its outfit is common at other cameras."""
    factors = {}
    for t in tracklets:
        others = [o for o in tracklets if o["pin_id"] != t["pin_id"]]
        if len(others) < 4:
            factors[t["tracklet_id"]] = 1.0
            continue
        alike = sum(outfit_mod.outfit_delta_e(t["outfit"], o["outfit"]) < cfg.frequent_de
                    for o in others)  # fmt: skip
        share = alike / len(others)
        factors[t["tracklet_id"]] = min(1.0, cfg.frequent_share / share) if share else 1.0
    return factors


def score_pair(
    src: dict[str, Any],
    dst: dict[str, Any],
    mall: MallMap,
    cfg: AssociationConfig,
    factor: float = 1.0,
) -> Components | None:
    """Score one source -> target pair, or None when a gate (adjacency, time) rejects it."""
    if src["pin_id"] == dst["pin_id"]:
        return None
    transit = transit_between(mall, src["pin_id"], dst["pin_id"], cfg)
    if transit is None:
        return None
    dt = dst["t_in"] - src["t_out"]
    t_score = time_score(dt, transit.mu_sec, transit.tau_sec, cfg)
    if t_score is None:
        return None
    hops = mall.hops(src["pin_id"], dst["pin_id"], cfg.max_hops) or 0
    de = outfit_mod.outfit_delta_e(src["outfit"], dst["outfit"])
    garment = 1.0 if src.get("garment") and src.get("garment") == dst.get("garment") else 0.0
    appearance, cos, hist = appearance_similarity(src, dst, cfg)
    outfit, colour = outfit_score(de, garment, appearance, factor, cfg)
    adj = adjacency_score(hops)
    phys = physique.similarity(src, dst)
    return Components(
        dt=round(dt, 3), mu=transit.mu_sec, tau=transit.tau_sec, hops=hops,
        delta_e=round(de, 3), colour=round(colour, 4), garment_type=garment,
        embedding_cos=round(cos, 4), histogram=round(hist, 4), appearance=round(appearance, 4),
        frequency_factor=round(factor, 4), outfit=round(outfit, 4), time=round(t_score, 4),
        adjacency=adj, physique=round(phys, 4),
        score=round(combine(outfit, t_score, adj, phys, cfg), 4),
    )  # fmt: skip


@dataclass
class Result:
    links: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    visitor_of: dict[str, str]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for d in self.decisions:
            out[d["decision"]] += 1
        return dict(out)


def _row(src: dict, dst: dict, comp: Components, decision: str) -> dict[str, Any]:
    return {
        "link_id": f"{src['tracklet_id']}>{dst['tracklet_id']}",
        "source": src["tracklet_id"], "target": dst["tracklet_id"],
        "source_pin": src["pin_id"], "target_pin": dst["pin_id"],
        "t_out": src["t_out"], "t_in": dst["t_in"], **asdict(comp), "decision": decision,
    }  # fmt: skip


def associate(tracklets: list[dict[str, Any]], mall: MallMap, cfg: AssociationConfig) -> Result:
    """Link tracklets across cameras (rules in the module docstring)."""
    usable = [t for t in tracklets if t["quality"] >= cfg.min_quality]
    by_id = {t["tracklet_id"]: t for t in usable}
    factors = frequency_factors(usable, cfg)
    decisions: list[dict[str, Any]] = []
    proposals: dict[str, list[tuple[float, str, Components]]] = defaultdict(list)
    for src in sorted(usable, key=lambda t: t["t_out"]):
        scored = []
        for dst in usable:
            f = min(factors[src["tracklet_id"]], factors[dst["tracklet_id"]])
            comp = score_pair(src, dst, mall, cfg, f)
            if comp is not None:
                scored.append((comp.score, dst["tracklet_id"], comp))
        if not scored:
            continue
        scored.sort(key=lambda s: -s[0])
        best_score, best_id, best = scored[0]
        others = scored[1:]
        if best.score < cfg.link_score or best.outfit < cfg.link_outfit:
            verdict = "below_threshold" if best.score < cfg.link_score else "outfit_gate"
            decisions += [_row(src, by_id[i], c, verdict) for _, i, c in scored]
            continue
        if others and best_score - others[0][0] < cfg.ambiguity_margin:
            decisions += [_row(src, by_id[i], c, "ambiguous") for _, i, c in scored[:2]]
            decisions += [_row(src, by_id[i], c, "not_best") for _, i, c in scored[2:]]
            continue
        decisions += [_row(src, by_id[i], c, "not_best") for _, i, c in others]
        proposals[best_id].append((best_score, src["tracklet_id"], best))
    accepted: list[tuple[dict, dict, Components]] = []
    for dst_id, claims in proposals.items():
        claims.sort(key=lambda c: -c[0])
        for rank, (_, src_id, comp) in enumerate(claims):
            if rank == 0:
                accepted.append((by_id[src_id], by_id[dst_id], comp))
            else:
                decisions.append(_row(by_id[src_id], by_id[dst_id], comp, "conflict_lost"))
    return _apply_cooldown(accepted, decisions, tracklets, cfg)


def _apply_cooldown(
    accepted: list[tuple[dict, dict, Components]],
    decisions: list[dict[str, Any]],
    tracklets: list[dict[str, Any]],
    cfg: AssociationConfig,
) -> Result:
    """Chain accepted links in time order; refuse a re-entry into a camera within cool-down."""
    visitor_of = {t["tracklet_id"]: t["tracklet_id"] for t in tracklets}
    last_at: dict[str, dict[str, float]] = {t["tracklet_id"]: {t["pin_id"]: t["t_out"]}
                                            for t in tracklets}  # fmt: skip
    links = []
    for src, dst, comp in sorted(accepted, key=lambda a: a[1]["t_in"]):
        visitor = visitor_of[src["tracklet_id"]]
        left = last_at[visitor].get(dst["pin_id"])
        if left is not None and dst["t_in"] - left < cfg.cooldown_sec:
            decisions.append(_row(src, dst, comp, "cooldown"))
            continue
        row = _row(src, dst, comp, "link")
        decisions.append(row)
        links.append(row)
        visitor_of[dst["tracklet_id"]] = visitor
        last_at[visitor][dst["pin_id"]] = dst["t_out"]
    return Result(links, decisions, visitor_of)
