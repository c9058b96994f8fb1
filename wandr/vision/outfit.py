"""Outfit descriptors: top / bottom / shoes colour in CIELAB, small histograms, colour names.

A person box is cut into horizontal bands (head left out) and only its middle half in width is
used, which keeps most background out of the colour. Pixels go to CIELAB with OpenCV's
conversion (D65); CIEDE2000 distances and the colour-name palette use colour-science. A
tracklet's descriptor is the median of its detections' region means and the mean of their
histograms, so a few frames with occlusion do not move it.

Garment *type* (t-shirt, dress, ...) needs a garment classifier and none installs from a
package registry here; the type term is weighted out of the outfit score (see config).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import colour
import cv2
import numpy as np

# (top, bottom) fractions of the box height, and the horizontal band kept.
REGIONS: dict[str, tuple[float, float]] = {"top": (0.18, 0.50), "bottom": (0.52, 0.86),
                                            "shoes": (0.88, 1.0)}  # fmt: skip
X_BAND = (0.25, 0.75)
HIST_BINS = (4, 8, 8)  # L, a, b bins; 256 values per region
HIST_REGIONS = ("top", "bottom")
REGION_WEIGHTS = {"top": 0.5, "bottom": 0.4, "shoes": 0.1}
PALETTE_SRGB: dict[str, tuple[int, int, int]] = {
    "black": (20, 20, 20), "white": (240, 240, 240), "grey": (128, 128, 128),
    "red": (200, 30, 30), "orange": (240, 140, 20), "yellow": (240, 220, 40),
    "green": (40, 150, 60), "blue": (40, 90, 200), "navy": (25, 35, 80),
    "purple": (120, 50, 150), "pink": (240, 150, 180), "brown": (110, 70, 40),
    "beige": (210, 190, 150),
}  # fmt: skip


@dataclass
class RegionStats:
    """Per-detection colour of one region: CIELAB mean and (for top/bottom) a histogram."""

    lab: np.ndarray  # (3,)
    hist: np.ndarray | None


def _crop(frame: np.ndarray, box: np.ndarray, frac: tuple[float, float]) -> np.ndarray:
    x1, y1, x2, y2 = box[:4]
    h, w = y2 - y1, x2 - x1
    ya, yb = int(y1 + frac[0] * h), int(y1 + frac[1] * h)
    xa, xb = int(x1 + X_BAND[0] * w), int(x1 + X_BAND[1] * w)
    ya, xa = max(ya, 0), max(xa, 0)
    return frame[ya : max(yb, ya + 1), xa : max(xb, xa + 1)]


def detection_regions(frame: np.ndarray, box: np.ndarray) -> dict[str, RegionStats]:
    """Colour statistics of each region of one detected person."""
    out = {}
    for name, frac in REGIONS.items():
        patch = _crop(frame, box, frac)
        if patch.size == 0:
            patch = np.zeros((1, 1, 3), np.uint8)
        lab = cv2.cvtColor(patch.astype(np.float32) / 255.0, cv2.COLOR_BGR2Lab)
        hist: np.ndarray | None = None
        if name in HIST_REGIONS:
            lab8 = cv2.cvtColor(patch, cv2.COLOR_BGR2Lab)
            counts = np.asarray(
                cv2.calcHist([lab8], [0, 1, 2], None, list(HIST_BINS), [0, 256, 64, 192, 64, 192])
            ).ravel()
            hist = counts / max(float(counts.sum()), 1.0)
        out[name] = RegionStats(lab.reshape(-1, 3).mean(axis=0), hist)
    return out


def aggregate(per_detection: list[dict[str, RegionStats]]) -> dict[str, dict]:
    """Tracklet outfit: median CIELAB, mean histogram and the colour name per region."""
    outfit = {}
    for name in REGIONS:
        labs = np.stack([d[name].lab for d in per_detection])
        lab = np.median(labs, axis=0)
        entry: dict = {"lab": [round(float(v), 3) for v in lab], "colour": colour_name(lab)}
        if name in HIST_REGIONS:
            hist = np.mean(np.stack([np.asarray(d[name].hist) for d in per_detection]), axis=0)
            entry["hist"] = [round(float(v), 5) for v in hist]
        outfit[name] = entry
    return outfit


@lru_cache(maxsize=1)
def _palette_lab() -> tuple[tuple[str, ...], np.ndarray]:
    names = tuple(PALETTE_SRGB)
    rgb = np.array([PALETTE_SRGB[n] for n in names], float) / 255.0
    return names, colour.XYZ_to_Lab(colour.sRGB_to_XYZ(rgb))


def colour_name(lab: np.ndarray) -> str:
    """Nearest palette colour by CIEDE2000."""
    names, palette = _palette_lab()
    return names[int(np.argmin(delta_e(np.asarray(lab)[None, :], palette)))]


def delta_e(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference (colour-science)."""
    return np.asarray(colour.delta_E(lab1, lab2, method="CIE 2000"))


def outfit_delta_e(a: dict[str, dict], b: dict[str, dict]) -> float:
    """Region-weighted CIEDE2000 between two tracklets' outfits (shoes count least)."""
    total = sum(
        w * float(delta_e(np.array(a[r]["lab"]), np.array(b[r]["lab"])))
        for r, w in REGION_WEIGHTS.items()
    )
    return total / sum(REGION_WEIGHTS.values())


def histogram_similarity(a: dict[str, dict], b: dict[str, dict]) -> float:
    """1 - Bhattacharyya distance, averaged over the top and bottom histograms (0..1)."""
    sims = []
    for r in HIST_REGIONS:
        ha, hb = np.asarray(a[r]["hist"], np.float32), np.asarray(b[r]["hist"], np.float32)
        sims.append(1.0 - cv2.compareHist(ha, hb, cv2.HISTCMP_BHATTACHARYYA))
    return float(np.mean(sims))
