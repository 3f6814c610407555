#!/usr/bin/python3
"""VerifyFace latency on one core with the PAD stage off and on, and the
ratio (tools/bench/face_pad_latency.py).

Runs tools/bench/face_verify.py (identity pinned to one core, the deep
pipeline the build makes, a 640x480 JPEG, the copy check in warn) once
per configuration and round, alternating the configurations so that a
change of load on the machine falls on all of them:

- off: MED_FACE_PAD=off;
- human-liveness-v1: MED_FACE_PAD=warn with the default liveness model;
- minifasnet-fused-v1: MED_FACE_PAD=warn with MiniFASNet (both networks,
  two 80 x 80 crops; tools/facemodels/minifasnet.py).

The stage runs the same in warn and enforce when the probe passes it.
Prints each round's p50, p95, identity's CPU time per call and the
load average, then per
configuration the median over rounds and its ratio to off.  A benchmark,
not a test: nothing is asserted.  Skips (exit 0) without the models or
../shared's faces.

Knobs (environment): ROUNDS (3), CALLS (150 VerifyFace calls a round),
NICE (0; e.g. -15 runs the rounds ahead of other work on a shared
machine, as docs/benchmarks.md's figures were taken), CONFIGS (the names
above to run, comma-separated; default all), BUILDS (build directories
to compare, comma-separated, each passed to face_verify.py as BUILD, so
the binaries of two builds, e.g. one made from the previous commit, run
alternately in the same rounds; default the harness's own, build/).
"""

import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(REPO, "build", "models", "face")
FACES = os.path.join(REPO, "..", "shared", "data", "faces",
                     "caltech_faces_easy")
CONFIGS = (("off", None),
           ("human-liveness-v1", "human-liveness-v1.onnx"),
           ("minifasnet-fused-v1", "minifasnet-fused-v1.onnx"))
P50 = re.compile(r"VerifyFace ms p50=([0-9.]+) p95=([0-9.]+)")
CPU = re.compile(r"identity CPU ms per VerifyFace=([0-9.]+)")


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def one_round(model, calls, nice, build=None):
    env = dict(os.environ, ROUNDS=str(calls),
               MED_FACE_DETECTOR=os.path.join(
                   MODELS, "face-api-tiny-detector-v1.onnx"),
               MED_FACE_LANDMARKS=os.path.join(
                   MODELS, "face-landmarks-68-v1.onnx"),
               MED_FACE_EMBEDDER=os.path.join(MODELS, "dlib-resnet-v1.onnx"),
               MED_FACE_PAD="warn" if model else "off")
    env.pop("MED_FACE_PAD_MODEL", None)
    if build:
        env["BUILD"] = build
    if model:
        env["MED_FACE_PAD_MODEL"] = os.path.join(MODELS, model)
    cmd = ["/usr/bin/python3", os.path.join(HERE, "face_verify.py")]
    if nice:
        cmd = ["nice", "-n", str(nice)] + cmd
    out = subprocess.run(cmd, env=env, capture_output=True, text=True,
                         timeout=900)
    p50, cpu = P50.search(out.stdout), CPU.search(out.stdout)
    if out.returncode != 0 or not p50 or not cpu:
        sys.exit("face_verify.py failed:\n%s%s" % (out.stdout,
                                                  out.stderr[-2000:]))
    return float(p50.group(1)), float(p50.group(2)), float(cpu.group(1))


def label(key):
    """A row's name: the configuration, after the build when there are
    several."""
    build, name = key
    return "%s, %s" % (os.path.basename(build.rstrip("/")), name) \
        if build else name


def main():
    need = [os.path.join(MODELS, m) for _, m in CONFIGS if m] + [FACES]
    if not all(os.path.exists(p) for p in need):
        print("face_pad_latency: skipped (needs %s)" % ", ".join(need))
        return
    rounds = int(os.environ.get("ROUNDS", "3"))
    calls = int(os.environ.get("CALLS", "150"))
    nice = int(os.environ.get("NICE", "0"))
    pick = os.environ.get("CONFIGS")
    configs = [c for c in CONFIGS if not pick or c[0] in pick.split(",")]
    builds = [b for b in os.environ.get("BUILDS", "").split(",") if b] or \
        [None]
    runs = [((b, name), model) for b in builds for name, model in configs]
    res = {key: ([], [], []) for key, _ in runs}
    print("load average at the start: %s" % loadavg(), flush=True)
    for r in range(rounds):
        for key, model in runs:
            p50, p95, cpu = one_round(model, calls, nice, key[0])
            res[key][0].append(p50)
            res[key][1].append(cpu)
            res[key][2].append(p95)
            print("round %d %-20s VerifyFace p50 %7.2f ms, p95 %7.2f ms, "
                  "identity CPU %6.2f ms per call, load %s" % (
                      r + 1, label(key), p50, p95, cpu, loadavg()),
                  flush=True)
    base = runs[0][0]
    base_p50 = statistics.median(res[base][0])
    base_cpu = statistics.median(res[base][1])
    print("\n| build, PAD stage | VerifyFace p50, median of %d rounds | "
          "p95, median | ratio to %s (p50) | identity CPU per call | "
          "ratio to %s |" % (rounds, label(base), label(base)))
    print("|---|---|---|---|---|---|")
    for key, _ in runs:
        p50 = statistics.median(res[key][0])
        cpu = statistics.median(res[key][1])
        p95 = statistics.median(res[key][2])
        print("| %s | %.1f ms | %.1f ms | %.2f | %.1f ms | %.2f |" % (
            label(key), p50, p95, p50 / base_p50, cpu, cpu / base_cpu))
    print("\nload average at the end: %s" % loadavg())

if __name__ == "__main__":
    main()
