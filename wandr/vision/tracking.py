"""Within-camera tracking: ByteTrack from Roboflow's `trackers` package (Apache-2.0).

ByteTrack associates boxes by IoU with a Kalman motion model, keeping low-score boxes for a
second matching pass; it needs no appearance model, which suits 1-2 fps sampling on CPU.
The thresholds are lowered from the package defaults (tuned for YOLO scores) because the
SSDLite pedestrian detector scores people 0.3-0.95.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import supervision as sv
from trackers import ByteTrackTracker, GIoU


@dataclass(frozen=True)
class TrackerConfig:
    lost_seconds: float = 2.0
    activation_score: float = 0.45
    high_score: float = 0.5
    # GIoU (not IoU) so that at 1-2 fps a walker whose boxes no longer overlap between
    # samples can still be matched to its Kalman prediction; GIoU < 0 means apart
    min_iou: float = -0.4
    min_consecutive: int = 2


class Tracker:
    """Feed one sampled frame's boxes at a time; get (track_id, box) pairs back."""

    def __init__(self, sample_fps: float, config: TrackerConfig | None = None):
        c = config or TrackerConfig()
        self._bt = ByteTrackTracker(
            lost_track_buffer=max(1, round(c.lost_seconds * 30)),
            frame_rate=sample_fps,
            track_activation_threshold=c.activation_score,
            minimum_consecutive_frames=c.min_consecutive,
            minimum_iou_threshold=c.min_iou,
            high_conf_det_threshold=c.high_score,
            iou=GIoU(),
        )

    def update(self, boxes: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """Boxes (N, 5: x1 y1 x2 y2 score) -> confirmed (track id, box) pairs of this frame."""
        dets = sv.Detections(
            xyxy=boxes[:, :4].astype(np.float32).reshape(-1, 4),
            confidence=boxes[:, 4].astype(np.float32),
            class_id=np.zeros(len(boxes), dtype=int),
        )
        out = self._bt.update(dets)
        ids = out.tracker_id if out.tracker_id is not None else np.array([], int)
        result = []
        for xyxy, conf, tid in zip(out.xyxy, np.asarray(out.confidence), ids, strict=False):
            if tid >= 0:
                result.append((int(tid), np.array([*xyxy, conf], np.float32)))
        return result
