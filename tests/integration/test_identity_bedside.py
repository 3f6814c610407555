"""The bedside flow across services: identity verifies a face and signs a
token; dosage, holding only identity's public key, accepts it for that
patient's administration and refuses it for another patient's.  Needs the
ORL photographs (../shared/data/faces/orl); skips when they are absent."""

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


def orl_png(subject, n):
    path = os.path.join(ORL, "s%d" % subject, "%d.pgm" % n)
    if not os.path.exists(path):
        pytest.skip("ORL faces not present at ../shared/data/faces/orl")
    import cv2
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    return cv2.imencode(".png", img)[1].tobytes()


@pytest.fixture()
def bedside():
    orl_png(7, 1)
    d = tempfile.mkdtemp(prefix="smartmed-bedside-")
    priv, pub = os.path.join(d, "id.key"), os.path.join(d, "id.pub")
    tkey = os.path.join(d, "template.key")
    subprocess.run([paths.bin_path("vtoken"), "keygen", priv, pub],
                   check=True, stdout=subprocess.PIPE)
    with open(tkey, "wb") as f:
        f.write(secrets.token_bytes(32))
    os.chmod(tkey, 0o600)
    try:
        st = Stack(services=("identity", "dosage", "audit"), extra_env={
            "MED_IDENTITY_SIGNING_KEY_FILE": priv,
            "MED_IDENTITY_TEMPLATE_KEY_FILE": tkey,
            "MED_IDENTITY_PUBLIC_KEY_FILE": pub}).start()
    except StackError as e:
        pytest.fail("could not start the stack: %s" % e, pytrace=False)
    try:
        yield st
    finally:
        st.close()


def _order(st, dpb, patient):
    code = "TC-" + uuid.uuid4().hex[:12]
    st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(drug=dpb.Drug(
        code=code, name="Testamol", unit="mg", max_single_dose=1000.0,
        max_daily_dose=4000.0, routes=["oral"], substance="testamol",
        drug_class="testoids")), role="pharmacist")
    return st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=patient, drug_code=code, dose=500.0,
                        unit="mg", route="oral", frequency="q6h")),
        role="clinician")


def test_face_token_accepted_by_dosage(bedside):
    st = bedside
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    pids = []
    for _ in range(2):
        pids.append(st.call("identity", "CreatePatient",
                            ipb.CreatePatientRequest(
                                mrn="MRN-" + uuid.uuid4().hex[:12],
                                family_name="Bedside",
                                birth_date="1950-03-04",
                                sex=ipb.ADMINISTRATIVE_SEX_FEMALE),
                            role="registrar").patient_id)
    a, b = pids
    st.call("identity", "EnrollFace", ipb.EnrollFaceRequest(
        patient_id=a, images=[orl_png(7, n) for n in (1, 2, 3)]),
        role="nurse", timeout=30)
    v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        patient_id=a, image=orl_png(7, 6), terminal="ward3-bed7"),
        role="nurse", timeout=30)
    assert v.match, v

    rec = st.call("dosage", "RecordAdministration",
                  dpb.RecordAdministrationRequest(
                      order_id=_order(st, dpb, a).id, dose=500, unit="mg",
                      verification_token=v.verification_token),
                  role="nurse")
    assert rec.identity == "verified" and rec.patient_id == a
    assert rec.verification_score == pytest.approx(v.score)
    assert rec.verification_model == "lbp-v1"

    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
                  "RecordAdministration", dpb.RecordAdministrationRequest(
                      order_id=_order(st, dpb, b).id, dose=500, unit="mg",
                      verification_token=v.verification_token),
                  role="nurse", details_prefix="verification_token")
