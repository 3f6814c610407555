#!/usr/bin/python3
"""How far apart copies of a photograph and new photographs hash
(tools/bench/face_copies.py): the figures behind MED_FACE_COPY_DISTANCE.

Starts a private MariaDB, audit and identity on the deep face models the
build makes (or the classic ones when it made none) with
MED_FACE_COPY_CHECK=warn, so every VerifyFace answers with copy_distance:
the distance in copy-hash bits to the nearest photograph identity has
seen of that patient (docs/internals/identity.md, "Copies of a photograph").

- New photographs: each ORL subject (40) gets photograph 1 enrolled, then
  photographs 2..10 are verified in turn.  ORL's ten photographs of a
  person were taken in one sitting, seconds apart: the hardest case for
  the check, a nurse taking a second picture of a still patient.
- Copies: Caltech faces photographs (every 3rd, 145) are each enrolled
  for a patient of their own, then sent back as copies: the same bytes,
  re-encoded at JPEG quality 15, 30 and 60, halved, greyed, re-lit
  (x0.85 + 25), cut to the middle 5/6, and as presentation attacks made
  by tools/facecal/attacks.py: shown on a screen (bezel, glare, moire,
  perspective, defocus, JPEG; two seeds), printed in grey (two seeds) and
  a colour print photographed again (one seed), and mirrored left to
  right (issue 48, item 4).  The copies of one
  photograph go to one patient in turn (a later copy is also compared
  with the earlier ones, as the service does with recent probes); each
  attack goes to a patient of its own, enrolled with the photograph, so
  it is compared with the enrolment photograph alone.

Prints, for distances D, the share of new photographs and of each kind of
copy at or under D.  Skips (exit 0) without ../shared/data.

Knobs (environment): STEP (3: every STEP-th Caltech photograph), the
MED_FACE_* knobs of identity_orl.py.
"""

import os
import sys
import uuid

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.join(REPO, "tools", "facecal"))

import attacks  # noqa: E402
from harness import Stack, paths, protos  # noqa: E402
from harness.faces import FaceKeys  # noqa: E402
from harness.run import face_models_env  # noqa: E402
from identity_orl import knob_env  # noqa: E402

DATA = os.path.join(REPO, "..", "shared", "data", "faces")
ORL = os.path.join(DATA, "orl")
CALTECH = os.path.join(DATA, "caltech_faces_easy")
DISTANCES = (0, 8, 12, 14, 16, 18, 20, 24, 32)
# Attacks per photograph: kind and the seeds (offset by the photograph's
# number, so every photograph gets its own glare, moire and slant).
ATTACKS = (("screen", (0, 1)), ("print", (0, 1)), ("rephoto", (0,)))


def encode(img, ext=".png", quality=None):
    import cv2
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if quality else []
    ok, buf = cv2.imencode(ext, img, params)
    assert ok
    return buf.tobytes()


def copies_of(raw):
    """The copies of one photograph (raw JPEG bytes), by name."""
    import cv2
    img = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    h, w = img.shape[:2]
    half = cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    lit = np.clip(img * 0.85 + 25, 0, 255).astype(np.uint8)
    cut = img[h // 12:h - h // 12, w // 12:w - w // 12]
    return {"same bytes": raw,
            "JPEG q15": encode(img, ".jpg", 15),
            "JPEG q30": encode(img, ".jpg", 30),
            "JPEG q60": encode(img, ".jpg", 60),
            "halved": encode(half, ".jpg", 80),
            "grey": encode(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), ".jpg", 50),
            "re-lit": encode(lit, ".jpg", 70),
            "cut to 5/6": encode(cut, ".jpg", 70)}


def attacks_of(raw, n):
    """Presentation attacks made from one photograph (raw JPEG bytes,
    Caltech number n), by kind; each kind a list (one per seed)."""
    import cv2
    img = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    out = {kind: [encode(attacks.make(kind, img, seed=n + s), ".jpg", 90)
                  for s in seeds] for kind, seeds in ATTACKS}
    # A mirrored copy (a phone's front camera, an image editor): issue 48,
    # item 4.
    out["mirrored"] = [encode(cv2.flip(img, 1), ".jpg", 90)]
    return out


def new_patient(st, pb):
    return st.call("identity", "CreatePatient", pb.CreatePatientRequest(
        mrn="COPY-" + uuid.uuid4().hex[:12].upper(), family_name="Copy",
        birth_date="1970-01-02", sex=pb.ADMINISTRATIVE_SEX_UNKNOWN),
        role="registrar").patient_id


def enrolled(st, pb, photo):
    """A new patient with photo enrolled, or None when it does not enrol."""
    import grpc
    pid = new_patient(st, pb)
    try:
        st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
            patient_id=pid, images=[photo]), role="registrar", timeout=60)
    except grpc.RpcError:
        return None
    return pid


def distance(st, pb, pid, photo):
    """copy_distance of one VerifyFace, or None when it is refused."""
    import grpc
    try:
        return st.call("identity", "VerifyFace", pb.VerifyFaceRequest(
            patient_id=pid, image=photo), role="nurse",
            timeout=30).copy_distance
    except grpc.RpcError:
        return None


def orl_png(s, n):
    import cv2
    return encode(cv2.imread(os.path.join(ORL, "s%d" % s, "%d.pgm" % n),
                             cv2.IMREAD_GRAYSCALE))


def new_photographs(st, pb):
    out = []
    for s in range(1, 41):
        pid = enrolled(st, pb, orl_png(s, 1))
        if pid is None:
            continue
        out += [d for n in range(2, 11)
                if (d := distance(st, pb, pid, orl_png(s, n))) is not None]
    return out


def copies(st, pb):
    out = {}
    for i in range(1, 436, int(os.environ.get("STEP", "3"))):
        with open(os.path.join(CALTECH, "image_%04d.jpg" % i), "rb") as f:
            raw = f.read()
        pid = enrolled(st, pb, raw)
        if pid is None:
            continue
        for name, data in copies_of(raw).items():
            d = distance(st, pb, pid, data)
            if d is not None:
                out.setdefault(name, []).append(d)
        # Each attack goes to a patient of its own, so it is compared with
        # the enrolment photograph only, not with the copies sent before.
        for name, shots in attacks_of(raw, i).items():
            for data in shots:
                own = enrolled(st, pb, raw)
                d = None if own is None else distance(st, pb, own, data)
                if d is not None:
                    out.setdefault(name, []).append(d)
    return out


def report(fresh, copied):
    print("new photographs (ORL, one sitting): %d, distance min %d, p1 %.0f,"
          " median %.0f" % (len(fresh), min(fresh),
                            np.percentile(fresh, 1), np.median(fresh)))
    print("copies sent back (answered): %s" % ", ".join(
        "%s %d" % (k, len(v)) for k, v in copied.items()))
    print("%-10s %8s  %s" % ("distance", "new", "  ".join(
        "%10s" % k for k in copied)))
    for d in DISTANCES:
        share = [np.mean(np.array(v) <= d) for v in copied.values()]
        print("%-10d %7.1f%%  %s" % (d, 100 * np.mean(np.array(fresh) <= d),
                                     "  ".join("%9.0f%%" % (100 * x)
                                               for x in share)))


def main():
    if not (os.path.isdir(ORL) and os.path.isdir(CALTECH)):
        print("face_copies: skipped, no faces at %s" % DATA)
        return
    keys = FaceKeys(paths.scratch_dir("smartmed-face-copies-"))
    env = dict(keys.env(), **face_models_env())
    env["MED_FACE_COPY_CHECK"] = "warn"
    env = knob_env(env)
    with Stack(services=("identity", "audit"), extra_env=env) as st:
        pb = protos.module("identity")
        report(new_photographs(st, pb), copies(st, pb))


if __name__ == "__main__":
    main()
