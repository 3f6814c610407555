"""Issue 55: a home medicine mentioned in a note reaches reconciliation.
A clinician confirms the note reader's MedicationStatement suggestion
through the FHIR facade ($confirm); the facade then puts it on dosage's
home-medicine list as the same user (AddHomeMedication), and
ListHomeMedications shows it at admission reconciliation, awaiting a
decision, with the note and span it was read from.  The list is served as
MedicationStatement (read by id, search by patient) in place of the
pending suggestion; every body validates against HL7's R4 schema."""

import uuid

import pytest

from fhir_checks import assert_valid
from harness import protos
from harness.fhirhttp import fhir_request

pytestmark = pytest.mark.stack(
    services=("audit", "identity", "records", "dosage"), fhir=True,
    patient_checks=True)

NOTE = "Lives alone. Takes bisoprolol daily. Denies chest pain."


def fhir(st, path, body=None, role="clinician"):
    """(status, JSON body) of GET path, or POST body to it, as role."""
    return fhir_request(st, "GET" if body is None else "POST", path, body,
                        role=role, timeout=30)


def statements(st, validator, pid):
    status, body = fhir(st, "MedicationStatement?patient=" + pid)
    assert status == 200, body
    assert_valid(validator, body)
    return [e["resource"] for e in body.get("entry", [])
            if e["resource"]["resourceType"] == "MedicationStatement"]


def test_confirmed_note_medicine_reaches_reconciliation(st, validator):
    ipb, rpb = protos.module("identity"), protos.module("records")
    dpb = protos.module("dosage")
    pid = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:8], family_name="Homemed",
        given_name="Ada", birth_date="1948-02-01",
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar",
        timeout=30).patient_id
    entry = st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_NOTE, title="GP letter",
        body=NOTE), role="clinician", timeout=30).entry_id
    (s,) = st.call("records", "ListSuggestions", rpb.ListSuggestionsRequest(
        patient_id=pid), role="clinician").suggestions
    assert (s.kind, s.code) == (rpb.SUGGESTION_KIND_MEDICINE, "bisoprolol")
    # before: only the pending suggestion, and nothing to reconcile
    assert [m["id"] for m in statements(st, validator, pid)] == [
        s.suggestion_id]
    assert list(st.call("dosage", "ListHomeMedications",
                        dpb.ListHomeMedicationsRequest(patient_id=pid),
                        role="clinician").items) == []

    status, body = fhir(st, "MedicationStatement/%s/$confirm"
                        % s.suggestion_id,
                        {"resourceType": "Parameters", "parameter": [
                            {"name": "reason",
                             "valueString": "patient confirms"}]},
                        role="pharmacist")
    assert status == 200, body
    assert_valid(validator, body)
    got = {p["name"]: p for p in body["parameter"]}
    assert got["status"]["valueCode"] == "confirmed"
    assert "homeMedicationList" not in got, got
    ref = got["homeMedication"]["valueReference"]["reference"]
    assert ref.startswith("MedicationStatement/")
    hid = ref.split("/")[1]

    # on the list, awaiting admission reconciliation, with its note
    (m,) = st.call("dosage", "ListHomeMedications",
                   dpb.ListHomeMedicationsRequest(patient_id=pid),
                   role="clinician").items
    assert (m.id, m.substance, m.status, m.information_source) == (
        hid, "bisoprolol", dpb.HOME_MEDICATION_STATUS_ACTIVE, "note")
    assert m.awaiting_decision and m.decision == 0
    assert (m.note.entry_id, m.note.version, m.note.suggestion_id) == (
        entry, 1, s.suggestion_id)
    assert NOTE.encode()[m.note.span_start:m.note.span_end] == b"bisoprolol"
    assert m.recorded_by  # the pharmacist who confirmed it

    # as FHIR: read by id and found by search, the suggestion gone
    status, res = fhir(st, ref)
    assert status == 200, res
    assert_valid(validator, res)
    assert res["status"] == "active"
    assert res["medicationCodeableConcept"]["coding"][0]["code"] == \
        "bisoprolol"
    assert res["derivedFrom"][0]["reference"] == \
        "DocumentReference/%s/_history/1" % entry
    assert res["informationSource"]["display"] == "note"
    assert [r["id"] for r in statements(st, validator, pid)] == [hid]

    # admitted, a clinician decides it; the decision stands for the stay
    st.call("identity", "Admit", ipb.AdmitRequest(
        patient_id=pid, encounter_class=ipb.ENCOUNTER_CLASS_INPATIENT,
        ward="ward-2", bed="9", attending="dr.home", reason="fall"),
        role="registrar")
    d = st.call("dosage", "DecideHomeMedication",
                dpb.DecideHomeMedicationRequest(
                    id=hid, decision=dpb.HOME_MEDICATION_DECISION_HOLD,
                    reason="bradycardic on admission"), role="clinician")
    assert (d.decision, d.awaiting_decision) == (
        dpb.HOME_MEDICATION_DECISION_HOLD, False)
    # stopped: FHIR says so, with the reason
    st.call("dosage", "StopHomeMedication", dpb.StopHomeMedicationRequest(
        id=hid, reason="GP stopped it last week"), role="clinician")
    status, res = fhir(st, ref)
    assert status == 200, res
    assert_valid(validator, res)
    assert (res["status"], res["statusReason"][0]["text"],
            res["meta"]["versionId"]) == (
        "stopped", "GP stopped it last week", "2")
