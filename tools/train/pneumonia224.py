#!/usr/bin/python3
"""Train smartmed's 224 px pneumonia-vs-normal chest X-ray classifier.

A one-off tool (not run by `make test`; `make deps-train` installs what
it needs): it trains a compact CNN on the Kermany et al. (2018) paediatric
chest radiographs at 224 x 224 (../shared/data/chest/kermany224: train
1,200, val 300, test 624), keeps the epoch with the best validation AUC,
folds batch normalisation into the convolutions, fits a temperature on
the validation split alone and folds it into the last linear layer, and
exports ONNX with only operators smartmed's cpu backend runs (Conv, Relu,
MaxPool, GlobalAveragePool, Flatten, Gemm, Softmax).  It then measures
the exported graph: validation and test accuracy and AUC, 95 % bootstrap
intervals over test patients, expected calibration error and a
reliability table, the operating point chosen on validation for
sensitivity >= 0.95 and the test sensitivity and specificity it gives,
and sensitivity by pneumonia subtype.  Nothing is tuned on test.

Reproduce (the commands in services/diagnosis/models/MODEL_CARD.md):

    /usr/bin/python3 tools/train/pneumonia224.py \\
        --data ../shared/data/chest/kermany224 \\
        --out services/diagnosis/models/pneumonia_cxr224_v2.onnx
    /usr/bin/python3 tools/train/gradcam_graph.py \\
        services/diagnosis/models/pneumonia_cxr224_v2.onnx

Input: float32 [1, 1, 224, 224], grey in [0, 1] then (x - 0.5) / 0.5 (the
service normalises).  Output "probs": float32 [1, 2], the calibrated
softmax over (normal, pneumonia).  The metrics go to stdout as JSON.
"""

import csv
import hashlib
import json
import math
import os
import random
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pneumonia import (LABELS, MEAN, STD, arg_parser,  # noqa: E402
                       auc, fold_bn, run_epoch, synthetic_images,
                       write_ref_json)

SIDE = 224
# (in, out, stride, pool after): 224 -> 112 -> 56 -> 28 -> 14, the last
# map 14 x 14 (Grad-CAM's resolution, one cell per 16 x 16 pixels).
BLOCKS = ((1, 16, 2, False), (16, 32, 2, False), (32, 32, 1, True),
          (32, 64, 1, True), (64, 128, 1, False), (128, 128, 1, False))


class Net(nn.Module):
    """Six 3x3 conv blocks (BN, ReLU), global average pool, dropout, one
    linear layer."""

    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv2d(i, o, 3, stride=s, padding=1) for i, o, s, _ in BLOCKS)
        self.bns = nn.ModuleList(nn.BatchNorm2d(o) for _, o, _, _ in BLOCKS)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(BLOCKS[-1][1], 2)

    def forward(self, x):
        for conv, bn, blk in zip(self.convs, self.bns, BLOCKS):
            x = F.relu(bn(conv(x)))
            if blk[3]:
                x = F.max_pool2d(x, 2)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(self.drop(x))


class Exported(nn.Module):
    """The inference graph: BN folded, logits / T, softmax."""

    def __init__(self, net, temperature):
        super().__init__()
        self.convs = nn.ModuleList()
        for conv, bn in zip(net.convs, net.bns):
            folded = fold_bn(conv, bn)
            folded.stride = conv.stride
            self.convs.append(folded)
        self.fc = nn.Linear(net.fc.in_features, 2)
        with torch.no_grad():
            self.fc.weight.copy_(net.fc.weight / temperature)
            self.fc.bias.copy_(net.fc.bias / temperature)

    def forward(self, x):
        for conv, blk in zip(self.convs, BLOCKS):
            x = F.relu(conv(x))
            if blk[3]:
                x = F.max_pool2d(x, 2)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return torch.softmax(self.fc(x), dim=1)


def load_split(root, split):
    """uint8 [N, 224, 224], labels, subtypes and patient ids of a split,
    in manifest order."""
    rows = []
    with open(os.path.join(root, "manifest.csv"), newline="") as f:
        for r in csv.DictReader(f):
            if r["split"] == split:
                rows.append(r)
    imgs = np.stack([np.asarray(Image.open(os.path.join(root, r["file"]))
                                .convert("L"), dtype=np.uint8)
                     for r in rows])
    if imgs.shape[1:] != (SIDE, SIDE):
        sys.exit("pneumonia224: %s images are not %dx%d" % (split, SIDE,
                                                             SIDE))
    y = np.array([LABELS.index(r["label"]) for r in rows], dtype=np.int64)
    return (imgs, y, [r["subtype"] for r in rows],
            [r["patient_id"] for r in rows])


def to_tensor(u8):
    x = torch.from_numpy(u8.astype(np.float32) / 255.0)
    return ((x - MEAN) / STD).unsqueeze(1)


def augment(x, gen):
    """Small affine (rotation +-7 degrees, scale 0.92-1.08, shift +-6 %)
    with border replication, then contrast and brightness +-10 %."""
    n = x.shape[0]

    def u(lo, hi):
        return lo + (hi - lo) * torch.rand(n, generator=gen)

    ang = u(-7.0, 7.0) * math.pi / 180.0
    sc = u(0.92, 1.08)
    tx, ty = u(-0.06, 0.06) * 2, u(-0.06, 0.06) * 2
    cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
    theta = torch.stack([torch.stack([cos, -sin, tx], 1),
                         torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border",
                      align_corners=False)
    contrast = u(0.9, 1.1).reshape(n, 1, 1, 1)
    bright = u(-0.1, 0.1).reshape(n, 1, 1, 1) / STD
    return x * contrast + bright


def predict(model, x, batch=100):
    """Model outputs for x, batch by batch, in eval mode."""
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(model(x[i:i + batch]))
    return torch.cat(out)


def fit_temperature(logits, y):
    """The T > 0 minimising validation NLL of softmax(logits / T), by a
    golden-section search on log T (the NLL is convex in 1/T)."""
    y = torch.from_numpy(y)

    def nll(log_t):
        return float(F.cross_entropy(logits / math.exp(log_t), y))

    lo, hi = math.log(0.05), math.log(20.0)
    g = (math.sqrt(5) - 1) / 2
    for _ in range(100):
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        if nll(a) < nll(b):
            hi = b
        else:
            lo = a
    return math.exp((lo + hi) / 2)


def reliability(y, p, bins=10):
    """Expected calibration error of p(pneumonia) over equal-width bins,
    and the table: (range, n, mean p, observed pneumonia fraction)."""
    rows, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = (p >= lo) & ((p < hi) if b < bins - 1 else (p <= hi))
        if sel.sum() == 0:
            rows.append([round(lo, 1), round(hi, 1), 0, None, None])
            continue
        conf, frac = float(p[sel].mean()), float(y[sel].mean())
        ece += sel.sum() / len(p) * abs(conf - frac)
        rows.append([round(lo, 1), round(hi, 1), int(sel.sum()),
                     round(conf, 4), round(frac, 4)])
    return float(ece), rows


def operating_point(y, p, min_sens):
    """The highest threshold on validation whose sensitivity is at least
    min_sens (the most specific such point)."""
    pos = np.sort(p[y == 1])
    k = int(math.floor((1.0 - min_sens) * len(pos)))
    return float(pos[k])


def sens_spec(y, p, thr):
    pred = p >= thr
    sens = float((pred & (y == 1)).sum() / (y == 1).sum())
    spec = float((~pred & (y == 0)).sum() / (y == 0).sum())
    return sens, spec


def patient_groups(patients):
    """The image indices of each patient, patients in sorted order (the
    units a bootstrap resamples)."""
    ids = sorted(set(patients))
    index = {pid: [] for pid in ids}
    for i, pid in enumerate(patients):
        index[pid].append(i)
    return [np.array(index[pid]) for pid in ids]


def bootstrap(y, p, patients, seed, n=2000):
    """95 % percentile intervals of accuracy (threshold 0.5) and AUC,
    resampling test patients (all of a patient's images together)."""
    groups = patient_groups(patients)
    rng = np.random.default_rng(seed)
    accs, aucs = [], []
    for _ in range(n):
        pick = rng.integers(0, len(groups), len(groups))
        sel = np.concatenate([groups[g] for g in pick])
        yy, pp = y[sel], p[sel]
        if yy.min() == yy.max():
            continue
        accs.append(float(((pp >= 0.5) == yy).mean()))
        aucs.append(auc(yy, pp))
    q = [2.5, 97.5]
    return ([round(float(v), 4) for v in np.percentile(accs, q)],
            [round(float(v), 4) for v in np.percentile(aucs, q)],
            len(groups))


def write_reference(exp, out, seed):
    """pneumonia.py's six synthetic 28 x 28 images (no patient data), each
    pixel repeated 8 x 8 to 224 x 224 ("scale": 8), and the exported
    graph's outputs for them, so the C side can be checked against torch
    without torch; the JSON stays small."""
    scale = SIDE // 28
    cases = []
    for u8 in synthetic_images(seed):
        big = np.repeat(np.repeat(u8, scale, 0), scale, 1)
        with torch.no_grad():
            p = exp(to_tensor(big[None]))[0].numpy()
        cases.append({"pixels": u8.ravel().tolist(), "scale": scale,
                      "probs": [float(v) for v in p]})
    write_ref_json(out, [SIDE, SIDE], cases)


def measure(exp, out, seed, va, te, raw_va):
    """Every figure of the model card for the exported graph exp (written
    to out): validation and test accuracy and AUC, bootstrap intervals
    over test patients, calibration before (raw_va, validation
    p(pneumonia) without the temperature) and after, the validation
    operating point and what it gives on test, and the subtypes."""
    xva, yva = to_tensor(va[0]), va[1]
    xte, yte = to_tensor(te[0]), te[1]
    pva = predict(exp, xva)[:, 1].numpy().astype(np.float64)
    pte = predict(exp, xte)[:, 1].numpy().astype(np.float64)
    thr = operating_point(yva, pva, 0.95)
    acc_ci, auc_ci, n_pat = bootstrap(yte, pte, te[3], seed)
    ece_va_raw, _ = reliability(yva, raw_va)
    ece_va, rel_va = reliability(yva, pva)
    ece_te, rel_te = reliability(yte, pte)
    sub = {}
    for s in ("bacteria", "virus"):
        sel = np.array([t == s for t in te[2]])
        sub[s] = {"n": int(sel.sum()),
                  "sens_at_0.5": round(float((pte[sel] >= 0.5).mean()), 4),
                  "sens_at_op": round(float((pte[sel] >= thr).mean()), 4),
                  "auc_vs_normal": round(auc(
                      np.concatenate([np.ones(sel.sum()),
                                      np.zeros((yte == 0).sum())]),
                      np.concatenate([pte[sel], pte[yte == 0]])), 4)}
    with open(out, "rb") as f:
        blob = f.read()
    s05 = sens_spec(yte, pte, 0.5)
    sop_va = sens_spec(yva, pva, thr)
    sop = sens_spec(yte, pte, thr)
    return {
        "seed": seed,
        "val_acc": round(float(((pva >= 0.5) == yva).mean()), 4),
        "val_auc": round(auc(yva, pva), 4),
        "val_nll": round(nll(yva, pva), 5),
        "test_acc": round(float(((pte >= 0.5) == yte).mean()), 4),
        "test_acc_ci95": acc_ci,
        "test_auc": round(auc(yte, pte), 4), "test_auc_ci95": auc_ci,
        "test_patients": n_pat,
        "test_sens_spec_at_0.5": [round(v, 4) for v in s05],
        "operating_point": round(thr, 4),
        "val_sens_spec_at_op": [round(v, 4) for v in sop_va],
        "test_sens_spec_at_op": [round(v, 4) for v in sop],
        "test_sens_spec_at_op_wilson95": [
            wilson(int((pte[yte == 1] >= thr).sum()), int((yte == 1).sum())),
            wilson(int((pte[yte == 0] < thr).sum()), int((yte == 0).sum()))],
        "val_ece_before_T": round(ece_va_raw, 4),
        "val_ece": round(ece_va, 4), "test_ece": round(ece_te, 4),
        "reliability_val": rel_va, "reliability_test": rel_te,
        "test_subtypes": sub,
        "n_val": len(yva), "n_test": len(yte),
        "bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest(),
        "torch": torch.__version__,
    }


def wilson(k, n, z=1.959964):
    """95 % Wilson score interval of the proportion k / n."""
    p = k / n
    mid = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return [round((mid - half) / (1 + z * z / n), 3),
            round((mid + half) / (1 + z * z / n), 3)]


def nll(y, p):
    """Mean negative log-likelihood of labels y under p(pneumonia)."""
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def train(args, xtr, ytr, xva, yva, gen):
    net = Net()
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr,
                            weight_decay=1e-4)
    steps = args.epochs * math.ceil(len(ytr) / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=steps,
                                                pct_start=0.15)
    ytr_t = torch.from_numpy(ytr)
    best = (-1.0, None, -1)
    for epoch in range(args.epochs):
        _, mean = run_epoch(net, opt, xtr, ytr_t, args.batch, augment, gen,
                            sched)
        pv = torch.softmax(predict(net, xva), 1)[:, 1].numpy()
        a = auc(yva, pv)
        acc = float(((pv >= 0.5) == yva).mean())
        print(f"epoch {epoch + 1:2d} loss {mean:.4f} "
              f"val acc {acc:.4f} auc {a:.4f}", file=sys.stderr, flush=True)
        if a > best[0]:
            best = (a, {k: v.clone() for k, v in net.state_dict().items()},
                    epoch + 1)
            if args.state:
                torch.save({"state": best[1], "epoch": best[2]}, args.state)
    net.load_state_dict(best[1])
    return net, best[2]


def seed_everything(seed, threads):
    """Seed Python, numpy and torch, set torch's threads (one thread
    gives bit-identical runs), and return a generator from seed."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    return torch.Generator().manual_seed(seed)


def main():
    ap = arg_parser(__doc__, 24, 20261125, 32, 3e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--state", help="save the best weights here as they "
                    "improve; with --skip-training, load them instead")
    ap.add_argument("--skip-training", action="store_true")
    args = ap.parse_args()

    gen = seed_everything(args.seed, args.threads)

    tr, va, te = (load_split(args.data, s) for s in ("train", "val", "test"))
    xtr, xva = to_tensor(tr[0]), to_tensor(va[0])
    ytr, yva = tr[1], va[1]

    if args.skip_training:
        saved = torch.load(args.state)
        net = Net()
        net.load_state_dict(saved["state"])
        best_epoch = saved["epoch"]
    else:
        net, best_epoch = train(args, xtr, ytr, xva, yva, gen)

    net.eval()
    logits_va = predict(net, xva)
    temperature = fit_temperature(logits_va, yva)
    raw_va = torch.softmax(logits_va, 1)[:, 1].numpy()

    exp = Exported(net, temperature).eval()
    dummy = torch.zeros(1, 1, SIDE, SIDE)
    torch.onnx.export(exp, dummy, args.out, input_names=["image"],
                      output_names=["probs"], opset_version=13,
                      do_constant_folding=True)
    write_reference(exp, args.out, args.seed)

    report = measure(exp, args.out, args.seed, va, te, raw_va)
    report.update({"best_epoch": best_epoch, "epochs": args.epochs,
                   "temperature": round(temperature, 4),
                   "n_train": len(ytr),
                   "params": sum(p.numel() for p in net.parameters())})
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
