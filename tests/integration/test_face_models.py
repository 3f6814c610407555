"""The deep face models (tools/facemodels) and identity's aligned-chip
pipeline.

- The TF.js reader dequantises uint8 (min/scale) and float16 weights and
  refuses a manifest whose shards are short: a small manifest made here.
- The converted ONNX graphs, run by the project's cpu backend (onnxrun),
  equal a plain numpy implementation of the same networks straight from
  the TF.js weights within 1e-4, and their cards carry their SHA-256.
- identity with dlib-resnet-v1 and the 68-point landmarks: an embedder
  whose card asks for aligned chips is refused without a landmark model;
  with it, a patient's own ORL photographs verify and another patient's
  do not, and templates name the model.

The model cases skip when the build made no models (the npm package was
not installed); the ORL cases skip without ../shared."""

import hashlib
import json
import os
import struct
import subprocess
import sys
import uuid

import grpc
import numpy as np
import pytest

from harness import Stack, paths
from harness.checks import expect_status
from harness.faces import FaceKeys, orl_png
from harness.fixtures import running
from harness.run import face_models_env

sys.path.insert(0, os.path.join(paths.REPO_ROOT, "tools", "facemodels"))
import convert  # noqa: E402
import detector  # noqa: E402
import reference  # noqa: E402
import tfjs  # noqa: E402

FACEAPI = os.path.join(paths.build_dir(), "npm", "facemodels",
                       "node_modules", "@vladmandic", "face-api", "model")


def deep():
    d = paths.deep_face_models()
    if d is None:
        pytest.skip("deep face models not built (make deps installs the "
                    "npm package, make builds them)")
    return d


def write_medt(path, a):
    a = np.ascontiguousarray(a, dtype=np.float32)
    with open(path, "wb") as f:
        f.write(b"MEDT" + struct.pack("<II", 1, a.ndim) +
                struct.pack("<%dq" % a.ndim, *a.shape) + a.tobytes())


def read_medt(path):
    b = open(path, "rb").read()
    assert b[:4] == b"MEDT"
    _, nd = struct.unpack("<II", b[4:12])
    dims = struct.unpack("<%dq" % nd, b[12:12 + 8 * nd])
    return np.frombuffer(b[12 + 8 * nd:], dtype=np.float32).reshape(dims)


def onnxrun(model, x):
    d = paths.scratch_dir("smartmed-onnxrun-")
    write_medt(os.path.join(d, "in.bin"), x)
    r = subprocess.run([paths.bin_path("onnxrun"), model,
                        os.path.join(d, "in.bin"),
                        os.path.join(d, "out.bin")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return read_medt(os.path.join(d, "out.bin"))


# --- the TF.js reader ------------------------------------------------------

def test_tfjs_weights_are_dequantised(tmp_path):
    q = np.array([0, 1, 255], dtype=np.uint8)
    h = np.array([0.5, -2.0], dtype="<f2")
    f = np.array([[1.25, -3.5]], dtype="<f4")
    (tmp_path / "w.bin").write_bytes(q.tobytes() + h.tobytes() +
                                     f.tobytes())
    manifest = [{"paths": ["w.bin"], "weights": [
        {"name": "q", "shape": [3], "dtype": "float32",
         "quantization": {"dtype": "uint8", "min": -1.0, "scale": 0.5}},
        {"name": "h", "shape": [2], "dtype": "float32",
         "quantization": {"dtype": "float16"}},
        {"name": "f", "shape": [1, 2], "dtype": "float32"}]}]
    (tmp_path / "m.json").write_text(json.dumps(manifest))
    w = tfjs.load(str(tmp_path / "m.json"))
    assert w["q"].tolist() == [-1.0, -0.5, 126.5]
    assert w["h"].tolist() == [0.5, -2.0]
    assert w["f"].shape == (1, 2) and w["f"][0, 1] == -3.5


def test_tfjs_short_shards_refused(tmp_path):
    (tmp_path / "w.bin").write_bytes(b"\0" * 7)
    (tmp_path / "m.json").write_text(json.dumps([{"paths": ["w.bin"],
        "weights": [{"name": "f", "shape": [2], "dtype": "float32"}]}]))
    with pytest.raises(ValueError, match="shards end early"):
        tfjs.load(str(tmp_path / "m.json"))


# --- the converted graphs --------------------------------------------------

def test_embedder_equals_the_numpy_network():
    emb, _ = deep()
    w = tfjs.load(os.path.join(
        FACEAPI, "face_recognition_model-weights_manifest.json"))
    rng = np.random.default_rng(7)
    for _ in range(2):
        img = rng.uniform(0, 255, (150, 150, 3)).astype(np.float32)
        got = onnxrun(emb, img.transpose(2, 0, 1)[None])[0]
        want = reference.descriptor(w, img)
        assert got.shape == (128,)
        assert np.abs(got - want).max() <= 1e-4, np.abs(got - want).max()


def test_landmarks_equal_the_numpy_network():
    _, lmk = deep()
    w = tfjs.load(os.path.join(
        FACEAPI, "face_landmark_68_model-weights_manifest.json"))
    img = np.random.default_rng(8).uniform(0, 255, (112, 112, 3)).astype(
        np.float32)
    got = onnxrun(lmk, img.transpose(2, 0, 1)[None])[0]
    want = reference.landmarks(w, img)
    assert got.shape == (136,)
    assert np.abs(got - want).max() <= 1e-4, np.abs(got - want).max()


def small_detector_weights(rng):
    """Random weights of the tiny detector's shape with fewer channels."""
    chans = [3, 4, 6, 8, 8, 8, 12]
    w = {"conv0/filters": rng.normal(0, 0.3, (3, 3, 3, 4)),
         "conv0/bias": rng.normal(0, 0.1, 4)}
    for i, p in enumerate(detector.SEPARABLE):
        c, o = chans[i + 1], chans[i + 2]
        w[p + "/depthwise_filter"] = rng.normal(0, 0.3, (3, 3, c, 1))
        w[p + "/pointwise_filter"] = rng.normal(0, 0.3, (1, 1, c, o))
        w[p + "/bias"] = rng.normal(0, 0.1, o)
    w["conv8/filters"] = rng.normal(0, 0.3, (1, 1, chans[-1], 25))
    w["conv8/bias"] = rng.normal(0, 0.1, 25)
    return {k: v.astype(np.float32) for k, v in w.items()}


def test_detector_converter_on_a_small_generated_net(tmp_path):
    """The converter's graph for the detector's topology equals the numpy
    network on weights made here (no npm package needed): every odd-size
    "same" pool, the unpadded first convolution, the leaky ReLU."""
    rng = np.random.default_rng(11)
    w = small_detector_weights(rng)
    for size in (64, 96):
        path = str(tmp_path / ("det%d.onnx" % size))
        open(path, "wb").write(
            convert.build_detector(w, size).SerializeToString())
        img = rng.uniform(0, 255, (size, size, 3)).astype(np.float32)
        got = onnxrun(path, img.transpose(2, 0, 1)[None])[0]
        want = reference.tiny_grid(w, img)
        cells = detector.grid_cells(size)
        assert got.shape == want.shape == (25, cells, cells)
        assert np.abs(got - want).max() <= 1e-4, np.abs(got - want).max()


def test_detector_equals_the_numpy_network():
    deep()
    det = paths.deep_face_detector()
    w = tfjs.load(os.path.join(
        FACEAPI, "tiny_face_detector_model-weights_manifest.json"))
    size = detector.INPUT_SIZE
    img = np.random.default_rng(9).uniform(0, 255, (size, size, 3)).astype(
        np.float32)
    got = onnxrun(det, img.transpose(2, 0, 1)[None])[0]
    want = reference.tiny_grid(w, img)
    assert got.shape == want.shape
    # the grid's logits run to about 40: 1e-4 of their scale
    assert np.abs(got - want).max() <= 1e-4 * max(1.0, np.abs(want).max())


def test_cards_name_their_model_files():
    for model in deep() + (paths.deep_face_detector(),):
        card = open(model[:-5] + ".card.md").read()
        digest = hashlib.sha256(open(model, "rb").read()).hexdigest()
        assert "sha256: " + digest in card
        assert "licence: MIT" in card


# --- identity with the aligned chip ----------------------------------------

# The service of the pb fixture (tests/conftest.py).
PROTOS = "identity"


def _patient(st, pb):
    return st.call("identity", "CreatePatient", pb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:16].upper(), family_name="Deep",
        birth_date="1970-01-02", sex=pb.ADMINISTRATIVE_SEX_MALE),
        role="registrar").patient_id


def _verify(st, pb, pid, image):
    return st.call("identity", "VerifyFace", pb.VerifyFaceRequest(
        patient_id=pid, image=image), role="nurse", timeout=30)


def test_aligned_embedder_needs_landmarks(pb):
    emb, _ = deep()
    keys = FaceKeys.load_or_create(paths.scratch_dir("smartmed-fk-"))
    env = keys.env()
    env["MED_FACE_EMBEDDER"] = emb
    with running(Stack(services=["identity", "audit"],
                       extra_env=env)) as st:
        expect_status(grpc.StatusCode.FAILED_PRECONDITION, _verify, st, pb,
                      str(uuid.uuid4()), b"x",
                      details_contains="MED_FACE_LANDMARKS")


@pytest.fixture(scope="module")
def deep_stack():
    """identity on the whole deep pipeline, as make run starts it."""
    deep()
    keys = FaceKeys.load_or_create(paths.scratch_dir("smartmed-fk-"))
    env = dict(keys.env(), **face_models_env())
    assert env["MED_FACE_DETECTOR"].endswith("tiny-detector-v1.onnx")
    with running(Stack(services=["identity", "audit"],
                       extra_env=env)) as st:
        yield st


def test_own_photographs_verify_others_do_not(deep_stack, pb):
    st = deep_stack
    a, b = _patient(st, pb), _patient(st, pb)
    # ORL subjects 30 and 20: 30's photographs match at the shipped
    # threshold with a margin (0.9673, issue 48, and 0.9668 with
    # flip-averaged chips since item 2; subject 4, used before, scores
    # under it on two of these).
    for pid, subject in ((a, 30), (b, 20)):
        r = st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
            patient_id=pid, images=[orl_png(subject, 1), orl_png(subject, 2)]),
            role="registrar", timeout=60)
        assert len(r.templates) == 2
    matched = [_verify(st, pb, a, orl_png(30, n)).match for n in (5, 7, 9)]
    assert all(matched), matched
    other = _verify(st, pb, a, orl_png(20, 6))
    assert not other.match and other.score < other.threshold
    assert other.model == "dlib-resnet-v1"


def _enroll(st, pb, pid, images):
    return st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
        patient_id=pid, images=images), role="registrar", timeout=60)


def smooth_noise_jpegs(n=24):
    """JPEGs of smooth colour noise: no face at all (the Haar pipeline
    enrolled 4 of 24 such images as faces)."""
    import cv2
    rng = np.random.default_rng(7)
    out = []
    for i in range(n):
        base = (4, 8, 16, 32)[i % 4]
        g = rng.integers(0, 256, (base, base, 3)).astype(np.uint8)
        img = cv2.GaussianBlur(cv2.resize(g, (320, 320),
                                          interpolation=cv2.INTER_CUBIC),
                               (0, 0), 3)
        out.append(cv2.imencode(".jpg", img)[1].tobytes())
    return out


def test_noise_is_no_face(deep_stack, pb):
    st = deep_stack
    pid = _patient(st, pb)
    for img in smooth_noise_jpegs():
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, _enroll, st, pb,
                      pid, [img], details_prefix="images[0]: no face found")
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "identity",
                      "IdentifyFace", pb.IdentifyFaceRequest(image=img),
                      role="registrar", details_prefix="image: no face")
    out = st.sql("SELECT COUNT(*) FROM smartmed_identity.face_templates "
                 "WHERE patient_id = '%s'" % pid)
    assert out.strip().splitlines()[-1] == "0", out


def busy_frame(big, small, small_at):
    """A 640x480 PNG: ORL photograph big four times its size in the
    middle, small twice its size with its corner at small_at."""
    import cv2
    canvas = np.full((480, 640), 128, np.uint8)

    def put(png, k, x, y):
        img = cv2.imdecode(np.frombuffer(png, np.uint8),
                           cv2.IMREAD_GRAYSCALE)
        img = cv2.resize(img, (img.shape[1] * k, img.shape[0] * k),
                         interpolation=cv2.INTER_CUBIC)
        canvas[y:y + img.shape[0], x:x + img.shape[1]] = img
    put(big, 4, 320 - 184, 240 - 224)
    put(small, 2, *small_at)
    return cv2.imencode(".png", canvas)[1].tobytes()


def test_busy_frame_verifies_the_dominant_face(deep_stack, pb):
    """A relative behind the patient: the patient's face is clearly the
    larger and nearer the centre, so it is verified, and the reply says a
    face was set aside; two faces of one size are refused."""
    st = deep_stack
    a = _patient(st, pb)
    # ORL subject 30 matches at the shipped threshold with a margin.
    _enroll(st, pb, a, [orl_png(30, 1), orl_png(30, 2)])
    frame = busy_frame(orl_png(30, 5), orl_png(20, 6), (10, 10))
    v = _verify(st, pb, a, frame)
    assert v.match and v.other_faces == 1, (v.score, v.other_faces)
    lone = _verify(st, pb, a, orl_png(30, 5))
    assert lone.other_faces == 0
    import cv2
    pair = np.hstack([cv2.imdecode(np.frombuffer(orl_png(n, 1), np.uint8),
                                   cv2.IMREAD_GRAYSCALE) for n in (30, 20)])
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _verify, st, pb, a,
                  cv2.imencode(".png", pair)[1].tobytes(),
                  details_prefix="image: 2 faces found")
