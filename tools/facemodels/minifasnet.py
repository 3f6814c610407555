#!/usr/bin/python3
"""Converts Minivision's two MiniFASNet anti-spoofing networks (ONNX, as
staged in ../shared/models/minifasnet) into ONE ONNX graph for identity's
presentation-attack stage, and writes its model card beside it.

    minifasnet.py SRC_DIR OUT_DIR

SRC_DIR holds 2.7_80x80_MiniFASNetV2.onnx and
4_0_0_80x80_MiniFASNetV1SE.onnx; OUT_DIR gets minifasnet-fused-v1.onnx and
minifasnet-fused-v1.card.md.  The graph takes two inputs, crop_0 (the face
box enlarged 2.7 times, for MiniFASNetV2) and crop_1 (4.0 times, for
MiniFASNetV1SE), each [1, 3, 80, 80] BGR pixels 0..255, runs each network
on its crop, and gives [1, 3]: the mean of the two softmaxes, which is how
the networks' authors fuse them (they sum the softmaxes and read the sum
halved).  Class 1 is "real".  Each source file's SHA-256 is checked
against the one ../shared/README.md lists, the nodes are copied unchanged
(only renamed apart), and the result is checked by onnx.checker.  The
weights are never committed; `make` runs this when ../shared has them.
"""

import hashlib
import os
import sys

import onnx
from onnx import TensorProto, compose, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert import save  # noqa: E402

NAME = "minifasnet-fused-v1"
SIDE = 80
# (file, SHA-256, crop scale, prefix) in the order of the graph's inputs.
NETS = (
    ("2.7_80x80_MiniFASNetV2.onnx",
     "4433e871ef03f6c4c13de1757e63dcd69db14b6d7d9cff2319cb274c0f6dbecb",
     2.7, "v2_"),
    ("4_0_0_80x80_MiniFASNetV1SE.onnx",
     "a8e67ffbaf39fa74c3b2ed673b530fcfb2f47379d0f26a52b71c2fc6473ec20f",
     4.0, "v1se_"),
)

# The liveness threshold the card ships; how it was chosen is in
# THRESHOLD_NOTE (tools/facecal/minifasnet.py, through identity).
THRESHOLD = "0.5"
THRESHOLD_NOTE = (
    "0.5, the authors' own decision point (they take the class of the "
    "largest fused probability: a live score over 0.5 is always that "
    "class), so it was tuned on none of our sets. Measured through "
    "identity with the crops resampled as the authors' cv2.resize "
    "(tools/facecal/minifasnet.py, WIRED=1, and pad_resample.py; "
    "docs/face-pad.md, \"The crops' resampling\"): APCER 0 % on NUAA's "
    "real prints (0 of 371) and on synthetic screen replays and grey "
    "prints, 2.9 % on London re-photographed prints and 52 % on "
    "Caltech's; BPCER 1.6 % Caltech (7 of 435), 1.6 % Glint24, 2.2 % NUAA "
    "webcam captures (8 of 370) and 4.9 % London posed photographs (10 of "
    "204; 23.5 % while identity averaged its crops). Grey photographs are "
    "not judged. MED_FACE_PAD=enforce is not the default with this model: "
    "that is decided from these figures (docs/face-pad.md).")

CARD = """---
kind: face-pad
name: {name}
version: 1.0.0
licence: Apache-2.0 (Minivision Silent-Face-Anti-Spoofing); training data not disclosed by the authors
sha256: {sha256}
input_width: {side}
input_height: {side}
input_channels: 3
input_mean: 0
input_scale: 1
output_dim: 3
live_index: 1
crop_scale: {scales}
crop_shape: box
crop_resample: bilinear
channel_order: bgr
grey: not-judged
threshold: {threshold}
---
# {name}

Minivision's two passive anti-spoofing networks, MiniFASNetV2 (face box
x 2.7) and MiniFASNetV1SE (face box x 4.0), from
github.com/minivision-ai/Silent-Face-Anti-Spoofing (Apache-2.0) as
exported to ONNX by the fork marcos4758/Silent-Face-Anti-Spoofing-Tests
(staged in ../shared/models/minifasnet, not checked against the original
PyTorch weights), merged into one graph by
`tools/facemodels/minifasnet.py` at build time; never committed.
identity's PAD stage (MED_FACE_PAD_MODEL) runs it on the cpu backend.

- **Training data**: **not disclosed** by the authors (their README says
  only that images "collected by camera" were sorted into three classes
  and cut at several scales). Unknown people, cameras and attack
  instruments.
- **Input**: two crops, `crop_0` and `crop_1`, each [1, 3, 80, 80], BGR,
  pixels 0..255 (no mean, no scaling). crop_i is the detected face box
  (not made square) enlarged crop_scale[i] times about its centre, less
  when the photograph cannot hold that, moved back inside the
  photograph, and resized to 80 x 80 (crop_shape box: the authors'
  CropImage rule) with one bilinear sample a pixel, as their
  cv2.resize does (crop_resample bilinear: no averaging over each
  pixel's footprint; the networks were trained on such aliased crops and
  score smoothed ones of large faces as attacks).
- **Output**: [1, 3], the mean of the two networks' softmaxes (the
  authors' fusion); element 1 is "real" and is the liveness score;
  elements 0 and 2 are the two attack classes.
- **threshold**: {threshold_note}
- **Grey photographs** (grey: not-judged): the networks were trained on
  colour camera images and call every grey photograph an attack (all of
  ORL's). identity therefore does not score a grey photograph: it answers
  NOT_JUDGED, asks for a colour photograph, and under enforce refuses it
  as not judgeable (not as an attack), since a grey print would otherwise
  pass unjudged.
- **Limits**: the authors detect faces with a RetinaFace model and warn
  that results depend on the camera and need faces within 30 degrees of
  frontal; identity's own detector places the box, so the crops differ a
  little from theirs. Posed, evenly lit photographs (London) come
  closest to the 5 % bona fide error allowed. Not a certified PAD
  subsystem; never the only defence.
"""


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def build(src_dir):
    """The fused model: both networks side by side, softmax, mean."""
    parts = []
    for i, (name, digest, _, prefix) in enumerate(NETS):
        path = os.path.join(src_dir, name)
        if sha256(path) != digest:
            sys.exit("%s: SHA-256 is not the staged file's" % path)
        m = compose.add_prefix(onnx.load(path), prefix)
        g = m.graph
        if len(g.input) != 1 or len(g.output) != 1:
            sys.exit("%s: expected one input and one output" % path)
        old_in = g.input[0].name
        for node in g.node:
            node.input[:] = ["crop_%d" % i if x == old_in else x
                             for x in node.input]
        parts.append((g, g.output[0].name))
    nodes, inits, probs = [], [], []
    for i, (g, out) in enumerate(parts):
        nodes += list(g.node)
        inits += list(g.initializer)
        probs.append("prob_%d" % i)
        nodes.append(helper.make_node("Softmax", [out], [probs[-1]],
                                      axis=1))
    nodes.append(helper.make_node("Add", probs, ["prob_sum"]))
    inits.append(helper.make_tensor("half", TensorProto.FLOAT, [], [0.5]))
    nodes.append(helper.make_node("Mul", ["prob_sum", "half"],
                                  ["liveness"]))
    inputs = [helper.make_tensor_value_info("crop_%d" % i, TensorProto.FLOAT,
                                            [1, 3, SIDE, SIDE])
              for i in range(len(NETS))]
    graph = helper.make_graph(
        nodes, NAME, inputs,
        [helper.make_tensor_value_info("liveness", TensorProto.FLOAT,
                                       [1, 3])], inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="smartmed tools/facemodels")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write(src_dir, out_dir):
    card = CARD.format(name=NAME, sha256="{sha256}", side=SIDE,
                       scales=" ".join("%.1f" % n[2] for n in NETS),
                       threshold=THRESHOLD, threshold_note=THRESHOLD_NOTE)
    return save(build(src_dir), out_dir, NAME, card)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(write(sys.argv[1], sys.argv[2]))
