#!/usr/bin/python3
"""The PAD crops' resampling compared on bona fide photographs
(tools/facecal/pad_resample.py; docs/face-pad.md, "The crops'
resampling").

Sends every photograph under ROOT (default ../shared/data/faces/london:
one folder per person) to identity as one IdentifyFace, on the deep face
pipeline with MED_FACE_PAD=warn and the build's MiniFASNet, twice: with
its card as built (crop_resample bilinear) and with a copy of the card
that says crop_resample area (the crops averaged over each pixel's
footprint).  STEP: every STEP-th photograph (1); PAD: widen each
photograph by PAD of its side first, as calibrate.py's pad= (Glint24's
aligned crops: 0.5).  Prints, for each, how many photographs scored under the
card's threshold (BPCER of bona fide photographs, with its 95 % upper
bound) and the median score; writes every score to OUT
(build/facecal/pad_resample.json).  Skips (exit 0) without ROOT or the
model.
"""

import json
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, HERE)

import calibrate  # noqa: E402
from harness import paths, protos  # noqa: E402
from harness.faces import deep_face_stack  # noqa: E402

MODEL = "minifasnet-fused-v1"
CARD_THRESHOLD = 0.5


def photographs(root, step):
    """Every step-th photograph under root: in its person folders, or in
    root itself when it holds them (Caltech)."""
    out = []
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        if os.path.isdir(d):
            out += [os.path.join(d, n) for n in sorted(os.listdir(d))
                    if n.lower().endswith((".jpg", ".png"))]
        elif name.lower().endswith((".jpg", ".png")):
            out.append(d)
    return out[::step]


def area_copy(model, folder):
    """A copy of model's card saying crop_resample area, beside a link to
    the model, in folder; the path to give identity."""
    card = open(model[:-5] + ".card.md").read()
    if "crop_resample: bilinear\n" not in card:
        sys.exit("%s: the card does not say crop_resample bilinear" % model)
    link = os.path.join(folder, os.path.basename(model))
    os.symlink(model, link)
    with open(link[:-5] + ".card.md", "w") as f:
        f.write(card.replace("crop_resample: bilinear\n",
                             "crop_resample: area\n"))
    return link


def scores(model, files, pad):
    pb = protos.module("identity")
    out = {}
    with deep_face_stack(MED_FACE_PAD="warn", MED_FACE_PAD_MODEL=model,
                         MED_FACE_COPY_CHECK="off") as st:
        for path in files:
            image = calibrate.photo_bytes(path, pad)
            try:
                a = st.call("identity", "IdentifyFace",
                            pb.IdentifyFaceRequest(image=image, top_k=1),
                            role="registrar", timeout=30)
            except Exception:  # refused before the stage: not scored
                continue
            if a.pad_decision in (pb.PAD_DECISION_BONA_FIDE,
                                  pb.PAD_DECISION_FLAGGED):
                out[path] = a.liveness_score
    return out


def main():
    root = os.environ.get("ROOT", os.path.join(
        REPO, "..", "shared", "data", "faces", "london"))
    model = os.path.join(paths.build_dir(), "models", "face",
                         MODEL + ".onnx")
    if not (os.path.isdir(root) and os.path.exists(model)):
        print("pad_resample: skipped (no %s or no %s)" % (root, model))
        return
    files = photographs(root, int(os.environ.get("STEP", "1")))
    pad = float(os.environ.get("PAD", "0"))
    result = {}
    with tempfile.TemporaryDirectory(prefix="smartmed-padres-") as tmp:
        for tag, m in (("area", area_copy(model, tmp)),
                       ("bilinear", model)):
            result[tag] = scores(m, files, pad)
    out = os.environ.get("OUT") or os.path.join(
        paths.build_dir(), "facecal", "pad_resample.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(result, f)
    print("| crop_resample | photographs scored | under %.1f (BPCER; 95 %% "
          "bound) | median score |" % CARD_THRESHOLD)
    print("|---|---|---|---|")
    for tag, s in result.items():
        v = list(s.values())
        k = sum(x < CARD_THRESHOLD for x in v)
        print("| %s | %d of %d | %d (%.1f %%; < %.1f %%) | %.3f |" % (
            tag, len(v), len(files), k, 100.0 * k / len(v),
            100.0 * calibrate.upper95(k, len(v)), statistics.median(v)))
    print("scores: %s" % out)

if __name__ == "__main__":
    main()
