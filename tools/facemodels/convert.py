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
"""

import hashlib
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
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
    graph = helper.make_graph(
        g.nodes, NAME,
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT,
                                       [1, 3, net.INPUT_SIZE,
                                        net.INPUT_SIZE])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT,
                                       [1, net.OUTPUT_DIM])],
        g.inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="smartmed tools/facemodels")
    m.ir_version = 7
    onnx.checker.check_model(m)
    return m


LANDMARK_NAME = "face-landmarks-68-v1"
LANDMARK_MANIFEST = "face_landmark_68_model-weights_manifest.json"


def same_pads(size, k, stride):
    """ONNX pads [top, left, bottom, right] for TensorFlow's "same": the
    odd pixel of padding goes at the end."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return [total // 2, total // 2, total - total // 2, total - total // 2]


def separable(g, x, w, p, stride, c, size):
    dw = np.transpose(w[p + "/depthwise_filter"], (2, 3, 0, 1))  # C,1,kh,kw
    pw = np.transpose(w[p + "/pointwise_filter"], (3, 2, 0, 1))  # O,C,1,1
    y = g.op("Conv", [x, g.const(dw, "dw")], kernel_shape=[3, 3],
             strides=[stride, stride], pads=same_pads(size, 3, stride),
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
    g.nodes.append(helper.make_node(
        "Gemm", [x, g.const(w["fc/weights"], "fc"),
                 g.const(w["fc/bias"], "fcb")], ["landmarks"]))
    graph = helper.make_graph(
        g.nodes, LANDMARK_NAME,
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT,
                                       [1, 3, net.LANDMARK_INPUT,
                                        net.LANDMARK_INPUT])],
        [helper.make_tensor_value_info("landmarks", TensorProto.FLOAT,
                                       [1, 136])],
        g.inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="smartmed tools/facemodels")
    m.ir_version = 7
    onnx.checker.check_model(m)
    return m


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
alignment: dlib-chip-68
chip_padding: 0.25
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
- **Output**: a 128-d descriptor; identity L2-normalises it and compares
  cosines. The descriptors share a large common component, so cosines
  run high even between strangers (mean about 0.87 on ORL): dlib's own
  rule, Euclidean distance 0.6 on the raw descriptors, does not carry
  over to a cosine.
- **Threshold**: {threshold_note}
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


def write(model_dir, out_dir, threshold=THRESHOLD, note=THRESHOLD_NOTE):
    w = tfjs.load(os.path.join(model_dir, MANIFEST))
    m = build(w)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, NAME + ".onnx")
    data = m.SerializeToString()
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
    card = CARD.format(
        name=NAME, sha256=hashlib.sha256(data).hexdigest(),
        threshold=threshold, threshold_note=note)
    with open(os.path.join(out_dir, NAME + ".card.md"), "w") as f:
        f.write(card)
    return path


def write_landmarks(model_dir, out_dir):
    m = build_landmarks(tfjs.load(os.path.join(model_dir,
                                               LANDMARK_MANIFEST)))
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, LANDMARK_NAME + ".onnx")
    data = m.SerializeToString()
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
    with open(os.path.join(out_dir, LANDMARK_NAME + ".card.md"), "w") as f:
        f.write(LANDMARK_CARD.format(
            name=LANDMARK_NAME, sha256=hashlib.sha256(data).hexdigest()))
    return path


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(write(sys.argv[1], sys.argv[2]))
    print(write_landmarks(sys.argv[1], sys.argv[2]))
