"""Every re-identification and journey parameter, in one config per mall.

The defaults are the platform spec's numbers (score weights, gates, thresholds, ambiguity
margin). A mall overrides any of them in its map document under `"wandr_config"`, so the
parameters travel with the map they were tuned for and every job logs the values it used.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class AssociationConfig:
    # match score = w_outfit*outfit + w_time*time + w_adjacency*adjacency + w_physique*physique
    w_outfit: float = 0.55
    w_time: float = 0.20
    w_adjacency: float = 0.15
    w_physique: float = 0.10
    # outfit = w_type*type + w_colour*exp(-dE/colour_scale_de) + w_embedding*appearance
    w_type: float = 0.35
    w_colour: float = 0.35
    w_embedding: float = 0.30
    # No garment classifier installs from a registry: the type term is weighted out and the
    # colour and appearance weights are renormalised (0.35/0.65 and 0.30/0.65).
    garment_type_available: bool = False
    colour_scale_de: float = 12.0
    # appearance = mix * cosine(MobileNetV2 embedding) + (1 - mix) * CIELAB-histogram similarity
    embedding_mix: float = 0.5
    # time = exp(-max(0, |dt - mu|) / tau); reject dt < min_dt_sec or dt > mu + max_tau * tau
    min_dt_sec: float = 1.0
    max_tau: float = 3.0
    default_mu_sec: float = 30.0
    default_tau_sec: float = 15.0
    # adjacency = 1 direct, 0.5 two hops, 0 otherwise (pairs further apart are not scored)
    max_hops: int = 2
    # decision
    link_score: float = 0.78
    link_outfit: float = 0.70
    ambiguity_margin: float = 0.04
    cooldown_sec: float = 120.0
    # frequent outfits (uniforms): an outfit shared (dE < frequent_de) by more than
    # frequent_share of the other cameras' tracklets has its outfit term scaled by
    # frequent_share / share, so look-alikes cannot clear the outfit gate on colour alone
    frequent_de: float = 8.0
    frequent_share: float = 0.25
    min_quality: float = 0.3
    # journeys
    inactivity_sec: float = 1800.0

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> AssociationConfig:
        """Overrides from a mall's config; unknown keys are an error, not silently ignored."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown association parameters: {', '.join(unknown)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def outfit_weights(self) -> tuple[float, float, float]:
        """(type, colour, appearance) weights after weighting out an unavailable type term."""
        if self.garment_type_available:
            return self.w_type, self.w_colour, self.w_embedding
        rest = self.w_colour + self.w_embedding
        return 0.0, self.w_colour / rest, self.w_embedding / rest


@dataclass(frozen=True)
class JobConfig:
    """How one processing job samples and detects (from the job's Environment)."""

    sample_fps: float = 1.0
    detector: str = "ssdlite"
    max_frames: int | None = None
