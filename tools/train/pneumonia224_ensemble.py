#!/usr/bin/python3
"""Train and assemble a seed ensemble of the 224 px pneumonia classifier.

Deep ensembles (independently seeded networks of one recipe, their
outputs averaged) are the most reliable way known to make a network's
probabilities hold up under dataset shift (Lakshminarayanan et al.,
NeurIPS 2017; Ovadia et al., NeurIPS 2019), and shift between the
training and test splits is what limits pneumonia_cxr224_v2 (its card).
This tool:

  member    trains one member: pneumonia224.py's recipe with another
            seed, on train, its epoch chosen on val (test not loaded);
  assemble  merges the members into one graph and measures it.

Each member's logit is its own calibrated logit (a temperature fitted on
val); the ensemble's logit is their mean, calibrated again by one
temperature fitted on val.  The members become one network: the first
convolution's filters side by side (they share the input), every later
convolution grouped by member (group = K), the last maps pooled
together and one linear layer holding every member's weights divided by
K and the temperatures.  So the graph has the operators of one member
(Conv, Relu, MaxPool, GlobalAveragePool, Flatten, Gemm, Softmax) and
gradcam_graph.py adds its map unchanged: the ensemble's Grad-CAM is the
mean of the members' maps.

Reproduce (services/diagnosis/models/MODEL_CARD.md):

    for s in 20261126 20261127 20261128 20261129 20261130 20261131 \\
             20261132; do
        /usr/bin/python3 tools/train/pneumonia224_ensemble.py member \\
            --data ../shared/data/chest/kermany224 --seed $s \\
            --state build/ensemble/member-$s.pt
    done
    /usr/bin/python3 tools/train/pneumonia224_ensemble.py assemble \\
        --data ../shared/data/chest/kermany224 \\
        --onnx-member services/diagnosis/models/pneumonia_cxr224_v2.onnx \\
        --out services/diagnosis/models/pneumonia_cxr224_v3.onnx \\
        build/ensemble/member-*.pt
    /usr/bin/python3 tools/train/gradcam_graph.py \\
        services/diagnosis/models/pneumonia_cxr224_v3.onnx
"""

import argparse
import json
import os
import sys

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pneumonia224 as p224  # noqa: E402

ENSEMBLE_SEED = 20261125


def train_member(args):
    gen = p224.seed_everything(args.seed, args.threads)
    tr, va = (p224.load_split(args.data, s) for s in ("train", "val"))
    recipe = argparse.Namespace(lr=args.lr, epochs=args.epochs,
                                batch=args.batch, state=args.state)
    p224.train(recipe, p224.to_tensor(tr[0]), tr[1], p224.to_tensor(va[0]),
               va[1], gen)


class Member:
    """One member as plain tensors: the six folded convolutions
    (weight, bias) and the linear layer of its calibrated logit."""

    def __init__(self, convs, fc_w, fc_b):
        self.convs, self.fc_w, self.fc_b = convs, fc_w, fc_b

    def logits(self, x, batch=100):
        out = []
        with torch.no_grad():
            for i in range(0, len(x), batch):
                h = x[i:i + batch]
                for (w, b), blk in zip(self.convs, p224.BLOCKS):
                    h = F.relu(F.conv2d(h, w, b, stride=blk[2], padding=1))
                    if blk[3]:
                        h = F.max_pool2d(h, 2)
                h = torch.flatten(F.adaptive_avg_pool2d(h, 1), 1)
                out.append(F.linear(h, self.fc_w, self.fc_b))
        return torch.cat(out)


def member_from_state(path, xva, yva):
    """A trained member, its temperature fitted on val."""
    net = p224.Net()
    net.load_state_dict(torch.load(path)["state"])
    net.eval()
    t = p224.fit_temperature(p224.predict(net, xva), yva)
    exp = p224.Exported(net, t)
    convs = [(c.weight.detach(), c.bias.detach()) for c in exp.convs]
    return Member(convs, exp.fc.weight.detach(), exp.fc.bias.detach()), t


def member_from_onnx(path):
    """A shipped single model (pneumonia224.py's export): its logit is
    already calibrated (the temperature is in its linear layer)."""
    init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy())
            for i in onnx.load(path).graph.initializer}
    convs = [(init["convs.%d.weight" % i], init["convs.%d.bias" % i])
             for i in range(len(p224.BLOCKS))]
    return Member(convs, init["fc.weight"], init["fc.bias"])


class Merged(nn.Module):
    """K members as one network (grouped convolutions); its softmax is
    that of the mean member logit divided by the ensemble temperature."""

    def __init__(self, members, temperature):
        super().__init__()
        k = len(members)
        self.convs = nn.ModuleList()
        for layer, (cin, cout, stride, _) in enumerate(p224.BLOCKS):
            groups = 1 if layer == 0 else k
            conv = nn.Conv2d(cin if layer == 0 else cin * k, cout * k, 3,
                             stride=stride, padding=1, groups=groups)
            with torch.no_grad():
                conv.weight.copy_(torch.cat([m.convs[layer][0]
                                             for m in members]))
                conv.bias.copy_(torch.cat([m.convs[layer][1]
                                           for m in members]))
            self.convs.append(conv)
        self.fc = nn.Linear(p224.BLOCKS[-1][1] * k, 2)
        scale = 1.0 / (k * temperature)
        with torch.no_grad():
            self.fc.weight.copy_(torch.cat([m.fc_w for m in members], 1)
                                 * scale)
            self.fc.bias.copy_(sum(m.fc_b for m in members) * scale)

    def forward(self, x):
        for conv, blk in zip(self.convs, p224.BLOCKS):
            x = F.relu(conv(x))
            if blk[3]:
                x = F.max_pool2d(x, 2)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return torch.softmax(self.fc(x), dim=1)


def assemble(args):
    p224.seed_everything(ENSEMBLE_SEED, args.threads)
    va, te = (p224.load_split(args.data, s) for s in ("val", "test"))
    xva, yva = p224.to_tensor(va[0]), va[1]
    members, temps = [], []
    if args.onnx_member:
        members.append(member_from_onnx(args.onnx_member))
    for path in args.states:
        m, t = member_from_state(path, xva, yva)
        members.append(m)
        temps.append(round(t, 4))
    mean_va = torch.stack([m.logits(xva) for m in members]).mean(0)
    temperature = p224.fit_temperature(mean_va, yva)
    merged = Merged(members, temperature).eval()
    check = p224.predict(merged, xva)
    want = torch.softmax(mean_va / temperature, 1)
    gap = float((check - want).abs().max())
    if gap > 1e-4:
        sys.exit("pneumonia224_ensemble: the merged graph differs from "
                 "the members' mean by %g" % gap)
    torch.onnx.export(merged, torch.zeros(1, 1, p224.SIDE, p224.SIDE),
                      args.out, input_names=["image"],
                      output_names=["probs"], opset_version=13,
                      do_constant_folding=True)
    p224.write_reference(merged, args.out, ENSEMBLE_SEED)
    raw_va = torch.softmax(mean_va, 1)[:, 1].numpy()
    report = p224.measure(merged, args.out, ENSEMBLE_SEED, va, te, raw_va)
    report.update({"members": len(members), "member_temperatures": temps,
                   "temperature": round(temperature, 4),
                   "merge_check_max_diff": gap,
                   "params": sum(p.numel() for p in merged.parameters())})
    print(json.dumps(report, indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    mem = sub.add_parser("member", help="train one member")
    mem.add_argument("--seed", type=int, required=True)
    mem.add_argument("--state", required=True)
    mem.add_argument("--epochs", type=int, default=24)
    mem.add_argument("--batch", type=int, default=32)
    mem.add_argument("--lr", type=float, default=3e-3)
    asm = sub.add_parser("assemble", help="merge members and measure")
    asm.add_argument("--out", required=True)
    asm.add_argument("--onnx-member", help="a shipped single model to "
                     "include as a member")
    asm.add_argument("states", nargs="*", help="members' --state files")
    for p in (mem, asm):
        p.add_argument("--data", required=True)
        p.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    if args.mode == "member":
        train_member(args)
    else:
        assemble(args)


if __name__ == "__main__":
    main()
