"""identity with an ONNX face detector (MED_FACE_DETECTOR=<file>.onnx of
the yunet layout, with its model card): faces found by YuNet, eyes from
its landmarks feed the pose gate and alignment, one face or a named
refusal; a card that is wrong is refused with the reason.  Needs YuNet
and ORL from ../shared; skips without them."""

import uuid

import grpc
import pytest

from harness import Stack, paths
from harness.checks import expect_status
from harness.face_detector import yunet_detector
from harness.faces import FaceKeys, orl_png
from harness.fixtures import running

SVC = "identity"


def detector_env(**kw):
    env = FaceKeys().env()
    env["MED_FACE_DETECTOR"] = yunet_detector(
        paths.scratch_dir("smartmed-detector-"), **kw)
    return env


def patient(st, pb):
    return st.call(SVC, "CreatePatient", pb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:16].upper(), family_name="Yunet",
        birth_date="1966-05-06", sex=pb.ADMINISTRATIVE_SEX_MALE),
        role="registrar").patient_id


def verify(st, pb, pid, image):
    return st.call(SVC, "VerifyFace", pb.VerifyFaceRequest(
        patient_id=pid, image=image), role="nurse", timeout=30)


@pytest.fixture(scope="module")
def yunet_stack():
    with running(Stack(services=(SVC,), extra_env=detector_env())) as st:
        yield st


def test_enrol_and_verify_with_yunet(yunet_stack, pb):
    st = yunet_stack
    a = patient(st, pb)
    st.call(SVC, "EnrollFace", pb.EnrollFaceRequest(
        patient_id=a, images=[orl_png(5, n) for n in (1, 2, 3)]),
        role="registrar", timeout=30)
    assert verify(st, pb, a, orl_png(5, 4)).match
    assert not verify(st, pb, a, orl_png(6, 4)).match


def test_two_faces_side_by_side_are_refused(yunet_stack, pb):
    import cv2
    import numpy as np
    left = cv2.imdecode(np.frombuffer(orl_png(7, 1), np.uint8), 0)
    right = cv2.imdecode(np.frombuffer(orl_png(8, 1), np.uint8), 0)
    ok, two = cv2.imencode(".png", np.hstack([left, right]))
    assert ok
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, verify, yunet_stack, pb,
                  patient(yunet_stack, pb), two.tobytes(),
                  details_contains="2 faces found")


def test_no_face_is_refused(yunet_stack, pb):
    import cv2
    import numpy as np
    ok, flat = cv2.imencode(".png", np.full((120, 160), 128, np.uint8))
    assert ok
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, verify, yunet_stack, pb,
                  patient(yunet_stack, pb), flat.tobytes(),
                  details_contains="no face found")


@pytest.mark.parametrize("fields,says", [
    ({"format": "retinaface"}, "format 'retinaface' is not one identity "
                               "decodes (yunet, tiny-yolo-face)"),
    ({"score_threshold": None}, "'score_threshold' is required"),
    ({"kind": "face-embedder"}, "kind 'face-embedder', but a "
                                "face-detector is needed"),
], ids=["format", "score", "kind"])
def test_a_wrong_detector_card_is_refused(fields, says, pb):
    with running(Stack(services=(SVC,),
                       extra_env=detector_env(card_fields=fields))) as st:
        e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, verify, st,
                          pb, patient(st, pb), b"x",
                          details_contains="MED_FACE_DETECTOR")
        assert says in e.details(), e.details()
