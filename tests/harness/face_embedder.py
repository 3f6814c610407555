"""A small ONNX face embedder the tests make for themselves, with its model
card, to exercise identity's MED_FACE_EMBEDDER path end to end.

The model is a fixed random projection of the face crop shrunk 4x4
(AveragePool, Flatten, Gemm with a seeded Gaussian matrix): by the
Johnson-Lindenstrauss property it keeps the cosines of the shrunk crops,
so photographs of one person still score above those of two.  It is a
test model, far weaker than lbp-v2, and never a default.

write_embedder(d) -> the .onnx path; the card is beside it.

write_arcface_embedder(d) makes one of the shape a hospital's licensed
ArcFace-family model has (OpenCV Zoo's SFace: a [1, 3, 112, 112] chip in,
[1, 128] out; card alignment arcface-5): the chip's first input plane
only (a 1x1 convolution picks it, so the tests can tell which colour
plane the model is fed), shrunk 4x4 and projected the same way.  It
tests the drop-in's plumbing, card and chip geometry; it says nothing
of accuracy."""

import hashlib
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

W, H, POOL, DIM = 92, 112, 4, 128


def _model(seed):
    n_in = (H // POOL) * (W // POOL)
    rng = np.random.default_rng(seed)
    proj = (rng.standard_normal((n_in, DIM)) / np.sqrt(n_in)).astype(
        np.float32)
    nodes = [
        helper.make_node("AveragePool", ["face"], ["small"],
                         kernel_shape=[POOL, POOL], strides=[POOL, POOL]),
        helper.make_node("Flatten", ["small"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "proj"], ["embedding"]),
    ]
    graph = helper.make_graph(
        nodes, "faceproj",
        [helper.make_tensor_value_info("face", TensorProto.FLOAT,
                                       [1, 1, H, W])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT,
                                       [1, DIM])],
        [numpy_helper.from_array(proj, "proj")])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="smartmed-tests")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


ARC, ARC_DIM = 112, 128


def _arcface_model(seed):
    n_in = (ARC // POOL) ** 2
    rng = np.random.default_rng(seed)
    proj = (rng.standard_normal((n_in, ARC_DIM)) / np.sqrt(n_in)).astype(
        np.float32)
    pick = np.array([1, 0, 0], np.float32).reshape(1, 3, 1, 1)
    nodes = [
        helper.make_node("Conv", ["chip", "pick"], ["plane"],
                         kernel_shape=[1, 1]),
        helper.make_node("AveragePool", ["plane"], ["small"],
                         kernel_shape=[POOL, POOL], strides=[POOL, POOL]),
        helper.make_node("Flatten", ["small"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "proj"], ["embedding"]),
    ]
    graph = helper.make_graph(
        nodes, "arcshape",
        [helper.make_tensor_value_info("chip", TensorProto.FLOAT,
                                       [1, 3, ARC, ARC])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT,
                                       [1, ARC_DIM])],
        [numpy_helper.from_array(pick, "pick"),
         numpy_helper.from_array(proj, "proj")])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="smartmed-tests")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


ARC_CARD = """---
kind: face-embedder
name: {name}
version: 1.0.0
licence: the smartmed project's own test model
sha256: {sha256}
input_width: 112
input_height: 112
input_channels: 3
input_mean: 127.5
input_scale: 0.0078125
output_dim: 128
threshold: {threshold}
alignment: arcface-5
channel_order: rgb
distance: cosine
flip_average: no
min_face_px: 24
---
# {name}

The shape of an ArcFace-family embedder (112x112 five-point chip in, 128
out) around a random projection of the chip's first plane, made by
tests/harness/face_embedder.py for identity's tests.  Not trained, not
for use with patients.
"""


def write_arcface_embedder(d, name="arcshape-test", seed=11, threshold=0.9,
                           card_fields=None):
    """Write NAME.onnx and NAME.card.md (ARC_CARD, with card_fields as in
    write_embedder) into d; returns the .onnx path."""
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name + ".onnx")
    data = _arcface_model(seed).SerializeToString()
    with open(path, "wb") as f:
        f.write(data)
    text = ARC_CARD.format(name=name, threshold=threshold,
                           sha256=hashlib.sha256(data).hexdigest())
    _write_card(os.path.join(d, name + ".card.md"), text, card_fields)
    return path


def _write_card(path, text, card_fields):
    """text with its front-block fields changed as card_fields says."""
    head, _, rest = text[4:].partition("---\n")
    fields = dict(line.split(": ", 1) for line in head.splitlines())
    for k, v in (card_fields or {}).items():
        if v is None:
            fields.pop(k, None)
        else:
            fields[k] = v
    block = "".join("%s: %s\n" % kv for kv in fields.items())
    with open(path, "w") as f:
        f.write("---\n" + block + "---\n" + rest)


CARD = """---
kind: face-embedder
name: {name}
version: 1.0.0
licence: the smartmed project's own test model
sha256: {sha256}
input_width: {w}
input_height: {h}
input_channels: 1
input_mean: 127.5
input_scale: {scale}
output_dim: {dim}
threshold: {threshold}
crop_scale: 1.0
---
# {name}

A random projection of the face crop shrunk 4x4, made by
tests/harness/face_embedder.py for identity's tests.  Not trained, not for
use with patients.
"""


def write_embedder(d, name="faceproj-test", seed=7, threshold=0.9,
                   card_fields=None, card=True):
    """Write NAME.onnx (and NAME.card.md unless card is False) into d.
    card_fields overrides or adds front-block fields ({"output_dim": "64"});
    a value of None drops the field."""
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name + ".onnx")
    data = _model(seed).SerializeToString()
    with open(path, "wb") as f:
        f.write(data)
    if not card:
        return path
    text = CARD.format(name=name, sha256=hashlib.sha256(data).hexdigest(),
                       w=W, h=H, scale=1 / 128.0, dim=DIM,
                       threshold=threshold)
    _write_card(os.path.join(d, name + ".card.md"), text, card_fields)
    return path
