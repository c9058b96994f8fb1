"""Video files: probe, 480p proxy, thumbnail, and reading only the sampled frames.

ffprobe/ffmpeg come from Debian's ffmpeg package when installed, else from imageio-ffmpeg's
bundled static ffmpeg (a PyPI package, so a Lambda layer or a laptop venv has it too). A file
that is corrupt or not a video raises VideoError with a reason a person can act on.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np


class VideoError(ValueError):
    """The file cannot be used as a video; the message says why."""


@dataclass(frozen=True)
class Probe:
    duration_sec: float
    fps: float
    width: int
    height: int
    codec: str
    frames: int

    def to_dict(self) -> dict[str, float | int | str]:
        return asdict(self)


def ffmpeg_exe() -> str:
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _ffprobe_exe() -> str | None:
    return shutil.which("ffprobe")


def _probe_ffprobe(exe: str, path: Path) -> dict:
    cmd = [exe, "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["unreadable"])[-1]
        raise VideoError(f"not a readable video ({reason})")
    return dict(json.loads(done.stdout or "{}"))


def probe(path: Path) -> Probe:
    """Duration, frame rate, resolution and codec of the first video stream."""
    if not path.exists() or path.stat().st_size == 0:
        raise VideoError("the file is empty")
    exe = _ffprobe_exe()
    if exe is None:
        return _probe_opencv(path)
    info = _probe_ffprobe(exe, path)
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "video"]
    if not streams:
        raise VideoError("the file has no video stream")
    s = streams[0]
    fps = float(
        Fraction(s.get("avg_frame_rate") or "0/1") or Fraction(s.get("r_frame_rate", "0/1"))
    )
    duration = float(s.get("duration") or info.get("format", {}).get("duration") or 0)
    frames = int(s.get("nb_frames") or round(duration * fps))
    if fps <= 0 or duration <= 0 or not s.get("width"):
        raise VideoError("the video stream has no usable frame rate, duration or size")
    return Probe(duration, fps, int(s["width"]), int(s["height"]), str(s.get("codec_name")), frames)


def _probe_opencv(path: Path) -> Probe:
    cap = cv2.VideoCapture(str(path))
    try:
        ok, _ = cap.read()
        fps = cap.get(cv2.CAP_PROP_FPS)
        frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        if not ok or fps <= 0 or frames <= 0:
            raise VideoError("not a readable video (no decodable frames)")
        fourcc = int(cap.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode(errors="replace")
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        return Probe(frames / fps, fps, w, h, fourcc.strip("\x00"), frames)
    finally:
        cap.release()


def _ffmpeg(args: list[str]) -> None:
    done = subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *args], capture_output=True,
                          text=True, timeout=900, check=False)  # fmt: skip
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["ffmpeg failed"])[-1]
        raise VideoError(f"could not decode the video ({reason})")


def make_proxy(src: Path, dst: Path) -> Path:
    """A 480p H.264 MP4 for the dashboard player (never upscales)."""
    _ffmpeg(["-i", str(src), "-vf", "scale=-2:'min(480,ih)'", "-c:v", "libx264", "-preset",
             "veryfast", "-crf", "28", "-pix_fmt", "yuv420p", "-an", "-movflags", "+faststart",
             str(dst)])  # fmt: skip
    return dst


def make_thumbnail(src: Path, dst: Path, at_sec: float = 1.0) -> Path:
    """A 320-px-wide JPEG from `at_sec` into the video (or its first frame)."""
    _ffmpeg(["-ss", f"{at_sec:.2f}", "-i", str(src), "-frames:v", "1", "-vf", "scale=320:-2",
             str(dst)])  # fmt: skip
    if not dst.exists() or dst.stat().st_size == 0:
        _ffmpeg(["-i", str(src), "-frames:v", "1", "-vf", "scale=320:-2", str(dst)])
    return dst


def sampled_frames(
    path: Path, sample_fps: float, max_frames: int | None = None
) -> Iterator[tuple[int, float, np.ndarray]]:
    """(frame index, seconds, BGR frame) at about `sample_fps`, decoding only those frames.

    Skipped frames are grabbed (demuxed and decoded without the colour conversion and copy),
    which is what keeps a 1-2 fps analysis of 25-30 fps footage cheap.
    """
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise VideoError("OpenCV cannot open the video")
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    step = max(1, round(fps / sample_fps))
    index, yielded = 0, 0
    try:
        while max_frames is None or yielded < max_frames:
            if index % step == 0:
                ok, frame = cap.read()
                if not ok:
                    return
                yield index, index / fps, frame
                yielded += 1
            elif not cap.grab():
                return
            index += 1
    finally:
        cap.release()
