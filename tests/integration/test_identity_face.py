"""Identity's face index and keys across restarts: the in-memory 1:N
index is rebuilt from the encrypted templates at start, and a replaced
template key leaves every template undecryptable (DATA_LOSS) instead of
matching anything.  Needs the ORL photographs (../shared/data/faces/orl);
skips when they are absent."""

import os
import secrets
import subprocess
import tempfile
import uuid

import grpc
import pytest

from harness import Stack, StackError, paths, protos
from harness.checks import expect_status

ORL = os.path.join(paths.REPO_ROOT, "..", "shared", "data", "faces", "orl")
SVC = "identity"


def orl_png(subject, n):
    path = os.path.join(ORL, "s%d" % subject, "%d.pgm" % n)
    if not os.path.exists(path):
        pytest.skip("ORL faces not present at ../shared/data/faces/orl")
    import cv2
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    return cv2.imencode(".png", img)[1].tobytes()


@pytest.fixture()
def keyed_stack():
    d = tempfile.mkdtemp(prefix="smartmed-face-int-")
    priv, pub = os.path.join(d, "id.key"), os.path.join(d, "id.pub")
    tkey = os.path.join(d, "template.key")
    subprocess.run([paths.bin_path("vtoken"), "keygen", priv, pub],
                   check=True, stdout=subprocess.PIPE)
    with open(tkey, "wb") as f:
        f.write(secrets.token_bytes(32))
    os.chmod(tkey, 0o600)
    try:
        st = Stack(services=("identity", "audit"), extra_env={
            "MED_IDENTITY_SIGNING_KEY_FILE": priv,
            "MED_IDENTITY_TEMPLATE_KEY_FILE": tkey}).start()
    except StackError as e:
        pytest.fail("could not start the stack: %s" % e, pytrace=False)
    try:
        yield st, tkey
    finally:
        st.close()


def _patient(st, pb):
    return st.call(SVC, "CreatePatient", pb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:16].upper(), family_name="Restart",
        birth_date="1960-01-02", sex=pb.ADMINISTRATIVE_SEX_MALE),
        role="registrar").patient_id


def test_index_rebuilt_at_start_and_key_change_is_data_loss(keyed_stack):
    st, tkey = keyed_stack
    orl_png(11, 1)
    pb = protos.module(SVC)
    a, b = _patient(st, pb), _patient(st, pb)
    st.call(SVC, "EnrollFace", pb.EnrollFaceRequest(
        patient_id=a, images=[orl_png(11, n) for n in (1, 2)]),
        role="registrar", timeout=30)
    st.call(SVC, "EnrollFace", pb.EnrollFaceRequest(
        patient_id=b, images=[orl_png(12, 1)]), role="registrar", timeout=30)

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
