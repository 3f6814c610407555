"""A small ONNX face embedder the tests make for themselves, with its model
card, to exercise identity's MED_FACE_EMBEDDER path end to end.

The model is a fixed random projection of the face crop shrunk 4x4
(AveragePool, Flatten, Gemm with a seeded Gaussian matrix): by the
Johnson-Lindenstrauss property it keeps the cosines of the shrunk crops,
so photographs of one person still score above those of two.  It is a
test model, far weaker than lbp-v2, and never a default.

write_embedder(d) -> the .onnx path; the card is beside it."""

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
    head, _, rest = text[4:].partition("---\n")
    fields = dict(line.split(": ", 1) for line in head.splitlines())
    for k, v in (card_fields or {}).items():
        if v is None:
            fields.pop(k, None)
        else:
            fields[k] = v
    block = "".join("%s: %s\n" % kv for kv in fields.items())
    with open(os.path.join(d, name + ".card.md"), "w") as f:
        f.write("---\n" + block + "---\n" + rest)
    return path
