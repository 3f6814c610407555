"""YuNet on the cpu backend against OpenCV's DNN (Debian python3-opencv).

Runs ../shared/models/yunet/yunet_s_640_640.onnx through the inference host
(build/bin/bench-infer_yunet, which loads build/plugins/cpu.so) and through
cv2.dnn on the same input blob, and compares all twelve raw outputs within
1e-4.  The input is the first Caltech face photograph when ../shared/data
has it, else a synthetic image.  Skips when the model is absent.
"""
import glob
import os
import struct
import subprocess

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
MODEL = os.path.join(SHARED, "models", "yunet", "yunet_s_640_640.onnx")
RUNNER = os.path.join(BUILD, "bin", "bench-infer_yunet")


def write_bin(path, a):
    with open(path, "wb") as f:
        f.write(b"MEDT" + struct.pack("<II", 1, a.ndim))
        f.write(struct.pack("<%dq" % a.ndim, *a.shape))
        f.write(np.ascontiguousarray(a, np.float32).tobytes())


def read_bin(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"MEDT"
    dtype, ndim = struct.unpack("<II", data[4:12])
    assert dtype == 1
    dims = struct.unpack("<%dq" % ndim, data[12:12 + 8 * ndim])
    return np.frombuffer(data[12 + 8 * ndim:], np.float32).reshape(dims)


def input_blob(cv2):
    faces = sorted(glob.glob(os.path.join(
        SHARED, "data", "faces", "caltech_faces_easy", "*.jpg")))
    if faces:
        img = cv2.resize(cv2.imread(faces[0]), (640, 640))
    else:
        y, x = np.mgrid[0:640, 0:640]
        img = np.stack([(x * 3 + y) % 256, (x ^ y) % 256, (x * y) % 256],
                       axis=2).astype(np.uint8)
    return cv2.dnn.blobFromImage(img)


def test_yunet_matches_opencv_dnn(tmp_path):
    if not os.path.isfile(MODEL):
        pytest.skip("%s absent (../shared/models not available)" % MODEL)
    cv2 = pytest.importorskip("cv2")
    assert os.access(RUNNER, os.X_OK), "run make first"
    blob = input_blob(cv2)
    write_bin(str(tmp_path / "in.bin"), blob)
    subprocess.run([RUNNER, MODEL, "-p", os.path.join(BUILD, "plugins"),
                    "-n", "1", "-i", str(tmp_path / "in.bin"),
                    "-o", str(tmp_path)], check=True, timeout=120,
                   stdout=subprocess.DEVNULL)
    net = cv2.dnn.readNetFromONNX(MODEL)
    names = net.getUnconnectedOutLayersNames()
    net.setInput(blob)
    want = net.forward(names)
    assert len(names) == 12
    for name, ref in zip(names, want):
        got = read_bin(str(tmp_path / (name + ".bin")))
        assert got.shape == ref.shape, name
        diff = float(np.abs(got - ref).max())
        assert diff <= 1e-4, "%s differs by %g" % (name, diff)


def test_dynamic_yunet_is_refused_cleanly(tmp_path):
    model = os.path.join(SHARED, "models", "yunet", "yunet_s_dynamic.onnx")
    if not os.path.isfile(model):
        pytest.skip("%s absent (../shared/models not available)" % model)
    r = subprocess.run([RUNNER, model, "-p", os.path.join(BUILD, "plugins"),
                        "-n", "1"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1
    assert "dynamic shape" in r.stderr
