#!/usr/bin/python3
"""Train smartmed's out-of-distribution guard: is this a frontal chest
radiograph at all? (issue 38, item 3)

The guard runs before the pneumonia model; below its threshold the service
answers "not a frontal chest radiograph" and gives no probability.  It is
a small multilayer perceptron on the classifier's own input (28x28 grey,
area-resized, (x / 255 - 0.5) / 0.5), trained with numpy only (Debian's
python3-numpy; python3-opencv reads and resizes the photographs), seeded,
and exported to ONNX with operators smartmed's cpu backend runs (Flatten,
Gemm, Relu, Softmax).

Data, split by source so that no test image or person is seen in training:
  chest (label 1): PneumoniaMNIST train split (and its mirror images) for
    training, val for the threshold, test for the measured refusal rate;
  other (label 0):
    - photographs: ORL faces (people 1-28 train, 29-34 val, 35-40 test)
      and Caltech Faces_easy (first 70 % train, next 10 % val, last 20 %
      test), grey, resized as the service resizes;
    - synthetic frames: noise (uniform, Gaussian, salt and pepper,
      smoothed), blank frames of any grey, linear and radial gradients,
      stripes and checkerboards; each split drawn from its own seed;
    - chest X-rays made wrong: rotated 90 or 270 degrees, upside down,
      and inverted (a MONOCHROME1 image shown as MONOCHROME2), from the
      same split as their source.
The threshold is the highest p(chest) that keeps the validation chest
refusal rate at or under --max-refusal; the card reports both rates on the
test sets, per kind of other image.

Reproduce (the command in services/diagnosis/models/CHEST_GUARD_CARD.md):

    /usr/bin/python3 tools/train/chest_guard.py --shared ../shared \\
        --out services/diagnosis/models/chest_guard_v1.onnx

Input float32 [1, 1, 28, 28] "image"; output "probs" float32 [1, 2],
softmax over (other, chest).
"""

import argparse
import glob
import hashlib
import json
import os
import sys

import cv2
import numpy as np

SIDE = 28
HIDDEN = 64


def resize(img):
    return cv2.resize(img, (SIDE, SIDE), interpolation=cv2.INTER_AREA)


def grey_files(paths):
    out = []
    for p in paths:
        im = cv2.imread(p, cv2.IMREAD_GRAYSCALE)
        if im is not None:
            out.append(resize(im))
    return np.array(out, dtype=np.uint8).reshape(-1, SIDE, SIDE)


def orl(root, people):
    paths = []
    for s in people:
        paths += sorted(glob.glob(os.path.join(root, "s%d" % s, "*.pgm")))
    return grey_files(paths)


def caltech(root, lo, hi):
    paths = sorted(glob.glob(os.path.join(root, "*.jpg")))
    n = len(paths)
    return grey_files(paths[int(lo * n):int(hi * n)])


def synthetic(rng, n):
    """n synthetic frames, evenly over the kinds."""
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64) / (SIDE - 1)
    out = []
    for i in range(n):
        k = i % 8
        if k == 0:
            im = rng.uniform(0, 255, (SIDE, SIDE))
        elif k == 1:
            im = rng.normal(rng.uniform(60, 200), rng.uniform(10, 80),
                            (SIDE, SIDE))
        elif k == 2:
            im = np.where(rng.random((SIDE, SIDE)) < 0.5, 0, 255) * 1.0
        elif k == 3:
            im = cv2.GaussianBlur(rng.uniform(0, 255, (SIDE, SIDE)),
                                  (0, 0), rng.uniform(1, 3))
            im = (im - im.min()) / max(np.ptp(im), 1e-6) * 255
        elif k == 4:
            im = np.full((SIDE, SIDE), rng.uniform(0, 255))
        elif k == 5:
            a = rng.uniform(0, 2 * np.pi)
            g = np.cos(a) * xx + np.sin(a) * yy
            im = (g - g.min()) / max(np.ptp(g), 1e-6) * 255
        elif k == 6:
            cy, cx = rng.uniform(0, 1, 2)
            g = np.hypot(yy - cy, xx - cx)
            g = (g - g.min()) / max(np.ptp(g), 1e-6) * 255
            im = 255 - g if rng.random() < 0.5 else g
        else:
            period = int(rng.integers(2, 8))
            im = ((xx * (SIDE - 1) // period).astype(int) % 2) * 255.0
            if rng.random() < 0.5:
                im = (((xx + yy) * (SIDE - 1) // period).astype(int)
                      % 2) * 255.0
        out.append(np.clip(im, 0, 255).astype(np.uint8))
    return np.array(out)


def made_wrong(chest):
    """Chest X-rays that are no longer frontal chest radiographs as the
    model expects them: rotated, upside down, inverted."""
    return np.concatenate([np.rot90(chest, 1, axes=(1, 2)),
                           np.rot90(chest, 3, axes=(1, 2)),
                           chest[:, ::-1, :], 255 - chest])


def to_input(u8):
    return ((u8.astype(np.float32) / 255.0 - 0.5) / 0.5).reshape(
        len(u8), -1)


class Mlp:
    """784 -> HIDDEN (ReLU) -> 2 (softmax), trained with Adam."""

    def __init__(self, rng):
        self.p = {
            "w1": rng.normal(0, np.sqrt(2 / SIDE ** 2),
                             (SIDE * SIDE, HIDDEN)).astype(np.float32),
            "b1": np.zeros(HIDDEN, np.float32),
            "w2": rng.normal(0, np.sqrt(1 / HIDDEN),
                             (HIDDEN, 2)).astype(np.float32),
            "b2": np.zeros(2, np.float32),
        }
        self.m = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.v = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.t = 0

    def forward(self, x):
        h = np.maximum(x @ self.p["w1"] + self.p["b1"], 0)
        z = h @ self.p["w2"] + self.p["b2"]
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return h, e / e.sum(axis=1, keepdims=True)

    def step(self, x, y, lr, wd=1e-4):
        h, p = self.forward(x)
        g = p.copy()
        g[np.arange(len(y)), y] -= 1
        g /= len(y)
        grads = {"w2": h.T @ g, "b2": g.sum(0)}
        gh = (g @ self.p["w2"].T) * (h > 0)
        grads["w1"] = x.T @ gh
        grads["b1"] = gh.sum(0)
        self.t += 1
        for k in self.p:
            gk = grads[k] + wd * self.p[k]
            self.m[k] = 0.9 * self.m[k] + 0.1 * gk
            self.v[k] = 0.999 * self.v[k] + 0.001 * gk * gk
            mh = self.m[k] / (1 - 0.9 ** self.t)
            vh = self.v[k] / (1 - 0.999 ** self.t)
            self.p[k] -= lr * mh / (np.sqrt(vh) + 1e-8)

    def p_chest(self, x):
        return self.forward(x)[1][:, 1]


def export(mlp, path):
    from onnx import TensorProto, helper, save
    p = mlp.p
    init = [helper.make_tensor(k, TensorProto.FLOAT, v.shape,
                               v.astype(np.float32).ravel().tolist())
            for k, v in p.items()]
    nodes = [
        helper.make_node("Flatten", ["image"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "w1", "b1"], ["h1"]),
        helper.make_node("Relu", ["h1"], ["a1"]),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    g = helper.make_graph(
        nodes, "chest_guard_v1",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT,
                                       [1, 1, SIDE, SIDE])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 2])],
        init)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="smartmed tools/train/chest_guard.py")
    m.ir_version = 7
    save(m, path)


def splits(args):
    d = np.load(os.path.join(args.shared, "data", "medmnist",
                             "pneumoniamnist.npz"))
    faces = os.path.join(args.shared, "data", "faces")
    o, c = os.path.join(faces, "orl"), os.path.join(faces, "caltech_faces_easy")
    chest = {s: d["%s_images" % s] for s in ("train", "val", "test")}
    people = {"train": range(1, 29), "val": range(29, 35),
              "test": range(35, 41)}
    frac = {"train": (0, 0.7), "val": (0.7, 0.8), "test": (0.8, 1.0)}
    other = {}
    for i, s in enumerate(("train", "val", "test")):
        rng = np.random.default_rng(args.seed + 1 + i)
        n_syn = {"train": 4000, "val": 400, "test": 800}[s]
        other[s] = {
            "photograph": np.concatenate([orl(o, people[s]),
                                          caltech(c, *frac[s])]),
            "synthetic": synthetic(rng, n_syn),
            "chest made wrong": made_wrong(chest[s]),
        }
    return chest, other


def icu_films(chest, rng):
    """Each chest film once per kind of icu_draw (tubes, lines, leads,
    wires, dense, icu): grown to 224 x 224 (bilinear), drawn on, and
    reduced back to the guard's side by area as the service reduces."""
    from icu_draw import BIG, KINDS, augment
    out = []
    for kind in KINDS:
        for im in chest:
            big = cv2.resize(im, (BIG, BIG), interpolation=cv2.INTER_LINEAR)
            out.append(resize(augment(big, kind, rng)))
    return np.array(out, dtype=np.uint8)


def train(args, chest, other, rng):
    pos = np.concatenate([chest["train"], chest["train"][:, :, ::-1]])
    if args.augment:
        pos = np.concatenate([pos, icu_films(chest["train"], rng)])
    neg = np.concatenate(list(other["train"].values()))
    x = to_input(np.concatenate([pos, neg]))
    y = np.concatenate([np.ones(len(pos), int), np.zeros(len(neg), int)])
    # Each class weighs the same: draw as many of each per epoch.
    n = min(len(pos), len(neg))
    mlp = Mlp(rng)
    for epoch in range(args.epochs):
        idx = np.concatenate([rng.choice(np.where(y == 1)[0], n, False),
                              rng.choice(np.where(y == 0)[0], n, False)])
        rng.shuffle(idx)
        lr = args.lr * 0.5 * (1 + np.cos(np.pi * epoch / args.epochs))
        for i in range(0, len(idx), args.batch):
            b = idx[i:i + args.batch]
            mlp.step(x[b], y[b], lr)
    return mlp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--max-refusal", type=float, default=0.01)
    ap.add_argument("--augment", action="store_true",
                    help="add each training chest film once per kind of "
                    "intensive-care hardware (tools/train/icu_draw.py)")
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    chest, other = splits(args)
    mlp = train(args, chest, other, rng)

    val_p = np.sort(mlp.p_chest(to_input(chest["val"])))
    k = int(np.floor(args.max_refusal * len(val_p)))
    threshold = float(val_p[k]) if k < len(val_p) else 0.5
    threshold = min(threshold, 0.5)
    refused = float((mlp.p_chest(to_input(chest["test"])) < threshold)
                    .mean())
    accepted = {kind: float((mlp.p_chest(to_input(im)) >= threshold).mean())
                for kind, im in other["test"].items()}
    n_other = sum(len(v) for v in other["test"].values())
    all_acc = sum(accepted[kd] * len(other["test"][kd])
                  for kd in accepted) / n_other
    export(mlp, args.out)
    with open(args.out, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    report = {
        "seed": args.seed, "epochs": args.epochs, "threshold":
        round(threshold, 6), "max_val_refusal": args.max_refusal,
        "test_chest_refused": round(refused, 4),
        "n_test_chest": len(chest["test"]),
        "test_other_accepted": round(all_acc, 4),
        "test_other_accepted_by_kind": {kd: round(v, 4)
                                        for kd, v in accepted.items()},
        "n_test_other": {kd: len(v) for kd, v in other["test"].items()},
        "n_train_chest": 2 * len(chest["train"]) + (
            6 * len(chest["train"]) if args.augment else 0),
        "augment": args.augment,
        "n_train_other": {kd: len(v) for kd, v in other["train"].items()},
        "sha256": sha, "numpy": np.__version__,
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
