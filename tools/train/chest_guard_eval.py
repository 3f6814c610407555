#!/usr/bin/python3
"""Measures the out-of-distribution guard (chest_guard_v1.onnx) on real
chest films it was not trained on, plain and with the hardware of an
intensive-care AP film drawn on, and on the non-chest images held out of
its training (issue 76, item 4).

    chest_guard_eval.py --shared ../shared [--guard G.onnx] [--seed 76]

Real chest films: every film of kermany224 (train, val and test splits,
224 x 224, 2,124 films).  The guard was trained on PneumoniaMNIST, a 28 x 28
reduction of the same Kermany et al. collection, so some of these films
may be the same radiographs it was trained on at another resolution: the
test split (624 films) is the one whose PneumoniaMNIST counterpart the
guard never saw.

Augmented films: each kermany224 test film once per kind of
tools/train/icu_draw.py (tubes, lines, leads, wires, dense, icu), drawn at
224 x 224 before the guard's own 28 x 28 reduction, from --seed (the
training draws from its own seed, on PneumoniaMNIST's train films).
Non-chest images: the guard's held-out test sets, rebuilt exactly as
tools/train/chest_guard.py builds them (same seeds).

Prints one JSON object: the refusal rate (p(chest) under the threshold,
0.5 unless --threshold) of each set, with counts.  Needs python3-numpy,
-opencv and -onnx.
"""

import argparse
import csv
import json
import os
import sys

import cv2
import numpy as np
from onnx import load, numpy_helper

import chest_guard
from icu_draw import KINDS, augment


class Guard:
    """The guard's MLP read from its ONNX initializers, run in numpy."""

    def __init__(self, path):
        g = load(path).graph
        self.w = {t.name: numpy_helper.to_array(t).astype(np.float64)
                  for t in g.initializer}

    def p_chest(self, u8):
        x = chest_guard.to_input(u8).astype(np.float64)
        h = np.maximum(x @ self.w["w1"] + self.w["b1"], 0)
        z = h @ self.w["w2"] + self.w["b2"]
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return (e / e.sum(axis=1, keepdims=True))[:, 1]


def kermany(shared):
    root = os.path.join(shared, "data", "chest", "kermany224")
    with open(os.path.join(root, "manifest.csv")) as f:
        rows = list(csv.DictReader(f))
    return {r["file"]: (r["split"], cv2.imread(os.path.join(root, r["file"]),
                                               cv2.IMREAD_GRAYSCALE))
            for r in rows}


def small(imgs):
    return np.array([chest_guard.resize(i) for i in imgs], dtype=np.uint8)


def rate(guard, imgs28, t):
    refused = int((guard.p_chest(imgs28) < t).sum())
    return {"refused": refused, "of": len(imgs28),
            "rate": round(refused / max(len(imgs28), 1), 4)}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", required=True)
    ap.add_argument("--guard", default=os.path.join(
        here, "..", "..", "services", "diagnosis", "models",
        "chest_guard_v1.onnx"))
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=76)
    ap.add_argument("--train-seed", type=int, default=20261123,
                    help="chest_guard.py's seed, for its test sets")
    args = ap.parse_args()
    guard, t = Guard(args.guard), args.threshold
    films = kermany(args.shared)
    out = {"threshold": t, "chest": {}, "augmented": {}, "other": {}}
    for s in ("train", "val", "test"):
        imgs = [im for sp, im in films.values() if sp == s]
        out["chest"][s] = rate(guard, small(imgs), t)
    test = [im for sp, im in films.values() if sp == "test"]
    rng = np.random.default_rng(args.seed)
    for kind in KINDS:
        aug = [augment(im, kind, rng) for im in test]
        out["augmented"][kind] = rate(guard, small(aug), t)
    _, other = chest_guard.splits(argparse.Namespace(
        shared=args.shared, seed=args.train_seed))
    for kind, imgs in other["test"].items():
        r = rate(guard, imgs, t)
        r["accepted_rate"] = round(1 - r["rate"], 4)
        out["other"][kind] = r
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
