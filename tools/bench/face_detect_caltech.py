#!/usr/bin/python3
"""How often identity finds exactly one usable face in a real photograph,
old default against new (tools/bench/face_detect_caltech.py).

For each pipeline in turn it starts a private MariaDB, audit and identity
(face recognition on: a fresh vtoken signing key and template key) with
the test harness and sends every photograph of caltech_faces_easy (435
colour JPEGs of frontal faces, each cut around its face to about 300x270
px, under office and outdoor light and backgrounds; sent as the files
are) to IdentifyFace with an empty gallery: the reply says whether the
photograph gave one usable face, not whom it shows.  The two pipelines:

  old  no MED_FACE_* set: the Haar cascade detector, Haar eyes, lbp-v2;
  new  the three models the build makes in build/models/face
       (harness.run.face_models_env, what make run uses): face-api's tiny
       CNN detector (looks at the photograph twice), the 68-landmark
       model and dlib's ResNet on the landmark-aligned chip.

Each call is counted in one row: OK with other_faces == 0 (exactly one
face found); OK with other_faces > 0 (one face used, the others set aside
by the dominant-face rule); "no face found"; "N faces found, none clearly
larger ..." (several comparable faces, refused); any other refusal (pose,
blur, size, landmarks), whose reasons are then counted with their numbers
replaced by N.  Prints the table of counts and shares of the photographs,
and IdentifyFace latency p50 per pipeline over all calls and over the
accepted ones (the two stacks run one after the other on the same
machine; no core pinning: see face_verify.py for that).  Not a test:
nothing is asserted.  Skips (exit 0) when the photographs are absent.

Knobs (environment): FACES (a directory of JPEGs; default
../shared/data/faces/caltech_faces_easy), PIPELINES ("old,new").
"""

import collections
import glob
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

import grpc  # noqa: E402

from harness import Stack, paths, protos  # noqa: E402
from harness.faces import FaceKeys  # noqa: E402
from harness.run import face_models_env  # noqa: E402
from identity_orl import pct, timed  # noqa: E402

FACES = os.environ.get("FACES", os.path.join(
    REPO, "..", "shared", "data", "faces", "caltech_faces_easy"))

ROWS = (("one", "exactly one face (OK, other_faces 0)"),
        ("dominant", "one used, others set aside (OK, other_faces > 0)"),
        ("none", "refused: no face found"),
        ("several", "refused: N faces found, none dominant"),
        ("other", "refused: other (pose, blur, size, landmarks)"))


def pipeline_env(name):
    """The MED_FACE_* settings of pipeline name, or None when the build
    lacks its models."""
    if name == "old":
        return {}
    env = face_models_env()
    return env if "MED_FACE_DETECTOR" in env else None


def classify(details):
    if "no face found" in details:
        return "none", None
    if re.search(r"\d+ faces found", details):
        return "several", None
    reason = details.split(": ", 1)[-1]
    return "other", re.sub(r"\d+(\.\d+)?", "N", reason)


def run(files, env):
    """Counts by row, other refusals' reasons, latencies (all, accepted)."""
    keys = FaceKeys(paths.scratch_dir("smartmed-face-caltech-"))
    rows, reasons = collections.Counter(), collections.Counter()
    lat_all, lat_ok = [], []
    with Stack(services=("identity", "audit"),
               extra_env=dict(keys.env(), **env)) as st:
        pb = protos.module("identity")
        for f in files:
            with open(f, "rb") as fh:
                img = fh.read()
            lat = []
            try:
                res = timed(lat, st.call, "identity", "IdentifyFace",
                            pb.IdentifyFaceRequest(image=img, top_k=1),
                            role="nurse", timeout=30)
                rows["dominant" if res.other_faces else "one"] += 1
                lat_ok += lat
            except grpc.RpcError as e:
                row, reason = classify(e.details() or str(e.code()))
                rows[row] += 1
                if reason:
                    reasons[reason] += 1
            lat_all += lat
    return rows, reasons, lat_all, lat_ok


def main():
    files = sorted(glob.glob(os.path.join(FACES, "*.jpg")))
    if not files:
        print("face_detect_caltech: skipped, no photographs at %s" % FACES)
        return
    results = {}
    for name in os.environ.get("PIPELINES", "old,new").split(","):
        env = pipeline_env(name)
        if env is None:
            print("%s: skipped, the deep face models are not built "
                  "(make deps && make)" % name)
            continue
        print("%s: %s" % (name, ", ".join(
            "%s=%s" % (k, os.path.basename(v)) for k, v in sorted(
                env.items())) or "no MED_FACE_* (Haar, lbp-v2)"),
              flush=True)
        results[name] = run(files, env)
    n = len(files)
    names = list(results)
    print("\n%d photographs in %s" % (n, os.path.abspath(FACES)))
    print("%-52s" % "" + "".join("%16s" % x for x in names))
    for key, label in ROWS:
        print("%-52s" % label + "".join(
            " %7d %6.1f%%" % (results[x][0][key],
                               100.0 * results[x][0][key] / n)
            for x in names))
    for x in names:
        rows, reasons, lat_all, lat_ok = results[x]
        print("%s: IdentifyFace ms p50=%.2f (all %d calls), p50=%.2f "
              "(%d accepted)" % (x, pct(lat_all, .5), len(lat_all),
                                 pct(lat_ok, .5), len(lat_ok)))
        for reason, c in reasons.most_common():
            print("  %4d  %s" % (c, reason))


if __name__ == "__main__":
    main()
