"""identity with an ONNX face embedder (MED_FACE_EMBEDDER=<file>.onnx and
its model card): refused with a clear reason unless the card is complete
and matches the file; with a good card, templates, verification tokens,
audit events and searches carry the card's model name, and templates of
another model are never compared.  The model is the tests' own random
projection (harness/face_embedder.py).  The ORL cases skip without
../shared."""

import uuid

import grpc
import pytest

from harness import Stack, paths, protos
from harness.checks import expect_status, poll
from harness.face_embedder import write_embedder
from harness.faces import FaceKeys, orl_png
from harness.fixtures import running

SVC = "identity"
NAME = "faceproj-test"
# Above every impostor score of this weak model on the ORL pairs used
# below, and below a photograph compared with itself.
THRESHOLD = 0.97


def embedder_env(keys, **kw):
    """identity on the ONNX embedder.  These cases verify the enrolment
    photograph itself (it must score ~1 through the model), which the copy
    check would refuse as a replay (test_face_copies.py): it is off."""
    d = paths.scratch_dir("smartmed-embedder-")
    env = keys.env()
    env["MED_FACE_EMBEDDER"] = write_embedder(d, **kw)
    env["MED_FACE_COPY_CHECK"] = "off"
    return env


def patient(st, pb):
    return st.call(SVC, "CreatePatient", pb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:16].upper(), family_name="Onnx",
        birth_date="1971-03-04", sex=pb.ADMINISTRATIVE_SEX_FEMALE),
        role="registrar").patient_id


def enroll(st, pb, pid, images):
    return st.call(SVC, "EnrollFace", pb.EnrollFaceRequest(
        patient_id=pid, images=images), role="registrar", timeout=30)


def verify(st, pb, pid, image):
    return st.call(SVC, "VerifyFace", pb.VerifyFaceRequest(
        patient_id=pid, image=image), role="nurse", timeout=30)


BAD_CARDS = [
    ({"card": False}, "faceproj-test.card.md: no model card"),
    ({"card_fields": {"sha256": "0" * 64}}, "does not match the model file"),
    ({"card_fields": {"kind": "face-detector"}},
     "kind 'face-detector', but a face-embedder is needed"),
    ({"card_fields": {"licence": None}}, "'licence' is required"),
    ({"card_fields": {"threshold": "1.5"}}, "'threshold: 1.5' is outside"),
    ({"card_fields": {"output_dim": "64"}},
     "one output, [1, 64] as its card says"),
    ({"card_fields": {"input_width": "96"}},
     "input is not [1, 1, 112, 96] as its card says"),
    ({"name": "lbp-v9"}, "names starting 'lbp-' belong to the built-in"),
    ({"card_fields": {"min_face_px": "8"}}, "'min_face_px: 8' is outside"),
    ({"card_fields": {"min_face_px": "30.5"}},
     "output_dim and min_face_px are whole numbers"),
]


@pytest.mark.parametrize("kw,says", BAD_CARDS,
                         ids=[s.split(" ")[0].strip("'") + str(i)
                              for i, (_, s) in enumerate(BAD_CARDS)])
def test_a_model_without_a_good_card_is_refused_with_the_reason(
        kw, says, pb):
    """The patient index still serves; every face RPC answers
    FAILED_PRECONDITION with the reason the embedder was refused."""
    env = embedder_env(FaceKeys(), **kw)
    with running(Stack(services=(SVC,), extra_env=env)) as st:
        pid = patient(st, pb)
        e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, verify, st,
                          pb, pid, b"\x89PNG not read",
                          details_contains="MED_FACE_EMBEDDER")
        assert says in e.details(), e.details()
        assert says in st.log_tail(SVC, 200)


def test_a_name_that_is_not_a_path_is_refused(pb):
    env = FaceKeys().env()
    env["MED_FACE_EMBEDDER"] = "facenet"
    with running(Stack(services=(SVC,), extra_env=env)) as st:
        expect_status(grpc.StatusCode.FAILED_PRECONDITION, verify, st, pb,
                      patient(st, pb), b"x",
                      details_contains="'facenet' is neither lbp-v2 nor a "
                                       "path to an ONNX model")


@pytest.fixture(scope="module")
def onnx_stack():
    keys = FaceKeys()
    env = embedder_env(keys, threshold=THRESHOLD)
    with running(Stack(services=(SVC, "audit"), extra_env=env)) as st:
        yield st


def test_enrol_verify_identify_through_the_onnx_embedder(onnx_stack, pb):
    st = onnx_stack
    a, b = patient(st, pb), patient(st, pb)
    got = enroll(st, pb, a, [orl_png(21, 1), orl_png(21, 2)])
    assert [t.model for t in got.templates] == [NAME, NAME]
    enroll(st, pb, b, [orl_png(22, 1)])
    same = verify(st, pb, a, orl_png(21, 1))
    assert same.match and same.score > 0.999, same
    assert same.model == NAME and same.threshold == pytest.approx(THRESHOLD)
    assert same.verification_token
    other = verify(st, pb, a, orl_png(22, 1))
    assert not other.match and other.score < THRESHOLD, other
    found = st.call(SVC, "IdentifyFace", pb.IdentifyFaceRequest(
        image=orl_png(22, 1), top_k=2), role="nurse", timeout=30)
    assert found.model == NAME
    assert found.candidates[0].patient_id == b
    out = st.sql("SELECT DISTINCT model, dim FROM "
                 "smartmed_identity.face_templates WHERE patient_id IN "
                 "('%s', '%s')" % (a, b))
    assert out.strip().splitlines()[1:] == ["%s\t128" % NAME], out


def test_the_audit_event_names_the_onnx_model(onnx_stack, pb):
    st = onnx_stack
    apb = protos.module("audit")
    a = patient(st, pb)
    enroll(st, pb, a, [orl_png(23, 1)])
    verify(st, pb, a, orl_png(23, 1))

    def verify_event():
        recs = st.call("audit", "Query", apb.QueryRequest(patient_id=a),
                       role="auditor", timeout=10)
        evs = [r.event for r in recs
               if r.event.action.endswith("/VerifyFace")]
        return evs[0] if evs else None
    ev = poll(verify_event, what="the VerifyFace audit event")
    details = {d.key: d.value for d in ev.details}
    assert details["model"] == NAME
    assert "backend=cpu" in details["inference"]


def test_templates_of_another_model_are_never_compared(pb):
    """Enrolled with lbp-v2, then identity restarts with the ONNX embedder:
    the old templates are named in the log and neither verified nor
    searched; switching back finds them again."""
    keys = FaceKeys()
    env = dict(keys.env(), MED_FACE_COPY_CHECK="off")
    with running(Stack(services=(SVC,), extra_env=env)) as st:
        a = patient(st, pb)
        enroll(st, pb, a, [orl_png(24, 1)])
        svc = st.services[SVC]
        st.stop_service(SVC)
        svc.env["MED_FACE_EMBEDDER"] = write_embedder(
            paths.scratch_dir("smartmed-embedder-"))
        st.start_service(SVC)
        assert ("were made by model lbp-v2, not %s" % NAME
                in st.log_tail(SVC, 100))
        expect_status(grpc.StatusCode.FAILED_PRECONDITION, verify, st, pb,
                      a, orl_png(24, 1),
                      details_contains="no face templates enrolled")
        found = st.call(SVC, "IdentifyFace", pb.IdentifyFaceRequest(
            image=orl_png(24, 1), top_k=5), role="nurse", timeout=30)
        assert a not in [c.patient_id for c in found.candidates]
        st.stop_service(SVC)
        del svc.env["MED_FACE_EMBEDDER"]
        st.start_service(SVC)
        assert verify(st, pb, a, orl_png(24, 1)).match


def test_the_cards_smallest_face_is_the_gate_unless_the_operator_sets_one(pb):
    """min_face_px on the card sets the size gate (an ORL photograph is
    92x112, so 400 refuses every face in it: the Haar detector, given the
    gate, finds none); MED_FACE_MIN_SIZE overrides it, and a value outside
    16..4096 is refused by name."""
    keys = FaceKeys()
    env = embedder_env(keys, card_fields={"min_face_px": "400"})
    with running(Stack(services=(SVC,), extra_env=env)) as st:
        assert "smallest face 400 px" in st.log_tail(SVC, 100)
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, enroll, st, pb,
                      patient(st, pb), [orl_png(25, 1)],
                      details_contains="no face found")
        svc = st.services[SVC]
        st.stop_service(SVC)
        svc.env["MED_FACE_MIN_SIZE"] = "32"
        st.start_service(SVC)
        assert "smallest face 32 px" in st.log_tail(SVC, 100)
        assert enroll(st, pb, patient(st, pb), [orl_png(25, 1)]).templates
        st.stop_service(SVC)
        svc.env["MED_FACE_MIN_SIZE"] = "8"
        st.start_service(SVC)
        expect_status(grpc.StatusCode.FAILED_PRECONDITION, verify, st, pb,
                      patient(st, pb), b"x",
                      details_contains="MED_FACE_MIN_SIZE: '8' is not a "
                                       "whole number of pixels in [16, "
                                       "4096]")
