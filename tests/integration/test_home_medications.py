"""Issue 55: the patient's home medicines, what admission reconciliation
works from beside the orders (docs/dose-safety.md, "Home medicines").
Contract tests of dosage's AddHomeMedication, ListHomeMedications,
StopHomeMedication and DecideHomeMedication against the running services
(audit, identity, records, dosage) and a private MariaDB: bad input is
refused naming the field; each medicine not stopped awaits a decision on
the open stay until a clinician records one, and again on the next stay;
a stopped one awaits nothing and cannot be decided."""

import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, poll
from harness.fixtures import assess_allergies

SERVICES = ("audit", "identity", "records", "dosage")
pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)
PROTOS = SERVICES

INVALID = grpc.StatusCode.INVALID_ARGUMENT
PRE = grpc.StatusCode.FAILED_PRECONDITION


def patient(st, pb):
    p = pb["identity"]
    return st.call("identity", "CreatePatient", p.CreatePatientRequest(
        mrn="HOME-" + uuid.uuid4().hex[:12].upper(), family_name="Home",
        given_name="Med", birth_date="1950-03-04",
        sex=p.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id


def admit(st, pb, pid):
    p = pb["identity"]
    return st.call("identity", "Admit", p.AdmitRequest(
        patient_id=pid, encounter_class=p.ENCOUNTER_CLASS_INPATIENT,
        ward="ward-4", bed="2-" + uuid.uuid4().hex[:6], attending="dr.home",
        reason="fall"),
        role="registrar")


def discharge(st, pb, enc):
    p = pb["identity"]
    st.call("identity", "Discharge", p.DischargeRequest(
        encounter_id=enc.encounter_id, reason="home"), role="registrar")


def add(st, pb, pid, role="nurse", **kw):
    d = pb["dosage"]
    args = dict(patient_id=pid, medicine="Bisoprolol 5 mg tablets",
                substance="bisoprolol", dose_text="5 mg once daily",
                status=d.HOME_MEDICATION_STATUS_ACTIVE,
                information_source="patient")
    args.update(kw)
    return st.call("dosage", "AddHomeMedication",
                   d.AddHomeMedicationRequest(**args), role=role)


def listed(st, pb, pid, include_stopped=False, role="nurse"):
    d = pb["dosage"]
    return st.call("dosage", "ListHomeMedications",
                   d.ListHomeMedicationsRequest(
                       patient_id=pid, include_stopped=include_stopped),
                   role=role)


def decide(st, pb, mid, decision, role="clinician", **kw):
    d = pb["dosage"]
    return st.call("dosage", "DecideHomeMedication",
                   d.DecideHomeMedicationRequest(
                       id=mid, decision=decision,
                       reason="admission medication reconciliation", **kw),
                   role=role)


def test_bad_input_is_refused_naming_the_field(st, pb):
    d = pb["dosage"]
    pid = patient(st, pb)
    note = d.HomeMedicationNote
    for kw, field in [
            (dict(patient_id="x"), "patient_id"),
            (dict(medicine=""), "medicine"),
            (dict(medicine="m" * 201), "medicine"),
            (dict(dose_text="d" * 201), "dose_text"),
            (dict(information_source=""), "information_source"),
            (dict(status=d.HOME_MEDICATION_STATUS_UNSPECIFIED), "status"),
            (dict(substance="not-a-substance-xyz"), "substance"),
            (dict(note=note(entry_id="nope", version=1)), "note.entry_id"),
            (dict(note=note(entry_id=str(uuid.uuid4()), version=0)),
             "note.version"),
            (dict(note=note(entry_id=str(uuid.uuid4()), version=1,
                            span_start=9, span_end=3)), "note.span_end"),
            (dict(note=note(entry_id=str(uuid.uuid4()), version=1,
                            suggestion_id="s1")), "note.suggestion_id")]:
        expect_status(INVALID, add, st, pb, pid, details_prefix=field, **kw)
    m = add(st, pb, pid)
    d = pb["dosage"]
    expect_status(INVALID, st.call, "dosage", "StopHomeMedication",
                  d.StopHomeMedicationRequest(id=m.id, reason=""),
                  role="nurse", details_prefix="reason")
    expect_status(INVALID, decide, st, pb, m.id,
                  d.HOME_MEDICATION_DECISION_UNSPECIFIED,
                  details_prefix="decision")
    expect_status(INVALID, decide, st, pb, m.id,
                  d.HOME_MEDICATION_DECISION_HOLD,
                  order_id=str(uuid.uuid4()), details_prefix="order_id")
    expect_status(grpc.StatusCode.NOT_FOUND, decide, st, pb,
                  str(uuid.uuid4()), d.HOME_MEDICATION_DECISION_STOP,
                  details_prefix="id")
    expect_status(grpc.StatusCode.NOT_FOUND, add, st, pb,
                  str(uuid.uuid4()), details_prefix="patient_id")
    # the substance is read through the table's other names
    m = add(st, pb, pid, medicine="Tylenol", substance="acetaminophen")
    assert m.substance == "paracetamol"


def _in_list_order(*meds):
    """The ids as ListHomeMedications orders them: recorded_ms, then id."""
    return [m.id for m in sorted(meds, key=lambda m: (m.recorded_ms, m.id))]


def test_reconciliation_lists_each_home_medicine_with_its_decision(st, pb):
    d = pb["dosage"]
    pid = patient(st, pb)
    bis = add(st, pb, pid)
    war = add(st, pb, pid, medicine="Warfarin", substance="warfarin",
              dose_text="", status=d.HOME_MEDICATION_STATUS_UNKNOWN,
              information_source="GP letter", role="pharmacist")
    assert (bis.recorded_ms > 0, bis.status) == (
        True, d.HOME_MEDICATION_STATUS_ACTIVE)
    got = listed(st, pb, pid)
    # (recorded_ms, id) order: two made in one millisecond go by id
    assert [m.id for m in got.items] == _in_list_order(bis, war)
    assert all(m.awaiting_decision for m in got.items)
    assert got.encounter_id == ""
    # admission reconciliation starts at the admission
    expect_status(PRE, decide, st, pb, bis.id,
                  d.HOME_MEDICATION_DECISION_CONTINUE,
                  details_contains="no open stay")
    enc = admit(st, pb, pid)
    # the decision is a prescriber's
    expect_status(grpc.StatusCode.PERMISSION_DENIED, decide, st, pb, bis.id,
                  d.HOME_MEDICATION_DECISION_HOLD, role="nurse")
    # an order of another patient does not continue it
    expect_status(grpc.StatusCode.NOT_FOUND, decide, st, pb, bis.id,
                  d.HOME_MEDICATION_DECISION_CONTINUE,
                  order_id=str(uuid.uuid4()), details_prefix="order_id")
    held = decide(st, pb, bis.id, d.HOME_MEDICATION_DECISION_HOLD)
    assert (held.decision, held.decision_encounter_id,
            held.awaiting_decision) == (
        d.HOME_MEDICATION_DECISION_HOLD, enc.encounter_id, False)
    got = {m.id: m for m in listed(st, pb, pid).items}
    assert got[bis.id].decision == d.HOME_MEDICATION_DECISION_HOLD
    assert got[bis.id].decided_by and not got[bis.id].awaiting_decision
    assert got[war.id].awaiting_decision
    # the patient stopped warfarin: it awaits nothing and is not decided
    stopped = st.call("dosage", "StopHomeMedication",
                      d.StopHomeMedicationRequest(
                          id=war.id, reason="stopped by the GP in May"),
                      role="nurse")
    assert (stopped.status, stopped.stopped_reason) == (
        d.HOME_MEDICATION_STATUS_STOPPED, "stopped by the GP in May")
    assert [m.id for m in listed(st, pb, pid).items] == [bis.id]
    every = listed(st, pb, pid, include_stopped=True).items
    assert [m.id for m in every] == _in_list_order(bis, war)
    assert [m.awaiting_decision for m in every] == [False, False]
    expect_status(PRE, decide, st, pb, war.id,
                  d.HOME_MEDICATION_DECISION_STOP, details_prefix="id")
    # each decision is audited with the medicine, the decision and the stay
    apb = protos.module("audit")

    def decided():
        recs = st.call("audit", "Query", apb.QueryRequest(
            actor=st.user("clinician")), role="auditor")
        return [r.event for r in recs if r.event.patient_id == pid and
                r.event.action.endswith("/DecideHomeMedication") and
                r.event.outcome == 0]
    det = {x.key: x.value for x in poll(decided, timeout=10)[0].details}
    assert (det["home_medication_id"], det["reconcile_decision"],
            det["encounter_id"]) == (bis.id, "hold", enc.encounter_id)
    # the next stay decides again
    discharge(st, pb, enc)
    enc2 = admit(st, pb, pid)
    (again,) = listed(st, pb, pid).items
    assert again.awaiting_decision and again.decision == 0
    assert listed(st, pb, pid).encounter_id == enc2.encounter_id


def test_continued_as_an_order_of_the_stay(st, pb):
    d = pb["dosage"]
    pid = patient(st, pb)
    admit(st, pb, pid)
    assess_allergies(st, pid)
    code = "HM-PARA-" + uuid.uuid4().hex[:8].upper()
    st.call("dosage", "UpsertDrug", d.UpsertDrugRequest(drug=d.Drug(
        code=code, name="Paracetamol 500 mg tablet", unit="mg",
        substance="paracetamol", max_single_dose=1000.0,
        max_daily_dose=4000.0)), role="pharmacist")
    st.call("dosage", "SetPatientContext", d.SetPatientContextRequest(
        context=d.PatientContext(patient_id=pid, weight_kg=70.0)),
        role="nurse")
    o = st.call("dosage", "CreateOrder", d.CreateOrderRequest(order=d.Order(
        patient_id=pid, drug_code=code, dose=1000.0, unit="mg",
        route="oral", frequency="q6h")), role="clinician")
    m = add(st, pb, pid, medicine="Paracetamol", substance="paracetamol",
            dose_text="1 g four times a day")
    got = decide(st, pb, m.id, d.HOME_MEDICATION_DECISION_CONTINUE,
                 order_id=o.id)
    assert (got.decision, got.order_id) == (
        d.HOME_MEDICATION_DECISION_CONTINUE, o.id)


def test_one_suggestion_enters_the_list_once(st, pb):
    d = pb["dosage"]
    pid = patient(st, pb)
    note = d.HomeMedicationNote(entry_id=str(uuid.uuid4()), version=1,
                                span_start=6, span_end=16, text="bisoprolol",
                                suggestion_id=str(uuid.uuid4()))
    m = add(st, pb, pid, information_source="note", note=note,
            role="pharmacist")
    assert m.note.suggestion_id == note.suggestion_id
    expect_status(grpc.StatusCode.ALREADY_EXISTS, add, st, pb, pid,
                  note=note, details_prefix="note.suggestion_id")
    (only,) = listed(st, pb, pid).items
    assert (only.note.entry_id, only.note.span_start,
            only.note.span_end) == (note.entry_id, 6, 16)
