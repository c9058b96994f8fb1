"""Real-time factor of the vision pipeline on CPU: seconds of footage per second of compute.

Runs the whole per-video pipeline (sampled decode, SSDLite detection, ByteTrack, outfit
descriptors, embeddings) on vtest.avi at several sampling rates, after one warm-up, and
prints a markdown table. Usage: .venv/bin/python bench/vision_bench.py [fps ...]
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

from wandr.vision.detect import SSDLiteDetector
from wandr.vision.pipeline import analyse_video

FOOTAGE = Path(__file__).resolve().parent.parent / ".wandr" / "footage" / "vtest.avi"


def main(rates: list[float]) -> None:
    detector = SSDLiteDetector()
    analyse_video(FOOTAGE, pin_id="a", upload_id="warm", sample_fps=1.0, detector=detector,
                  max_frames=4)  # fmt: skip
    print(f"machine: {platform.machine()}, {platform.python_version()}, vtest.avi 768x576 79.5 s")
    print(
        "| sampling fps | frames | tracklets | decode s | detect s | track+describe s "
        "| embed s | total s | real-time factor |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for fps in rates:
        start = time.perf_counter()
        a = analyse_video(FOOTAGE, pin_id="a", upload_id="b", sample_fps=fps, detector=detector)
        total = time.perf_counter() - start
        t = a.timings
        print(
            f"| {fps} | {a.frames} | {len(a.tracklets)} | {t['decode_s']:.2f} | "
            f"{t['detect_s']:.2f} | {t['track_describe_s']:.2f} | {t['embed_s']:.2f} | "
            f"{total:.2f} | {79.5 / total:.1f}x |"
        )


if __name__ == "__main__":
    main([float(x) for x in sys.argv[1:]] or [1.0, 2.0])
