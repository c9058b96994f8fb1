"""Physique: a height category normalised per camera, and the body aspect ratio.

Pixel height depends on where a person stands (perspective) and on the camera, so each
camera's detections fit height ~ a + b * foot_y, and a person's height is the median ratio of
their boxes to that fit. Ratios are compared across cameras, never raw pixels.
"""

from __future__ import annotations

import numpy as np

CATEGORIES = ("short", "medium", "tall")
SHORT_BELOW, TALL_ABOVE = 0.92, 1.08


def perspective_fit(boxes: np.ndarray) -> tuple[float, float]:
    """(a, b) of height = a + b * foot_y by least squares; flat fit when too few boxes."""
    heights = boxes[:, 3] - boxes[:, 1]
    if len(boxes) < 8 or np.ptp(boxes[:, 3]) < 1:
        return float(np.median(heights)) if len(boxes) else 1.0, 0.0
    b, a = np.polyfit(boxes[:, 3], heights, 1)
    return float(a), float(b)


def height_ratio(boxes: np.ndarray, fit: tuple[float, float]) -> float:
    predicted = np.maximum(fit[0] + fit[1] * boxes[:, 3], 1.0)
    return float(np.median((boxes[:, 3] - boxes[:, 1]) / predicted))


def category(ratio: float) -> str:
    if ratio < SHORT_BELOW:
        return "short"
    return "tall" if ratio > TALL_ABOVE else "medium"


def aspect_ratio(boxes: np.ndarray) -> float:
    """Median width / height of the boxes."""
    return float(np.median((boxes[:, 2] - boxes[:, 0]) / np.maximum(boxes[:, 3] - boxes[:, 1], 1)))


def similarity(a: dict, b: dict, aspect_scale: float = 0.15) -> float:
    """0..1: 0.6 height-category agreement (1 same, 0.5 neighbouring) + 0.4 aspect closeness."""
    gap = abs(CATEGORIES.index(a["height_category"]) - CATEGORIES.index(b["height_category"]))
    cat = {0: 1.0, 1: 0.5}.get(gap, 0.0)
    aspect = max(0.0, 1.0 - abs(a["aspect_ratio"] - b["aspect_ratio"]) / aspect_scale)
    return 0.6 * cat + 0.4 * aspect
