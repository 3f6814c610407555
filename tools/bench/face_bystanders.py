#!/usr/bin/python3
"""How often identity refuses an ordinary photograph of one patient with a
bystander (tools/bench/face_bystanders.py): issue 29's aim is at most 1 %.

Starts a private MariaDB, audit and identity on the deep face models the
build makes (the classic ones when it made none) and sends each crowded
photograph of the test set (tests/harness/faces.py, crowded_photo: a
Caltech faces photograph widened to a 16:9 frame with a second face, from
ORL or another Caltech photograph, clearly smaller beside the patient or
up to as large at the frame's edge) to IdentifyFace and to VerifyFace and
EnrollFace of one patient enrolled from the untouched Caltech photograph,
and counts: accepted with the bystander set aside (other_faces > 0),
accepted with no second face found, refused (by reason), and the calls
where enrolment and verification disagree on accepting a photograph.
Skips (exit 0) without ../shared/data.

Knobs (environment): STEP (1: every photograph; 2 every other ...), the
MED_FACE_* knobs of identity_orl.py.
"""

import collections
import os
import re
import sys
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

import grpc  # noqa: E402

from harness import Stack, paths, protos  # noqa: E402
from harness.faces import (CALTECH, CALTECH_N, FaceKeys,  # noqa: E402
                           caltech_jpeg, crowded_photo)
from harness.run import face_models_env  # noqa: E402
from identity_orl import knob_env  # noqa: E402


def outcome(fn):
    """("ok", other_faces) or ("refused", the reason with numbers as N)."""
    try:
        return "ok", fn().other_faces
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise
        reason = (e.details() or "").split(": ", 1)[-1]
        return "refused", re.sub(r"\d+(\.\d+)?", "N", reason)


def enrolled_other_faces(st, pb, pid, img):
    res = st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
        patient_id=pid, images=[img]), role="registrar", timeout=60)
    return res.templates[0]


def count(st, pb, step):
    rows, reasons, disagree = collections.Counter(), collections.Counter(), []
    refused = []
    for n in range(1, CALTECH_N + 1, step):
        made = crowded_photo(n)
        if made is None:
            rows["no face to size the bystander by (not sent)"] += 1
            continue
        img, kind, ratio = made
        pid = st.call("identity", "CreatePatient", pb.CreatePatientRequest(
            mrn="CROWD-" + uuid.uuid4().hex[:16].upper(), family_name="Crowd",
            birth_date="1970-01-02", sex=pb.ADMINISTRATIVE_SEX_FEMALE),
            role="registrar").patient_id
        st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
            patient_id=pid, images=[caltech_jpeg(n)]), role="registrar",
            timeout=60)
        got = {
            "identify": outcome(lambda: st.call(
                "identity", "IdentifyFace",
                pb.IdentifyFaceRequest(image=img, top_k=1), role="nurse",
                timeout=30)),
            "verify": outcome(lambda: st.call(
                "identity", "VerifyFace",
                pb.VerifyFaceRequest(patient_id=pid, image=img),
                role="nurse", timeout=30)),
            "enrol": outcome(lambda: enrolled_other_faces(st, pb, pid, img)),
        }
        for call, (state, what) in got.items():
            if state == "ok":
                rows["%s %s: accepted, %s" % (kind, call, "bystander set aside"
                                              if what else "one face found")] += 1
            else:
                rows["%s %s: refused" % (kind, call)] += 1
                reasons["%s: %s" % (call, what)] += 1
        if got["identify"][0] == "refused":
            refused.append((n, kind, "%.2f" % ratio, got["identify"][1]))
        if len({state for state, _ in got.values()}) > 1:
            disagree.append((n, kind, got))
    return rows, reasons, disagree, refused


def main():
    if not os.path.isdir(CALTECH):
        print("face_bystanders: skipped, no photographs at %s" % CALTECH)
        return
    step = int(os.environ.get("STEP", "1"))
    keys = FaceKeys(paths.scratch_dir("smartmed-face-crowd-"))
    env = knob_env(dict(keys.env(), MED_FACE_COPY_CHECK="off",
                        **face_models_env()))
    with Stack(services=("identity", "audit"), extra_env=env) as st:
        rows, reasons, disagree, refused = count(
            st, protos.module("identity"), step)
    print("crowded photographs of %s, every %d" % (CALTECH, step))
    for row in sorted(rows):
        print("  %5d  %s" % (rows[row], row))
    for call in ("identify", "verify", "enrol"):
        sent = sum(c for r, c in rows.items() if (" %s: " % call) in r)
        bad = sum(c for r, c in rows.items()
                  if (" %s: refused" % call) in r)
        print("%s: refused %d of %d = %.1f %%" % (
            call, bad, sent, 100.0 * bad / max(1, sent)))
    for reason, c in reasons.most_common():
        print("  %4d  %s" % (c, reason))
    print("refused by IdentifyFace (photograph, kind, width ratio, why):")
    for r in refused:
        print("  %d %s %s: %s" % r)
    print("enrolment, verification and identification disagree on %d "
          "photographs" % len(disagree))
    for n, kind, got in disagree:
        print("  %d (%s): %s" % (n, kind, got))


if __name__ == "__main__":
    main()
