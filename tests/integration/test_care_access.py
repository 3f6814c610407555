"""Access by care relationship (issue 20): records, dosage and diagnosis ask
identity's CheckCareRelationship when a clinician or nurse touches a
patient.  A ward-3 nurse does her round on ward 3 and is refused ward 5's
patient (PERMISSION_DENIED naming break-glass, nothing written, the refusal
audited) unless she breaks the glass for that patient (StartBreakGlass,
test_break_glass_rpc.py; a header grant opens no patient); the
care team reaches its patient without the ward; the discharging team keeps
access inside MED_IDENTITY_DISCHARGE_ACCESS_HOURS and loses it after;
pharmacists keep their role's rights; with identity away a write is
UNAVAILABLE.  Real services, real MariaDB, gRPC over loopback."""

import re
import time
import uuid

import grpc
import pytest

from harness import metrics, protos
from harness.checks import expect_status, now_ms, poll
from harness.faces import FaceKeys, orl_png
from harness.fixtures import assess_allergies

SERVICES = ("audit", "identity", "records", "dosage", "diagnosis")
HOURS = 2
TTL_MS = 200
DENIED = grpc.StatusCode.PERMISSION_DENIED
# The users of this suite: (name, role, units) - the token file's 4th
# field carries the units, as a JWT's units claim would.
CARE_USERS = {
    "nurse.w3": ("nurse", "ward-3"),
    "nurse.w5": ("nurse", "ward-5"),
    "nurse.team": ("nurse", None),
    "dr.w3": ("clinician", "ward-3"),
    "dr.w5": ("clinician", "ward-5"),
    "dr.team": ("clinician", None),
}


pytestmark = pytest.mark.stack(
    services=SERVICES, patient_checks=True, care_checks=True,
    users=CARE_USERS,
    extra_env={"MED_IDENTITY_DISCHARGE_ACCESS_HOURS": str(HOURS),
               "MED_CARE_CACHE_TTL_MS": str(TTL_MS)},
    # Face verification tokens for the bedside flow.
    prepare=lambda s: s.extra_env.update(FaceKeys().env(public_key=True)))


# The pb fixture (tests/conftest.py): {service: module}.
PROTOS = SERVICES


@pytest.fixture(scope="module")
def drug(st, pb):
    d = pb["dosage"]
    code = "CA-" + uuid.uuid4().hex[:8].upper()
    st.call("dosage", "UpsertDrug", d.UpsertDrugRequest(drug=d.Drug(
        code=code, name="Paracetamol 500 mg tablet", unit="mg",
        max_single_dose=1000.0, max_daily_dose=4000.0)), role="pharmacist")
    return code


def as_user(st, user, svc, method, req, md=()):
    """Call as one of CARE_USERS; returns (response, call)."""
    path, _req, resp, _ = protos.method(svc, method)
    stub = st.channel(svc).unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=resp.FromString)
    return stub.with_call(req, timeout=5, metadata=st.metadata(
        token=st.user_tokens[user]) + list(md))


def call(st, user, svc, method, req, md=()):
    return as_user(st, user, svc, method, req, md)[0]


def patient(st, pb):
    p = pb["identity"]
    return st.call("identity", "CreatePatient", p.CreatePatientRequest(
        mrn="CARE-" + uuid.uuid4().hex[:12].upper(), family_name="Care",
        given_name="Test", birth_date="1958-06-01",
        sex=p.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id


def admit(st, pb, pid, ward, team=(), attending="dr.nobody", **kw):
    p = pb["identity"]
    return st.call("identity", "Admit", p.AdmitRequest(
        patient_id=pid, encounter_class=p.ENCOUNTER_CLASS_INPATIENT,
        ward=ward, bed="1-" + uuid.uuid4().hex[:6], attending=attending,
        reason="care test",
        care_team=[p.CareTeamMember(user=u, role=p.PARTICIPANT_ROLE_NURSE)
                   for u in team], **kw), role="registrar")


def on_ward(st, pb, ward, **kw):
    pid = patient(st, pb)
    admit(st, pb, pid, ward, **kw)
    return pid


# --- what a user does to a patient, one per service ------------------------

def entry(st, pb, user, pid, md=()):
    r = pb["records"]
    return call(st, user, "records", "CreateEntry", r.CreateEntryRequest(
        patient_id=pid, kind=r.ENTRY_KIND_NOTE, title="Round",
        body="Comfortable overnight."), md)


def entries(st, pb, user, pid, md=()):
    r = pb["records"]
    return call(st, user, "records", "ListEntries",
                r.ListEntriesRequest(patient_id=pid), md)


def orders(st, pb, user, pid, md=()):
    d = pb["dosage"]
    return call(st, user, "dosage", "ListOrders",
                d.ListOrdersRequest(patient_id=pid), md)


def conditions(st, pb, user, pid, md=()):
    x = pb["diagnosis"]
    return call(st, user, "diagnosis", "ListConditions",
                x.ListConditionsRequest(patient_id=pid), md)


def condition(st, pb, user, pid, md=()):
    x = pb["diagnosis"]
    return call(st, user, "diagnosis", "AddCondition", x.AddConditionRequest(
        patient_id=pid, code_system="ICD-10", code="J18.9",
        display="Pneumonia, unspecified",
        clinical_status=x.CLINICAL_STATUS_ACTIVE,
        verification_status=x.VERIFICATION_STATUS_PROVISIONAL,
        onset_date="2024-01-02"), md)


def order(st, pb, user, pid, code):
    """An order by user, after user charts the allergy assessment (none
    known) a first dose needs (issue 47)."""
    d = pb["dosage"]
    assess_allergies(st, pid, token=st.user_tokens[user])
    return call(st, user, "dosage", "CreateOrder", d.CreateOrderRequest(
        order=d.Order(patient_id=pid, drug_code=code, dose=500.0, unit="mg",
                      route="oral", frequency="q6h")))


def rows(st, pid):
    """Rows naming pid in the tables the writes above fill."""
    tables = ("smartmed_records.entries", "smartmed_dosage.orders",
              "smartmed_diagnosis.conditions")
    total = "+".join("(SELECT COUNT(*) FROM %s WHERE patient_id = '%s')"
                     % (t, pid) for t in tables)
    m = re.search(r"n=(\d+)", st.sql("SELECT CONCAT('n=', %s);" % total))
    assert m, "no count from MariaDB"
    return int(m.group(1))


def audit_events(st, actor, pred):
    apb = protos.module("audit")

    def find():
        recs = st.call("audit", "Query", apb.QueryRequest(actor=actor),
                       role="auditor")
        return [r.event for r in recs if pred(r.event)]
    return poll(find, timeout=10, what="audit events of %s" % actor)


def refused(fn, *args, **kw):
    return expect_status(DENIED, fn, *args, details_contains="break the glass",
                         **kw)


# --- the matrix ---------------------------------------------------------------

def test_ward_nurse_does_her_round(st, pb, drug):
    pid = on_ward(st, pb, "ward-3")
    order(st, pb, "dr.w3", pid, drug)
    condition(st, pb, "dr.w3", pid)
    e = entry(st, pb, "nurse.w3", pid)
    assert e.patient_id == pid
    assert len(entries(st, pb, "nurse.w3", pid).entries) == 1
    assert len(orders(st, pb, "nurse.w3", pid).orders) == 1
    assert len(conditions(st, pb, "nurse.w3", pid).conditions) == 1


def test_ward_nurse_bedside_face_flow(st, pb, drug):
    """Positive patient identification at the bedside under the care
    check: the ward-3 nurse verifies her patient's face and gives the
    dose; the ward-5 nurse, with a face match of her own, is refused by
    the relationship before any dose is charted."""
    ipb, dpb = pb["identity"], pb["dosage"]
    orl_png(7, 1)
    pid = on_ward(st, pb, "ward-3")
    call(st, "nurse.w3", "identity", "EnrollFace", ipb.EnrollFaceRequest(
        patient_id=pid, images=[orl_png(7, n) for n in (1, 2, 3)]))

    def verified(user, photo):
        v = call(st, user, "identity", "VerifyFace", ipb.VerifyFaceRequest(
            patient_id=pid, image=orl_png(7, photo), terminal="ward3-bed1",
            wristband=pid))
        assert v.match, v
        return v.verification_token

    def give(user, token):
        return call(st, user, "dosage", "RecordAdministration",
                    dpb.RecordAdministrationRequest(
                        order_id=order(st, pb, "dr.w3", pid, drug).id,
                        dose=500, unit="mg", verification_token=token))
    rec = give("nurse.w3", verified("nurse.w3", 6))
    assert rec.identity == "verified" and rec.patient_id == pid
    # A photograph of her own: the same one again is refused as a copy.
    refused(give, "nurse.w5", verified("nurse.w5", 8))


def test_other_ward_refused_nothing_written_and_audited(st, pb, drug):
    pid = on_ward(st, pb, "ward-3")
    before = rows(st, pid)
    e = refused(entry, st, pb, "nurse.w5", pid)
    assert e.details().startswith("patient_id:")
    refused(entries, st, pb, "nurse.w5", pid)
    refused(orders, st, pb, "nurse.w5", pid)
    refused(conditions, st, pb, "nurse.w5", pid)
    assert rows(st, pid) == before
    ev = audit_events(st, "nurse.w5", lambda e: e.patient_id == pid and
                      e.action.endswith("/CreateEntry"))[0]
    assert ev.outcome == DENIED.value[0] and not ev.break_glass
    assert any(d.key == "care_relationship" and d.value == "none"
               for d in ev.details)


def test_header_grant_does_not_open_the_other_ward(st, pb):
    """A header grant (x-break-glass-start) names no patient, so it opens
    none: the care check asks for a grant for this patient, which
    identity's StartBreakGlass gives (test_break_glass_rpc.py)."""
    pid = on_ward(st, pb, "ward-3")
    # Any call of hers starts one; a search, since identity shows her
    # only her own patients (test_lookup_scope.py).
    _r, c = as_user(st, "nurse.w5", "identity", "SearchPatients",
                    pb["identity"].SearchPatientsRequest(
                        family_name_prefix="Care"),
                    md=[("x-break-glass-start", "LIFE_THREAT")])
    grant = dict(c.initial_metadata())["x-break-glass-grant"]
    glass = [("x-break-glass", grant)]
    refused(entry, st, pb, "nurse.w5", pid, glass)
    refused(orders, st, pb, "nurse.w5", pid, glass)
    refused(conditions, st, pb, "nurse.w5", pid, glass)


def test_care_team_without_the_ward(st, pb):
    pid = on_ward(st, pb, "ward-3", team=["nurse.team"])
    entry(st, pb, "nurse.team", pid)
    orders(st, pb, "nurse.team", pid)
    conditions(st, pb, "nurse.team", pid)


def test_discharge_window(st, pb):
    p = pb["identity"]
    pid = patient(st, pb)
    e = admit(st, pb, pid, "ward-3", attending="dr.team")
    st.call("identity", "Discharge", p.DischargeRequest(
        encounter_id=e.encounter_id, reason="home"), role="registrar")
    time.sleep(TTL_MS / 1000 + 0.1)
    entries(st, pb, "dr.team", pid)  # the discharging team, inside
    refused(entries, st, pb, "nurse.w3", pid)  # the ward no longer

    old = patient(st, pb)
    t0 = now_ms() - (HOURS + 2) * 3600 * 1000
    o = admit(st, pb, old, "ward-3", attending="dr.team", start_ms=t0)
    st.call("identity", "Discharge", p.DischargeRequest(
        encounter_id=o.encounter_id, time_ms=t0 + 3600 * 1000),
        role="registrar")
    refused(conditions, st, pb, "dr.team", old)


def test_pharmacist_by_role(st, pb):
    pid = on_ward(st, pb, "ward-5")
    d = pb["dosage"]
    st.call("dosage", "ListOrders", d.ListOrdersRequest(patient_id=pid),
            role="pharmacist")
    # The shared nurse token has no unit: refused, the pharmacist is not.
    expect_status(DENIED, st.call, "dosage", "ListOrders",
                  d.ListOrdersRequest(patient_id=pid), role="nurse")


def reads_of_others(st):
    """What dosage may ask another service about a patient, as those
    services count it: every RPC records and diagnosis have started, and
    identity's GetPatient (the patient check and the merged records).
    identity's CheckCareRelationship is the care decision itself and is
    left out."""
    n = 0
    for svc in ("records", "diagnosis"):
        samples, _ = metrics.scrape(st, svc)
        n += sum(metrics.series(samples, "grpc_server_started_total")
                 .values())
    samples, _ = metrics.scrape(st, "identity")
    return n + sum(metrics.series(samples, "grpc_server_started_total",
                                  grpc_method="GetPatient").values())


def test_refused_dose_work_reads_nothing_about_the_patient(st, pb, drug):
    """The care decision comes before dosage reads the patient
    (docs/internals/care-decisions.md): a prescriber of another ward
    creating an order, or checking a proposed dose, is refused without
    dosage asking identity, records or diagnosis about the patient.  The
    same calls by the ward's own prescriber do ask, which shows the count
    sees those reads."""
    d = pb["dosage"]
    pid = on_ward(st, pb, "ward-3")
    assess_allergies(st, pid, token=st.user_tokens["dr.w3"])
    new_order = d.CreateOrderRequest(order=d.Order(
        patient_id=pid, drug_code=drug, dose=500.0, unit="mg",
        route="oral", frequency="q6h"))
    proposed = d.CheckDoseRequest(proposed=d.ProposedDose(
        patient_id=pid, drug_code=drug, dose=500.0, unit="mg"))
    for method, req in (("CreateOrder", new_order),
                        ("CheckDose", proposed)):
        before = reads_of_others(st)
        refused(call, st, "dr.w5", "dosage", method, req)
        assert reads_of_others(st) == before, method
        call(st, "dr.w3", "dosage", method, req)
        assert reads_of_others(st) > before, method


def test_identity_down_write_unavailable(st, pb):
    pid = on_ward(st, pb, "ward-3")
    entry(st, pb, "nurse.w3", pid)  # the patient check is now cached
    st.stop_service("identity")
    time.sleep(TTL_MS / 1000 + 0.1)
    expect_status(grpc.StatusCode.UNAVAILABLE, entry, st, pb, "nurse.w3",
                  pid, details_contains="care relationship")
    # Reads follow MED_CARE_READS_WHEN_IDENTITY_DOWN, off by default.
    expect_status(grpc.StatusCode.UNAVAILABLE, entries, st, pb, "nurse.w3",
                  pid)
    # Roles that do not depend on the relationship go on.
    st.call("dosage", "ListOrders",
            pb["dosage"].ListOrdersRequest(patient_id=pid),
            role="pharmacist")
