"""The dominant face and bad photographs (issue 29, items 3 and "Bad
input"): one rule for enrolment, verification and identification picks
the patient in a photograph with a bystander, as a person would; a
photograph with no face, a tiny face or a face behind another face is
refused with a reason that says which, audited with it, and never gets a
token or a template.

Before, a bystander as large as the patient at the frame's edge, or one
1.4 times smaller beside them, was refused ("none clearly larger and
nearer the centre": 37.5 % of the crowded set), a bedside check looked
once where enrolment looked twice and so could decide the same photograph
the other way, and a refusal's audit event did not say what was wrong.

The crowded set is made here from ../shared (tests/harness/faces.py,
crowded_photo); the cases skip without it or without the deep models."""


import grpc
import numpy as np
import pytest

from harness.checks import expect_status, poll
from harness.faces import (CALTECH_N, caltech_jpeg, crowded_photo,
                           DEEP_FACE_SERVICES, face_events, face_patient,
                           orl_png, use_deep_faces, verify_face)

INVALID = grpc.StatusCode.INVALID_ARGUMENT


# The service of the pb fixture (tests/conftest.py).
PROTOS = "identity"


pytestmark = pytest.mark.stack(
    services=DEEP_FACE_SERVICES,
    prepare=lambda s: use_deep_faces(s, MED_FACE_COPY_CHECK="off"))


def _patient(st, pb):
    return face_patient(st, pb, family="Crowd")


def _enrol(st, pb, pid, photos):
    return st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
        patient_id=pid, images=photos), role="registrar", timeout=60)


def _verify(st, pb, pid, image):
    return verify_face(st, pb, pid, image)


def _identify(st, pb, image):
    return st.call("identity", "IdentifyFace", pb.IdentifyFaceRequest(
        image=image, top_k=1), role="registrar", timeout=30)


def _outcome(fn):
    """("accepted", faces set aside) or ("refused", the reason without the
    request field, which differs between the calls)."""
    try:
        return "accepted", fn().other_faces
    except grpc.RpcError as e:
        assert e.code() == INVALID, (e.code(), e.details())
        return "refused", (e.details() or "").split(": ", 1)[-1]


def test_crowded_photographs_take_the_patient_alike_everywhere(st, pb):
    """Every third photograph of the crowded set: the patient enrolled from
    the plain Caltech photograph, then the crowded one sent to EnrollFace,
    VerifyFace and IdentifyFace.  At most 1 % refused, and the three calls
    agree on each photograph (accepted or refused, faces set aside)."""
    sent, refused, set_aside, disagree = 0, [], 0, []
    for n in range(1, CALTECH_N + 1, 3):
        made = crowded_photo(n)
        if made is None:
            continue
        img, kind, ratio = made
        pid = _patient(st, pb)
        _enrol(st, pb, pid, [caltech_jpeg(n)])
        got = {"verify": _outcome(lambda: _verify(st, pb, pid, img)),
               "identify": _outcome(lambda: _identify(st, pb, img)),
               "enrol": _outcome(
                   lambda: _enrol(st, pb, pid, [img]).templates[0])}
        sent += 1
        if got["verify"][0] == "refused":
            refused.append((n, kind, round(ratio, 2), got["verify"][1]))
        elif got["verify"][1]:
            set_aside += 1
        if len(set(got.values())) > 1:
            disagree.append((n, kind, got))
    assert sent > 100, sent
    assert not disagree, disagree
    assert len(refused) <= 0.01 * sent, (len(refused), sent, refused)
    # the set does hold bystanders the detector sees
    assert set_aside > 0.3 * sent, (set_aside, sent)


def _refusals(st, pid, what):
    """(action, outcome) of the audit events about pid that record a
    photograph refused as what."""
    return [(d["_action"], d["_outcome"])
            for d in face_events(st, pid, "refusal", what)]


def _refused_everywhere(st, pb, image, says, what):
    """image is refused by VerifyFace and EnrollFace with a reason that
    says says, both audited as refusal what, and no template is written."""
    pid = _patient(st, pb)
    _enrol(st, pb, pid, [orl_png(3, 1)])
    expect_status(INVALID, _verify, st, pb, pid, image,
                  details_contains=says)
    expect_status(INVALID, _enrol, st, pb, pid, [image],
                  details_contains=says)
    expect_status(INVALID, _identify, st, pb, image, details_contains=says)
    seen = poll(lambda: len(_refusals(st, pid, what)) >= 2 and
                _refusals(st, pid, what), timeout=20,
                what="both refusals in the audit log")
    actions = sorted(a.rsplit("/", 1)[-1] for a, _ in seen)
    assert actions == ["EnrollFace", "VerifyFace"], seen
    assert all(code == INVALID.value[0] for _, code in seen), seen
    out = st.sql("SELECT COUNT(*) FROM smartmed_identity.face_templates "
                 "WHERE patient_id = '%s'" % pid)
    assert out.strip().splitlines()[-1] == "1", out


def _cv(data):
    import cv2
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def _jpeg(img):
    import cv2
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return buf.tobytes()


def test_a_photograph_with_no_face_is_refused_as_such(st, pb):
    """The wall and bookshelf above a Caltech patient's head."""
    top = _cv(caltech_jpeg(1))[:80]
    _refused_everywhere(st, pb, _jpeg(top), "no face found", "no-face")


def test_a_tiny_face_is_refused_as_too_small(st, pb):
    """A patient photographed from across the room: a face about 20 px
    across (the deep pipeline needs 24)."""
    import cv2
    img = _cv(caltech_jpeg(5))
    small = cv2.resize(img, (32, 36), interpolation=cv2.INTER_AREA)
    canvas = np.full((64, 64, 3), 200, np.uint8)
    canvas[14:50, 16:48] = small
    _refused_everywhere(st, pb, _jpeg(canvas), "pixels across; at least",
                        "face-too-small")


def test_a_face_behind_another_face_is_refused(st, pb):
    """A relative leaning in behind the patient: a second face of about
    the patient's size, partly hidden behind the patient's head (the
    detector's boxes share about a fifth of the smaller one)."""
    import cv2
    from harness.faces import paste_face
    canvas = np.full((360, 480, 3), 180, np.uint8)
    back = cv2.resize(_cv(caltech_jpeg(200))[80:300, 30:250], (190, 190))
    front = cv2.resize(_cv(caltech_jpeg(1))[80:300, 40:260], (200, 200))
    paste_face(canvas, back, 240 + 75, 200 - 75)
    paste_face(canvas, front, 240, 200)
    _refused_everywhere(st, pb, _jpeg(canvas), "one behind the other",
                        "face-behind-another")
