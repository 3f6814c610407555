"""Identity's ExportFhir against HL7's FHIR R4 JSON schema (issue 19): an
Encounter per encounter with its class (v3 ActCode), status, period, every
location and participant (v3 ParticipationType) with their periods and
the reason as text.  Also what the schema cannot see (fullUrls, subjects
resolving in every page), paging newest first, a merged record's
encounters coming with the survivor's, the roles of ListEncounters plus
service, and bad or unknown patients."""

import datetime
import json
import uuid

import grpc
import pytest

from fhir_checks import (assert_valid, check_invariants, export_page,
                         export_pages, resources)
from harness import Stack
from harness.checks import expect_status, now_ms
from harness.fixtures import running

SVC = "identity"
HOUR = 3600 * 1000
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PART = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"


def instant(ms):
    """ms as the R4 instant libmed writes (UTC, milliseconds)."""
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


@pytest.fixture(scope="module")
def ist():
    with running(Stack(services=(SVC,))) as st:
        yield st


def _patient(st, pb):
    return st.call(SVC, "CreatePatient", pb.CreatePatientRequest(
        mrn="FHIR-" + uuid.uuid4().hex[:12].upper(),
        family_name="Encounter", given_name="Ana", birth_date="1961-04-17",
        sex=pb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id


def _admit(st, pb, pid, start, ward="W3", bed="12"):
    return st.call(SVC, "Admit", pb.AdmitRequest(
        patient_id=pid, encounter_class=pb.ENCOUNTER_CLASS_INPATIENT,
        ward=ward, bed=bed, attending="dr.house", start_ms=start,
        care_team=[pb.CareTeamMember(user="nurse.joy",
                                     role=pb.PARTICIPANT_ROLE_NURSE),
                   pb.CareTeamMember(user="dr.wilson",
                                     role=pb.PARTICIPANT_ROLE_CONSULTANT)],
        reason="community-acquired pneumonia"), role="registrar")


@pytest.fixture(scope="module")
def chart(ist, pb):
    """An outpatient visit (still open), then a stay: admitted to W3 bed
    12, transferred to ICU bed 2 under a new attending, discharged."""
    pid = _patient(ist, pb)
    t0 = now_ms() - 5 * HOUR
    visit = ist.call(SVC, "RegisterOutpatientVisit",
                     pb.RegisterOutpatientVisitRequest(
                         patient_id=pid, unit="CLINIC-A",
                         attending="dr.grey", start_ms=t0 - 24 * HOUR),
                     role="registrar")
    stay = _admit(ist, pb, pid, t0)
    t1, t2 = t0 + HOUR, t0 + 3 * HOUR
    ist.call(SVC, "Transfer", pb.TransferRequest(
        encounter_id=stay.encounter_id, ward="ICU", bed="2",
        attending="dr.cuddy", time_ms=t1, reason="respiratory failure"),
        role="registrar")
    ist.call(SVC, "Discharge", pb.DischargeRequest(
        encounter_id=stay.encounter_id, time_ms=t2, reason="recovered"),
        role="registrar")
    return {"pid": pid, "stay": stay.encounter_id,
            "visit": visit.encounter_id, "t": (t0, t1, t2)}


def _export(st, pb, common, pid, page_size=0, token="", role="clinician"):
    return export_page(st, SVC, pid, page_size, token, role)


def _pages(st, pb, common, pid, page_size=0):
    return export_pages(st, SVC, pid, page_size)


def _encounters(bundle):
    return {r["id"]: r for r in resources(bundle)
            if r["resourceType"] == "Encounter"}


@pytest.fixture(scope="module")
def found(ist, pb, common, chart):
    bundles = _pages(ist, pb, common, chart["pid"])
    assert len(bundles) == 1
    return _encounters(bundles[0])


def test_export_is_valid_r4(ist, pb, common, chart, validator):
    verdict = {}
    for bundle in _pages(ist, pb, common, chart["pid"]):
        assert_valid(validator, bundle)
        check_invariants(bundle)
        assert bundle["entry"][0]["resource"] == {
            "resourceType": "Patient", "id": chart["pid"]}
        for r in resources(bundle):
            assert_valid(validator, r)
            verdict[r["resourceType"]] = "valid"
    print("R4 schema verdict:", verdict)
    assert set(verdict) == {"Patient", "Encounter"}


def test_a_finished_stay(chart, found):
    t0, t1, t2 = chart["t"]
    e = found[chart["stay"]]
    assert e["status"] == "finished"
    assert e["class"] == {"system": ACT, "code": "IMP",
                          "display": "inpatient encounter"}
    assert e["subject"] == {"reference": "Patient/" + chart["pid"]}
    assert e["period"] == {"start": instant(t0), "end": instant(t2)}
    assert e["meta"]["versionId"] == "3"
    # the reason for admission, not that of a later change
    assert e["reasonCode"] == [{"text": "community-acquired pneumonia"}]
    assert e["location"] == [
        {"location": {"display": "W3 / 12"}, "status": "completed",
         "period": {"start": instant(t0), "end": instant(t1)}},
        {"location": {"display": "ICU / 2"}, "status": "completed",
         "period": {"start": instant(t1), "end": instant(t2)}}]


def test_participants_with_their_roles_and_periods(chart, found):
    t0, t1, t2 = chart["t"]
    got = {(p["individual"]["display"], p["type"][0]["coding"][0]["code"]):
           p["period"] for p in found[chart["stay"]]["participant"]}
    assert got == {
        ("dr.house", "ATND"): {"start": instant(t0), "end": instant(t1)},
        ("dr.cuddy", "ATND"): {"start": instant(t1), "end": instant(t2)},
        ("nurse.joy", "PART"): {"start": instant(t0), "end": instant(t2)},
        ("dr.wilson", "CON"): {"start": instant(t0), "end": instant(t2)}}
    for p in found[chart["stay"]]["participant"]:
        assert p["type"][0]["coding"][0]["system"] == PART
        assert set(p["individual"]) == {"display"}


def test_an_open_visit(chart, found):
    v = found[chart["visit"]]
    assert v["status"] == "in-progress"
    assert v["class"]["code"] == "AMB"
    assert "end" not in v["period"]
    assert v["location"] == [{"location": {"display": "CLINIC-A"},
                              "status": "active",
                              "period": {"start": v["period"]["start"]}}]
    assert "reasonCode" not in v


def test_paging_newest_first(ist, pb, common, chart, validator):
    bundles = _pages(ist, pb, common, chart["pid"], page_size=1)
    assert len(bundles) == 2
    order = []
    for b in bundles:
        assert_valid(validator, b)
        check_invariants(b)
        assert b["entry"][0]["resource"]["resourceType"] == "Patient"
        order += list(_encounters(b))
    assert order == [chart["stay"], chart["visit"]]


def test_merged_records_encounters_come_with_the_survivors(
        ist, pb, common, validator):
    survivor, merged = _patient(ist, pb), _patient(ist, pb)
    e = _admit(ist, pb, merged, now_ms() - HOUR, ward="W7", bed="")
    ist.call(SVC, "LinkPatients", pb.LinkPatientsRequest(
        survivor_id=survivor, merged_id=merged, reason="duplicate"),
        role="registrar")
    bundle = json.loads(_export(ist, pb, common, survivor).bundle_json)
    assert_valid(validator, bundle)
    check_invariants(bundle)
    enc = _encounters(bundle)
    assert list(enc) == [e.encounter_id]
    # The subject is the record asked for, so that it resolves here.
    assert enc[e.encounter_id]["subject"]["reference"] == \
        "Patient/" + survivor
    assert enc[e.encounter_id]["location"][0]["location"] == {
        "display": "W7"}


def test_a_patient_without_encounters_is_an_empty_page(ist, pb, common):
    r = _export(ist, pb, common, _patient(ist, pb))
    assert r.n_resources == 0 and not r.page.next_page_token
    assert "entry" not in json.loads(r.bundle_json)


def test_roles_are_those_of_list_encounters_and_service(ist, pb, common,
                                                        chart):
    for role in ("clinician", "nurse", "registrar", "admin", "service"):
        assert _export(ist, pb, common, chart["pid"], role=role).n_resources
    for role in ("pharmacist", "auditor"):
        expect_status(grpc.StatusCode.PERMISSION_DENIED, _export, ist, pb,
                      common, chart["pid"], role=role)


def test_bad_and_unknown_patient(ist, pb, common, chart):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _export, ist, pb,
                  common, "not a uuid", details_prefix="patient_id")
    expect_status(grpc.StatusCode.NOT_FOUND, _export, ist, pb, common,
                  str(uuid.uuid4()), details_prefix="patient_id")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _export, ist, pb,
                  common, chart["pid"], page_size=501,
                  details_prefix="page.page_size")
