#!/usr/bin/python3
"""Train smartmed's pneumonia-vs-normal chest X-ray classifier.

A one-off tool (not run by `make test`): it trains a small CNN on
PneumoniaMNIST (MedMNIST v2, 28x28 grey), picks the epoch with the best
validation AUC, measures test accuracy and AUC, and exports the model to
ONNX with only operators smartmed's cpu backend runs (Conv, Relu,
MaxPool, GlobalAveragePool, Flatten, Gemm, Softmax; BatchNormalization is
folded into the convolutions before export).

Reproduce (the command in services/diagnosis/models/MODEL_CARD.md):

    /usr/bin/python3 tools/train/pneumonia.py \
        --data ../shared/data/medmnist/pneumoniamnist.npz \
        --out services/diagnosis/models/pneumonia_cnn_v1.onnx

Needs Debian's python3-torch and python3-onnx.  Input: float32
[1, 1, 28, 28], pixel / 255 then (x - 0.5) / 0.5 (done inside the graph is
avoided on purpose: the service normalises, so the ONNX stays plain).
Output "probs": float32 [1, 2] softmax over labels (normal, pneumonia).
The shipped file then gets a second output, "cam" (each label's Grad-CAM
map), from tools/train/gradcam_graph.py, the card's second command.
"""

import argparse
import hashlib
import json
import random
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN = 0.5
STD = 0.5
LABELS = ["normal", "pneumonia"]


class Net(nn.Module):
    """Three conv blocks, global average pool, one linear layer."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 16, 3, padding=1)
        self.b1 = nn.BatchNorm2d(16)
        self.c2 = nn.Conv2d(16, 32, 3, padding=1)
        self.b2 = nn.BatchNorm2d(32)
        self.c3 = nn.Conv2d(32, 64, 3, padding=1)
        self.b3 = nn.BatchNorm2d(64)
        self.c4 = nn.Conv2d(64, 64, 3, padding=1)
        self.b4 = nn.BatchNorm2d(64)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(64, 2)

    def features(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)   # 14x14
        x = F.max_pool2d(F.relu(self.b2(self.c2(x))), 2)   # 7x7
        x = F.relu(self.b3(self.c3(x)))
        x = F.relu(self.b4(self.c4(x)))
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)

    def forward(self, x):
        return self.fc(self.drop(self.features(x)))


class Exported(nn.Module):
    """The inference graph: BN folded, softmax at the end."""

    def __init__(self, net):
        super().__init__()
        self.convs = nn.ModuleList()
        for c, b in ((net.c1, net.b1), (net.c2, net.b2), (net.c3, net.b3),
                     (net.c4, net.b4)):
            self.convs.append(fold_bn(c, b))
        self.fc = net.fc

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.convs[0](x)), 2)
        x = F.max_pool2d(F.relu(self.convs[1](x)), 2)
        x = F.relu(self.convs[2](x))
        x = F.relu(self.convs[3](x))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return torch.softmax(self.fc(x), dim=1)


def fold_bn(conv, bn):
    out = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                    padding=conv.padding)
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    with torch.no_grad():
        out.weight.copy_(conv.weight * scale.reshape(-1, 1, 1, 1))
        out.bias.copy_((conv.bias - bn.running_mean) * scale + bn.bias)
    return out


def auc(labels, scores):
    """ROC AUC by the rank-sum (Mann-Whitney) formula, ties averaged."""
    labels = np.asarray(labels).ravel()
    scores = np.asarray(scores, dtype=np.float64).ravel()
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    s = scores[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    pos = labels == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) /
                 (n_pos * n_neg))


def to_tensor(images):
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    return ((x - MEAN) / STD).unsqueeze(1)


def augment(x, gen):
    """Random shifts of up to 2 pixels and small brightness changes."""
    n = x.shape[0]
    pad = F.pad(x, (2, 2, 2, 2), mode="replicate")
    dx = torch.randint(0, 5, (n,), generator=gen)
    dy = torch.randint(0, 5, (n,), generator=gen)
    out = torch.stack([pad[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28]
                       for i in range(n)])
    gain = 1.0 + 0.1 * (torch.rand((n, 1, 1, 1), generator=gen) - 0.5)
    return out * gain


def run_epoch(net, opt, x, y, batch, aug, gen, sched=None):
    """One pass over x in an order drawn from gen, each batch through
    aug(batch, gen); sched (when given) steps after every batch.  Returns
    (the last batch's loss, the mean loss)."""
    net.train()
    perm = torch.randperm(len(y), generator=gen)
    total = 0.0
    for i in range(0, len(perm), batch):
        idx = perm[i:i + batch]
        loss = F.cross_entropy(net(aug(x[idx], gen)), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        total += float(loss) * len(idx)
    return float(loss), total / len(y)


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        p = torch.softmax(model(x), dim=1)[:, 1].numpy()
    acc = float(((p >= 0.5).astype(int) == y).mean())
    return acc, auc(y, p), p


def synthetic_images(seed):
    """Six synthetic 28x28 uint8 images (no patient data): black, white,
    a ramp, waves, noise from seed, a bright blob."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:28, 0:28]
    imgs = [np.zeros((28, 28)), np.full((28, 28), 255.0),
            xx * 255.0 / 27, 128 + 100 * np.sin(xx / 3.0) * np.cos(yy / 4.0),
            rng.integers(0, 256, (28, 28)),
            255.0 * np.exp(-((xx - 14) ** 2 + (yy - 14) ** 2) / 60.0)]
    return [np.clip(np.rint(im), 0, 255).astype(np.uint8) for im in imgs]


def write_reference(exp, out, seed):
    """Synthetic 28x28 uint8 images and the exported graph's outputs, so
    the C side can check the cpu backend against torch without torch
    (and without copying any dataset image into the repository)."""
    cases = []
    for u8 in synthetic_images(seed):
        with torch.no_grad():
            p = exp(to_tensor(u8[None]))[0].numpy()
        cases.append({"pixels": u8.ravel().tolist(),
                      "probs": [float(v) for v in p]})
    write_ref_json(out, [28, 28], cases)


def write_ref_json(out, shape, cases):
    """The model's reference cases beside it: X.onnx -> X.ref.json."""
    with open(out[:-len(".onnx")] + ".ref.json", "w") as f:
        json.dump({"shape": shape, "mean": MEAN, "std": STD,
                   "labels": LABELS, "cases": cases}, f)
        f.write("\n")


def arg_parser(doc, epochs, seed, batch, lr):
    """The options both training tools take, with their defaults."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=epochs)
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--batch", type=int, default=batch)
    ap.add_argument("--lr", type=float, default=lr)
    return ap


def main():
    args = arg_parser(__doc__, 40, 20261121, 64, 2e-3).parse_args()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)  # deterministic sums
    gen = torch.Generator().manual_seed(args.seed)

    d = np.load(args.data)
    xtr, ytr = to_tensor(d["train_images"]), d["train_labels"].ravel()
    xva, yva = to_tensor(d["val_images"]), d["val_labels"].ravel()
    xte, yte = to_tensor(d["test_images"]), d["test_labels"].ravel()
    ytr_t = torch.from_numpy(ytr.astype(np.int64))

    net = Net()
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs)
    best = (-1.0, None, -1)
    for epoch in range(args.epochs):
        last, _ = run_epoch(net, opt, xtr, ytr_t, args.batch, augment, gen)
        sched.step()
        acc, a, _ = evaluate(net, xva, yva)
        print(f"epoch {epoch + 1:2d} loss {last:.4f} "
              f"val acc {acc:.4f} auc {a:.4f}", file=sys.stderr)
        if a > best[0]:
            best = (a, {k: v.clone() for k, v in net.state_dict().items()},
                    epoch + 1)
    net.load_state_dict(best[1])
    val_acc, val_auc, _ = evaluate(net, xva, yva)
    test_acc, test_auc, p_torch = evaluate(net, xte, yte)

    exp = Exported(net).eval()
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(exp, dummy, args.out, input_names=["image"],
                      output_names=["probs"], opset_version=13,
                      do_constant_folding=True)
    with torch.no_grad():
        p_exp = exp(xte)[:, 1].numpy()
    with open(args.out, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    write_reference(exp, args.out, args.seed)
    report = {
        "best_epoch": best[2], "epochs": args.epochs, "seed": args.seed,
        "val_acc": round(val_acc, 4), "val_auc": round(val_auc, 4),
        "test_acc": round(test_acc, 4), "test_auc": round(test_auc, 4),
        "n_train": len(ytr), "n_val": len(yva), "n_test": len(yte),
        "params": sum(p.numel() for p in net.parameters()),
        "fold_max_abs_diff": float(np.abs(p_exp - p_torch).max()),
        "sha256": sha, "torch": torch.__version__,
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
