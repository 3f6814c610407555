#!/usr/bin/python3
"""camloc - how well the chest radiograph classifier's Grad-CAM map points
at a lesion, on a labelled PROXY: synthetic focal opacities blended into
normal films at known places.

    camloc.py [--shared ../shared] [--model M.onnx] [--old OLD.onnx]
              [--n 234] [--seed 76] [--json]

There are no public boxes or masks for the films here (../shared's
kermany224 has labels only), so the marked region is made: each NORMAL
film of kermany224's test split gets one round opacity (radius 18-28 px
at 224 x 224, a smooth-edged brightening towards white of 60-80 % at its
centre) at a random place inside a fixed box over each lung field (rows
60-160, columns 45-95 or 130-180: where the lungs lie on these centred
paediatric films; no lung segmentation is used).  A film counts only when
the model calls it negative before the opacity and positive after
(p(pneumonia) at or above the card's threshold): the opacity made the
finding, so the map should show it.  On each counted film the map of the
positive label is made as the service makes it (ReLU, bilinear to
224 x 224, scaled to a peak of 1) and the script reports, median and mean over the films:

  - mass_inside: the share of the map's sum inside the opacity's disc;
  - area_half_peak: the share of the image at or above half the map's
    peak;
  - peak_inside: the share of films whose map peaks inside the disc.

--old names a second model file (the same weights with another `cam`,
e.g. the 7x7 map of an earlier build) measured on the same films.  The
disc is 2-5 % of the image, so a map spread evenly over the image puts
that share of its mass inside.

This is a proxy: a drawn disc is not pneumonia, and the model may react
to its edge rather than its substance.  A site should measure the map on
its own films with radiologist-marked opacities (boxes or masks), as the
same two figures.  Films are read and normalised as tools/xraycal/
xraycal.py reads them; the model runs under OpenCV's DNN module.
Exit status: 0 done, 2 usage; 77 when ../shared's films are absent.
"""
import argparse
import csv
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "..", "services", "diagnosis", "models")
MODEL = os.path.join(MODELS, "pneumonia_cxr224_v4.onnx")
SIDE = 224
ROWS = (60, 160)
COLS = ((45, 95), (130, 180))


def fail(msg, code=2):
    print("camloc: " + msg, file=sys.stderr)
    sys.exit(code)


def threshold(model):
    """The card's operating point beside the model."""
    card = model[:-len(".onnx")] + ".card.json"
    with open(card) as f:
        return float(json.load(f)["operating_point"]["threshold"])


class Net:
    """A model under OpenCV's DNN: probs and the pneumonia label's map."""

    def __init__(self, path):
        import cv2
        self.cv2 = cv2
        self.net = cv2.dnn.readNetFromONNX(path)

    def run(self, img):
        x = ((img - 0.5) / 0.5).reshape(1, 1, SIDE, SIDE)
        self.net.setInput(x.astype(np.float32))
        p, cam = self.net.forward(["probs", "cam"])
        return float(p.reshape(-1)[1]), cam[0, 1]

    def saliency(self, cam):
        """ReLU, bilinear to the input (half-pixel centres, as the
        service), peak 1."""
        m = np.maximum(cam, 0).astype(np.float32)
        m = self.cv2.resize(m, (SIDE, SIDE),
                            interpolation=self.cv2.INTER_LINEAR)
        return m / m.max() if m.max() > 0 else m


def opacity(img, rng):
    """img with one round opacity; (cy, cx, r) of its disc."""
    cols = COLS[rng.integers(2)]
    cy = rng.integers(ROWS[0], ROWS[1] + 1)
    cx = rng.integers(cols[0], cols[1] + 1)
    r = rng.uniform(18, 28)
    amp = rng.uniform(0.60, 0.80)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    d = np.hypot(yy - cy, xx - cx) / r
    # Flat inside 0.7 r, a smooth fall to 0 at 1.2 r: an edge a reader
    # would draw near r.
    w = np.clip((1.2 - d) / 0.5, 0, 1)
    w = w * w * (3 - 2 * w)
    out = img + amp * w * (1.0 - img)
    return out.astype(np.float32), (cy, cx, r)


def figures(m, disc):
    """mass_inside, area_half_peak, peak_inside of map m for disc."""
    cy, cx, r = disc
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    inside = np.hypot(yy - cy, xx - cx) <= r
    total = float(m.sum())
    peak = np.unravel_index(int(np.argmax(m)), m.shape)
    return (float(m[inside].sum()) / total if total > 0 else 0.0,
            float((m >= 0.5 * m.max()).mean()) if m.max() > 0 else 0.0,
            bool(inside[peak]))


def normals(shared):
    root = os.path.join(shared, "data", "chest", "kermany224")
    manifest = os.path.join(root, "manifest.csv")
    if not os.path.exists(manifest):
        fail("%s is absent: no films to measure on" % manifest, 77)
    with open(manifest) as f:
        rows = [r for r in csv.DictReader(f)
                if r["split"] == "test" and r["label"] == "normal"]
    return [os.path.join(root, r["file"]) for r in rows]


def summary(vals):
    a = np.array([v[0] for v in vals]), np.array([v[1] for v in vals])
    peak = np.mean([v[2] for v in vals]) if vals else 0.0
    return {"mass_inside_median": float(np.median(a[0])),
            "mass_inside_mean": float(np.mean(a[0])),
            "area_half_peak_median": float(np.median(a[1])),
            "area_half_peak_mean": float(np.mean(a[1])),
            "peak_inside": float(peak)}


def measure(args):
    import cv2
    t = threshold(args.model)
    nets = {"new": Net(args.model)}
    if args.old:
        nets["old"] = Net(args.old)
    rng = np.random.default_rng(args.seed)
    out = {k: [] for k in nets}
    n = {"films": 0, "negative_before": 0, "counted": 0}
    for path in normals(args.shared)[:args.n]:
        img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        if img is None or img.shape != (SIDE, SIDE):
            fail("%s: not a %dx%d grey film" % (path, SIDE, SIDE))
        img = img.astype(np.float32) / 255.0
        blended, disc = opacity(img, rng)  # drawn for every film: seeds
        n["films"] += 1
        p0, _ = nets["new"].run(img)
        if p0 >= t:
            continue
        n["negative_before"] += 1
        p1, cam = nets["new"].run(blended)
        if p1 < t:
            continue
        n["counted"] += 1
        out["new"].append(figures(nets["new"].saliency(cam), disc))
        if "old" in nets:
            _, cam = nets["old"].run(blended)
            out["old"].append(figures(nets["old"].saliency(cam), disc))
    res = dict(n, threshold=t, seed=args.seed)
    for k, v in out.items():
        if v:
            res[k] = summary(v)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "..",
                                                     "shared"))
    ap.add_argument("--model", default=MODEL)
    ap.add_argument("--old", help="a second model file to compare")
    ap.add_argument("--n", type=int, default=234,
                    help="normal test films to use (234 = all)")
    ap.add_argument("--seed", type=int, default=76)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.n < 1:
        fail("--n must be at least 1")
    res = measure(args)
    if args.json:
        print(json.dumps(res, indent=1, sort_keys=True))
        return 0
    print("films %(films)d, negative before %(negative_before)d, positive "
          "after the opacity (counted) %(counted)d; threshold %(threshold)g"
          % res)
    for k in ("old", "new"):
        if k in res:
            print("%-4s mass inside median %.3f mean %.3f; area >= half "
                  "peak median %.3f mean %.3f; peak inside %.2f" % (
                      k, res[k]["mass_inside_median"],
                      res[k]["mass_inside_mean"],
                      res[k]["area_half_peak_median"],
                      res[k]["area_half_peak_mean"],
                      res[k]["peak_inside"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
