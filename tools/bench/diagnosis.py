#!/usr/bin/python3
"""Diagnosis benchmark (tools/bench/diagnosis.py).

Starts a private MariaDB, the audit service and the diagnosis service
(mutual TLS, as deployed) with the test harness, takes a real chest X-ray
(the 224x224 PNG of kermany224's test/normal/1.png in ../shared; without
it PneumoniaMNIST's test image 3 scaled 9x to 252x252; without either the
shipped model's synthetic
reference case 3, with MED_DIAGNOSIS_GUARD_UPLOADS=false since the guard
refuses it), and runs build/bin/bench-diagnosis_analyze twice: host batching off
(MED_INFER_MAX_BATCH=1) and on (MED_INFER_MAX_BATCH=8,
MED_INFER_MAX_WAIT_US=200).  Each run prints the in-process reference
(decode + resize + cpu-backend inference, batch 1), AnalyzeImage p50/p99 at
batch 1 (the guard, the model and its saliency overlay: Grad-CAM from the
same run for the shipped model, the occlusion map's 196 more runs for a
model without a `cam` output) with their ratio, and calls/s with THREADS
concurrent clients; this script adds the ratio batching on / off and
OpenCV's DNN forward() on the same ONNX and input, one thread (p50).

Knobs (environment): BUILD (build), N (2000 calls per phase), THREADS (8),
MODEL (the classifier, served and run in process; default the shipped
pneumonia_cxr224_v4.onnx; services/diagnosis/models/pneumonia_cnn_v1.onnx
to time the 28x28 model it replaced, or a copy without the `cam` output
to time the occlusion map), IMAGE (a film file instead of the default).

BASELINE=DIR compares with another checkout, e.g. of main, whose build
is made (DIR/build, or DIR/$BASELINE_BUILD): in the same run, batching
off only, it serves DIR's build with DIR's shipped model, then this tree's
with MODEL, alternating ROUNDS (3) times, and prints each phase's
AnalyzeImage p50 and the ratio of the medians, this tree / baseline.
"""

import os
import re
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.join(REPO, "tests", "contract", "diagnosis"))

from harness import Stack  # noqa: E402
import dximages  # noqa: E402


def model_path():
    return os.environ.get("MODEL") or dximages.MODEL_PATH


def run(st, exe, image, n, threads, model=None, out=None):
    """Runs the bench client; calls/s (and the raw output into out)."""
    env = dict(os.environ)
    env.update(st.client_tls_env())
    build = os.environ.get("BUILD", "build")
    cmd = [exe, st.addr("diagnosis"), st.token("clinician"),
           os.path.join(REPO, build, "plugins"), model or model_path(),
           image, n, threads]
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True)
    sys.stdout.write(r.stdout)
    if r.returncode != 0:
        sys.exit("bench-diagnosis_analyze failed (%d)" % r.returncode)
    if out is not None:
        out.append(r.stdout)
    return float(re.search(r"calls_per_s=(\d+)", r.stdout).group(1))


def image_png(env):
    """The film to send: IMAGE, else kermany224's test/normal/1.png, else
    a PneumoniaMNIST image, else a reference case (guard off in env)."""
    kermany = os.path.join(dximages.KERMANY, "test", "normal", "1.png")
    if os.environ.get("IMAGE"):
        with open(os.environ["IMAGE"], "rb") as f:
            return f.read()
    if os.path.exists(kermany):
        with open(kermany, "rb") as f:
            return f.read()
    if os.path.exists(dximages.MEDMNIST):
        return dximages.chest_png(3, scale=9)
    case = dximages.ref_cases()["cases"][3]
    env["MED_DIAGNOSIS_GUARD_UPLOADS"] = "false"
    return dximages.png_grey(dximages.case_rows(case, scale=9))


def phase(build, model, png, env, n):
    """AnalyzeImage p50 (us), one client, served from build with model."""
    saved = os.environ.get("BUILD")
    os.environ["BUILD"] = build
    env = dict(env, MED_DIAGNOSIS_MODEL=os.path.abspath(model),
               MED_THREADS="1", MED_DB_POOL="1")
    out = []
    try:
        with tempfile.NamedTemporaryFile(suffix=".png") as img, \
                Stack(services=("audit", "diagnosis"), extra_env=env) as st:
            img.write(png)
            img.flush()
            exe = os.path.join(REPO, build, "bin", "bench-diagnosis_analyze")
            run(st, exe, img.name, n, "1", model=model, out=out)
    finally:
        if saved is None:
            del os.environ["BUILD"]
        else:
            os.environ["BUILD"] = saved
    return float(re.search(r"rpc1 +p50_us=([0-9.]+)", out[0]).group(1))


def compare(base_dir):
    """This tree against the checkout base_dir, in one run."""
    base_build = os.path.join(os.path.abspath(base_dir),
                              os.environ.get("BASELINE_BUILD", "build"))
    base_model = os.path.join(os.path.abspath(base_dir), "services",
                              "diagnosis", "models",
                              "pneumonia_cxr224_v4.onnx")
    build = os.path.join(REPO, os.environ.get("BUILD", "build"))
    n = os.environ.get("N", "300")
    env = {"MED_INFER_MAX_BATCH": "1"}
    png = image_png(env)
    got = {"baseline": [], "this": []}
    for i in range(int(os.environ.get("ROUNDS", "3"))):
        for k, b, m in (("baseline", base_build, base_model),
                        ("this", build, model_path())):
            print("--- round %d: %s (%s, %s)" % (i + 1, k, b, m))
            got[k].append(phase(b, m, png, env, n))
    med = {k: sorted(v)[len(v) // 2] for k, v in got.items()}
    print("p50_us  baseline %s; this %s" % (got["baseline"], got["this"]))
    print("ratio   this/baseline AnalyzeImage p50 (medians) = %.2f"
          % (med["this"] / med["baseline"]))
    return 0


def main():
    if os.environ.get("BASELINE"):
        return compare(os.environ["BASELINE"])
    build = os.environ.get("BUILD", "build")
    exe = os.path.join(REPO, build, "bin", "bench-diagnosis_analyze")
    if not os.access(exe, os.X_OK):
        sys.exit("%s is missing: run `make all` first" % exe)
    n = os.environ.get("N", "2000")
    threads = os.environ.get("THREADS", "8")
    env = {"MED_THREADS": threads, "MED_DB_POOL": threads,
           "MED_INFER_MAX_BATCH": "1",
           "MED_DIAGNOSIS_MODEL": os.path.abspath(model_path())}
    png = image_png(env)
    with tempfile.NamedTemporaryFile(suffix=".png") as img, \
            Stack(services=("audit", "diagnosis"), extra_env=env) as st:
        img.write(png)
        img.flush()
        print("image   png %d bytes; cpus=%d" % (len(png), os.cpu_count()))
        print("model   %s" % model_path())
        print("--- host batching off (MED_INFER_MAX_BATCH=1)")
        off = run(st, exe, img.name, n, threads)
        st.stop_service("diagnosis")
        st.services["diagnosis"].env.update(
            {"MED_INFER_MAX_BATCH": "8", "MED_INFER_MAX_WAIT_US": "200"})
        st.start_service("diagnosis")
        print("--- host batching on (MED_INFER_MAX_BATCH=8, "
              "MED_INFER_MAX_WAIT_US=200)")
        on = run(st, exe, img.name, n, threads)
        print("ratio   batching_on/off calls_per_s=%.2f" % (on / off))
    opencv_reference(png, int(n))
    return 0


def opencv_reference(png, n):
    """OpenCV's DNN running the same ONNX file on the same preprocessed
    input, one thread, forward() alone (no decode or resize): p50."""
    try:
        import cv2
        import numpy as np
        import onnx
    except ImportError:
        print("opencv  skipped (python3-opencv, -numpy or -onnx missing)")
        return
    shape = onnx.load(model_path()).graph.input[0].type.tensor_type.shape
    side = shape.dim[3].dim_value
    im = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    rows = cv2.resize(im, (side, side), interpolation=cv2.INTER_AREA)
    x = dximages.model_input(rows.tolist(), side=side)
    cv2.setNumThreads(1)
    net = cv2.dnn.readNetFromONNX(model_path())
    first = onnx.load(model_path()).graph.output[0].name
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        net.setInput(x)
        net.forward(first)
        lat.append((time.perf_counter() - t0) * 1e6)
    lat.sort()
    print("opencv  p50_us=%.1f calls=%d (cv2.dnn forward at %dx%d, "
          "1 thread)" % (lat[len(lat) // 2], n, side, side))


if __name__ == "__main__":
    sys.exit(main())
