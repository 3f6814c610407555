#!/usr/bin/python3
"""Write the cpu backend's test graphs and their expected outputs.

usage: gen_graphs.py OUTDIR

For every case OUTDIR gets NAME.onnx, NAME.in<i>.bin and NAME.out<i>.bin,
and a line "ok NAME N_IN N_OUT TOL" in OUTDIR/manifest.txt.  Expected
outputs come from the numpy reference implementations below (float64, then
float32), written from the ONNX operator specification, not from the C code.
Malformed models get a line "bad NAME WORD": loading must fail with a
message containing WORD.

A .bin tensor is: b"MEDT", u32 dtype (1 f32, 2 u8, 3 i64), u32 ndim,
ndim x i64 dims, then the row-major data (little-endian).
"""
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(20240611)
CASES = []
BAD = []


def f32(*shape, lo=-1.0, hi=1.0):
    return RNG.uniform(lo, hi, size=shape).astype(np.float32)


def write_bin(path, a):
    dt = {np.float32: 1, np.uint8: 2, np.int64: 3}[a.dtype.type]
    a = np.ascontiguousarray(a)
    with open(path, "wb") as f:
        f.write(b"MEDT" + struct.pack("<II", dt, a.ndim))
        f.write(struct.pack("<%dq" % a.ndim, *a.shape))
        f.write(a.tobytes())


def vinfo(name, a):
    et = {np.float32: TensorProto.FLOAT, np.int64: TensorProto.INT64,
          np.uint8: TensorProto.UINT8}[a.dtype.type]
    return helper.make_tensor_value_info(name, et, list(a.shape))


def case(name, nodes, inputs, outputs, inits=None, opset=13, tol=1e-4):
    """inputs/outputs: lists of (name, array); inits: {name: array}."""
    inits = inits or {}
    graph = helper.make_graph(
        nodes, name,
        [vinfo(n, a) for n, a in inputs],
        [vinfo(n, a) for n, a in outputs],
        [numpy_helper.from_array(a, n) for n, a in inits.items()])
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)],
        producer_name="smartmed-gen_graphs")
    model.ir_version = 7
    CASES.append((name, model, inputs, outputs, tol))


def node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, name=op + "_" + outs[0], **attrs)


# ---- numpy references (from the operator specification) -----------------

def ref_conv(x, w, b, strides=(1, 1), pads=(0, 0, 0, 0), dil=(1, 1), group=1):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (h + pads[0] + pads[2] - dil[0] * (kh - 1) - 1) // strides[0] + 1
    ow = (wd + pads[1] + pads[3] - dil[1] * (kw - 1) - 1) // strides[1] + 1
    out = np.zeros((n, m, oh, ow))
    mg = m // group
    for g in range(group):
        for ky in range(kh):
            for kx in range(kw):
                y0, x0 = ky * dil[0], kx * dil[1]
                patch = xp[:, g * cg:(g + 1) * cg,
                           y0:y0 + strides[0] * (oh - 1) + 1:strides[0],
                           x0:x0 + strides[1] * (ow - 1) + 1:strides[1]]
                out[:, g * mg:(g + 1) * mg] += np.einsum(
                    "ncij,mc->nmij", patch, w[g * mg:(g + 1) * mg, :, ky, kx])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out.astype(np.float32)


def ref_pool(x, k, strides, pads, mode, include_pad=0, ceil=False):
    n, c, h, w = x.shape
    out_hw = []
    for i, size in enumerate((h, w)):
        span = size + pads[i] + pads[i + 2] - k[i]
        o = (-(-span // strides[i]) if ceil else span // strides[i]) + 1
        if ceil and (o - 1) * strides[i] >= size + pads[i]:
            o -= 1
        out_hw.append(o)
    out = np.zeros((n, c, out_hw[0], out_hw[1]))
    for oy in range(out_hw[0]):
        for ox in range(out_hw[1]):
            ys, xs = oy * strides[0] - pads[0], ox * strides[1] - pads[1]
            y0, y1 = max(ys, 0), min(ys + k[0], h)
            x0, x1 = max(xs, 0), min(xs + k[1], w)
            win = x[:, :, y0:y1, x0:x1].astype(np.float64)
            if mode == "max":
                out[:, :, oy, ox] = win.max(axis=(2, 3))
            else:
                cnt = win.shape[2] * win.shape[3]
                if include_pad:
                    py0, py1 = max(ys, -pads[0]), min(ys + k[0], h + pads[2])
                    px0, px1 = max(xs, -pads[1]), min(xs + k[1], w + pads[3])
                    cnt = (py1 - py0) * (px1 - px0)
                out[:, :, oy, ox] = win.sum(axis=(2, 3)) / cnt
    return out.astype(np.float32)


def src_coord(mode, o, scale, size_in, size_out):
    if mode == "asymmetric":
        return o / scale
    if mode == "align_corners":
        return o * (size_in - 1) / (size_out - 1) if size_out > 1 else 0.0
    if mode == "pytorch_half_pixel":
        return (o + 0.5) / scale - 0.5 if size_out > 1 else 0.0
    return (o + 0.5) / scale - 0.5


def ref_resize(x, scales, mode, coord, nearest="round_prefer_floor"):
    n, c, h, w = x.shape
    oh, ow = int(np.floor(h * scales[2])), int(np.floor(w * scales[3]))
    out = np.zeros((n, c, oh, ow), np.float64)
    for oy in range(oh):
        fy = src_coord(coord, oy, scales[2], h, oh)
        for ox in range(ow):
            fx = src_coord(coord, ox, scales[3], w, ow)
            if mode == "nearest":
                def pick(f, size):
                    if nearest == "floor":
                        i = np.floor(f)
                    elif nearest == "ceil":
                        i = np.ceil(f)
                    elif nearest == "round_prefer_ceil":
                        i = np.floor(f + 0.5)
                    else:
                        i = np.ceil(f - 0.5)
                    return int(min(max(i, 0), size - 1))
                out[:, :, oy, ox] = x[:, :, pick(fy, h), pick(fx, w)]
            else:
                cy, cx = min(max(fy, 0), h - 1), min(max(fx, 0), w - 1)
                y0, x0 = int(cy), int(cx)
                y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
                ty, tx = cy - y0, cx - x0
                top = x[:, :, y0, x0] * (1 - tx) + x[:, :, y0, x1] * tx
                bot = x[:, :, y1, x0] * (1 - tx) + x[:, :, y1, x1] * tx
                out[:, :, oy, ox] = top * (1 - ty) + bot * ty
    return out.astype(np.float32)


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(np.float32)


# ---- the cases ------------------------------------------------------------

def conv_cases():
    specs = [
        ("conv_3x3", (1, 3, 9, 11), (4, 3, 3, 3), {}, {}),
        ("conv_pads_strides", (2, 3, 10, 9), (5, 3, 3, 3),
         dict(pads=[1, 2, 0, 1], strides=[2, 1]), {}),
        ("conv_dilations", (1, 2, 12, 12), (3, 2, 3, 3),
         dict(dilations=[2, 3], pads=[2, 2, 2, 2]), {}),
        ("conv_1x1", (1, 8, 7, 6), (6, 8, 1, 1), {}, {}),
        ("conv_groups", (1, 6, 8, 8), (4, 3, 3, 3),
         dict(group=2, pads=[1, 1, 1, 1]), {}),
        ("conv_depthwise", (1, 5, 10, 12), (5, 1, 3, 3),
         dict(group=5, pads=[1, 1, 1, 1]), {}),
        ("conv_depthwise_s2", (1, 4, 11, 10), (4, 1, 3, 3),
         dict(group=4, pads=[1, 1, 1, 1], strides=[2, 2]), {}),
        ("conv_5x5_nobias", (1, 2, 9, 9), (3, 2, 5, 5),
         dict(pads=[2, 2, 2, 2]), {"nobias": True}),
    ]
    for name, xs, ws, attrs, extra in specs:
        x, w, b = f32(*xs), f32(*ws), f32(ws[0])
        ins = ["x", "w"] if extra.get("nobias") else ["x", "w", "b"]
        a = dict(attrs)
        y = ref_conv(x, w, None if extra.get("nobias") else b,
                     a.get("strides", (1, 1)), a.get("pads", (0, 0, 0, 0)),
                     a.get("dilations", (1, 1)), a.get("group", 1))
        inits = {"w": w} if extra.get("nobias") else {"w": w, "b": b}
        case(name, [node("Conv", ins, ["y"], **a)], [("x", x)], [("y", y)],
             inits)
    # A Conv + Relu pair, which the loader fuses.
    x, w, b = f32(1, 3, 8, 8), f32(4, 3, 3, 3), f32(4)
    y = np.maximum(ref_conv(x, w, b, pads=(1, 1, 1, 1)), 0)
    case("conv_relu_fused", [node("Conv", ["x", "w", "b"], ["c"],
                                  pads=[1, 1, 1, 1]),
                             node("Relu", ["c"], ["y"])],
         [("x", x)], [("y", y)], {"w": w, "b": b})
    # SAME_UPPER auto padding, stride 2.
    x, w = f32(1, 2, 7, 7), f32(3, 2, 3, 3)
    y = ref_conv(x, w, None, (2, 2), (1, 1, 1, 1))
    case("conv_autopad", [node("Conv", ["x", "w"], ["y"], strides=[2, 2],
                               auto_pad="SAME_UPPER")],
         [("x", x)], [("y", y)], {"w": w})


def unary_cases():
    x = f32(2, 3, 4, 5, lo=-3, hi=3)
    case("relu", [node("Relu", ["x"], ["y"])], [("x", x)],
         [("y", np.maximum(x, 0))])
    case("sigmoid", [node("Sigmoid", ["x"], ["y"])], [("x", x)],
         [("y", (1 / (1 + np.exp(-x.astype(np.float64)))).astype(np.float32))])
    case("leakyrelu", [node("LeakyRelu", ["x"], ["y"], alpha=0.2)],
         [("x", x)], [("y", np.where(x >= 0, x, 0.2 * x))])
    lo, hi = np.array(-0.5, np.float32), np.array(1.5, np.float32)
    case("clip", [node("Clip", ["x", "lo", "hi"], ["y"])], [("x", x)],
         [("y", np.clip(x, -0.5, 1.5))], {"lo": lo, "hi": hi})
    case("clip_opset6", [node("Clip", ["x"], ["y"], min=0.0, max=6.0)],
         [("x", x * 4)], [("y", np.clip(x * 4, 0, 6))], opset=9)
    slope = f32(3, 1, 1)
    case("prelu", [node("PRelu", ["x", "s"], ["y"])], [("x", x)],
         [("y", np.where(x >= 0, x, x * slope))], {"s": slope})


def binary_cases():
    a = f32(2, 3, 4, 5)
    for op, fn in (("Add", np.add), ("Sub", np.subtract),
                   ("Mul", np.multiply), ("Div", np.divide)):
        b_same = f32(2, 3, 4, 5, lo=0.5, hi=2)
        b_chan = f32(3, 1, 1, lo=0.5, hi=2)
        b_row = f32(5, lo=0.5, hi=2)
        lo = op.lower()
        case(lo + "_same", [node(op, ["a", "b"], ["y"])],
             [("a", a), ("b", b_same)], [("y", fn(a, b_same))])
        case(lo + "_bcast_chan", [node(op, ["a", "b"], ["y"])],
             [("a", a)], [("y", fn(a, b_chan).astype(np.float32))],
             {"b": b_chan})
        case(lo + "_bcast_row", [node(op, ["b", "a"], ["y"])],
             [("a", a)], [("y", fn(b_row, a).astype(np.float32))],
             {"b": b_row})


def norm_cases():
    x = f32(2, 4, 5, 6)
    sc, bi, mu = f32(4), f32(4), f32(4)
    var = f32(4, lo=0.1, hi=2)
    y = (x - mu.reshape(1, 4, 1, 1)) / np.sqrt(var.reshape(1, 4, 1, 1) + 1e-3)
    y = y * sc.reshape(1, 4, 1, 1) + bi.reshape(1, 4, 1, 1)
    case("batchnormalization",
         [node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"],
               epsilon=1e-3)],
         [("x", x)], [("y", y.astype(np.float32))],
         {"s": sc, "b": bi, "m": mu, "v": var})
    x = f32(2, 3, 7, lo=-4, hi=4)
    case("softmax_axis1", [node("Softmax", ["x"], ["y"], axis=1)],
         [("x", x)], [("y", softmax(x, 1))])
    case("softmax_last", [node("Softmax", ["x"], ["y"])], [("x", x)],
         [("y", softmax(x, -1))])
    flat = x.reshape(2, 21)
    case("softmax_opset11", [node("Softmax", ["x"], ["y"], axis=1)],
         [("x", x)], [("y", softmax(flat, 1).reshape(2, 3, 7))], opset=11)


def pool_cases():
    x = f32(1, 3, 9, 10)
    case("maxpool_2x2", [node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2],
                              strides=[2, 2])],
         [("x", x)], [("y", ref_pool(x, (2, 2), (2, 2), (0, 0, 0, 0), "max"))])
    case("maxpool_3x3_pad", [node("MaxPool", ["x"], ["y"],
                                  kernel_shape=[3, 3], strides=[2, 2],
                                  pads=[1, 1, 1, 1])],
         [("x", x)],
         [("y", ref_pool(x, (3, 3), (2, 2), (1, 1, 1, 1), "max"))])
    case("maxpool_ceil", [node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2],
                               strides=[2, 2], ceil_mode=1)],
         [("x", x)],
         [("y", ref_pool(x, (2, 2), (2, 2), (0, 0, 0, 0), "max", ceil=True))])
    case("averagepool_pad", [node("AveragePool", ["x"], ["y"],
                                  kernel_shape=[3, 3], strides=[1, 1],
                                  pads=[1, 1, 1, 1])],
         [("x", x)],
         [("y", ref_pool(x, (3, 3), (1, 1), (1, 1, 1, 1), "avg"))])
    case("averagepool_incl", [node("AveragePool", ["x"], ["y"],
                                   kernel_shape=[3, 2], strides=[2, 2],
                                   pads=[1, 0, 1, 1], count_include_pad=1)],
         [("x", x)],
         [("y", ref_pool(x, (3, 2), (2, 2), (1, 0, 1, 1), "avg", 1))])
    # The face models' windows, which the cpu backend runs without bounds
    # checks where a window lies inside: dlib's 2x2 averages, its 3x3
    # stride-2 max and the landmark model's 7x7 stride-2 average (odd
    # sizes, so the last column's window falls short).
    x = f32(1, 2, 11, 13)
    for name, op, k, mode in (("averagepool_2x2_s2", "AveragePool", 2, "avg"),
                              ("maxpool_3x3_s2", "MaxPool", 3, "max"),
                              ("averagepool_7x7_s2", "AveragePool", 7,
                               "avg")):
        case(name, [node(op, ["x"], ["y"], kernel_shape=[k, k],
                         strides=[2, 2])],
             [("x", x)], [("y", ref_pool(x, (k, k), (2, 2), (0, 0, 0, 0),
                                         mode))])
    case("globalaveragepool", [node("GlobalAveragePool", ["x"], ["y"])],
         [("x", x)], [("y", x.mean(axis=(2, 3), keepdims=True))])


def data_cases():
    a, b = f32(2, 3, 4), f32(2, 5, 4)
    case("concat", [node("Concat", ["a", "b"], ["y"], axis=1)],
         [("a", a), ("b", b)], [("y", np.concatenate([a, b], 1))])
    shape = np.array([0, -1], np.int64)
    case("reshape", [node("Reshape", ["a", "s"], ["y"])], [("a", a)],
         [("y", a.reshape(2, 12))], {"s": shape})
    case("flatten", [node("Flatten", ["a"], ["y"], axis=2)], [("a", a)],
         [("y", a.reshape(6, 4))])
    x = f32(1, 3, 4, 5)
    case("transpose", [node("Transpose", ["x"], ["y"], perm=[0, 2, 3, 1])],
         [("x", x)], [("y", x.transpose(0, 2, 3, 1))])
    case("transpose_default", [node("Transpose", ["a"], ["y"])],
         [("a", a)], [("y", a.transpose())])
    k = np.array([[1.5]], np.float32)
    case("constant", [helper.make_node(
        "Constant", [], ["k"], name="k",
        value=numpy_helper.from_array(k, "k")),
        node("Mul", ["a", "k"], ["y"])],
        [("a", a)], [("y", a * 1.5)])
    # The shape family as exporters emit it: all of it folds at load.
    x = f32(1, 3, 4, 5)
    ind = np.array(1, np.int64)
    nodes = [node("Shape", ["x"], ["s"]),
             node("Gather", ["s", "i"], ["c"], axis=0),
             node("Unsqueeze", ["c", "ax"], ["cu"]),
             node("Concat", ["one", "cu", "minus"], ["shp"], axis=0),
             node("Reshape", ["x", "shp"], ["y"])]
    case("shape_ops", nodes, [("x", x)], [("y", x.reshape(1, 3, 20))],
         {"i": ind, "ax": np.array([0], np.int64),
          "one": np.array([1], np.int64), "minus": np.array([-1], np.int64)})
    case("unsqueeze_opset11", [node("Unsqueeze", ["a"], ["y"], axes=[0, 3])],
         [("a", a)], [("y", a.reshape(1, 2, 3, 1, 4))], opset=11)
    sq = f32(1, 3, 1, 5)
    case("squeeze", [node("Squeeze", ["x"], ["y"])], [("x", sq)],
         [("y", sq.reshape(3, 5))])
    st, en = np.array([1, 0], np.int64), np.array([3, -1], np.int64)
    ax = np.array([1, 2], np.int64)
    case("slice", [node("Slice", ["a", "st", "en", "ax"], ["y"])], [("a", a)],
         [("y", a[:, 1:3, 0:-1])], {"st": st, "en": en, "ax": ax})
    case("gather_axis1", [node("Gather", ["a", "gi"], ["y"], axis=1)],
         [("a", a)], [("y", a[:, [2, 0]])],
         {"gi": np.array([2, 0], np.int64)})


def resize_cases():
    x = f32(1, 2, 5, 6)
    roi = np.array([], np.float32)
    for name, mode, coord, near, sc, opset in (
            ("resize_nearest_asym", "nearest", "asymmetric", "floor",
             [1, 1, 2, 2], 11),
            ("resize_nearest_half", "nearest", "half_pixel",
             "round_prefer_floor", [1, 1, 1.5, 2.5], 13),
            ("resize_linear_half", "linear", "half_pixel", None,
             [1, 1, 2, 1.5], 13),
            ("resize_linear_align", "linear", "align_corners", None,
             [1, 1, 1.6, 2], 13),
            ("resize_linear_asym", "linear", "asymmetric", None,
             [1, 1, 0.6, 2], 13)):
        scales = np.array(sc, np.float32)
        attrs = dict(mode=mode, coordinate_transformation_mode=coord)
        if near:
            attrs["nearest_mode"] = near
        y = ref_resize(x, scales, mode, coord, near or "round_prefer_floor")
        case(name, [node("Resize", ["x", "roi", "sc"], ["y"], **attrs)],
             [("x", x)], [("y", y)], {"roi": roi, "sc": scales}, opset=opset)


def gemm_cases():
    a, b, c = f32(3, 5), f32(4, 5), f32(4)
    y = 0.5 * a @ b.T + 2.0 * c
    case("gemm", [node("Gemm", ["a", "b", "c"], ["y"], alpha=0.5, beta=2.0,
                       transB=1)],
         [("a", a)], [("y", y.astype(np.float32))], {"b": b, "c": c})
    a2 = f32(5, 3)
    case("gemm_transa", [node("Gemm", ["a", "b"], ["y"], transA=1)],
         [("a", a2)], [("y", a2.T @ f32_fixed)], {"b": f32_fixed})
    x, w = f32(2, 3, 4, 5), f32(5, 6)
    case("matmul", [node("MatMul", ["x", "w"], ["y"])], [("x", x)],
         [("y", (x.astype(np.float64) @ w).astype(np.float32))], {"w": w})
    p, q = f32(2, 4, 3), f32(2, 3, 2)
    case("matmul_batched", [node("MatMul", ["p", "q"], ["y"])],
         [("p", p), ("q", q)], [("y", p @ q)])


f32_fixed = None


def small_net():
    """A ResNet-style block: conv-bn-relu, residual add, pool, gemm."""
    x = f32(1, 3, 16, 16)
    w1, b1 = f32(8, 3, 3, 3) * 0.5, f32(8)
    w2 = f32(8, 8, 3, 3) * 0.2
    s, bb, m, v = f32(8), f32(8), f32(8), f32(8, lo=0.5, hi=1.5)
    fc, fb = f32(10, 8), f32(10)
    h = np.maximum(ref_conv(x, w1, b1, pads=(1, 1, 1, 1)), 0)
    h2 = ref_conv(h, w2, None, pads=(1, 1, 1, 1)).astype(np.float64)
    h2 = (h2 - m.reshape(1, 8, 1, 1)) / np.sqrt(v.reshape(1, 8, 1, 1) + 1e-5)
    h2 = h2 * s.reshape(1, 8, 1, 1) + bb.reshape(1, 8, 1, 1)
    r = np.maximum(h2 + h, 0)
    p = r.mean(axis=(2, 3))
    y = softmax(p @ fc.T + fb, 1)
    nodes = [node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
             node("Relu", ["c1"], ["r1"]),
             node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1]),
             node("BatchNormalization", ["c2", "s", "bb", "m", "v"], ["n2"]),
             node("Add", ["n2", "r1"], ["a2"]),
             node("Relu", ["a2"], ["r2"]),
             node("GlobalAveragePool", ["r2"], ["g"]),
             node("Flatten", ["g"], ["f"]),
             node("Gemm", ["f", "fc", "fb"], ["l"], transB=1),
             node("Softmax", ["l"], ["y"], axis=1)]
    case("net_resnet_block", nodes, [("x", x)], [("y", y)],
         {"w1": w1, "b1": b1, "w2": w2, "s": s, "bb": bb, "m": m, "v": v,
          "fc": fc, "fb": fb})


# Convolutions an activation is folded into, one of each of the cpu
# backend's kernels: (kind, x shape, w shape, attributes).
FUSED_CONVS = (
    ("3x3", (1, 3, 9, 11), (4, 3, 3, 3), dict(pads=[1, 1, 1, 1])),
    ("1x1", (1, 8, 7, 6), (6, 8, 1, 1), {}),
    ("depthwise", (1, 5, 10, 12), (5, 1, 3, 3),
     dict(group=5, pads=[1, 1, 1, 1])))


def ref_conv_attrs(x, w, b, attrs):
    """ref_conv with a Conv node's strides, pads and group."""
    return ref_conv(x, w, b, attrs.get("strides", (1, 1)),
                    attrs.get("pads", (0, 0, 0, 0)), (1, 1),
                    attrs.get("group", 1))


def clip_fuse_cases():
    """Conv + Clip (MobileNetV2's Relu6), which the cpu backend folds into
    the Conv's kernel: im2col 3x3, 1x1, depthwise 3x3, and depthwise
    stride 2 with TensorFlow's asymmetric SAME pads [0, 0, 1, 1] (on an
    even and an odd size, and on maps smaller than the kernel); bounds as attributes (opset 10) and as inputs
    (opset 13); and a Clip whose Conv output is read twice (not folded)."""
    for kind, xs, ws, attrs in FUSED_CONVS + (
            ("depthwise_same_s2", (1, 4, 12, 10), (4, 1, 3, 3),
             dict(group=4, pads=[0, 0, 1, 1], strides=[2, 2])),
            ("depthwise_same_s2_odd", (1, 3, 11, 9), (3, 1, 3, 3),
             dict(group=3, pads=[1, 1, 1, 1], strides=[2, 2])),
            ("depthwise_s2_tiny", (1, 2, 2, 2), (2, 1, 3, 3),
             dict(group=2, pads=[0, 0, 1, 1], strides=[2, 2])),
            ("depthwise_s2_row", (1, 2, 1, 5), (2, 1, 3, 3),
             dict(group=2, pads=[1, 1, 1, 1], strides=[2, 2]))):
        name = "conv_clip_" + kind
        x, w, b = f32(*xs, lo=-4, hi=4), f32(*ws), f32(ws[0])
        y = ref_conv_attrs(x, w, b, attrs)
        conv = node("Conv", ["x", "w", "b"], ["c"], **attrs)
        case(name, [conv, node("Clip", ["c"], ["y"], min=0.0, max=6.0)],
             [("x", x)], [("y", np.clip(y, 0, 6))], {"w": w, "b": b},
             opset=10)
        lo, hi = np.array(-0.25, np.float32), np.array(0.75, np.float32)
        case(name + "_inputs", [conv, node("Clip", ["c", "lo", "hi"],
                                           ["y"])],
             [("x", x)], [("y", np.clip(y, -0.25, 0.75))],
             {"w": w, "b": b, "lo": lo, "hi": hi})
    x, w, b = f32(1, 3, 8, 8, lo=-4, hi=4), f32(4, 3, 3, 3), f32(4)
    y = ref_conv(x, w, b, pads=(1, 1, 1, 1))
    case("conv_clip_shared", [node("Conv", ["x", "w", "b"], ["c"],
                                   pads=[1, 1, 1, 1]),
                              node("Clip", ["c"], ["l"], min=0.0, max=6.0),
                              node("Add", ["l", "c"], ["y"])],
         [("x", x)], [("y", np.clip(y, 0, 6) + y)], {"w": w, "b": b},
         opset=10)


def leaky_pool_cases():
    """Conv + LeakyRelu (or PRelu with one slope), which the cpu backend
    folds into the Conv's kernel (3x3 im2col, 1x1, depthwise 3x3 and
    strided), and the 2x2 MaxPools of Tiny YOLO: pads [0, 0, 1, 1] with
    stride 2 on an odd size and stride 1 (exact: max is exact)."""
    def leaky(y, slope):
        return np.where(y >= 0, y, slope * y.astype(np.float64)).astype(
            np.float32)

    for kind, xs, ws, attrs in FUSED_CONVS + (
            ("depthwise_s2", (1, 4, 11, 10), (4, 1, 3, 3),
             dict(group=4, pads=[1, 1, 1, 1], strides=[2, 2])),):
        name = "conv_leaky_" + kind
        x, w, b = f32(*xs), f32(*ws), f32(ws[0])
        y = ref_conv_attrs(x, w, b, attrs)
        case(name, [node("Conv", ["x", "w", "b"], ["c"], **attrs),
                    node("LeakyRelu", ["c"], ["y"], alpha=0.1)],
             [("x", x)], [("y", leaky(y, np.float32(0.1)))],
             {"w": w, "b": b})
    x, w, b = f32(1, 3, 8, 8), f32(4, 3, 3, 3), f32(4)
    slope = np.array([-0.3], np.float32)
    y = ref_conv(x, w, b, pads=(1, 1, 1, 1))
    case("conv_prelu_scalar", [node("Conv", ["x", "w", "b"], ["c"],
                                    pads=[1, 1, 1, 1]),
                               node("PRelu", ["c", "s"], ["y"])],
         [("x", x)], [("y", leaky(y, slope[0]))],
         {"w": w, "b": b, "s": slope})
    # PRelu with a slope per channel ([C, 1, 1] as MiniFASNet has it, and
    # [1, C, 1, 1]), which the cpu backend folds into the Conv (im2col with
    # a batch of two, 1x1, grouped, depthwise 3x3 and strided); a [W]
    # slope broadcasts along the rows and must not be folded.
    for name, xs, ws, attrs, sshape in (
            ("conv_prelu_channel_3x3", (2, 3, 9, 11), (4, 3, 3, 3),
             dict(pads=[1, 1, 1, 1]), (4, 1, 1)),
            ("conv_prelu_channel_1x1", (1, 8, 7, 6), (6, 8, 1, 1), {},
             (1, 6, 1, 1)),
            ("conv_prelu_channel_group2", (1, 4, 8, 8), (6, 2, 3, 3),
             dict(group=2, pads=[1, 1, 1, 1]), (6, 1, 1)),
            ("conv_prelu_channel_depthwise", (1, 5, 10, 12), (5, 1, 3, 3),
             dict(group=5, pads=[1, 1, 1, 1]), (5, 1, 1)),
            ("conv_prelu_channel_depthwise_s2", (1, 4, 11, 10),
             (4, 1, 3, 3), dict(group=4, pads=[1, 1, 1, 1], strides=[2, 2]),
             (4, 1, 1)),
            ("conv_prelu_rows", (1, 3, 8, 8), (4, 3, 3, 3),
             dict(pads=[1, 1, 1, 1]), (8,))):
        x, w, b = f32(*xs), f32(*ws), f32(ws[0])
        slope = RNG.uniform(-0.5, 0.5, size=sshape).astype(np.float32)
        y = ref_conv_attrs(x, w, b, attrs)
        want = np.where(y >= 0, y, slope * y.astype(np.float64))
        case(name, [node("Conv", ["x", "w", "b"], ["c"], **attrs),
                    node("PRelu", ["c", "s"], ["y"])],
             [("x", x)], [("y", want.astype(np.float32))],
             {"w": w, "b": b, "s": slope})
    # The Conv's output read twice: nothing may be folded.
    x, w, b = f32(1, 3, 8, 8), f32(4, 3, 3, 3), f32(4)
    y = ref_conv(x, w, b, pads=(1, 1, 1, 1))
    case("conv_leaky_shared", [node("Conv", ["x", "w", "b"], ["c"],
                                    pads=[1, 1, 1, 1]),
                               node("LeakyRelu", ["c"], ["l"], alpha=0.1),
                               node("Add", ["l", "c"], ["y"])],
         [("x", x)], [("y", leaky(y, np.float32(0.1)) + y)],
         {"w": w, "b": b})
    for name, shape, strides in (("maxpool_2x2_pad_odd", (1, 3, 9, 11), 2),
                                 ("maxpool_2x2_s1_pad", (2, 3, 7, 8), 1)):
        x = f32(*shape)
        s2 = [strides, strides]
        case(name, [node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2],
                         strides=s2, pads=[0, 0, 1, 1])],
             [("x", x)],
             [("y", ref_pool(x, (2, 2), s2, (0, 0, 1, 1), "max"))], tol=0)


# ---- malformed models ---------------------------------------------------------

def bad_cases():
    ok = CASES[0][1].SerializeToString()
    BAD.append(("bad_truncated", ok[:len(ok) // 2], "ONNX"))
    BAD.append(("bad_garbage", bytes(range(256)) * 4, "ONNX"))
    BAD.append(("bad_empty", b"", "bytes"))

    def model(nodes, inputs, outputs, inits=(), opset=13):
        g = helper.make_graph(nodes, "bad", inputs, outputs, list(inits))
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 7
        return m.SerializeToString()

    fx = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    fy = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    BAD.append(("bad_unsupported_op", model(
        [helper.make_node("LSTM", ["x"], ["y"], name="my_lstm")], [fx], [fy]),
        "my_lstm"))
    dyn = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])
    BAD.append(("bad_dynamic_shape", model(
        [node("Relu", ["x"], ["y"])], [dyn], [fy]), "dynamic"))
    dbl = helper.make_tensor_value_info("x", TensorProto.DOUBLE, [1, 4])
    BAD.append(("bad_wrong_type", model(
        [node("Relu", ["x"], ["y"])], [dbl], [fy]), "type"))
    huge = helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                         [1 << 20, 1 << 20, 1 << 20])
    BAD.append(("bad_absurd_dims", model(
        [node("Relu", ["x"], ["y"])], [huge], [fy]), "absurd"))
    short = helper.make_tensor("w", TensorProto.FLOAT, [10], [0.0] * 10)
    short.dims[:] = [64, 64]
    BAD.append(("bad_short_initializer", model(
        [node("Add", ["x", "w"], ["y"])], [fx], [fy], [short]), "bytes"))
    BAD.append(("bad_cycle", model(
        [node("Add", ["x", "b"], ["a"]), node("Relu", ["a"], ["b"]),
         node("Relu", ["a"], ["y"])], [fx], [fy]), "cycle"))
    ix = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    w = numpy_helper.from_array(f32(4, 2, 3, 3), "w")
    BAD.append(("bad_conv_shapes", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv9")], [ix],
        [fy], [w]), "conv9"))
    BAD.append(("bad_opset", model([node("Relu", ["x"], ["y"])], [fx], [fy],
                                   opset=99), "opset"))
    BAD.append(("bad_missing_output", model(
        [node("Relu", ["x"], ["z"])], [fx], [fy]), "never"))
    # Subgraphs nested far beyond any real model: refused before unpacking.
    deep = b""
    for _ in range(200):
        deep = b"\x0a" + bytes([len(deep)]) + deep if len(deep) < 128 else \
            b"\x0a" + encode_varint(len(deep)) + deep
    BAD.append(("bad_deep_nesting", deep, "nested"))


def encode_varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def main():
    global f32_fixed
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    f32_fixed = f32(5, 4)
    conv_cases()
    unary_cases()
    binary_cases()
    norm_cases()
    pool_cases()
    data_cases()
    resize_cases()
    gemm_cases()
    small_net()
    leaky_pool_cases()
    clip_fuse_cases()
    bad_cases()
    lines = []
    for name, model, inputs, outputs, tol in CASES:
        onnx.checker.check_model(model)
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(model.SerializeToString())
        for i, (_, a) in enumerate(inputs):
            write_bin(os.path.join(out, "%s.in%d.bin" % (name, i)), a)
        for i, (_, a) in enumerate(outputs):
            write_bin(os.path.join(out, "%s.out%d.bin" % (name, i)), a)
        lines.append("ok %s %d %d %g" % (name, len(inputs), len(outputs), tol))
    for name, data, word in BAD:
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(data)
        lines.append("bad %s %s" % (name, word))
    with open(os.path.join(out, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
