"""The cpu backend's worker pool: every generated graph on 2 and 3 threads.

tests/plugins/gen_graphs.py writes small ONNX graphs and their numpy
references into build/tests/plugins/graphs (make).  Each "ok" graph runs
through the inference host (build/bin/bench-infer_yunet) with threads 1, 2
and 3 and the model option parallel_min=1, which makes every kernel split
its work however small, so uneven splits and one-item chunks (6 chunks
over 5 rows, one 16-column block over 6 columns, fewer items than threads)
are exercised.  Outputs must match
the reference within the manifest's tolerance and the one-thread run within
1e-5 (the element-wise kernels give the same bits; OpenBLAS may pick
another micro-kernel for a narrower slice of a GEMM, so those can differ in
the last bits).  YuNet (when ../shared/models has it) runs the same way
with the default split.
"""
import os
import struct
import subprocess

import numpy as np
import onnx
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
GRAPHS = os.path.join(BUILD, "tests", "plugins", "graphs")
RUNNER = os.path.join(BUILD, "bin", "bench-infer_yunet")
YUNET = os.path.join(os.path.dirname(ROOT), "shared", "models", "yunet",
                     "yunet_s_640_640.onnx")


def read_bin(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"MEDT"
    dtype, ndim = struct.unpack("<II", data[4:12])
    dims = struct.unpack("<%dq" % ndim, data[12:12 + 8 * ndim])
    kind = {1: np.float32, 2: np.uint8, 3: np.int64}[dtype]
    return np.frombuffer(data[12 + 8 * ndim:], kind).reshape(dims)


def close(got, one):
    """Within 1e-5 (relative, as the references) of the one-thread run."""
    d = np.abs(got.astype(np.float64) - one) / (1 + np.abs(one))
    return got.shape == one.shape and float(d.max(initial=0)) <= 1e-5


def cases():
    with open(os.path.join(GRAPHS, "manifest.txt")) as f:
        for line in f:
            w = line.split()
            if w and w[0] == "ok":
                yield w[1], int(w[2]), int(w[3]), float(w[4])


def run(model, outdir, threads, inputs, opts=()):
    os.makedirs(outdir)
    cmd = [RUNNER, model, "-p", os.path.join(BUILD, "plugins"), "-n", "1",
           "-t", str(threads), "-o", outdir]
    for i in inputs:
        cmd += ["-i", i]
    for o in opts:
        cmd += ["-x", o]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, "%s: %s" % (os.path.basename(model), r.stderr)
    names = [o.name for o in onnx.load(model).graph.output]
    return [read_bin(os.path.join(outdir, n + ".bin")) for n in names]


def test_graphs_match_references_on_2_and_3_threads(tmp_path):
    assert os.access(RUNNER, os.X_OK), "run make first"
    seen = 0
    for name, n_in, n_out, tol in cases():
        model = os.path.join(GRAPHS, name + ".onnx")
        ins = [os.path.join(GRAPHS, "%s.in%d.bin" % (name, i))
               for i in range(n_in)]
        want = [read_bin(os.path.join(GRAPHS, "%s.out%d.bin" % (name, i)))
                for i in range(n_out)]
        one = run(model, str(tmp_path / name / "t1"), 1, ins)
        for t in (2, 3):
            got = run(model, str(tmp_path / name / ("t%d" % t)), t, ins,
                      ["parallel_min=1"])
            for k, (g, w, o) in enumerate(zip(got, want, one)):
                assert g.shape == w.shape, "%s output %d" % (name, k)
                err = np.abs(g.astype(np.float64) - w) / (1 + np.abs(w))
                assert float(err.max(initial=0)) <= tol, \
                    "%s output %d, %d threads: off by %g" % (
                        name, k, t, float(err.max()))
                assert close(g, o), \
                    "%s output %d differs between 1 and %d threads" % (
                        name, k, t)
        seen += 1
    assert seen >= 50


def test_bad_parallel_min_is_refused(tmp_path):
    model = os.path.join(GRAPHS, "relu.onnx")
    r = subprocess.run([RUNNER, model, "-p", os.path.join(BUILD, "plugins"),
                        "-n", "1", "-x", "parallel_min=0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "parallel_min" in r.stderr


@pytest.mark.parametrize("threads", [2, 3])
def test_yunet_same_on_more_threads(tmp_path, threads):
    if not os.path.isfile(YUNET):
        pytest.skip("%s absent (../shared/models not available)" % YUNET)
    one = run(YUNET, str(tmp_path / "t1"), 1, [])
    got = run(YUNET, str(tmp_path / "tn"), threads, [])
    assert len(got) == 12
    for k, (g, o) in enumerate(zip(got, one)):
        assert close(g, o), "output %d differs" % k
