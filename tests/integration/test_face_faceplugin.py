"""faceplugin-fr-v1, the optional embedder (tools/facemodels/faceplugin.py;
docs/benchmarks.md, "What lowers FNMR").

- The build's copy is the pinned package's file, its card carries its
  SHA-256, the licence caveat, the input conventions, the arcface-5 chip
  and a threshold.
- The project's cpu backend (onnxrun) gives what OpenCV's DNN gives on
  the same stored inputs, within 1e-4 (the network as its authors
  exported it, read by a second, independent implementation).
- identity with it and the 68-point landmarks: a patient's own ORL
  photographs verify, another patient's do not, and the reply names the
  model.

Everything skips when the package was not installed (make deps); the ORL
case skips without ../shared."""

import hashlib
import os
import sys

import numpy as np
import pytest

from harness import Stack, paths
from harness.faces import FaceKeys, orl_png
from harness.fixtures import running
from harness.run import face_models_env

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_face_models import _patient, _verify, onnxrun  # noqa: E402

sys.path.insert(0, os.path.join(paths.REPO_ROOT, "tools", "facemodels"))
import faceplugin  # noqa: E402

# The service of the pb fixture (tests/conftest.py).
PROTOS = "identity"


def model():
    path = os.path.join(paths.build_dir(), "models", "face",
                        faceplugin.NAME + ".onnx")
    if not os.path.exists(path):
        pytest.skip("faceplugin-fr-v1 not built (make deps installs "
                    "tools/faceplugin's package, make copies it)")
    return path


def card_fields(path):
    text = open(path[:-5] + ".card.md").read()
    head = text.split("---\n")[1]
    return dict(line.split(": ", 1) for line in head.splitlines()), text


def stored_inputs():
    """Two stored inputs as the card feeds them ((p - 127) / 128): seeded
    noise over the whole range, and a smooth colour ramp with a dark
    disc, an image-like input."""
    noise = np.random.default_rng(48).uniform(-1, 1, (1, 3, 112, 112))
    yy, xx = np.mgrid[0:112, 0:112].astype(np.float32)
    disc = ((xx - 56) ** 2 + (yy - 60) ** 2 < 30 ** 2) * 90.0
    ramp = np.stack([2 * xx, 2 * yy, xx + yy]) - disc
    return [noise.astype(np.float32),
            ((ramp - 127) / 128)[None].astype(np.float32)]


def test_build_copies_the_pinned_model_with_its_card():
    path = model()
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    assert digest == faceplugin.SRC_SHA256
    fields, text = card_fields(path)
    assert fields["sha256"] == digest
    assert fields["kind"] == "face-embedder"
    assert fields["licence"].startswith("MIT as packaged")
    assert "training data not disclosed" in fields["licence"]
    assert "not the default" in text
    assert (fields["input_width"], fields["input_height"],
            fields["input_channels"]) == ("112", "112", "3")
    assert float(fields["input_mean"]) == 127
    assert float(fields["input_scale"]) == 1 / 128
    assert fields["alignment"] == "arcface-5"
    assert fields["flip_average"] == "yes"
    assert 0 < float(fields["threshold"]) < 1


def test_cpu_backend_equals_opencv_dnn():
    import cv2
    path = model()
    net = cv2.dnn.readNetFromONNX(path)
    for x in stored_inputs():
        got = onnxrun(path, x)
        net.setInput(x)
        want = net.forward()
        assert got.shape == (1, 512)
        assert np.abs(got - want).max() < 1e-4 * max(1, np.abs(want).max())


def test_identity_verifies_with_it(pb):
    path = model()
    env = face_models_env()
    if "MED_FACE_LANDMARKS" not in env:
        pytest.skip("the landmark model was not built")
    orl_png(30, 1)  # skips without ../shared
    keys = FaceKeys.load_or_create(paths.scratch_dir("smartmed-fk-"))
    env = dict(keys.env(), **env)
    env["MED_FACE_EMBEDDER"] = path
    with running(Stack(services=["identity", "audit"],
                       extra_env=env)) as st:
        a, b = _patient(st, pb), _patient(st, pb)
        for pid, subject in ((a, 30), (b, 20)):
            r = st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
                patient_id=pid,
                images=[orl_png(subject, 1), orl_png(subject, 2)]),
                role="registrar", timeout=60)
            assert len(r.templates) == 2
        own = [_verify(st, pb, a, orl_png(30, n)) for n in (5, 7, 9)]
        assert all(v.match for v in own), [v.score for v in own]
        other = _verify(st, pb, a, orl_png(20, 6))
        assert not other.match and other.score < other.threshold
        assert other.model == faceplugin.NAME
        assert abs(other.threshold -
                   float(card_fields(path)[0]["threshold"])) < 1e-6
