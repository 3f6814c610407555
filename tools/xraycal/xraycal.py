#!/usr/bin/python3
"""xraycal - re-checks a chest radiograph classifier's operating point on
a hospital's own labelled films.

    xraycal.py FOLDER [--model M.onnx] [--card M.card.json]
               [--threshold T] [--target-sensitivity 0.95] [--json]
               [--scores OUT.csv]

FOLDER holds the films as a hospital would have them: normal/ and
pneumonia/ subfolders of image files (PNG, JPEG, ... whatever OpenCV
reads), or a CSV manifest (--manifest FILE, columns file and label, file
relative to FOLDER; --split S keeps only rows whose split column is S).

It prints, at the card's operating point (or --threshold):
  - sensitivity, specificity, PPV and NPV, each with its 95 % Wilson score
    interval over images (PPV and NPV at this folder's prevalence);
  - a reliability table: p(pneumonia) in ten bins, the mean predicted and
    the observed share of pneumonia in each, and the expected calibration
    error;
  - the threshold the lower-bound rule chooses on this folder: the highest
    threshold whose sensitivity's Wilson lower bound is at least
    --target-sensitivity (on a validation folder this is how the card's
    point is chosen; on a test folder it is only a check).
With --json the same figures are printed as one JSON object; --scores
writes each film's p(pneumonia) to a CSV (file, label, p_pneumonia), for
subgroup figures and for a radiologist's look at the films it missed.

Films are read as grey, scaled to [0, 1], resized to the model's 224 x 224
(area averaging when shrinking, bilinear when growing, as the service)
and normalised (x - 0.5) / 0.5; the model runs under OpenCV's DNN module
(Debian's python3-opencv), whose outputs equal the service's to 1e-5
(tests/integration/test_diagnosis_parity.py).  The guard is not applied:
the figures are the classifier's over every film given.
Exit status: 0 done, 2 usage, unreadable film or empty class.
"""
import argparse
import csv
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "..", "services", "diagnosis", "models",
                     "pneumonia_cxr224_v4.onnx")
LABELS = ("normal", "pneumonia")
EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".pgm")


def fail(msg):
    print("xraycal: " + msg, file=sys.stderr)
    sys.exit(2)


def wilson(k, n, z=1.959964):
    """The 95 % Wilson score interval of k successes in n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    # At k = 0 or k = n the bound is exactly 0 or 1; rounding would not say so.
    return (0.0 if k == 0 else max(0.0, c - h),
            1.0 if k == n else min(1.0, c + h))


def folder_films(root):
    films = []
    for y, label in enumerate(LABELS):
        d = os.path.join(root, label)
        if not os.path.isdir(d):
            fail("%s: no %s/ subfolder (want normal/ and pneumonia/, or "
                 "--manifest)" % (root, label))
        for name in sorted(os.listdir(d)):
            if name.lower().endswith(EXTS):
                films.append((os.path.join(d, name), y))
    return films


def manifest_films(root, manifest, split):
    films = []
    with open(manifest, newline="") as f:
        for i, row in enumerate(csv.DictReader(f), start=2):
            if split and row.get("split") != split:
                continue
            if row.get("label") not in LABELS:
                fail("%s line %d: label %r is not normal or pneumonia" %
                     (manifest, i, row.get("label")))
            films.append((os.path.join(root, row["file"]),
                          LABELS.index(row["label"])))
    return films


def read_grey(path):
    """A film as grey in [0, 1] at its own size."""
    import cv2
    g = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if g is None:
        fail("%s: not an image OpenCV can read" % path)
    return g.astype(np.float32) / (65535.0 if g.dtype == np.uint16 else 255.0)


def model_input(path, side):
    return grey_input(read_grey(path), side)


def grey_input(x, side):
    """The model's input from a grey film in [0, 1]: resized as the
    service resizes it, normalised to [-1, 1]."""
    import cv2
    if x.shape != (side, side):
        shrink = x.shape[0] > side or x.shape[1] > side
        x = cv2.resize(x, (side, side), interpolation=(
            cv2.INTER_AREA if shrink else cv2.INTER_LINEAR))
    return ((x - 0.5) / 0.5).reshape(1, 1, side, side)


def scores(model, films):
    """p(pneumonia) of each film."""
    import cv2
    net = cv2.dnn.readNetFromONNX(model)
    out = []
    for path, _ in films:
        net.setInput(model_input(path, 224))
        out.append(float(net.forward("probs").reshape(-1)[1]))
    return np.array(out)


def figure(k, n):
    lo, hi = wilson(k, n)
    return {"value": k / n if n else 0.0, "low": lo, "high": hi,
            "k": int(k), "n": int(n)}


def at_threshold(y, p, t):
    pos = p >= t
    tp = int((pos & (y == 1)).sum())
    tn = int((~pos & (y == 0)).sum())
    fp = int((pos & (y == 0)).sum())
    fn = int((~pos & (y == 1)).sum())
    return {"threshold": t, "sensitivity": figure(tp, tp + fn),
            "specificity": figure(tn, tn + fp),
            "ppv": figure(tp, tp + fp), "npv": figure(tn, tn + fn)}


def reliability(y, p, bins=10):
    rows, ece = [], 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    for i in range(bins):
        m = (p >= edges[i]) & ((p < edges[i + 1]) | (i == bins - 1))
        if not m.any():
            rows.append({"bin": [edges[i], edges[i + 1]], "n": 0})
            continue
        conf, obs = float(p[m].mean()), float(y[m].mean())
        ece += m.sum() / len(p) * abs(conf - obs)
        rows.append({"bin": [edges[i], edges[i + 1]], "n": int(m.sum()),
                     "mean_predicted": conf, "observed": obs})
    return {"bins": rows, "ece": ece}


def choose(y, p, target):
    """The highest threshold (three decimals, rounded down so the films
    that met it still do) whose sensitivity's Wilson lower bound is at
    least target; None when no threshold reaches it."""
    npos = int((y == 1).sum())
    for t in sorted(set(p[y == 1].tolist()), reverse=True):
        if wilson(int((p[y == 1] >= t).sum()), npos)[0] >= target:
            t3 = math.floor(t * 1000) / 1000
            return {"threshold": t3, "rule": "highest threshold whose "
                    "sensitivity Wilson 95 %% lower bound >= %g" % target,
                    "at": at_threshold(y, p, t3)}
    return None


def write_scores(path, films, p):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "label", "p_pneumonia"])
        for (film, y), s in zip(films, p):
            w.writerow([film, LABELS[y], "%.6f" % s])


def card_threshold(card):
    with open(card) as f:
        return float(json.load(f)["operating_point"]["threshold"])


def fmt(name, f):
    return "%-12s %.3f  (95 %% CI %.3f-%.3f)  %d/%d" % (
        name, f["value"], f["low"], f["high"], f["k"], f["n"])


def print_text(r):
    print("films: %d (%d normal, %d pneumonia)" % (
        r["n"], r["n_normal"], r["n_pneumonia"]))
    a = r["at_operating_point"]
    print("\nat threshold %.3f (%s):" % (a["threshold"], r["threshold_from"]))
    for k in ("sensitivity", "specificity", "ppv", "npv"):
        print("  " + fmt(k, a[k]))
    print("  (PPV and NPV at this folder's prevalence, %.3f)" %
          (r["n_pneumonia"] / r["n"]))
    print("\nreliability (p(pneumonia) bins):")
    print("  %-11s %5s %14s %9s" % ("bin", "n", "mean predicted", "observed"))
    for b in r["reliability"]["bins"]:
        lo, hi = b["bin"]
        if b["n"] == 0:
            print("  %.1f-%.1f    %5d" % (lo, hi, 0))
        else:
            print("  %.1f-%.1f    %5d %14.3f %9.3f" % (
                lo, hi, b["n"], b["mean_predicted"], b["observed"]))
    print("  expected calibration error %.3f" % r["reliability"]["ece"])
    c = r["chosen"]
    print("\nrule: %s" % r["rule"])
    if c is None:
        print("  no threshold reaches it on these films")
    else:
        print("  threshold %.3f: %s" % (c["threshold"],
                                       fmt("sensitivity",
                                           c["at"]["sensitivity"])))
        print("  %s %s" % (" " * 15, fmt("specificity",
                                          c["at"]["specificity"])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--manifest")
    ap.add_argument("--split")
    ap.add_argument("--model", default=MODEL)
    ap.add_argument("--card")
    ap.add_argument("--threshold", type=float)
    ap.add_argument("--target-sensitivity", type=float, default=0.95)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--scores")
    a = ap.parse_args()
    films = (manifest_films(a.folder, a.manifest, a.split) if a.manifest
             else folder_films(a.folder))
    y = np.array([lab for _, lab in films])
    if not (y == 0).any() or not (y == 1).any():
        fail("%s: need films of both classes (normal and pneumonia)" %
             a.folder)
    card = a.card or os.path.splitext(a.model)[0] + ".card.json"
    if a.threshold is not None:
        t, src = a.threshold, "--threshold"
    else:
        if not os.path.exists(card):
            fail("%s: no model card (give --card or --threshold)" % card)
        t, src = card_threshold(card), "the model card " + card
    p = scores(a.model, films)
    c = choose(y, p, a.target_sensitivity)
    if a.scores:
        write_scores(a.scores, films, p)
    r = {"n": len(y), "n_normal": int((y == 0).sum()),
         "n_pneumonia": int((y == 1).sum()), "threshold_from": src,
         "at_operating_point": at_threshold(y, p, t),
         "reliability": reliability(y, p), "chosen": c,
         "rule": "highest threshold whose sensitivity Wilson 95 %% lower "
         "bound >= %g" % a.target_sensitivity}
    if a.json:
        print(json.dumps(r, indent=1))
    else:
        print_text(r)


if __name__ == "__main__":
    main()
