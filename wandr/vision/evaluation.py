"""Cross-camera evaluation with known ground truth: virtual cameras built from real footage.

One real camera (vtest.avi, 10 fps) becomes several *virtual cameras* on a small mall map.
Camera k shows a window [start, end) of the source footage, re-timed so that source second s
is seen at epoch `T0 + shift_k + s`: everyone in the window walks from one camera to the next
with a known delay, and people outside a camera's window never reach it (the distractors a
false merge would pick). Each camera also gets its own look, so that re-identification is
not a copy-paste: another sampling phase (other frames of the walk), a horizontal flip, a
rescale, a colour cast, gain and gamma (illumination) and a JPEG round trip.

Ground truth comes from how the cameras are built: every sampled frame keeps its source frame
index and every box maps back to source coordinates, so a tracklet's identity is the
*reference track* it overlaps (IoU >= 0.5) in most of its detections. The reference tracks are
the same detector + ByteTrack run on every source frame (10 fps, not hand labels); their own
misses and ID switches are the noise of this ground truth (see bench/results/vision_eval.md).
A tracklet whose detections do not mostly overlap one reference track has no identity, and
any link touching it is scored as wrong (unverifiable links never count as correct).

Metrics: within a camera, IDF1 / recall / precision / ID switches (motmetrics) of the camera's
tracks against the reference tracks at the sampled frames; across cameras, over the tracklets
the association uses (quality >= min_quality):
  link precision   = correct links / accepted links (with its Wilson 95 % lower bound)
  false-merge rate = wrong links / tracklets (share of tracklets merged into someone else)
  ambiguous rate   = sources with an `ambiguous` decision / sources with a scored candidate
  link recall      = correct links / sources whose identity is at a reachable camera in time
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import motmetrics as mm
import numpy as np

from wandr import mallmap
from wandr.vision import association
from wandr.vision.config import AssociationConfig
from wandr.vision.detect import Detector
from wandr.vision.pipeline import VideoAnalysis, analyse_frames

T0 = 1_714_557_600.0  # 2024-05-01T10:00:00Z: epoch of source second 0 at the first camera
MATCH_IOU = 0.5


@dataclass(frozen=True)
class VirtualCamera:
    """One camera pin made of a re-timed, re-looked window of the source footage."""

    pin_id: str
    start_sec: float
    end_sec: float
    shift_sec: float  # source second s is seen at T0 + shift_sec + s
    phase_frames: int = 0  # which of the source frames between two samples this camera sees
    flip: bool = False
    scale: float = 1.0
    gains_bgr: tuple[float, float, float] = (1.0, 1.0, 1.0)
    gamma: float = 1.0
    jpeg_quality: int = 80


@dataclass(frozen=True)
class Scenario:
    cameras: tuple[VirtualCamera, ...]
    mall: dict[str, Any]  # GeoJSON map with adjacency and transit times (and wandr_config)
    sample_fps: float = 1.0


def _pin(pin_id: str, kind: str, transit: dict[str, tuple[float, float]], x: float) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [x, 0.0]},
        "properties": {
            "id": pin_id, "label": pin_id.replace("_", " ").title(), "pin_kind": kind,
            "adjacent_to": list(transit), "camera_fps": 10,
            "transit_times": {p: {"mu_sec": mu, "tau_sec": tau}
                              for p, (mu, tau) in transit.items()},
        },
    }  # fmt: skip


def default_scenario(
    config: dict[str, Any] | None = None,
    duration_sec: float = 79.5,
    sample_fps: float = 1.0,
    looks: bool = True,
) -> Scenario:
    """gate (entrance) - atrium - food_court - exit (entrance), a corridor of four cameras.

    Shifts of 40, 35 and 30 s between neighbours; the map's transit mu is the shift less 5 s
    (exit-to-entry time: tracklets at 1 fps last ~5 s), tau 10 s. Windows leave people out:
    atrium misses the first 15 s of the footage, food_court the last 20 s, exit the first 30 s.
    `looks=False` is the control: same windows, shifts and sampling phases, no change of look.
    """
    d = duration_sec
    cams: tuple[VirtualCamera, ...] = (
        VirtualCamera("gate", 0.0, d, 0.0),
        VirtualCamera("atrium", min(15.0, d / 5), d, 40.0, phase_frames=5, flip=True,
                      scale=0.85, gains_bgr=(0.8, 1.0, 1.2), gamma=1.15, jpeg_quality=70),
        VirtualCamera("food_court", 0.0, max(d - 20.0, d * 0.75), 75.0, phase_frames=3,
                      scale=0.7, gains_bgr=(1.2, 1.05, 0.85), gamma=0.85, jpeg_quality=60),
        VirtualCamera("exit", min(30.0, d / 3), d, 105.0, phase_frames=7, flip=True,
                      scale=1.0, gains_bgr=(0.75, 0.8, 0.85), gamma=1.3, jpeg_quality=75),
    )  # fmt: skip
    if not looks:
        cams = tuple(VirtualCamera(c.pin_id, c.start_sec, c.end_sec, c.shift_sec, c.phase_frames)
                     for c in cams)  # fmt: skip
    mall = {
        "type": "FeatureCollection",
        "features": [
            _pin("gate", "entrance", {"atrium": (35.0, 10.0)}, 0),
            _pin("atrium", "normal", {"gate": (35.0, 10.0), "food_court": (30.0, 10.0)}, 1),
            _pin("food_court", "normal", {"atrium": (30.0, 10.0), "exit": (25.0, 10.0)}, 2),
            _pin("exit", "entrance", {"food_court": (25.0, 10.0)}, 3),
        ],
        "wandr_config": dict(config or {}),
    }
    return Scenario(cams, mall, sample_fps)


# --- building the cameras ----------------------------------------------------------------


def render(frame: np.ndarray, cam: VirtualCamera) -> np.ndarray:
    """The camera's look: flip, rescale, colour cast + gain, gamma, JPEG round trip."""
    out = cv2.flip(frame, 1) if cam.flip else frame
    if cam.scale != 1.0:
        out = cv2.resize(out, None, fx=cam.scale, fy=cam.scale, interpolation=cv2.INTER_AREA)
    x = out.astype(np.float32) / 255.0 * np.asarray(cam.gains_bgr, np.float32)
    x = np.clip(x, 0.0, 1.0) ** cam.gamma
    out = (x * 255.0 + 0.5).astype(np.uint8)
    ok, jpg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, cam.jpeg_quality])
    decoded = cv2.imdecode(jpg, cv2.IMREAD_COLOR) if ok else None
    return np.asarray(decoded) if decoded is not None else out


def to_source(box: np.ndarray, cam: VirtualCamera, width: int) -> np.ndarray:
    """A box in the camera's image -> the same box in source-frame coordinates."""
    x1, y1, x2, y2 = (float(v) / cam.scale for v in box[:4])
    if cam.flip:
        x1, x2 = width - x2, width - x1
    return np.array([x1, y1, x2, y2])


def camera_frames(
    source: Path, cam: VirtualCamera, sample_fps: float
) -> Iterator[tuple[int, float, np.ndarray]]:
    """(source frame index, camera seconds, rendered frame) for the camera's sampled frames."""
    cap = cv2.VideoCapture(str(source))
    fps = cap.get(cv2.CAP_PROP_FPS) or 10.0
    step = max(1, round(fps / sample_fps))
    first, last = round(cam.start_sec * fps), round(cam.end_sec * fps)
    index = 0
    try:
        while index < last:
            wanted = index >= first and (index - first - cam.phase_frames) % step == 0
            if wanted:
                ok, frame = cap.read()
                if not ok:
                    return
                yield index, (index - first) / fps, render(frame, cam)
            elif not cap.grab():
                return
            index += 1
    finally:
        cap.release()


def grey_world(
    frames: Iterator[tuple[int, float, np.ndarray]],
) -> Iterator[tuple[int, float, np.ndarray]]:
    """Experiment, not the pipeline: one per-camera grey-world gain (mean of every channel over
    all the camera's frames made equal), i.e. the colour constancy the descriptors lack."""
    items = list(frames)
    if not items:
        return
    means = np.mean([f.reshape(-1, 3).mean(axis=0) for _, _, f in items], axis=0)
    gains = (means.mean() / np.maximum(means, 1.0)).astype(np.float32)
    for index, t, frame in items:
        yield index, t, np.clip(frame.astype(np.float32) * gains + 0.5, 0, 255).astype(np.uint8)


def source_size(source: Path) -> tuple[int, int, float]:
    cap = cv2.VideoCapture(str(source))
    try:
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        return w, h, cap.get(cv2.CAP_PROP_FPS) or 10.0
    finally:
        cap.release()


# --- reference tracks (the ground truth's identities) -----------------------------------


def reference_tracks(source: Path, detector: Detector | None = None) -> dict[str, Any]:
    """Detector + ByteTrack on every source frame: {fps, boxes: [[frame, id, x1, y1, x2, y2]]}."""
    _, _, fps = source_size(source)
    cam = VirtualCamera("reference", 0.0, 1e9, 0.0, jpeg_quality=100)
    frames = ((i, t, f) for i, t, f in camera_frames(source, cam, fps))
    analysis = analyse_frames(frames, pin_id="reference", upload_id="reference",
                              sample_fps=fps, detector=detector)  # fmt: skip
    boxes = [[o.frame, o.track_id, *(round(float(v), 1) for v in o.box[:4])]
             for o in analysis.observations]  # fmt: skip
    return {"source": source.name, "fps": fps, "detector": "ssdlite+bytetrack", "boxes": boxes}


def _by_frame(reference: dict[str, Any]) -> dict[int, list[tuple[int, np.ndarray]]]:
    out: dict[int, list[tuple[int, np.ndarray]]] = defaultdict(list)
    for frame, rid, *box in reference["boxes"]:
        out[int(frame)].append((int(rid), np.asarray(box, float)))
    return out


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in `a` (N, 4) with every box in `b` (M, 4)."""
    a, b = a.reshape(-1, 4), b.reshape(-1, 4)
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


# --- running a scenario ------------------------------------------------------------------


@dataclass
class CameraRun:
    camera: VirtualCamera
    analysis: VideoAnalysis
    source_boxes: dict[tuple[int, int], np.ndarray]  # (track id, source frame) -> source box
    frames: list[int]  # the source frames this camera sampled
    tracking: dict[str, float] = field(default_factory=dict)


@dataclass
class Evaluation:
    cameras: list[CameraRun]
    tracklets: list[dict[str, Any]]
    identity: dict[str, int | None]
    purity: dict[str, float]
    result: association.Result
    metrics: dict[str, Any]
    config: AssociationConfig


def run_camera(
    source: Path, cam: VirtualCamera, sample_fps: float, detector: Detector | None,
    reference: dict[str, Any], width: int, colour_constancy: bool = False,
) -> CameraRun:  # fmt: skip
    frames: list[int] = []

    def sampled() -> Iterator[tuple[int, float, np.ndarray]]:
        rendered = camera_frames(source, cam, sample_fps)
        for item in grey_world(rendered) if colour_constancy else rendered:
            frames.append(item[0])
            yield item

    analysis = analyse_frames(
        sampled(), pin_id=cam.pin_id, upload_id=cam.pin_id,
        sample_fps=sample_fps, start_epoch=T0 + cam.shift_sec + cam.start_sec, detector=detector,
    )  # fmt: skip
    boxes = {(o.track_id, o.frame): to_source(o.box, cam, width) for o in analysis.observations}
    run = CameraRun(cam, analysis, boxes, frames)
    run.tracking = tracking_metrics(run, _by_frame(reference))
    return run


def tracking_metrics(
    run: CameraRun, ref: dict[int, list[tuple[int, np.ndarray]]]
) -> dict[str, float]:
    """IDF1, recall, precision, ID switches of one camera's tracks vs the reference tracks."""
    acc = mm.MOTAccumulator(auto_id=True)
    hyp_by_frame: dict[int, list[tuple[int, np.ndarray]]] = defaultdict(list)
    for (tid, frame), box in run.source_boxes.items():
        hyp_by_frame[frame].append((tid, box))
    for frame in run.frames:
        gt, hyp = ref.get(frame, []), hyp_by_frame.get(frame, [])
        iou = iou_matrix(np.array([b for _, b in gt]).reshape(-1, 4),
                         np.array([b for _, b in hyp]).reshape(-1, 4))  # fmt: skip
        cost = np.where(iou >= MATCH_IOU, 1.0 - iou, np.nan)
        acc.update([i for i, _ in gt], [i for i, _ in hyp], cost)
    names = ["idf1", "recall", "precision", "num_switches"]
    row = mm.metrics.create().compute(acc, metrics=names, name="cam").loc["cam"]
    return {k: round(float(row[k]), 4) for k in names}


def identities(
    runs: list[CameraRun], reference: dict[str, Any]
) -> tuple[dict[str, int | None], dict[str, float]]:
    """Tracklet id -> reference track id (majority of IoU >= 0.5 matches), and its purity."""
    ref = _by_frame(reference)
    identity: dict[str, int | None] = {}
    purity: dict[str, float] = {}
    for run in runs:
        votes: dict[int, Counter] = defaultdict(Counter)
        seen: Counter = Counter()
        for (tid, frame), box in run.source_boxes.items():
            seen[tid] += 1
            cands = ref.get(frame, [])
            if not cands:
                continue
            iou = iou_matrix(box[None, :], np.array([b for _, b in cands]))[0]
            best = int(np.argmax(iou))
            if iou[best] >= MATCH_IOU:
                votes[tid][cands[best][0]] += 1
        for t in run.analysis.tracklets:
            tid = t["track_id"]
            top = votes[tid].most_common(1)
            share = top[0][1] / seen[tid] if top else 0.0
            identity[t["tracklet_id"]] = top[0][0] if top and share >= 0.5 else None
            purity[t["tracklet_id"]] = round(share, 3)
    return identity, purity


def wilson_low(successes: int, n: int, z: float = 1.96) -> float:
    """Lower end of the Wilson 95 % interval of a proportion (precision on few links)."""
    p = successes / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - margin) / (1 + z * z / n)


def link_metrics(
    tracklets: list[dict[str, Any]],
    identity: dict[str, int | None],
    result: association.Result,
    mall: mallmap.MallMap,
    cfg: AssociationConfig,
) -> dict[str, Any]:
    """Cross-camera scores of one association result against the known identities."""
    usable = [t for t in tracklets if t["quality"] >= cfg.min_quality]

    def same(a: str, b: str) -> bool:
        return identity.get(a) is not None and identity.get(a) == identity.get(b)

    correct = sum(same(link["source"], link["target"]) for link in result.links)
    links = len(result.links)
    sources = {d["source"] for d in result.decisions}
    ambiguous = {d["source"] for d in result.decisions if d["decision"] == "ambiguous"}
    reachable = set()
    for src in usable:
        for dst in usable:
            if (same(src["tracklet_id"], dst["tracklet_id"])
                    and association.score_pair(src, dst, mall, cfg) is not None):  # fmt: skip
                reachable.add(src["tracklet_id"])
    unverifiable = sum(identity.get(link["source"]) is None or identity.get(link["target"]) is None
                       for link in result.links)  # fmt: skip
    return {
        "tracklets": len(usable),
        "tracklets_without_identity": sum(identity.get(t["tracklet_id"]) is None for t in usable),
        "links": links,
        "correct_links": correct,
        "wrong_links": links - correct,
        "unverifiable_links": unverifiable,
        "link_precision": round(correct / links, 4) if links else None,
        "link_precision_low95": round(wilson_low(correct, links), 4) if links else None,
        "false_merge_rate": round((links - correct) / len(usable), 4) if usable else 0.0,
        "sources_scored": len(sources),
        "ambiguous_sources": len(ambiguous),
        "ambiguous_rate": round(len(ambiguous) / len(sources), 4) if sources else 0.0,
        "reachable_sources": len(reachable),
        "link_recall": round(correct / len(reachable), 4) if reachable else None,
        "decisions": dict(Counter(d["decision"] for d in result.decisions)),
    }


def run_scenario(
    source: Path,
    scenario: Scenario,
    reference: dict[str, Any],
    detector: Detector | None = None,
    colour_constancy: bool = False,
) -> Evaluation:
    """Build and analyse every virtual camera, associate, and score against the identities."""
    width, _, _ = source_size(source)
    runs = [run_camera(source, cam, scenario.sample_fps, detector, reference, width,
                       colour_constancy)
            for cam in scenario.cameras]  # fmt: skip
    return evaluate(runs, scenario, reference)


def evaluate(runs: list[CameraRun], scenario: Scenario, reference: dict[str, Any]) -> Evaluation:
    """Association and scoring only (the expensive per-camera analysis is reused)."""
    mall = mallmap.parse(scenario.mall)
    cfg = AssociationConfig.from_dict(scenario.mall.get("wandr_config"))
    tracklets = [t for r in runs for t in r.analysis.tracklets]
    identity, purity = identities(runs, reference)
    result = association.associate(tracklets, mall, cfg)
    metrics = link_metrics(tracklets, identity, result, mall, cfg)
    return Evaluation(runs, tracklets, identity, purity, result, metrics, cfg)


def with_config(scenario: Scenario, config: dict[str, Any]) -> Scenario:
    """The same cameras and map with another per-mall `wandr_config`."""
    mall = json.loads(json.dumps(scenario.mall))
    mall["wandr_config"] = dict(config)
    return Scenario(scenario.cameras, mall, scenario.sample_fps)


def camera_table(evaluation: Evaluation) -> list[dict[str, Any]]:
    rows = []
    for run in evaluation.cameras:
        c = run.camera
        rows.append({"pin": c.pin_id, "window_sec": [c.start_sec, c.end_sec],
                     "shift_sec": c.shift_sec, "look": {k: v for k, v in asdict(c).items()
                     if k in ("phase_frames", "flip", "scale", "gains_bgr", "gamma",
                              "jpeg_quality")},
                     "frames": run.analysis.frames, "tracklets": len(run.analysis.tracklets),
                     **run.tracking})  # fmt: skip
    return rows
