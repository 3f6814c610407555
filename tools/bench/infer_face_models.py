#!/usr/bin/python3
"""OpenCV DNN half of tools/bench/infer_face_models.sh.

usage: infer_face_models.py input MODEL SEED DIR
       infer_face_models.py time RUNS MODEL DIR
       infer_face_models.py compare MODEL DIR OURS_DIR
       infer_face_models.py rewrite MODEL COPY

input: writes one seeded random tensor per model input, uniform in 0..255
(the face models take pixels), as DIR/in<i>.bin (MEDT, the format of
bench-infer_yunet's -i and -o: b"MEDT", u32 dtype 1 = f32, u32 ndim,
ndim x i64 dims, little-endian f32 data).
time: runs MODEL with cv2.dnn (Debian python3-opencv 4.6, one thread) on
those inputs and prints "run_ms_median X" (median of RUNS after one warm-up
run).
compare: runs it once more and prints "MAX_ABS_DIFF SCALE REL" against the
cpu backend's outputs in OURS_DIR/<output name>.bin, where SCALE is the
largest magnitude of OpenCV's outputs and REL = MAX_ABS_DIFF / SCALE.
rewrite: writes COPY, the same network with every Gemm whose weight is an
initializer stored the other way round (transB=1, weight [N, K]), and fails
when there is no such Gemm with transB=0.  OpenCV 4.6's importer cannot load
a Gemm with transB=0 and a bias unless K == N (it takes the output count
from the wrong axis of the weight); the copy computes the same function.
"""
import os
import struct
import sys
import time

import cv2
import numpy as np
import onnx
from onnx import helper, numpy_helper

HEAD = struct.Struct("<4sII")


def graph_io(model):
    """Names and static shapes of MODEL's real inputs, and its outputs."""
    g = onnx.load(model, load_external_data=False).graph
    weights = {t.name for t in g.initializer}
    inputs = []
    for v in g.input:
        if v.name in weights:
            continue
        t = v.type.tensor_type
        shape = [d.dim_value for d in t.shape.dim]
        if t.elem_type != onnx.TensorProto.FLOAT or 0 in shape:
            sys.exit("%s: input %s is not a static float tensor" %
                     (model, v.name))
        inputs.append((v.name, shape))
    return inputs, [v.name for v in g.output]


def save(path, a):
    a = np.ascontiguousarray(a, dtype="<f4")
    dims = np.array(a.shape, dtype="<i8")
    with open(path, "wb") as f:
        f.write(HEAD.pack(b"MEDT", 1, a.ndim) + dims.tobytes() + a.tobytes())


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    magic, dtype, ndim = HEAD.unpack_from(raw)
    if magic != b"MEDT" or dtype != 1:
        sys.exit("%s: not an f32 MEDT tensor" % path)
    dims = np.frombuffer(raw, "<i8", ndim, HEAD.size)
    return np.frombuffer(raw, "<f4", offset=HEAD.size + 8 * ndim).reshape(dims)


def make_inputs(model, seed, outdir):
    rng = np.random.default_rng(int(seed))
    for i, (_, shape) in enumerate(graph_io(model)[0]):
        save(os.path.join(outdir, "in%d.bin" % i),
             rng.uniform(0, 255, shape).astype(np.float32))


def opencv_net(model, indir):
    """The network with its inputs set, and its output names."""
    cv2.setNumThreads(1)
    inputs, outputs = graph_io(model)
    try:
        net = cv2.dnn.readNetFromONNX(model)
    except cv2.error as e:
        # Its last line is the reason; the ones before locate it.
        lines = [x.strip("> ") for x in str(e).splitlines()]
        sys.exit("readNetFromONNX: " + [x for x in lines if x][-1])
    blobs = [(name, load(os.path.join(indir, "in%d.bin" % i)))
             for i, (name, _) in enumerate(inputs)]
    return net, blobs, outputs


def forward(net, blobs, outputs):
    for name, blob in blobs:
        net.setInput(blob, name)
    return net.forward(outputs)


def time_runs(runs, model, indir):
    net, blobs, outputs = opencv_net(model, indir)
    ms = []
    for r in range(int(runs) + 1):
        t0 = time.perf_counter()
        forward(net, blobs, outputs)
        ms.append((time.perf_counter() - t0) * 1000)
    print("run_ms_median %.3f" % sorted(ms[1:])[len(ms[1:]) // 2])


def compare(model, indir, oursdir):
    net, blobs, outputs = opencv_net(model, indir)
    diff = scale = 0.0
    for name, ref in zip(outputs, forward(net, blobs, outputs)):
        got = load(os.path.join(oursdir, name + ".bin"))
        if got.size != ref.size:
            sys.exit("%s: %s has %d values, OpenCV's %d" %
                     (model, name, got.size, ref.size))
        diff = max(diff, float(np.abs(got.ravel() - ref.ravel()).max()))
        scale = max(scale, float(np.abs(ref).max()))
    print("%.2e %.3g %.2e" % (diff, scale, diff / scale if scale else diff))


def rewrite(model, copy):
    m = onnx.load(model)
    weights = {t.name: t for t in m.graph.initializer}
    changed = 0
    for n in m.graph.node:
        attrs = {a.name: a for a in n.attribute}
        if (n.op_type != "Gemm" or n.input[1] not in weights or
                ("transB" in attrs and attrs["transB"].i != 0)):
            continue
        w = weights[n.input[1]]
        w.CopyFrom(numpy_helper.from_array(
            numpy_helper.to_array(w).T.copy(), w.name))
        if "transB" in attrs:
            n.attribute.remove(attrs["transB"])
        n.attribute.append(helper.make_attribute("transB", 1))
        changed += 1
    if not changed:
        sys.exit("%s: no Gemm with transB=0 to rewrite" % model)
    onnx.save(m, copy)


def main():
    cmds = {"input": (make_inputs, 3), "time": (time_runs, 3),
            "compare": (compare, 3), "rewrite": (rewrite, 2)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or \
            len(sys.argv) != 2 + cmds[sys.argv[1]][1]:
        sys.exit(__doc__)
    cmds[sys.argv[1]][0](*sys.argv[2:])


if __name__ == "__main__":
    main()
