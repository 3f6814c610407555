"""A photograph of a photograph (issue 29, item 4, first part): VerifyFace
refuses a probe that is the patient's enrolment photograph again, or a
re-encoded, rescaled or re-lit copy of it, or a replay of one of the
patient's recent probes, and audits it as a suspected copy.  New
photographs of the patient still verify; MED_FACE_COPY_CHECK=warn
answers with the flag and no token; erasure removes the probe hashes.

Before, each of these copies got a signed verification token.  The cases
run on the deep pipeline as make run starts it and skip where the build
made no face models or ../shared (ORL, Caltech faces) is absent."""

import grpc
import numpy as np
import pytest

from harness.checks import expect_status, poll
from harness.faces import (DEEP_FACE_SERVICES, caltech_jpeg,
                           deep_face_stack, face_events, face_patient,
                           orl_png, use_deep_faces, verify_face)

COPY = "looks like a photograph of a photograph"


# The service of the pb fixture (tests/conftest.py).
PROTOS = "identity"


pytestmark = pytest.mark.stack(services=DEEP_FACE_SERVICES,
                               prepare=use_deep_faces)


def _photo(n):
    """Caltech face photograph n (JPEG bytes), or skip."""
    return caltech_jpeg(n)


def _cv(data):
    import cv2
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def _jpeg(img, quality):
    import cv2
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def _patient(st, pb, photos):
    return face_patient(st, pb, photos, family="Copy")


def _verify(st, pb, pid, image):
    return verify_face(st, pb, pid, image)


def _audited(st, pid, event):
    """The audit events about pid whose "event" detail is event."""
    return face_events(st, pid, "event", event)


# What the operator is told to do about a copy (issue 48, item 5).
DO = "take a new photograph of the patient in person"


def _refused_as_copy(st, pb, pid, image, of):
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, _verify, st, pb,
                      pid, image, details_contains=COPY)
    assert of in e.details(), e.details()
    assert DO in e.details(), e.details()


def test_enrolment_photo_sent_again_is_refused(st, pb):
    photo = _photo(1)
    pid = _patient(st, pb, [photo])
    _refused_as_copy(st, pb, pid, photo, "enrolment photograph")
    seen = poll(lambda: _audited(st, pid, "face copy suspected"),
                timeout=20, what="the refusal in the audit log")
    assert seen[0]["copy_of"] == "the patient's enrolment photograph"
    assert seen[0]["copy_distance"] == "0"


@pytest.mark.parametrize("n", [1, 6, 11])
def test_reencoded_rescaled_and_relit_copies_are_refused(st, pb, n):
    import cv2
    photo = _photo(n)
    pid = _patient(st, pb, [photo])
    img = _cv(photo)
    h, w = img.shape[:2]
    copies = {
        "re-encoded at quality 60": _jpeg(img, 60),
        "re-lit": _jpeg(np.clip(img * 0.85 + 25, 0, 255).astype(np.uint8),
                        70),
        "grey": _jpeg(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), 50),
    }
    for what, data in copies.items():
        try:
            r = _verify(st, pb, pid, data)
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, (what, e)
            assert COPY in e.details(), (what, e.details())
            continue
        pytest.fail("the copy %s of photograph %d was accepted "
                    "(copy_distance %d, match %s)" % (
                        what, n, r.copy_distance, r.match))


def test_new_photographs_verify_and_a_replayed_probe_is_refused(st, pb):
    # ORL subject 30 matches at the shipped threshold with a margin (0.987
    # or more; subject 4, used before, is under 0.9673: issue 48; still so
    # at 0.9668 with flip-averaged chips, item 2).
    pid = _patient(st, pb, [orl_png(30, 1), orl_png(30, 2)])
    for n in (5, 7, 9):
        r = _verify(st, pb, pid, orl_png(30, n))
        assert r.match and r.verification_token, (n, r.copy_distance)
        # (advice may carry the PAD stage's words: grey ORL photographs
        # are often flagged by it, docs/face-pad.md; never the copy's.)
        assert not r.copy_suspected and DO not in r.advice
        # No copy suspected: copy_of names no photograph (issue 48, item
        # 5); the distance to the nearest one is still reported.
        assert r.copy_of == "" and r.copy_distance > 16
    _refused_as_copy(st, pb, pid, orl_png(30, 7), "a recent photograph")


def test_another_patients_photo_is_no_copy_of_this_one(st, pb):
    a = _patient(st, pb, [orl_png(9, 1)])
    r = _verify(st, pb, a, orl_png(4, 5))
    assert not r.copy_suspected and not r.match


def test_erasure_removes_the_probe_hashes(st, pb):
    pid = _patient(st, pb, [orl_png(12, 1)])
    assert _verify(st, pb, pid, orl_png(12, 4)).match

    def rows():
        return int(st.sql("SELECT COUNT(*) FROM smartmed_identity."
                          "face_probe_copies WHERE patient_id = '%s'"
                          % pid).split()[-1])
    assert rows() == 1
    st.call("identity", "DeleteFaceTemplates", pb.DeleteFaceTemplatesRequest(
        patient_id=pid),
        role="registrar")
    assert rows() == 0


def test_warn_mode_answers_flagged_without_a_token(pb):
    photo = _photo(1)
    with deep_face_stack(MED_FACE_COPY_CHECK="warn") as s:
        pid = _patient(s, pb, [photo])
        r = _verify(s, pb, pid, photo)
        assert r.copy_suspected and r.copy_distance == 0
        assert not r.match and not r.verification_token
        assert r.copy_of == "the patient's enrolment photograph"
        assert DO in r.advice and DO in r.reason, (r.advice, r.reason)


def _attack(photo, kind, seed):
    """tools/facecal/attacks.py's attack kind on photo, as a JPEG."""
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))), "tools", "facecal"))
    import attacks
    return _jpeg(attacks.make(kind, _cv(photo), seed=seed), 90)


# Grey prints of the enrolment photograph that the chip hash places 12
# bits from it (the service refuses at 16).  Not every print is caught:
# tools/bench/face_copies.py measures the share (docs/face-pad.md); these
# two pin the cases that were, so a change that loses them fails here.
@pytest.mark.parametrize("n,seed", [(1, 1), (6, 3)])
def test_grey_print_of_the_enrolment_photo_is_refused(st, pb, n, seed):
    photo = _photo(n)
    pid = _patient(st, pb, [photo])
    _refused_as_copy(st, pb, pid, _attack(photo, "print", seed),
                     "enrolment photograph")
    seen = poll(lambda: _audited(st, pid, "face copy suspected"),
                timeout=20, what="the refusal in the audit log")
    assert seen[0]["copy_of"] == "the patient's enrolment photograph"
    assert int(seen[0]["copy_distance"]) <= 16


def test_a_retake_of_the_enrolled_patient_is_no_copy(st, pb):
    # Caltech photographs 1 and 2 are one man, a new photograph taken in
    # the same session: it verifies and is not taken for a copy.
    pid = _patient(st, pb, [_photo(1)])
    r = _verify(st, pb, pid, _photo(2))
    assert r.match and r.verification_token
    assert not r.copy_suspected and r.copy_distance > 16
    assert r.copy_of == "" and DO not in r.advice


def _mirrored(data):
    """The photograph flipped left to right (as a phone's front camera or
    an image editor does), as a JPEG."""
    import cv2
    return _jpeg(cv2.flip(_cv(data), 1), 90)


# A mirrored copy of the enrolment photograph is a copy (issue 48, item
# 4).  Before, it got a signed token: neither of its copy hashes was near
# the original's (the face is not symmetric enough).
@pytest.mark.parametrize("n", [1, 6, 11])
def test_mirrored_copy_of_the_enrolment_photo_is_refused(st, pb, n):
    photo = _photo(n)
    pid = _patient(st, pb, [photo])
    _refused_as_copy(st, pb, pid, _mirrored(photo),
                     "the patient's enrolment photograph, mirrored")
    seen = poll(lambda: _audited(st, pid, "face copy suspected"),
                timeout=20, what="the refusal in the audit log")
    assert seen[0]["copy_of"] == \
        "the patient's enrolment photograph, mirrored"


def test_mirrored_replay_of_a_probe_is_refused(st, pb):
    pid = _patient(st, pb, [orl_png(30, 1), orl_png(30, 2)])
    r = _verify(st, pb, pid, orl_png(30, 5))
    assert r.match and not r.copy_suspected, r.copy_distance
    _refused_as_copy(st, pb, pid, _mirrored(orl_png(30, 5)),
                     "a recent photograph of the patient, mirrored")


def test_warn_mode_names_the_mirrored_copy(pb):
    photo = _photo(6)
    with deep_face_stack(MED_FACE_COPY_CHECK="warn") as s:
        pid = _patient(s, pb, [photo])
        r = _verify(s, pb, pid, _mirrored(photo))
        assert r.copy_suspected and r.copy_distance <= 16
        assert not r.match and not r.verification_token
        assert r.copy_of == "the patient's enrolment photograph, mirrored"
        assert DO in r.advice and DO in r.reason, (r.advice, r.reason)
