"""The SageMaker Processing job: one camera's video in, tracklets, links and journeys out.

Contract (the same on SageMaker and in the local stack, which sets WANDR_PROCESSING_ROOT):
  input/video/<one video file>
  input/config/job.json          {tenant, upload_id, pin_id, recorded_at_epoch, mall_map}
  input/config/tracklets/*.json  tracklets of the tenant's other videos (earlier jobs' output)
  input/model/<weights>          optional: YOLO weights for the GPU backend (model artifact)
  output/tracklets.json          this video's tracklets with their full descriptors
  output/associations.json       every scored decision over all the tenant's tracklets
  output/journeys.json, output/journeys/<id>.json, output/reports.json, output/manifest.json
  output/failure                 the reason, when the job fails (SageMaker's convention)
Environment: WANDR_VISION_SAMPLE_FPS (default 1), WANDR_VISION_DETECTOR (ssdlite|yolo),
WANDR_VISION_MAX_FRAMES (testing), WANDR_VISION_PIN_ID (overrides job.json).
Association and journeys are recomputed over all of the tenant's tracklets, so the results
do not depend on the order in which cameras' videos arrive.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from wandr import mallmap
from wandr.vision import association, journeys
from wandr.vision.config import AssociationConfig, JobConfig
from wandr.vision.detect import make_detector
from wandr.vision.pipeline import analyse_video
from wandr.vision.video import VideoError, probe

VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm", ".mpg", ".mpeg", ".ts"}


class JobError(RuntimeError):
    """A reason the job cannot finish, written to output/failure."""


def processing_root() -> Path:
    return Path(os.environ.get("WANDR_PROCESSING_ROOT", "/opt/ml/processing"))


def job_config_from_env() -> JobConfig:
    max_frames = os.environ.get("WANDR_VISION_MAX_FRAMES")
    return JobConfig(
        sample_fps=float(os.environ.get("WANDR_VISION_SAMPLE_FPS", "1")),
        detector=os.environ.get("WANDR_VISION_DETECTOR", "ssdlite"),
        max_frames=int(max_frames) if max_frames else None,
    )


def _find_video(folder: Path) -> Path:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    if not files:
        raise JobError(f"no video in {folder}")
    videos = [p for p in files if p.suffix.lower() in VIDEO_SUFFIXES] or files
    return videos[0]


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise JobError(f"cannot read {path.name}: {exc}") from exc


def _prior_tracklets(folder: Path, upload_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        rows += [r for r in _load_json(path) if r.get("upload_id") != upload_id]
    return rows


def _yolo_weights(root: Path) -> str | None:
    folder = root / "input" / "model"
    found = sorted(p for p in folder.rglob("*") if p.suffix in {".pt", ".onnx", ".engine"})
    return str(found[0]) if found else os.environ.get("WANDR_VISION_YOLO_WEIGHTS")


def run(root: Path) -> dict[str, Any]:
    """Run the job under `root`; return the manifest."""
    started = time.perf_counter()
    cfg = job_config_from_env()
    spec = _load_json(root / "input" / "config" / "job.json")
    mall_doc = spec.get("mall_map") or {"type": "FeatureCollection", "features": []}
    try:
        mall = mallmap.parse(mall_doc)
        assoc_cfg = AssociationConfig.from_dict(mall_doc.get("wandr_config", {}))
    except ValueError as exc:
        raise JobError(str(exc)) from exc
    pin_id = os.environ.get("WANDR_VISION_PIN_ID") or spec.get("pin_id")
    if not pin_id or pin_id not in mall.pins:
        raise JobError(f"camera pin {pin_id!r} is not on the tenant's mall map")
    video = _find_video(root / "input" / "video")
    try:
        info = probe(video)
    except VideoError as exc:
        raise JobError(f"{video.name}: {exc}") from exc
    detector = make_detector(cfg.detector, _yolo_weights(root) if cfg.detector == "yolo" else None)
    analysis = analyse_video(
        video, pin_id=pin_id, upload_id=spec["upload_id"], sample_fps=cfg.sample_fps,
        start_epoch=float(spec.get("recorded_at_epoch") or 0.0), detector=detector,
        max_frames=cfg.max_frames,
    )  # fmt: skip
    everyone = _prior_tracklets(root / "input" / "config" / "tracklets", spec["upload_id"])
    everyone += analysis.tracklets
    result = association.associate(everyone, mall, assoc_cfg)
    paths = journeys.build(everyone, result.links, mall, assoc_cfg)
    reports = journeys.reports(paths, result.decisions)
    out = root / "output"
    compute = time.perf_counter() - started
    manifest = {
        "tenant": spec.get("tenant"), "upload_id": spec["upload_id"], "pin_id": pin_id,
        "probe": info.to_dict(), "sample_fps": cfg.sample_fps, "detector": detector.name,
        "frames_analysed": analysis.frames, "tracklets": len(analysis.tracklets),
        "tenant_tracklets": len(everyone), "links": len(result.links),
        "decisions": result.counts(), "journeys": len(paths), "timings": analysis.timings,
        "compute_sec": round(compute, 3),
        "realtime_factor": round(info.duration_sec / compute, 2) if compute else None,
        "association_config": assoc_cfg.to_dict(),
    }  # fmt: skip
    _write(out, analysis.tracklets, result.decisions, paths, reports, manifest)
    return manifest


def _write(out: Path, tracklets: list, decisions: list, paths: list, reports: dict,
           manifest: dict) -> None:  # fmt: skip
    (out / "journeys").mkdir(parents=True, exist_ok=True)
    for name, body in (("tracklets", tracklets), ("associations", decisions),
                       ("journeys", paths), ("reports", reports)):  # fmt: skip
        (out / f"{name}.json").write_text(json.dumps(body))
    for j in paths:
        (out / "journeys" / f"{j['journey_id']}.json").write_text(json.dumps(j, indent=1))
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))


def main() -> int:
    """Entrypoint: run, or write output/failure with the reason and exit non-zero."""
    root = processing_root()
    (root / "output").mkdir(parents=True, exist_ok=True)
    try:
        manifest = run(root)
    except JobError as exc:
        (root / "output" / "failure").write_text(str(exc)[:1000])
        print(f"vision job failed: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # any other crash must still leave a reason behind
        (root / "output" / "failure").write_text(f"{type(exc).__name__}: {exc}"[:1000])
        traceback.print_exc()
        return 1
    print(json.dumps({k: manifest[k] for k in ("upload_id", "tracklets", "links", "journeys",
                                               "realtime_factor")}))  # fmt: skip
    return 0
