"""tools/tfgraph/tfjs_torch.py, the batched torch reader of TF.js graph
models that tools/train/backbone_probe.py runs frozen backbones with
(services/diagnosis/models/MODEL_CARD.md, "Pretrained backbones tried"),
against the node-by-node numpy reference (tools/facemodels/reference.py
with tools/tfgraph/tf_ops.py): every layer the probe pools, for both
backbones it knows, on a synthetic image (no patient data) at a size
that is odd at several strides, so TensorFlow's asymmetric SAME padding
is exercised.  Skipped without Debian's python3-torch (`make deps-train`)
or the npm models (`make deps`)."""

import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "train"))

torch = pytest.importorskip("torch")
import backbone_probe as probe  # noqa: E402

MODELS = os.path.join(ROOT, probe.MODELS)


def _image():
    y, x = np.mgrid[0:224, 0:224]
    return ((x * 0.7 + y * 0.4 + 40 * np.sin(x / 9.0) * np.cos(y / 13.0))
            % 256).astype(np.uint8)


@pytest.mark.parametrize("backbone", sorted(probe.BACKBONES))
def test_torch_reader_matches_numpy_reference(backbone):
    if not os.path.exists(os.path.join(MODELS, backbone + ".json")):
        pytest.skip("npm human-models not installed (make deps)")

    class Args:
        models = MODELS
        size = 200  # 100, 50, 25, 13, 7: odd from stride 8 on

    Args.backbone = backbone
    diff = probe.check(Args, probe.BACKBONES[backbone], _image())
    assert set(diff) == set(probe.BACKBONES[backbone]["taps"])
    for tap, d in diff.items():
        assert d < 1e-4, (backbone, tap, d)


def test_an_op_the_reader_lacks_is_named():
    sys.path.insert(0, os.path.join(ROOT, "tools", "tfgraph"))
    import tfjs_torch
    g = tfjs_torch.TorchGraph.__new__(tfjs_torch.TorchGraph)
    g.nodes = [{"name": "in", "op": "Placeholder"},
               {"name": "odd", "op": "Erf", "input": ["in"]}]
    g.w, g._prep = {}, {}
    with pytest.raises(ValueError, match="odd: Erf not handled"):
        g.run(torch.zeros(1, 4, 4, 3), ["odd"])
