#!/usr/bin/python3
"""Does the copy check catch a photograph of the enrolment photograph?
(tools/bench/face_copy_attacks.py)

Starts a private MariaDB, audit and identity on the deep face models with
the copy check and the PAD stage as make run has them (enforce and warn),
enrols Caltech faces photographs (every 50th of the first 400, and 1, 6,
11) for a patient each, and verifies each patient with presentation
attacks made from its own enrolment photograph by tools/facecal/attacks.py
(a screen with bezel and glare, a grey print, a re-photographed colour
print; two seeds each).  Prints, per attack, whether VerifyFace refused
it (and why) or answered, with copy_distance, the score and the liveness
score.  The attacks of one patient run in order, so a later one is also
compared with the earlier ones (the patient's recent probes).

Skips (exit 0) without ../shared/data or the deep models.
"""

import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.join(REPO, "tools", "facecal"))

import grpc  # noqa: E402

import attacks  # noqa: E402
from harness import Stack, paths, protos  # noqa: E402
from harness.faces import CALTECH, FaceKeys  # noqa: E402
from harness.run import face_models_env  # noqa: E402

PHOTOS = (1, 6, 11, 50, 100, 150, 200, 250, 300, 350, 400)
SEEDS = (0, 1)


def jpeg(img):
    import cv2
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])[1] \
        .tobytes()


def enrol(st, pb, photo, n):
    pid = st.call("identity", "CreatePatient", pb.CreatePatientRequest(
        mrn="ATTACK-%d-%s" % (n, os.urandom(3).hex()), family_name="Attack",
        birth_date="1970-01-01", sex=pb.ADMINISTRATIVE_SEX_UNKNOWN),
        role="registrar").patient_id
    st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
        patient_id=pid, images=[photo]), role="registrar", timeout=60)
    return pid


def attack_row(st, pb, pid, data):
    try:
        r = st.call("identity", "VerifyFace", pb.VerifyFaceRequest(
            patient_id=pid, image=data), role="nurse", timeout=60)
    except grpc.RpcError as e:
        return "refused", e.details()
    return ("token" if r.verification_token else "no token",
            "copy_distance %d score %.4f liveness %.3f" % (
                r.copy_distance, r.score, r.liveness_score))


def main():
    import cv2
    if not os.path.isdir(CALTECH) or paths.deep_face_models() is None:
        print("skip: needs ../shared/data/faces and the deep face models")
        return 0
    keys = FaceKeys(paths.scratch_dir("smartmed-attacks-"))
    env = dict(keys.env(), **face_models_env())
    counts = {}
    with Stack(services=("identity", "audit"), extra_env=env) as st:
        pb = protos.module("identity")
        for n in PHOTOS:
            with open(os.path.join(CALTECH, "image_%04d.jpg" % n), "rb") as f:
                photo = f.read()
            pid = enrol(st, pb, photo, n)
            img = cv2.imdecode(np.frombuffer(photo, np.uint8),
                               cv2.IMREAD_COLOR)
            for kind in attacks.KINDS:
                for seed in SEEDS:
                    what, why = attack_row(st, pb, pid, jpeg(
                        attacks.make(kind, img, seed=seed)))
                    counts[(kind, what)] = counts.get((kind, what), 0) + 1
                    print("%4d %-8s seed %d  %-8s %s" % (n, kind, seed, what,
                                                         why[:100]))
    print()
    for kind in attacks.KINDS:
        print("%-8s %s" % (kind, ", ".join(
            "%s %d" % (w, counts.get((kind, w), 0))
            for w in ("refused", "token", "no token"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
