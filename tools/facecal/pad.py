#!/usr/bin/python3
"""APCER and BPCER of identity's presentation-attack stage (ISO/IEC
30107-3 terms), measured through the service (tools/facecal/pad.py).

Starts a private MariaDB, audit and identity on the deep face models the
build makes, with MED_FACE_PAD=warn (every face gets a liveness score and
nothing is refused for it) and sends IdentifyFace for:

- bona fide presentations: every Caltech faces photograph (colour,
  ../shared/data/faces/caltech_faces_easy) and every ORL photograph
  (grey, orl/);
- attack presentations made from the Caltech photographs by
  tools/facecal/attacks.py: a screen replay (bezel, glare, moire), a grey
  print (paper texture, halftone) and a re-photographed colour print.

A presentation the pipeline refuses before the PAD stage (no face, blur,
pose) is counted apart: it gets no token either way.  Prints the
liveness score distributions, then APCER per attack kind and BPCER at
the card's threshold and around it, and writes the scores as JSON
(OUT=file; default build/facecal/pad.json).  Skips (exit 0) without
../shared/data or without the PAD model.

Knobs (environment): STEP (every STEP-th Caltech photograph; default 1),
MED_FACE_PAD_MODEL (default the build's human-liveness-v1.onnx).
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.join(REPO, "tools", "bench"))
sys.path.insert(0, HERE)

import attacks  # noqa: E402
from harness import Stack, paths, protos  # noqa: E402
from harness.faces import FaceKeys  # noqa: E402
from harness.run import face_models_env  # noqa: E402
from identity_orl import knob_env  # noqa: E402

DATA = os.path.join(REPO, "..", "shared", "data", "faces")
ORL = os.path.join(DATA, "orl")
CALTECH = os.path.join(DATA, "caltech_faces_easy")
THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95)


def jpeg(img, quality=90):
    import cv2
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def liveness(st, pb, data):
    """(liveness score, None) of one IdentifyFace, or (None, why) when
    the pipeline refuses the photograph before the PAD stage."""
    import grpc
    try:
        r = st.call("identity", "IdentifyFace", pb.IdentifyFaceRequest(
            image=data, top_k=1), role="registrar", timeout=30)
    except grpc.RpcError as e:
        return None, e.details().split(":")[0] + ": " + \
            e.details().split(":", 1)[-1][:60]
    if r.pad_decision == pb.PAD_DECISION_NOT_RUN:
        sys.exit("pad: the PAD stage did not run (MED_FACE_PAD_MODEL?)")
    return r.liveness_score, None


def presentations():
    """(set, kind, image bytes) of every presentation, in a fixed order."""
    import cv2
    step = int(os.environ.get("STEP", "1"))
    for n in range(1, 436, step):
        path = os.path.join(CALTECH, "image_%04d.jpg" % n)
        with open(path, "rb") as f:
            raw = f.read()
        yield "caltech", "bona fide", raw
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        for kind in attacks.KINDS:
            yield "caltech", kind, jpeg(attacks.make(kind, img, n))
    for s in range(1, 41):
        for k in range(1, 11, step):
            g = cv2.imread(os.path.join(ORL, "s%d" % s, "%d.pgm" % k),
                           cv2.IMREAD_GRAYSCALE)
            ok, buf = cv2.imencode(".png", g)
            yield "orl", "bona fide", buf.tobytes()


def measure(st, pb):
    out = {}
    for where, kind, data in presentations():
        score, why = liveness(st, pb, data)
        row = out.setdefault("%s %s" % (where, kind) if kind == "bona fide"
                             else kind, {"scores": [], "refused": []})
        if score is None:
            row["refused"].append(why)
        else:
            row["scores"].append(score)
    return out


def error_rates(res, thr):
    """BPCER per bona fide set and APCER per attack kind at thr: the
    share of the presentations that reached the PAD stage it got wrong."""
    rates = {}
    for name, row in res.items():
        s = np.array(row["scores"])
        if name.endswith("bona fide"):
            rates["BPCER " + name] = float(np.mean(s < thr))
        else:
            rates["APCER " + name] = float(np.mean(s >= thr))
    return rates


def report(res, card_thr):
    print("%-22s %5s %7s %6s %6s %6s %6s" % ("presentations", "n",
                                            "refused", "p10", "p50", "p90",
                                            "mean"))
    for name, row in res.items():
        s = np.array(row["scores"])
        print("%-22s %5d %7d %6.3f %6.3f %6.3f %6.3f" % (
            name, len(s), len(row["refused"]), *np.percentile(s, [10, 50,
                                                                   90]),
            s.mean()))
    print("\nthreshold  " + "  ".join("%s" % k for k in
                                      error_rates(res, 0.5)))
    for thr in sorted(set(THRESHOLDS) | {card_thr}):
        r = error_rates(res, thr)
        mark = " (card)" if thr == card_thr else ""
        print("%.2f%-7s " % (thr, mark) + "  ".join(
            "%*.1f%%" % (len(k) - 1, 100 * v) for k, v in r.items()))


def card_threshold(model):
    with open(model[:-5] + ".card.md") as f:
        for line in f:
            if line.startswith("threshold:"):
                return float(line.split(":")[1])
    raise ValueError("no threshold in the card of %s" % model)


def main():
    model = os.environ.get("MED_FACE_PAD_MODEL") or paths.deep_face_pad()
    if not (os.path.isdir(ORL) and os.path.isdir(CALTECH)) or not model:
        print("pad: skipped (no faces at %s, or no PAD model built)" % DATA)
        return
    keys = FaceKeys(paths.scratch_dir("smartmed-facecal-pad-"))
    env = dict(keys.env(), **face_models_env())
    env.update(MED_FACE_PAD="warn", MED_FACE_PAD_MODEL=os.path.abspath(model))
    env = knob_env(env)
    with Stack(services=("identity", "audit"), extra_env=env) as st:
        res = measure(st, protos.module("identity"))
    report(res, card_threshold(model))
    out = os.environ.get("OUT", os.path.join(paths.build_dir(), "facecal",
                                             "pad.json"))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(res, f)
    print("\nscores: %s" % out)


if __name__ == "__main__":
    main()
