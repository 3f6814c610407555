#!/usr/bin/python3
"""Export the fine-tuned MoveNet MobileNetV2 classifier
(tools/train/finetune_backbone.py --state) to ONNX with only operators
smartmed's cpu backend runs, and measure it: pneumonia_cxr224_v4
(issue 52).

The graph reads the service's input, float32 [1, 1, 224, 224] normalised
as (x / 255 - 0.5) / 0.5, and gives "probs" [1, 2]:
  - the grey channel is repeated to three (Concat) and the backbone's own
    preprocessing kept (Sub and Mul with MoveNet's per-channel constants);
  - opset 10, so that Relu6 is Clip with min 0 and max 6 as attributes
    (OpenCV 4.6 reads no other form; the cpu backend reads both);
  - TensorFlow's "SAME" padding, asymmetric for strided convolutions, is
    the Conv's own pads (the backend has no Pad operator); depthwise
    convolutions are grouped Convs;
  - the head is GlobalAveragePool, Flatten, Gemm (the temperature, fitted
    on validation, folded in) and Softmax, and gradcam_graph.py adds the
    Grad-CAM output `cam` [1, 2, 7, 7];
  - or, for a model trained with --pool lse, the head is the class map
    (a 1x1 Conv), its log-sum-exp over the cells (GlobalMaxPool, Sub,
    Exp, GlobalAveragePool, Log: OpenCV's DNN runs them, the cpu backend
    does not, so such a file is for measuring, not serving) and Softmax,
    and `cam` is each label's per-cell log-odds against the other (one
    1x1 Conv): the map the score is pooled from.
It checks the export against the torch model on the validation images
with OpenCV's DNN (refusing a difference over 1e-4), writes the reference
cases (X.ref.json), then reads the test split, once, for every figure of
the card (pneumonia224.measure, printed as JSON) and writes the
machine-readable card with the validation-chosen operating point
(X.card.json).

    /usr/bin/python3 tools/train/export_backbone.py \\
        --data ../shared/data/chest/kermany224 \\
        --state build/finetune/v4.pt \\
        --out services/diagnosis/models/pneumonia_cxr224_v4.onnx
"""

import argparse
import hashlib
import json
import os
import sys

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "facemodels"))
import convert  # noqa: E402
import finetune_backbone as ft  # noqa: E402
import gradcam_graph  # noqa: E402
import pneumonia224 as p224  # noqa: E402
from tfjs_torch import tfjs  # noqa: E402


def clip6(g, x):
    # Attribute form (opset 10): OpenCV 4.6's importer reads no other.
    return g.op("Clip", [x], min=0.0, max=6.0)


def conv_node(g, x, n, w, size):
    """A _FusedConv2D or FusedDepthwiseConv2dNative on [1, C, size,
    size]; returns (out, size)."""
    f = w[n["input"][1]]
    k, stride = f.shape[0], tfjs.attr(n, "strides")[1]
    if n["op"] == "FusedDepthwiseConv2dNative":
        c, m = f.shape[2], f.shape[3]
        kern, group = np.transpose(f, (2, 3, 0, 1)).reshape(
            c * m, 1, k, k), c
    else:
        kern, group = np.transpose(f, (3, 2, 0, 1)), 1
    pads = convert._tf_pads(n, size, k, stride)
    y = g.op("Conv", [x, g.const(kern, "w"), g.const(w[n["input"][2]], "b")],
             kernel_shape=[k, k], strides=[stride, stride], pads=pads,
             group=group)
    fused = tfjs.attr(n, "fused_ops", []) or []
    if "Relu6" in fused:
        y = clip6(g, y)
    elif len(fused) > 1:
        raise ValueError("%s: fused %s not converted" % (n["name"], fused))
    return y, -(-size // stride)


def build(model, temperature, size=p224.SIDE):
    """The ONNX model of the fine-tuned network."""
    graph, spec = model.graph, model.spec
    w = {k: v.detach().numpy() for k, v in graph.w.items()}
    need = graph._needed([model.head_name], spec["feed"])
    g = convert.Graph()
    # The service's x in [-1, 1] back to the 0..255 the graph expects,
    # the grey channel repeated to three.
    x = g.op("Add", [g.op("Mul", ["image", g.const(np.array(127.5))]),
                     g.const(np.array(127.5))])
    val = {spec["feed"]: g.op("Concat", [x, x, x], axis=1)}
    for n in graph.nodes:
        name, op = n["name"], n["op"]
        if op == "Const" or name not in need or name == spec["feed"]:
            continue
        ins = [i.split(":")[0] for i in n.get("input", [])]
        if op in ("Sub", "Mul"):  # the preprocessing: NHWC constants
            c = w[ins[1]]
            c = c.reshape(1, -1, 1, 1) if c.size > 1 else c.reshape(())
            y = g.op(op, [val[ins[0]], g.const(c)])
        elif op == "AddV2":
            y = g.op("Add", [val[ins[0]], val[ins[1]]])
        elif op in ("_FusedConv2D", "FusedDepthwiseConv2dNative"):
            y, size = conv_node(g, val[ins[0]], n, w, size)
        else:
            raise ValueError("%s: operator %s not converted" % (name, op))
        val[name] = y
    if model.pool == "lse":
        logits = lse_head(g, val[model.head_name], model, temperature)
    else:
        logits = avg_head(g, val[model.head_name], model, temperature)
    g.op("Softmax", [logits], axis=1)
    g.nodes[-1].output[0] = "probs"
    m = g.model("pneumonia_movenet_224", [1, 1, p224.SIDE, p224.SIDE],
                "probs", [1, 2], opset=10, in_name="image")
    if model.pool == "lse":
        m.graph.output.append(onnx.helper.make_tensor_value_info(
            gradcam_graph.CAM, onnx.TensorProto.FLOAT, [1, 2, size, size]))
    return m


def avg_head(g, fmap, model, temperature):
    """GlobalAveragePool, Flatten, Gemm: v4's head, the temperature
    folded in; gradcam_graph.py adds `cam` afterwards."""
    pooled = g.op("Flatten", [g.op("GlobalAveragePool", [fmap])], axis=1)
    fc_w = model.fc.weight.detach().numpy() / temperature
    fc_b = model.fc.bias.detach().numpy() / temperature
    return g.op("Gemm", [pooled, g.const(fc_w, "fc"),
                         g.const(fc_b, "fcb")], transB=1)


def conv1x1(g, x, weight, bias):
    return g.op("Conv", [x, g.const(weight[:, :, None, None], "w"),
                         g.const(bias, "b")], kernel_shape=[1, 1])


def lse_head(g, fmap, model, temperature):
    """The class map and its log-sum-exp over the cells, as
    finetune_backbone.lse_pool computes it; adds `cam` (each label's
    per-cell log-odds against the other, / T) before the pooling so
    that the graph's last node stays the one that makes `probs`."""
    fc_w = model.fc.weight.detach().numpy()
    fc_b = model.fc.bias.detach().numpy()
    odds_w = (fc_w - fc_w[::-1]) / temperature
    odds_b = (fc_b - fc_b[::-1]) / temperature
    conv1x1(g, fmap, odds_w, odds_b)
    g.nodes[-1].output[0] = gradcam_graph.CAM
    cmap = conv1x1(g, fmap, fc_w, fc_b)
    top = g.op("GlobalMaxPool", [cmap])
    r = np.array(model.lse_r)
    spread = g.op("Exp", [g.op("Mul", [g.op("Sub", [cmap, top]),
                                       g.const(r)])])
    soft = g.op("Mul", [g.op("Log", [g.op("GlobalAveragePool", [spread])]),
                        g.const(1.0 / r)])
    pooled = g.op("Flatten", [g.op("Add", [top, soft])], axis=1)
    return g.op("Mul", [pooled, g.const(np.array(1.0 / temperature))])


class Exported(torch.nn.Module):
    """The fine-tuned model as the export computes it: the service's
    normalised [N, 1, 224, 224] in, calibrated probabilities out."""

    def __init__(self, model, temperature):
        super().__init__()
        self.model, self.t = model, temperature

    def forward(self, x):
        return torch.softmax(self.model.logits(x, False) / self.t, 1)


def opencv_gap(path, x, want):
    """The largest |OpenCV's DNN - torch| over the images x."""
    import cv2
    net = cv2.dnn.readNetFromONNX(path)
    got = []
    for i in range(len(x)):
        net.setInput(x[i:i + 1].numpy())
        got.append(net.forward("probs")[0])
    return float(np.abs(np.array(got) - want).max())


def write_card(out, report):
    """The machine-readable card beside the model (X.onnx ->
    X.card.json): its SHA-256 and the validation-chosen operating point
    with the test sensitivity and specificity it gives.  The service
    refuses a card without PPV and NPV intervals: the shipped card's
    point is chosen and measured by tools/xraycal/xraycal.py (the rule
    on the sensitivity's lower bound, all four figures with intervals),
    whose output replaces this operating_point."""
    with open(out, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    (sens, spec), (sens_ci, spec_ci) = (report["test_sens_spec_at_op"],
                                        report["test_sens_spec_at_op_wilson95"])
    n_pos = report["n_test_pneumonia"]
    card = {"model": os.path.basename(out)[:-len(".onnx")], "sha256": sha,
            "card": "MODEL_CARD.md",
            "operating_point": {
                "label": "pneumonia",
                "threshold": round(report["operating_point"], 3),
                "chosen_on": "validation", "target_sensitivity": 0.95,
                "expected_sensitivity": round(sens, 3),
                "sensitivity_ci95": sens_ci,
                "expected_specificity": round(spec, 3),
                "specificity_ci95": spec_ci,
                "measured_on": "Kermany 2018 test split, %d pneumonia / %d "
                "normal images; 95 %% Wilson score intervals over images"
                % (n_pos, report["n_test"] - n_pos)}}
    with open(out[:-len(".onnx")] + ".card.json", "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20261127)
    ft.add_pool_options(ap)
    args = ap.parse_args()
    torch.set_num_threads(2)
    model = ft.FineTuned(args.seed, args.pool, args.lse_r)
    model.load(torch.load(args.state))
    va = p224.load_split(args.data, "val")
    xva = p224.to_tensor(va[0])
    lva = model.predict(xva)
    t = p224.fit_temperature(lva, va[1])
    exp = Exported(model, t).eval()
    onnx.save(build(model, t), args.out)
    gap = opencv_gap(args.out, xva, torch.softmax(lva / t, 1).numpy())
    print("temperature %.4f; largest |OpenCV - torch| over %d val images: "
          "%.3g" % (t, len(xva), gap), file=sys.stderr)
    if gap > 1e-4:
        sys.exit("export_backbone: the export is not the torch model")
    if args.pool == "avg":
        onnx.save(gradcam_graph.add_cam(onnx.load(args.out)), args.out)
    p224.write_reference(exp, args.out, args.seed)
    # The one read of the test split.
    te = p224.load_split(args.data, "test")
    raw_va = torch.softmax(lva, 1)[:, 1].numpy().astype(np.float64)
    report = p224.measure(exp, args.out, args.seed, va, te, raw_va)
    report.update({"temperature": round(t, 4), "opencv_gap": gap,
                   "n_test_pneumonia": int(te[1].sum())})
    write_card(args.out, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
