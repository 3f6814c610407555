"""The bedside flow across services: identity verifies a face and signs a
token; dosage, holding only identity's public key, accepts it for that
patient's administration and refuses it for another patient's.  Needs the
ORL photographs (../shared/data/faces/orl); skips when they are absent."""

import uuid

import grpc
import pytest

from harness import Stack, protos
from harness.fixtures import assess_allergies, running
from harness.faces import FaceKeys, orl_png
from harness.checks import expect_status



@pytest.fixture()
def bedside():
    orl_png(7, 1)
    keys = FaceKeys()
    with running(Stack(services=("identity", "dosage", "audit"),
                       extra_env=keys.env(public_key=True))) as st:
        yield st


def _order(st, dpb, patient):
    code = "TC-" + uuid.uuid4().hex[:12]
    st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(drug=dpb.Drug(
        code=code, name="Testamol", unit="mg", max_single_dose=1000.0,
        max_daily_dose=4000.0, routes=["oral"], substance="paracetamol",
        drug_class="analgesics")), role="pharmacist")
    assess_allergies(st, patient)
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
    assert rec.verification_model == "lbp-v2"

    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
                  "RecordAdministration", dpb.RecordAdministrationRequest(
                      order_id=_order(st, dpb, b).id, dose=500, unit="mg",
                      verification_token=v.verification_token),
                  role="nurse", details_prefix="verification_token")
