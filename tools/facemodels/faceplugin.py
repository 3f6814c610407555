#!/usr/bin/python3
"""Copies faceplugin-face-recognition-js's face embedder into the build and
writes its model card: the optional embedder faceplugin-fr-v1 (identity's
MED_FACE_EMBEDDER; dlib-resnet-v1 stays the default).

    faceplugin.py PACKAGE_DIR OUT_DIR

PACKAGE_DIR is the installed npm package (make deps: $BUILD/npm/faceplugin/
node_modules/faceplugin-face-recognition-js); OUT_DIR gets
faceplugin-fr-v1.onnx and faceplugin-fr-v1.card.md.  The model file is
checked against the SHA-256 of the pinned package's (0.0.1) and by
onnx.checker, its input and output against the card, its operators
against what the cpu backend runs, and then copied byte for byte: no
conversion.  Never committed; `make` runs this when the package is
installed.
"""

import hashlib
import os
import shutil
import sys

import onnx

NAME = "faceplugin-fr-v1"
SRC = os.path.join("model", "fr_feature.onnx")
SRC_SHA256 = "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581"
OPS = {"Conv", "PRelu", "Add", "Reshape"}
SIDE, DIM = 112, 512

# The card's threshold and where it comes from (docs/benchmarks.md, "What
# lowers FNMR": faceplugin-fr-v1).
THRESHOLD = "0.5355"
RETAKE_THRESHOLD = "0.5469"
THRESHOLD_NOTE = (
    "0.5355, from tools/facecal/calibrate_all.sh through identity with "
    "this card (MED_FACE_EMBEDDER set to this file; 2026-11-25): the "
    "largest of the per-set thresholds at FMR 0.001 over the sets with at "
    "least 3000 impostor pairs, Caltech's (7 of 7,675 pairs; NUAA's own "
    "point 0.5307). Genuine probes missed there, refusals included: "
    "London 0/102, Glint24 135/592, NUAA 5/300 (all five refused, none "
    "under the threshold), ORL 3/200, Caltech 2/307 (dlib-resnet-v1 at its "
    "own 0.9668: 1, 377, 27, 8 and 5). The offline estimate was 0.5483. "
    "retake_threshold 0.5469 is the max rule's bar from the same scores "
    "(tools/facecal/retake.py; Caltech's). Only these sets were measured: "
    "calibrate on the site's own consented photographs before relying on "
    "it (docs/benchmarks.md, \"What lowers FNMR\", faceplugin-fr-v1).")

CARD = """---
kind: face-embedder
name: {name}
version: 1.0.0
licence: MIT as packaged (npm faceplugin-face-recognition-js 0.0.1, vendor Faceplugin; its LICENSE reads as a template, copyright gitguanqi 2021); training data not disclosed
sha256: {{sha256}}
input_width: {side}
input_height: {side}
input_channels: 3
input_mean: 127
input_scale: 0.0078125
output_dim: {dim}
threshold: {threshold}
retake_threshold: {retake}
alignment: arcface-5
flip_average: yes
min_face_px: 24
---
# {name}

The face feature network `model/fr_feature.onnx` of the npm package
faceplugin-face-recognition-js 0.0.1 (Faceplugin), copied unchanged into
the build by `tools/facemodels/faceplugin.py`; never committed. An
**optional** embedder (MED_FACE_EMBEDDER=build/models/face/{name}.onnx):
**not the default** (dlib-resnet-v1 is), because its provenance is unclear.

- **Origin and licence**: package.json and LICENSE say MIT, but the
  LICENSE is a generic MIT text with another author's name
  (gitguanqi, 2021), not Faceplugin's; the package's repository
  (github.com/Faceplugin-ltd/FaceRecognition-LivenessDetection-Javascript)
  says nothing of where the weights come from. **Training data: not
  disclosed.** Its architecture (Conv, PRelu, Add; 512-d from a
  112 x 112 ArcFace crop) is that of InsightFace-style ResNets, whose
  published weights are commonly trained on MS-Celeb-1M or Glint360K
  (non-commercial research only); if these are such weights, their
  licence would not be MIT. A hospital must settle this with the vendor
  before using it.
- **Input**: [1, 3, {side}, {side}], R, G, B planes, each pixel p fed as
  (p - 127) / 128 (input_mean, input_scale), as the package's
  fr_feature.js feeds it. The crop (alignment arcface-5): the eye
  centres (means of landmarks 36..41 and 42..47), the nose tip (30) and
  the outer mouth corners (48, 54) of identity's 68 landmarks taken onto
  ArcFace's 112 x 112 template by the least-squares similarity, one
  bilinear sample a chip pixel, edge pixels repeated outside the
  photograph (InsightFace's norm_crop; the package itself uses a
  three-point affine map of its own landmarks, which shears the chip).
- **Output**: [1, {dim}]; identity L2-normalises it and compares cosines.
  (The package's matchFeature subtracts the two features' element-wise
  mean before the cosine, which makes every score -1; not used.)
- **flip_average**: yes: the chip and its mirror image are embedded and
  the normalised mean of the two taken (MED_FACE_EMBED_FLIP overrides).
- **min_face_px**: 24, as dlib-resnet-v1's card, so that both are
  measured on the same photographs (ORL's small faces of subject 2;
  identity's default gate, 40, refused 5 of ORL's probes and one
  enrolment). Below 24 px nothing has been measured.
- **Threshold**: {threshold_note}
- **Limits**: not a medical device; unknown training population, so
  unknown demographic differentials; measured only on the project's
  labelled sets (docs/benchmarks.md).
"""


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def dims(v):
    return [d.dim_value for d in v.type.tensor_type.shape.dim]


def check(path):
    """Exits with a message unless path is the pinned package's model."""
    if sha256(path) != SRC_SHA256:
        sys.exit("%s: SHA-256 is not faceplugin-face-recognition-js "
                 "0.0.1's" % path)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    g = m.graph
    inits = {t.name for t in g.initializer}
    inputs = [v for v in g.input if v.name not in inits]
    ops = {n.op_type for n in g.node}
    if (len(inputs) != 1 or dims(inputs[0]) != [1, 3, SIDE, SIDE] or
            len(g.output) != 1 or dims(g.output[0]) != [1, DIM]):
        sys.exit("%s: expected [1, 3, %d, %d] in, [1, %d] out"
                 % (path, SIDE, SIDE, DIM))
    if not ops <= OPS:
        sys.exit("%s: operators %s beyond %s" % (path, sorted(ops - OPS),
                                                  sorted(OPS)))


def write(pkg_dir, out_dir):
    src = os.path.join(pkg_dir, SRC)
    check(src)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, NAME + ".onnx")
    shutil.copyfile(src, path + ".tmp")
    os.replace(path + ".tmp", path)
    card = CARD.format(name=NAME, side=SIDE, dim=DIM, threshold=THRESHOLD,
                       retake=RETAKE_THRESHOLD,
                       threshold_note=THRESHOLD_NOTE)
    with open(os.path.join(out_dir, NAME + ".card.md"), "w") as f:
        f.write(card.replace("{sha256}", sha256(path)))
    return path


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(write(sys.argv[1], sys.argv[2]))
