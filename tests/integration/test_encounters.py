"""Patient administration in identity: Admit, Transfer, Discharge and
RegisterOutpatientVisit against a real identity and MariaDB; the refusals
(a second open stay, a change to a closed encounter, times in the future,
merged records, bad fields), the versioned history with its locations and
care team periods, LinkPatients carrying encounters to the survivor, the
audit events of every step, and CheckCareRelationship's answers."""

import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms, poll

SVC = "identity"
HOURS = 2


pytestmark = pytest.mark.stack(
    services=("audit", "identity"),
    extra_env={"MED_IDENTITY_DISCHARGE_ACCESS_HOURS": str(HOURS)})


def patient(st, pb):
    req = pb.CreatePatientRequest(
        mrn="ENC-" + uuid.uuid4().hex[:12].upper(),
        family_name="Encounter" + uuid.uuid4().hex[:6],
        given_name="Ana", birth_date="1961-04-17",
        sex=pb.ADMINISTRATIVE_SEX_FEMALE)
    return st.call(SVC, "CreatePatient", req, role="registrar").patient_id


def admit(st, pb, pid, ward="W3", bed=None, role="registrar", **kw):
    """An inpatient admission; a bed of its own unless bed is given
    (identity keeps one patient per bed)."""
    if bed is None:
        bed = "12-" + uuid.uuid4().hex[:6]
    args = dict(patient_id=pid, encounter_class=pb.ENCOUNTER_CLASS_INPATIENT,
                ward=ward, bed=bed, attending="dr.house",
                care_team=[pb.CareTeamMember(
                    user="nurse.joy", role=pb.PARTICIPANT_ROLE_NURSE)],
                reason="pneumonia")
    args.update(kw)
    return st.call(SVC, "Admit", pb.AdmitRequest(**args), role=role)


def care(st, pb, pid, user, units=()):
    return st.call(SVC, "CheckCareRelationship",
                   pb.CheckCareRelationshipRequest(
                       patient_id=pid, user=user, units=list(units)),
                   role="admin")


def test_admit_transfer_discharge_with_history(st, pb):
    pid = patient(st, pb)
    t0 = now_ms() - 3600 * 1000
    e = admit(st, pb, pid, bed="12", start_ms=t0)
    assert e.status == pb.ENCOUNTER_STATUS_IN_PROGRESS
    assert e.encounter_class == pb.ENCOUNTER_CLASS_INPATIENT
    assert (e.location.ward, e.location.bed, e.version) == ("W3", "12", 1)
    assert e.start_ms == t0
    assert {(p.user, p.role) for p in e.participants} == {
        ("dr.house", pb.PARTICIPANT_ROLE_ATTENDING),
        ("nurse.joy", pb.PARTICIPANT_ROLE_NURSE)}

    cur = st.call(SVC, "GetCurrentEncounter",
                  pb.GetCurrentEncounterRequest(patient_id=pid),
                  role="nurse")
    assert cur.encounter_id == e.encounter_id

    t1 = t0 + 600 * 1000
    tr = st.call(SVC, "Transfer", pb.TransferRequest(
        encounter_id=e.encounter_id, ward="ICU", bed="2",
        attending="dr.grey", time_ms=t1, expected_version=1,
        reason="deteriorating"), role="registrar")
    assert (tr.location.ward, tr.location.bed, tr.version) == ("ICU", "2", 2)
    assert tr.attending == "dr.grey"
    assert tr.location.start_ms == t1

    expect_status(grpc.StatusCode.ABORTED, st.call, SVC, "Transfer",
                  pb.TransferRequest(encounter_id=e.encounter_id, ward="W4",
                                     expected_version=1),
                  role="registrar", details_prefix="expected_version")

    d = st.call(SVC, "Discharge", pb.DischargeRequest(
        encounter_id=e.encounter_id, reason="home"), role="registrar")
    assert d.status == pb.ENCOUNTER_STATUS_FINISHED
    assert d.version == 3 and d.end_ms > t1
    assert d.discharged_by == st.user("registrar")

    h = st.call(SVC, "GetEncounterHistory",
                pb.GetEncounterHistoryRequest(encounter_id=e.encounter_id),
                role="clinician")
    assert [v.event for v in h.versions] == ["admit", "transfer",
                                             "discharge"]
    assert [(v.ward, v.bed) for v in h.versions] == [
        ("W3", "12"), ("ICU", "2"), ("ICU", "2")]
    assert [(l.ward, l.start_ms, l.end_ms) for l in h.locations] == [
        ("W3", t0, t1), ("ICU", t1, d.end_ms)]
    periods = {(p.user, p.start_ms, p.end_ms) for p in h.participants}
    assert ("dr.house", t0, t1) in periods
    assert ("dr.grey", t1, d.end_ms) in periods
    assert ("nurse.joy", t0, d.end_ms) in periods

    # Discharge only an open encounter; no current encounter remains.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, SVC,
                  "Discharge", pb.DischargeRequest(
                      encounter_id=e.encounter_id), role="registrar",
                  details_prefix="encounter_id")
    expect_status(grpc.StatusCode.NOT_FOUND, st.call, SVC,
                  "GetCurrentEncounter",
                  pb.GetCurrentEncounterRequest(patient_id=pid),
                  role="clinician", details_prefix="patient_id")


def test_one_open_stay_and_outpatient_visits(st, pb):
    pid = patient(st, pb)
    first = admit(st, pb, pid)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, admit, st, pb, pid,
                  encounter_class=pb.ENCOUNTER_CLASS_EMERGENCY,
                  details_prefix="patient_id",
                  details_contains="open inpatient")
    visit = st.call(SVC, "RegisterOutpatientVisit",
                    pb.RegisterOutpatientVisitRequest(
                        patient_id=pid, unit="CARDIO-CLINIC",
                        attending="dr.heart"), role="registrar")
    assert visit.encounter_class == pb.ENCOUNTER_CLASS_AMBULATORY
    assert visit.location.ward == "CARDIO-CLINIC"
    # The stay is the current encounter, not the newer visit.
    cur = st.call(SVC, "GetCurrentEncounter",
                  pb.GetCurrentEncounterRequest(patient_id=pid),
                  role="clinician")
    assert cur.encounter_id == first.encounter_id

    page = st.call(SVC, "ListEncounters", pb.ListEncountersRequest(
        patient_id=pid, page=protos.common().PageRequest(
            page_size=1)), role="nurse")
    assert len(page.encounters) == 1 and page.page.next_page_token
    rest = st.call(SVC, "ListEncounters", pb.ListEncountersRequest(
        patient_id=pid, page=protos.common().PageRequest(
            page_size=1, page_token=page.page.next_page_token)),
        role="nurse")
    ids = {page.encounters[0].encounter_id, rest.encounters[0].encounter_id}
    assert ids == {first.encounter_id, visit.encounter_id}
    assert not rest.page.next_page_token

    st.call(SVC, "Discharge", pb.DischargeRequest(
        encounter_id=first.encounter_id), role="registrar")
    again = admit(st, pb, pid, ward="W5")
    assert again.encounter_id != first.encounter_id


@pytest.mark.parametrize("field,kw", [
    ("ward", dict(ward="")),
    ("attending", dict(attending="")),
    ("encounter_class", dict(encounter_class=0)),
    ("encounter_class", dict(encounter_class=2)),
    ("start_ms", dict(start_ms=10 ** 13 * 9)),
    ("start_ms", dict(start_ms=1000)),
    ("care_team.role", dict(care_team=[{"user": "x", "role": 1}])),
    ("care_team.user", dict(care_team=[{"user": "", "role": 3}])),
    ("bed", dict(bed="b" * 33)),
])
def test_admit_refuses_bad_fields(st, pb, field, kw):
    if "care_team" in kw:
        kw = dict(care_team=[pb.CareTeamMember(**m)
                             for m in kw["care_team"]])
    pid = patient(st, pb)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, admit, st, pb, pid,
                  details_prefix=field, **kw)


def test_refusals_of_state_and_time(st, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, admit, st, pb,
                  str(uuid.uuid4()), details_prefix="patient_id")
    pid = patient(st, pb)
    e = admit(st, pb, pid)
    # A transfer in the future, or before the admission, is refused.
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, SVC,
                  "Transfer", pb.TransferRequest(
                      encounter_id=e.encounter_id, ward="W9",
                      time_ms=now_ms() + 3600 * 1000),
                  role="registrar", details_prefix="time_ms")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, SVC,
                  "Transfer", pb.TransferRequest(
                      encounter_id=e.encounter_id, ward="W9",
                      time_ms=e.start_ms - 1000),
                  role="registrar", details_prefix="time_ms")
    expect_status(grpc.StatusCode.NOT_FOUND, st.call, SVC, "Discharge",
                  pb.DischargeRequest(encounter_id=str(uuid.uuid4())),
                  role="registrar", details_prefix="encounter_id")
    # Clinicians and nurses read; only registrars (and admins) write.
    expect_status(grpc.StatusCode.PERMISSION_DENIED, st.call, SVC,
                  "Discharge", pb.DischargeRequest(
                      encounter_id=e.encounter_id), role="nurse")


def test_merge_carries_encounters(st, pb):
    survivor, merged = patient(st, pb), patient(st, pb)
    e = admit(st, pb, merged, ward="W7")
    link = st.call(SVC, "LinkPatients", pb.LinkPatientsRequest(
        survivor_id=survivor, merged_id=merged, reason="duplicate"),
        role="registrar")
    cur = st.call(SVC, "GetCurrentEncounter",
                  pb.GetCurrentEncounterRequest(patient_id=survivor),
                  role="clinician")
    assert cur.encounter_id == e.encounter_id
    # The survivor has the stay now: a second admission is refused, and
    # the merged record takes no new encounter.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, admit, st, pb,
                  survivor, details_contains="open inpatient")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, admit, st, pb,
                  merged, details_contains="merged")
    assert care(st, pb, survivor, "someone", ["W7"]).relationship == \
        pb.CARE_RELATIONSHIP_UNIT
    st.call(SVC, "UnlinkPatients", pb.UnlinkPatientsRequest(
        link_id=link.link_id, reason="not the same person"),
        role="registrar")
    lst = st.call(SVC, "ListEncounters",
                  pb.ListEncountersRequest(patient_id=survivor),
                  role="clinician")
    assert list(lst.encounters) == []


def test_merge_refused_when_both_records_are_in_a_stay(st, pb):
    survivor, merged = patient(st, pb), patient(st, pb)
    admit(st, pb, survivor, ward="W1")
    e = admit(st, pb, merged, ward="W2")
    link = pb.LinkPatientsRequest(survivor_id=survivor, merged_id=merged,
                                  reason="duplicate")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, SVC,
                  "LinkPatients", link, role="registrar",
                  details_prefix="merged_id: both records have an open")
    st.call(SVC, "Discharge", pb.DischargeRequest(
        encounter_id=e.encounter_id), role="registrar")
    assert st.call(SVC, "LinkPatients", link, role="registrar").link_id


def test_care_relationship_answers(st, pb):
    pid = patient(st, pb)
    e = admit(st, pb, pid, ward="W3")
    r = care(st, pb, pid, "nurse.joy")
    assert r.related and r.relationship == pb.CARE_RELATIONSHIP_CARE_TEAM
    assert r.encounter_id == e.encounter_id
    r = care(st, pb, pid, "nurse.other", ["W1", "W3"])
    assert r.relationship == pb.CARE_RELATIONSHIP_UNIT
    r = care(st, pb, pid, "nurse.other", ["W1"])
    assert not r.related and r.relationship == pb.CARE_RELATIONSHIP_NONE
    assert r.discharge_access_hours == HOURS

    # Discharged an hour ago: the team keeps access for HOURS after it.
    d = st.call(SVC, "Discharge", pb.DischargeRequest(
        encounter_id=e.encounter_id), role="registrar")
    r = care(st, pb, pid, "dr.house", ["W3"])
    assert r.relationship == pb.CARE_RELATIONSHIP_RECENT_DISCHARGE
    assert r.until_ms == d.end_ms + HOURS * 3600 * 1000
    assert not care(st, pb, pid, "nurse.other", ["W3"]).related

    # A discharge older than the window gives nothing.
    old = patient(st, pb)
    t0 = now_ms() - (HOURS + 2) * 3600 * 1000
    o = admit(st, pb, old, start_ms=t0)
    st.call(SVC, "Discharge", pb.DischargeRequest(
        encounter_id=o.encounter_id, time_ms=t0 + 3600 * 1000),
        role="registrar")
    assert not care(st, pb, old, "dr.house").related

    expect_status(grpc.StatusCode.INVALID_ARGUMENT, care, st, pb, pid, "")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, st.call, SVC,
                  "CheckCareRelationship", pb.CheckCareRelationshipRequest(
                      patient_id=pid, user="dr.house"), role="clinician")


def test_every_step_is_audited(st, pb):
    pid = patient(st, pb)
    e = admit(st, pb, pid)
    st.call(SVC, "Transfer", pb.TransferRequest(
        encounter_id=e.encounter_id, ward="W8"), role="registrar")
    st.call(SVC, "ListEncounters", pb.ListEncountersRequest(patient_id=pid),
            role="clinician")
    st.call(SVC, "Discharge", pb.DischargeRequest(
        encounter_id=e.encounter_id), role="registrar")
    apb = protos.module("audit")

    def events():
        recs = st.call("audit", "Query", apb.QueryRequest(patient_id=pid),
                       role="auditor", timeout=10)
        got = {}
        for r in recs:
            got.setdefault(r.event.action.rsplit("/", 1)[-1],
                           set()).add(r.event.action_code)
        want = ("Admit", "Transfer", "ListEncounters", "Discharge")
        return got if all(w in got for w in want) else None

    got = poll(events, timeout=20, what="the encounter audit events")
    assert got["Admit"] == {"C"}
    assert got["Transfer"] == got["Discharge"] == {"U"}
    assert got["ListEncounters"] == {"R"}
