#!/usr/bin/python3
"""Whether identity's PAD stage judges the face or the frame around it
(issue 73, item 3; tools/facecal/pad_borders.py).

Starts a private MariaDB, audit and identity on the deep face models with
MiniFASNet (build/models/face/minifasnet-fused-v1.onnx) in
MED_FACE_PAD=warn, and sends IdentifyFace for every London photograph
(../shared/data/faces/london, colour, 640 x 640) and every NUAA bona fide
capture (../shared/data/pad/nuaa/bonafide, 640 x 480) as it is and in
three framed copies made here: letterbox bars (black rows above and
below, to twice its height), pillarbox bars (black columns to twice its
width) and constant grey padding of half its longer side all round.  Prints, per set and frame, how
many reached the PAD stage and the share under the card's threshold
(what MED_FACE_PAD=enforce refuses), and the largest liveness change
between a photograph and its framed copy.  Skips (exit 0) without
../shared's photographs or the model.

Knobs (environment): STEP (every STEP-th photograph; default 1).
"""

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.join(REPO, "tools", "bench"))
sys.path.insert(0, HERE)

from harness import Stack, paths, protos  # noqa: E402
from harness.faces import FaceKeys  # noqa: E402
from harness.run import face_models_env  # noqa: E402
from identity_orl import knob_env  # noqa: E402
from pad import card_threshold, jpeg, liveness  # noqa: E402

SHARED = os.path.join(REPO, "..", "shared", "data")
LONDON = os.path.join(SHARED, "faces", "london")
NUAA = os.path.join(SHARED, "pad", "nuaa", "bonafide")
MODEL = os.path.join(paths.build_dir(), "models", "face",
                     "minifasnet-fused-v1.onnx")
FRAMES = ("none", "letterbox", "pillarbox", "padding")


def framed(img, frame):
    """img (BGR) in the frame named: black bars or grey padding."""
    import cv2
    h, w = img.shape[:2]
    if frame == "letterbox":
        return cv2.copyMakeBorder(img, h // 2, h // 2, 0, 0,
                                  cv2.BORDER_CONSTANT, value=(0, 0, 0))
    if frame == "pillarbox":
        return cv2.copyMakeBorder(img, 0, 0, w // 2, w // 2,
                                  cv2.BORDER_CONSTANT, value=(0, 0, 0))
    if frame == "padding":
        p = max(h, w) // 2
        return cv2.copyMakeBorder(img, p, p, p, p, cv2.BORDER_CONSTANT,
                                  value=(128, 128, 128))
    return img


def photographs():
    """(set, path) of every photograph measured, in a fixed order."""
    step = int(os.environ.get("STEP", "1"))
    paths_ = []
    for person in sorted(os.listdir(LONDON)):
        d = os.path.join(LONDON, person)
        if os.path.isdir(d):
            paths_ += [("london", os.path.join(d, f))
                       for f in sorted(os.listdir(d)) if f.endswith(".jpg")]
    for person in sorted(os.listdir(NUAA)):
        d = os.path.join(NUAA, person)
        paths_ += [("nuaa", os.path.join(d, f)) for f in sorted(os.listdir(d))]
    return paths_[::step]


def measure(st, pb):
    """{set: {frame: [liveness or None]}}, one entry a photograph."""
    import cv2
    out = {}
    for where, path in photographs():
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        for frame in FRAMES:
            score, _ = liveness(st, pb, jpeg(framed(img, frame), 95))
            out.setdefault(where, {}).setdefault(frame, []).append(score)
    return out


def report(res, thr):
    print("%-7s %-10s %5s %8s %9s %10s" % ("set", "frame", "n", "judged",
                                          "refused", "max |d|"))
    for where, frames in res.items():
        base = frames["none"]
        for frame, scores in frames.items():
            s = np.array([x for x in scores if x is not None])
            d = [abs(a - b) for a, b in zip(scores, base)
                 if a is not None and b is not None]
            print("%-7s %-10s %5d %8d %8.1f%% %10.3f" % (
                where, frame, len(scores), len(s), 100 * np.mean(s < thr),
                max(d) if d else 0))


def main():
    if not (os.path.isdir(LONDON) and os.path.isdir(NUAA)) or \
            not os.path.exists(MODEL):
        print("pad_borders: skipped (no photographs under %s, or no %s)"
              % (SHARED, MODEL))
        return
    keys = FaceKeys(paths.scratch_dir("smartmed-facecal-borders-"))
    env = dict(keys.env(), **face_models_env())
    env.update(MED_FACE_PAD="warn", MED_FACE_PAD_MODEL=MODEL,
               MED_FACE_COPY_CHECK="off")
    env = knob_env(env)
    with Stack(services=("identity", "audit"), extra_env=env) as st:
        res = measure(st, protos.module("identity"))
    report(res, card_threshold(MODEL))


if __name__ == "__main__":
    main()
