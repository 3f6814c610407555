"""tools/train/pneumonia224_ensemble.py, the tool that made the shipped
chest X-ray ensemble (issue 52): merged into one graph, K members give
the mean of their calibrated logits divided by the ensemble's
temperature; the ONNX it exports holds only operators the cpu backend
runs, with every convolution after the first grouped by member; a member
read back from a single model's ONNX gives that model's logits.  Uses
randomly initialised members (no data).  Skipped without Debian's
python3-torch (`make deps-train`)."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "train"))

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
import pneumonia224 as p224  # noqa: E402
import pneumonia224_ensemble as ens  # noqa: E402

ALLOWED = {"Conv", "Relu", "MaxPool", "GlobalAveragePool", "Flatten", "Gemm",
           "Softmax"}


def _members(k, temperatures):
    torch.manual_seed(7)
    out = []
    for t in temperatures[:k]:
        net = p224.Net().eval()
        exp = p224.Exported(net, t)
        convs = [(c.weight.detach(), c.bias.detach()) for c in exp.convs]
        out.append(ens.Member(convs, exp.fc.weight.detach(),
                              exp.fc.bias.detach()))
    return out


def _inputs():
    torch.manual_seed(11)
    return torch.rand(3, 1, p224.SIDE, p224.SIDE) * 2 - 1


def test_merged_graph_is_the_mean_of_the_members():
    members = _members(3, [0.7, 1.0, 1.6])
    x = _inputs()
    mean = torch.stack([m.logits(x) for m in members]).mean(0)
    merged = ens.Merged(members, 0.8).eval()
    with torch.no_grad():
        got = merged(x)
    want = torch.softmax(mean / 0.8, 1)
    assert float((got - want).abs().max()) < 1e-5
    # Not a sum or one member: each member alone gives other outputs.
    alone = torch.softmax(members[0].logits(x) / 0.8, 1)
    assert float((alone - want).abs().max()) > 1e-4


def test_export_uses_backend_operators_and_groups_by_member(tmp_path):
    members = _members(3, [1.0, 1.0, 1.0])
    out = str(tmp_path / "ens.onnx")
    torch.onnx.export(ens.Merged(members, 1.0).eval(),
                      torch.zeros(1, 1, p224.SIDE, p224.SIDE), out,
                      input_names=["image"], output_names=["probs"],
                      opset_version=13)
    graph = onnx.load(out).graph
    assert {n.op_type for n in graph.node} <= ALLOWED
    groups = [a.i for n in graph.node if n.op_type == "Conv"
              for a in n.attribute if a.name == "group"]
    assert groups == [1] + [3] * (len(p224.BLOCKS) - 1)


def test_member_read_from_a_single_models_onnx(tmp_path):
    torch.manual_seed(3)
    net = p224.Net().eval()
    exp = p224.Exported(net, 0.9).eval()
    out = str(tmp_path / "one.onnx")
    torch.onnx.export(exp, torch.zeros(1, 1, p224.SIDE, p224.SIDE), out,
                      input_names=["image"], output_names=["probs"],
                      opset_version=13, do_constant_folding=True)
    x = _inputs()
    with torch.no_grad():
        want = exp(x)
    got = torch.softmax(ens.member_from_onnx(out).logits(x), 1)
    assert float((got - want).abs().max()) < 1e-5
