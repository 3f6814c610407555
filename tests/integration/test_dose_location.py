"""Location after a transfer (issue 47, item 8), replayed the way a ward
meets it: a patient lies on ward-1, its nurses chart; the patient moves to
ward-2.  For the hand-over window (MED_IDENTITY_HANDOVER_MINUTES, 60 by
default) ward-1's staff may still chart a dose given before the move or
finish the round; after it they are refused like any other ward, the care
team's ward-1 nurse too.  A nurse of another ward who breaks the glass may
read and act, but not chart a dose on a wristband override: she identifies
the patient by face.  Each dose records the ward it was given on.  Before
this change the care-team nurse of the old ward kept charting for the whole
stay, the ward-1 staff lost the patient the moment the PAS moved them, the
break-glass nurse charted on a wristband override, and no dose said where
it was given.

Real services (audit, identity, records, dosage), real MariaDB, identity's
care relationship enforced (answers not cached), gRPC over loopback."""

import uuid

import grpc
import pytest

from harness.fixtures import assess_allergies
from harness import protos
from harness.checks import expect_status, now_ms

SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000
MIN = 60 * 1000
PRE = grpc.StatusCode.FAILED_PRECONDITION
DENIED = grpc.StatusCode.PERMISSION_DENIED
USERS = {
    "dr.loc": ("clinician", "ward-1,ward-2"),
    "nurse.w1": ("nurse", "ward-1"),
    "nurse.team1": ("nurse", "ward-1"),
    "nurse.w2": ("nurse", "ward-2"),
    "nurse.w5": ("nurse", "ward-5"),
}

pytestmark = pytest.mark.stack(
    services=SERVICES, patient_checks=True, care_checks=True, users=USERS,
    extra_env={"MED_CARE_CACHE_TTL_MS": "0",
               "MED_IDENTITY_HANDOVER_MINUTES": "60"})

PROTOS = SERVICES


@pytest.fixture(scope="module")
def drug(st, pb):
    d = pb["dosage"]
    code = "LOC-PARA-" + uuid.uuid4().hex[:8].upper()
    st.call("dosage", "UpsertDrug", d.UpsertDrugRequest(drug=d.Drug(
        code=code, name="Paracetamol 500 mg tablet", unit="mg",
        max_single_dose=1000.0, max_daily_dose=4000.0)), role="pharmacist")
    return code


def call(st, user, svc, method, req):
    path, _req, resp, _ = protos.method(svc, method)
    stub = st.channel(svc).unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=resp.FromString)
    return stub(req, timeout=10, metadata=st.metadata(
        token=st.user_tokens[user]))


def moved_patient(st, pb, moved_ago_ms):
    """A patient admitted to ward-1 three hours ago, nurse.team1 on its
    team, moved to ward-2 moved_ago_ms ago."""
    p = pb["identity"]
    pid = st.call("identity", "CreatePatient", p.CreatePatientRequest(
        mrn="LOC-" + uuid.uuid4().hex[:12].upper(), family_name="Moved",
        given_name="Ward", birth_date="1957-09-30",
        sex=p.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id
    enc = st.call("identity", "Admit", p.AdmitRequest(
        patient_id=pid, encounter_class=p.ENCOUNTER_CLASS_INPATIENT,
        ward="ward-1", bed="4-" + uuid.uuid4().hex[:6], attending="dr.loc",
        reason="fracture",
        start_ms=now_ms() - 3 * HOUR,
        care_team=[p.CareTeamMember(user="nurse.team1",
                                    role=p.PARTICIPANT_ROLE_NURSE)]),
        role="registrar")
    st.call("identity", "Transfer", p.TransferRequest(
        encounter_id=enc.encounter_id, ward="ward-2",
        bed="9-" + uuid.uuid4().hex[:6],
        time_ms=now_ms() - moved_ago_ms, reason="to orthopaedics"),
        role="registrar")
    # A first dose waits for an allergy assessment (issue 47).
    assess_allergies(st, pid, role="clinician",
                     token=st.user_tokens["dr.loc"])
    return pid


def order(st, pb, pid, drug):
    d = pb["dosage"]
    return call(st, "dr.loc", "dosage", "CreateOrder", d.CreateOrderRequest(
        order=d.Order(patient_id=pid, drug_code=drug, dose=500.0, unit="mg",
                      route="oral", frequency="prn",
                      start_ms=now_ms() - 3 * HOUR)))


def give(st, pb, user, o, at=0, token=""):
    d = pb["dosage"]
    req = d.RecordAdministrationRequest(order_id=o.id, dose=500.0, unit="mg",
                                        effective_ms=at)
    if token:
        req.verification_token = token
    else:
        req.identity_override.reason = d.OVERRIDE_REASON_EMERGENCY
        req.identity_override.text = "wristband scanned, two identifiers"
    return call(st, user, "dosage", "RecordAdministration", req)


def relation(st, pb, pid, user, units):
    p = pb["identity"]
    return st.call("identity", "CheckCareRelationship",
                   p.CheckCareRelationshipRequest(patient_id=pid, user=user,
                                                  units=units),
                   role="admin")


def test_old_ward_within_handover(st, pb, drug):
    p = pb["identity"]
    pid = moved_patient(st, pb, 10 * MIN)
    r = relation(st, pb, pid, "nurse.w1", ["ward-1"])
    assert r.relationship == p.CARE_RELATIONSHIP_HANDOVER
    assert r.handover_minutes == 60
    assert now_ms() + 40 * MIN < r.until_ms <= now_ms() + 50 * MIN
    o = order(st, pb, pid, drug)
    # ward-1's nurse charts the dose she gave before the move, and the
    # team nurse one after it, within the window.
    a = give(st, pb, "nurse.w1", o, at=now_ms() - 30 * MIN)
    assert a.ward == "ward-1"
    b = give(st, pb, "nurse.team1", o)
    assert b.ward == "ward-2"
    c = give(st, pb, "nurse.w2", o)
    assert c.ward == "ward-2"
    # The MAR says where each was given.
    m = call(st, "nurse.w2", "dosage", "GetMar",
             pb["dosage"].GetMarRequest(patient_id=pid))
    wards = sorted(x.ward for line in m.orders for x in line.administrations)
    assert wards == ["ward-1", "ward-2", "ward-2"]


def test_old_ward_after_handover(st, pb, drug):
    p = pb["identity"]
    pid = moved_patient(st, pb, 2 * HOUR)
    o = order(st, pb, pid, drug)
    assert not relation(st, pb, pid, "nurse.w1", ["ward-1"]).related
    # The team's ward-1 nurse follows her ward, not the patient.
    assert not relation(st, pb, pid, "nurse.team1", ["ward-1"]).related
    expect_status(DENIED, give, st, pb, "nurse.w1", o)
    expect_status(DENIED, give, st, pb, "nurse.team1", o)
    # The new ward and the attending are not touched.
    assert relation(st, pb, pid, "nurse.w2", ["ward-2"]).relationship == \
        p.CARE_RELATIONSHIP_UNIT
    assert relation(st, pb, pid, "dr.loc", []).relationship == \
        p.CARE_RELATIONSHIP_CARE_TEAM
    assert give(st, pb, "nurse.w2", o).ward == "ward-2"


def test_wristband_override_outside_care(st, pb, drug):
    """A ward-5 nurse breaks the glass: she may act, but a dose on a
    wristband override is refused: the face identifies the patient."""
    p = pb["identity"]
    pid = moved_patient(st, pb, 2 * HOUR)
    o = order(st, pb, pid, drug)
    expect_status(DENIED, give, st, pb, "nurse.w5", o)
    call(st, "nurse.w5", "identity", "StartBreakGlass",
         p.StartBreakGlassRequest(patient_id=pid, reason="LIFE_THREAT",
                                  justification="arrest call on ward-2"))
    expect_status(PRE, give, st, pb, "nurse.w5", o,
                  details_prefix="identity_override: you reach this "
                  "patient by break-glass")
    # The patient's own ward charts on the wristband as before.
    assert give(st, pb, "nurse.w2", o).ward == "ward-2"
