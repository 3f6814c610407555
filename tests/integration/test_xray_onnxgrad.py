"""The finer map of the chest model's card ("Where it looked": Grad-CAM
at the last 14 x 14 layer) comes from tools/xraycal/onnxgrad.py, which
runs the ONNX graph in numpy and differentiates it.  Its figures are
worth what its arithmetic is: its forward pass must give the model's
probabilities as OpenCV's DNN module does, its Grad-CAM at the last map
must equal the graph's own `cam` output (tools/train/gradcam_graph.py's
forward computation), and its gradient at the 14 x 14 layer must match a
finite difference.  A synthetic film; no ../shared needed."""

import os
import sys

import numpy as np
import pytest

from harness import paths

sys.path.insert(0, os.path.join(paths.REPO_ROOT, "tools", "xraycal"))
import onnxgrad  # noqa: E402

MODEL = os.path.join(paths.REPO_ROOT, "services", "diagnosis", "models",
                     "pneumonia_cxr224_v4.onnx")
LAST, FINE = "clip_212", "clip_166"


def film():
    """A smooth synthetic chest-like film in the model's [-1, 1]."""
    yy, xx = np.mgrid[0:224, 0:224] / 224.0
    lungs = np.exp(-((xx - 0.3) ** 2 + (yy - 0.5) ** 2) / 0.02) + \
        np.exp(-((xx - 0.7) ** 2 + (yy - 0.5) ** 2) / 0.02)
    spot = np.exp(-((xx - 0.65) ** 2 + (yy - 0.6) ** 2) / 0.002)
    img = 0.8 - 0.5 * lungs + 0.4 * spot
    rng = np.random.default_rng(76)
    img = img + 0.02 * rng.normal(size=img.shape)
    return ((np.clip(img, 0, 1) - 0.5) / 0.5).reshape(1, 1, 224, 224)


def test_forward_and_last_map_equal_opencvs():
    cv2 = pytest.importorskip("cv2")
    x = film()
    net = cv2.dnn.readNetFromONNX(MODEL)
    net.setInput(x.astype(np.float32))
    probs, cam = net.forward(["probs", "cam"])
    p, mine = onnxgrad.GradNet(MODEL, LAST).run_input(x)
    assert p == pytest.approx(float(probs.reshape(-1)[1]), abs=1e-5)
    scale = float(np.abs(cam[0, 1]).max())
    assert scale > 0
    assert np.abs(mine - cam[0, 1]).max() <= 1e-5 * scale


def test_fine_layer_gradient_matches_a_finite_difference():
    x = film()
    net = onnxgrad.GradNet(MODEL, FINE)
    vals = net.forward(x)
    a = vals[FINE]
    assert a.shape[1:] == (14, 14)
    grad = net.backward(vals)[FINE]
    v = np.random.default_rng(1).normal(size=a.shape)
    eps = 1e-7
    up = net.forward(x, {FINE: a + eps * v})[net.score][0, 1]
    down = net.forward(x, {FINE: a - eps * v})[net.score][0, 1]
    numeric = (up - down) / (2 * eps)
    analytic = float((grad * v).sum())
    assert abs(analytic) > 1e-6
    assert numeric == pytest.approx(analytic, rel=1e-4)
    p, cam = net.run_input(x)
    assert cam.shape == (14, 14) and 0.0 <= p <= 1.0
