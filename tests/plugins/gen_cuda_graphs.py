#!/usr/bin/python3
"""Write the extra graphs the cuda backend's tests run beside gen_graphs.py's.

usage: gen_cuda_graphs.py OUTDIR

Same files and manifest format as gen_graphs.py (whose helpers this
imports): operators and paths its graphs leave out because they fold or
are absent there - Exp, Tanh, Identity, Dropout, Cast, int64 arithmetic
and Concat on run-time tensors, uint8 Transpose, Gather on run-time data
with negative indices - and a Relu over more elements than one CUDA grid
(16384 blocks x 256 threads), so the grid-stride loop takes a second turn.
Expected outputs come from numpy.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_graphs as G  # noqa: E402  (the shared helpers)

case, node, f32 = G.case, G.node, G.f32


def unary():
    x = f32(2, 3, 4, 5, lo=-3, hi=3)
    x64 = x.astype(np.float64)
    case("cu_exp", [node("Exp", ["x"], ["y"])], [("x", x)],
         [("y", np.exp(x64).astype(np.float32))])
    case("cu_tanh", [node("Tanh", ["x"], ["y"])], [("x", x)],
         [("y", np.tanh(x64).astype(np.float32))])
    case("cu_identity", [node("Identity", ["x"], ["t"]),
                         node("Relu", ["t"], ["y"])], [("x", x)],
         [("y", np.maximum(x, 0))])
    case("cu_dropout", [node("Dropout", ["x"], ["t"]),
                        node("Sigmoid", ["t"], ["y"])], [("x", x)],
         [("y", (1 / (1 + np.exp(-x64))).astype(np.float32))])
    big = f32(1, 1, 2049, 2048, lo=-1, hi=1)
    case("cu_relu_gridstride", [node("Relu", ["x"], ["y"])], [("x", big)],
         [("y", np.maximum(big, 0))])


def casts():
    x = f32(3, 4, 5, lo=-50, hi=300)
    case("cu_cast_f32_i64_f32",
         [node("Cast", ["x"], ["i"], to=7), node("Cast", ["i"], ["y"], to=1)],
         [("x", x)], [("y", np.trunc(x).astype(np.float32))])
    px = np.trunc(f32(2, 3, 4, lo=0, hi=255)).astype(np.float32)
    case("cu_cast_f32_u8", [node("Cast", ["x"], ["y"], to=2)], [("x", px)],
         [("y", px.astype(np.uint8))])
    u = (np.arange(2 * 3 * 4 * 5) % 251).astype(np.uint8).reshape(2, 3, 4, 5)
    case("cu_transpose_u8", [node("Transpose", ["x"], ["y"],
                                  perm=[0, 2, 3, 1])],
         [("x", u)], [("y", u.transpose(0, 2, 3, 1).copy())])


def int64():
    rng = np.random.default_rng(7)
    a = rng.integers(-1000, 1000, size=(2, 3, 4)).astype(np.int64)
    b = rng.integers(1, 50, size=(3, 1)).astype(np.int64)
    for op, fn in (("Add", np.add), ("Sub", np.subtract),
                   ("Mul", np.multiply)):
        case("cu_i64_" + op.lower(), [node(op, ["a", "b"], ["y"])],
             [("a", a), ("b", b)], [("y", fn(a, b))])
    # ONNX integer Div truncates toward zero (C semantics), not floor.
    q = (np.abs(a) // b) * np.sign(a)
    case("cu_i64_div", [node("Div", ["a", "b"], ["y"])],
         [("a", a), ("b", b)], [("y", q.astype(np.int64))])
    c = rng.integers(-5, 5, size=(2, 2, 4)).astype(np.int64)
    case("cu_concat_i64", [node("Concat", ["a", "c"], ["y"], axis=1)],
         [("a", a), ("c", c)], [("y", np.concatenate([a, c], axis=1))])


def gather():
    x = f32(3, 4, 5)
    idx = np.array([-1, 0, 2], np.int64)
    case("cu_gather_runtime", [node("Gather", ["x", "i"], ["y"], axis=1)],
         [("x", x)], [("y", np.take(x, idx, axis=1))], {"i": idx})


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    unary()
    casts()
    int64()
    gather()
    lines = []
    for name, model, inputs, outputs, tol in G.CASES:
        G.onnx.checker.check_model(model)
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(model.SerializeToString())
        for kind, tensors in (("in", inputs), ("out", outputs)):
            for i, (_, a) in enumerate(tensors):
                G.write_bin(os.path.join(out, "%s.%s%d.bin" % (name, kind,
                                                                i)), a)
        lines.append("ok %s %d %d %g" % (name, len(inputs), len(outputs), tol))
    with open(os.path.join(out, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
