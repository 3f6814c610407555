"""tools/train/finetune_backbone.py and export_backbone.py, the tools that
made the shipped chest X-ray classifier pneumonia_cxr224_v4 (issue 52):
only the MobileNetV2's own kernels and batch-norm offsets train (MoveNet's
input scaling constants do not); the saved state is read back by name
and a state of another model is refused; the export holds only
operators the cpu backend runs, at opset 10 with Clip's bounds as
attributes, and OpenCV's DNN on it equals the torch model.  Uses the
MoveNet graph from the npm package `make deps` installs and a randomly
initialised head (no radiograph).  The issue 76 options: --flip mirrors
half of a batch, --pool lse pools between the mean and the maximum, and
its export equals torch with `cam` the per-cell log-odds it pools.
Skipped without Debian's python3-torch (`make deps-train`)."""

import argparse
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "train"))

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")
import backbone_probe as bp  # noqa: E402

if not os.path.exists(os.path.join(bp.MODELS, "movenet-thunder.json")):
    pytest.skip("MoveNet's graph is not installed (make deps)",
                allow_module_level=True)

import export_backbone as eb  # noqa: E402
import finetune_backbone as ft  # noqa: E402
import pneumonia224 as p224  # noqa: E402

# What the cpu backend runs; the export must stay inside it.
ALLOWED = {"Mul", "Add", "Sub", "Concat", "Conv", "Clip",
           "GlobalAveragePool", "Flatten", "Gemm", "Softmax"}


@pytest.fixture(scope="module")
def model():
    return ft.FineTuned(20261127)


def test_only_the_mobilenet_trains(model):
    trainable = {k for k, v in model.graph.w.items() if v.requires_grad}
    assert trainable == set(model.names)
    assert all(ft.BACKBONE_SCOPE in k for k in trainable)
    # MoveNet's input scaling stays as shipped.
    for k in ("StatefulPartitionedCall/Reshape",
              "StatefulPartitionedCall/truediv"):
        assert not model.graph.w[k].requires_grad, k
    assert sum(v.numel() for v in model.backbone) > 6_000_000


def test_state_is_read_back_by_name_and_checked(model):
    saved = model.state()
    other = ft.FineTuned(1)
    other.load(saved)
    assert torch.equal(other.fc.weight, model.fc.weight)
    first = model.names[0]
    assert torch.equal(other.graph.w[first], model.graph.w[first])
    del saved["fc.bias"]
    with pytest.raises(ValueError, match="does not match"):
        other.load(saved)


def test_export_is_backend_operators_and_equals_torch(model, tmp_path):
    m = eb.build(model, 1.3)
    assert {n.op_type for n in m.graph.node} <= ALLOWED
    assert m.opset_import[0].version == 10
    clips = [n for n in m.graph.node if n.op_type == "Clip"]
    assert clips and all(n.input[1:] == [] for n in clips)
    exported_equals_torch(model, m, str(tmp_path / "ft.onnx"), 5)


def exported_equals_torch(model, m, out, seed):
    """Saves m to out and requires OpenCV's DNN on it to equal the torch
    model on two random inputs; returns the inputs."""
    onnx.save(m, out)
    torch.manual_seed(seed)
    x = torch.rand(2, 1, p224.SIDE, p224.SIDE) * 2 - 1
    with torch.no_grad():
        want = eb.Exported(model, 1.3)(x).numpy()
    assert eb.opencv_gap(out, x, want) < 1e-4
    return x


def test_flip_mirrors_half_of_a_batch_and_is_off_by_default():
    x = torch.rand(64, 1, 8, 8)
    y = ft.flip_half(x, torch.Generator().manual_seed(3))
    mirrored = [torch.equal(y[i], x[i].flip(2)) for i in range(len(x))]
    kept = [torch.equal(y[i], x[i]) for i in range(len(x))]
    assert all(m != k for m, k in zip(mirrored, kept))
    assert 16 < sum(mirrored) < 48
    ap = argparse.ArgumentParser()
    ap.add_argument("--flip", action="store_true")
    ft.add_pool_options(ap)
    defaults = ap.parse_args([])
    assert (defaults.flip, defaults.pool) == (False, "avg")


def test_lse_pool_lies_between_the_mean_and_the_maximum():
    torch.manual_seed(4)
    cmap = torch.randn(3, 2, 7, 7) * 4
    flat = cmap.flatten(2)
    for r in (0.5, 5.0, 50.0):
        got = ft.lse_pool(cmap, r)
        assert (got >= flat.mean(2) - 1e-5).all()
        assert (got <= flat.max(2).values + 1e-5).all()
    want = torch.logsumexp(5.0 * flat, 2) / 5.0 - torch.log(
        torch.tensor(49.0)) / 5.0
    assert torch.allclose(ft.lse_pool(cmap, 5.0), want, atol=1e-5)


def test_lse_export_equals_torch_and_its_cam_is_the_pooled_map(tmp_path):
    model = ft.FineTuned(20261127, "lse", 5.0)
    m = eb.build(model, 1.3)
    assert "cam" in [o.name for o in m.graph.output]
    out = str(tmp_path / "lse.onnx")
    x = exported_equals_torch(model, m, out, 6)
    with torch.no_grad():
        cmap = model.class_map(model.feature_map(x[:1]), False)[0].numpy()
    net = cv2.dnn.readNetFromONNX(out)
    net.setInput(x[:1].numpy())
    probs, cam = net.forward(["probs", "cam"])
    # Each label's map is its per-cell log-odds against the other.
    odds = (cmap[1] - cmap[0]) / 1.3
    assert np.abs(cam[0, 1] - odds).max() < 1e-4
    assert np.abs(cam[0, 0] + odds).max() < 1e-4
