"""Identity's face index and keys across restarts: the in-memory 1:N
index is rebuilt from the encrypted templates at start, and a replaced
template key leaves every template undecryptable (DATA_LOSS) instead of
matching anything.  Needs the ORL photographs (../shared/data/faces/orl);
skips when they are absent."""

import secrets
import uuid

import grpc
import pytest

from harness import Stack, protos
from harness.fixtures import running
from harness.faces import FaceKeys, orl_png
from harness.checks import expect_status

SVC = "identity"



@pytest.fixture()
def keyed_stack():
    keys = FaceKeys()
    with running(Stack(services=("identity", "audit"), extra_env=keys.env())) as st:
        yield st, keys.template


def _patient(st, pb):
    return st.call(SVC, "CreatePatient", pb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:16].upper(), family_name="Restart",
        birth_date="1960-01-02", sex=pb.ADMINISTRATIVE_SEX_MALE),
        role="registrar").patient_id


def _enrol(st, pb, pid, subject, images):
    st.call(SVC, "EnrollFace", pb.EnrollFaceRequest(
        patient_id=pid, images=[orl_png(subject, n) for n in images]),
        role="registrar", timeout=30)


def _two_enrolled(st, sa, sb):
    """Patient a with images 1 and 2 of ORL subject sa, b with image 1 of
    sb."""
    orl_png(sa, 1)
    pb = protos.module(SVC)
    a, b = _patient(st, pb), _patient(st, pb)
    _enrol(st, pb, a, sa, (1, 2))
    _enrol(st, pb, b, sb, (1,))
    return pb, a, b


def test_index_rebuilt_at_start_and_key_change_is_data_loss(keyed_stack):
    st, tkey = keyed_stack
    pb, a, b = _two_enrolled(st, 11, 12)

    st.stop_service(SVC)
    st.start_service(SVC)
    got = st.call(SVC, "IdentifyFace", pb.IdentifyFaceRequest(
        image=orl_png(11, 3), top_k=2), role="nurse", timeout=30)
    assert got.searched == 3
    assert got.candidates[0].patient_id == a
    assert {c.patient_id for c in got.candidates} == {a, b}

    with open(tkey, "wb") as f:
        f.write(secrets.token_bytes(32))
    st.stop_service(SVC)
    st.start_service(SVC)
    expect_status(grpc.StatusCode.DATA_LOSS, st.call, SVC, "VerifyFace",
                  pb.VerifyFaceRequest(patient_id=a, image=orl_png(11, 3)),
                  role="nurse", timeout=30)
    expect_status(grpc.StatusCode.DATA_LOSS, st.call, SVC, "IdentifyFace",
                  pb.IdentifyFaceRequest(image=orl_png(11, 3)),
                  role="nurse", timeout=30)
    assert "does not decrypt" in st.log_tail(SVC, 200)
    # Revocation still works without the key; the store is usable again.
    for p in (a, b):
        st.call(SVC, "DeleteFaceTemplates", pb.DeleteFaceTemplatesRequest(
            patient_id=p), role="admin")
    got = st.call(SVC, "IdentifyFace", pb.IdentifyFaceRequest(
        image=orl_png(11, 3)), role="nurse", timeout=30)
    assert got.searched == 0 and len(got.candidates) == 0


def test_templates_of_an_older_model_are_skipped_and_logged(keyed_stack):
    """After an embedder upgrade the old model's rows stay in the table but
    are never compared: identity logs them at start (model, templates,
    patients), VerifyFace asks for enrolment, IdentifyFace does not search
    them, re-enrolment works and erasure removes both generations.  The
    upgrade is simulated by renaming the model of stored rows in SQL."""
    st, _ = keyed_stack
    pb, a, _ = _two_enrolled(st, 13, 14)
    st.sql("UPDATE smartmed_identity.face_templates SET model = 'lbp-v1'"
           " WHERE patient_id = '%s'" % a)

    st.stop_service(SVC)
    st.start_service(SVC)
    log = st.log_tail(SVC, 200)
    assert "2 face templates of 1 patients were made by model lbp-v1, " \
        "not lbp-v2: they are ignored" in log, log
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, SVC,
                  "VerifyFace", pb.VerifyFaceRequest(
                      patient_id=a, image=orl_png(13, 3)),
                  role="nurse", timeout=30,
                  details_prefix="patient_id: no face templates")
    got = st.call(SVC, "IdentifyFace", pb.IdentifyFaceRequest(
        image=orl_png(13, 3), top_k=5), role="nurse", timeout=30)
    assert got.searched == 1
    assert a not in [c.patient_id for c in got.candidates]

    _enrol(st, pb, a, 13, (1,))
    v = st.call(SVC, "VerifyFace", pb.VerifyFaceRequest(
        patient_id=a, image=orl_png(13, 3)), role="nurse", timeout=30)
    assert v.model == "lbp-v2" and v.score > 0
    got = st.call(SVC, "IdentifyFace", pb.IdentifyFaceRequest(
        image=orl_png(13, 3), top_k=5), role="nurse", timeout=30)
    assert got.searched == 2 and got.candidates[0].patient_id == a
    assert st.call(SVC, "DeleteFaceTemplates", pb.DeleteFaceTemplatesRequest(
        patient_id=a), role="admin").deleted == 3
