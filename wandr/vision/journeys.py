"""Journeys: a visitor's path from an entrance pin through linked tracklets, and aggregates.

A journey starts at a tracklet seen at an entrance pin that no link leads into, follows the
accepted links in time order, and closes when it reaches an entrance/exit pin again, after
`inactivity_sec` (30 min) without a next link, or at the end of the footage. Its confidence
is the geometric mean of its link scores (the first tracklet's quality when it has no
links), so one weak link pulls the whole journey down.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from wandr.mallmap import MallMap
from wandr.vision.config import AssociationConfig


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _journey(
    chain: list[dict[str, Any]], links: list[dict[str, Any]], closed_by: str
) -> dict[str, Any]:
    scores = [link["score"] for link in links]
    confidence = (math.exp(sum(math.log(max(s, 1e-9)) for s in scores) / len(scores))
                  if scores else chain[0]["quality"])  # fmt: skip
    first, last = chain[0], chain[-1]
    jid = hashlib.sha256(first["tracklet_id"].encode()).hexdigest()[:16]
    return {
        "journey_id": jid,
        "date": _iso(first["t_in"])[:10],
        "start": _iso(first["t_in"]),
        "end": _iso(last["t_out"]),
        "duration_sec": round(last["t_out"] - first["t_in"], 1),
        "entry_pin": first["pin_id"],
        "exit_pin": last["pin_id"] if closed_by == "exit" else None,
        "pins": [t["pin_id"] for t in chain],
        "tracklet_ids": [t["tracklet_id"] for t in chain],
        "link_ids": [link["link_id"] for link in links],
        "link_scores": scores,
        "n_stops": len(chain),
        "confidence": round(confidence, 4),
        "closed_by": closed_by,
    }


def build(
    tracklets: list[dict[str, Any]],
    links: list[dict[str, Any]],
    mall: MallMap,
    cfg: AssociationConfig,
    footage_end: float | None = None,
) -> list[dict[str, Any]]:
    """All journeys that start at an entrance, in start-time order."""
    by_id = {t["tracklet_id"]: t for t in tracklets}
    nxt = {link["source"]: link for link in links}
    has_incoming = {link["target"] for link in links}
    end = (
        footage_end if footage_end is not None else max((t["t_out"] for t in tracklets), default=0)
    )
    starts = [t for t in tracklets if t["tracklet_id"] not in has_incoming]
    journeys = []
    for first in sorted(starts, key=lambda t: t["t_in"]):
        pending = [first]
        while pending:
            head = pending.pop()
            if not mall.pins.get(head["pin_id"]) or not mall.pins[head["pin_id"]].is_entrance:
                continue
            chain, used, closed_by = [head], [], ""
            while True:
                link = nxt.get(chain[-1]["tracklet_id"])
                if link is None:
                    idle = end - chain[-1]["t_out"]
                    closed_by = "inactivity" if idle >= cfg.inactivity_sec else "end_of_footage"
                    break
                target = by_id[link["target"]]
                if target["t_in"] - chain[-1]["t_out"] > cfg.inactivity_sec:
                    closed_by = "inactivity"
                    pending.append(target)
                    break
                chain.append(target)
                used.append(link)
                if mall.pins[target["pin_id"]].is_entrance:
                    closed_by = "exit"
                    after = nxt.get(target["tracklet_id"])
                    if after is not None:
                        pending.append(by_id[after["target"]])
                    break
            journeys.append(_journey(chain, used, closed_by))
    return journeys


def reports(journeys: list[dict[str, Any]], decisions: list[dict[str, Any]]) -> dict[str, dict]:
    """The four spatial reports the API serves."""
    decided = Counter(d["decision"] for d in decisions)
    sources = {d["source"] for d in decisions}
    ambiguous_sources = {d["source"] for d in decisions if d["decision"] == "ambiguous"}
    n = len(journeys)
    summary = {
        "journeys": n,
        "links": decided.get("link", 0),
        "decisions": dict(decided),
        "ambiguous_rate": round(len(ambiguous_sources) / len(sources), 4) if sources else 0.0,
        "avg_stops": round(sum(j["n_stops"] for j in journeys) / n, 3) if n else 0.0,
        "avg_duration_sec": round(sum(j["duration_sec"] for j in journeys) / n, 1) if n else 0.0,
        "avg_confidence": round(sum(j["confidence"] for j in journeys) / n, 4) if n else 0.0,
    }
    entry: dict[str, dict[str, Any]] = defaultdict(lambda: {"journeys": 0, "stops": 0, "sec": 0.0})
    first_store: dict[str, Counter] = defaultdict(Counter)
    edges: Counter = Counter()
    for j in journeys:
        e = entry[j["entry_pin"]]
        e["journeys"] += 1
        e["stops"] += j["n_stops"]
        e["sec"] += j["duration_sec"]
        first_store[j["entry_pin"]][j["pins"][1] if len(j["pins"]) > 1 else "(none)"] += 1
        for a, b in zip(j["pins"], j["pins"][1:], strict=False):
            edges[(a, b)] += 1
    return {
        "summary": summary,
        "entry_analysis": {"entries": [
            {"entry_pin": pin, "journeys": v["journeys"],
             "share": round(v["journeys"] / n, 4) if n else 0.0,
             "avg_stops": round(v["stops"] / v["journeys"], 3),
             "avg_duration_sec": round(v["sec"] / v["journeys"], 1)}
            for pin, v in sorted(entry.items())]},
        "first_store": {"entries": [
            {"entry_pin": pin, "first_pin": first, "journeys": count}
            for pin, counter in sorted(first_store.items())
            for first, count in counter.most_common()]},
        "edge_traversal": {"edges": [
            {"from_pin": a, "to_pin": b, "count": c} for (a, b), c in edges.most_common()]},
    }  # fmt: skip
