"""YuNet (../shared/models/yunet, Apache-2.0) as identity's ONNX face
detector for the tests: a symlink to the shared model in a folder of the
test's own, with a model card written beside it (the shared folder is
read-only to us, and nothing of it is copied into the repository).

yunet_detector(d) -> the .onnx path, or skips the test when the model is
absent."""

import hashlib
import os

import pytest

from . import paths

YUNET = os.path.join(paths.REPO_ROOT, "..", "shared", "models", "yunet",
                     "yunet_s_640_640.onnx")

CARD = """---
kind: face-detector
name: yunet-s-640
version: 2023mar
licence: Apache-2.0 (libfacedetection; ../shared/models/yunet/LICENSE)
sha256: {sha256}
format: yunet
input_mean: 0
input_scale: 1
score_threshold: {score}
nms_iou: 0.3
---
# yunet-s-640

YuNet (libfacedetection, Wu et al. 2023), the 640x640 "s" export, taking
BGR pixels 0..255; grey is given to all three channels.  Written by
tests/harness/face_detector.py for identity's tests.
"""


def yunet_detector(d, score=0.6, card_fields=None):
    if not os.path.exists(YUNET):
        pytest.skip("YuNet not present at ../shared/models/yunet")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "yunet-s-640.onnx")
    if not os.path.lexists(path):
        os.symlink(os.path.abspath(YUNET), path)
    with open(YUNET, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    text = CARD.format(sha256=digest, score=score)
    for k, v in (card_fields or {}).items():
        text = "\n".join(line for line in text.split("\n")
                         if not line.startswith(k + ":"))
        if v is not None:
            text = text.replace("---\n", "---\n%s: %s\n" % (k, v), 1)
    with open(os.path.join(d, "yunet-s-640.card.md"), "w") as f:
        f.write(text)
    return path
