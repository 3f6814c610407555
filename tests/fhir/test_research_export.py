"""$research-export (services/fhir/research.c) end to end: an auditor
approves a project in the real audit service, the researcher exports its
cohort through the facade, which reads identity, records and dosage as
itself.  The test holds the stack's research master key, so it computes
the pseudonyms the facade must have used and maps every exported line
back to its source resource."""

import datetime
import hashlib
import hmac
import json
import ssl
import urllib.error
import urllib.request
import uuid

import pytest

from harness import Stack, protos
from harness.checks import poll
from harness.fixtures import running

from fhir_checks import r4_validator

# (birth date, sex) of the cohort: groups 1957|female, 1980|male and
# 90+|male, two patients each, so k=2 passes and k=3 fails.
COHORT = (("1957-06-30", "F"), ("1957-01-02", "F"),
          ("1980-02-03", "M"), ("1980-11-12", "M"),
          ("1930-05-05", "M"), ("1931-07-07", "M"))
NOTE = "Researchee%d says her neighbour at 5 Elm Street found her"
DATE_KEYS = ("effectiveDateTime", "issued", "authoredOn", "recordedDate",
             "onsetDateTime", "date", "effectivePeriod")


@pytest.fixture(scope="module")
def rstack():
    with running(Stack(services=("audit", "identity", "records", "dosage",
                                 "diagnosis"), fhir=True)) as st:
        yield st


@pytest.fixture(scope="module")
def cohort(rstack):
    """Six registered patients, each with an observation, an order and a
    condition whose note is free text naming them."""
    ipb, rpb = protos.module("identity"), protos.module("records")
    dpb, xpb = protos.module("dosage"), protos.module("diagnosis")
    code = "AMOX_" + uuid.uuid4().hex[:10]
    rstack.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code=code, name="Amoxicillin 500 mg capsule",
                      unit="capsule", routes=["oral"], max_single_dose=2.0,
                      max_daily_dose=6.0)), role="pharmacist", timeout=30)
    pats = []
    for i, (born, sex) in enumerate(COHORT):
        p = rstack.call("identity", "CreatePatient", ipb.CreatePatientRequest(
            mrn="MRN-" + uuid.uuid4().hex[:8], family_name="Researchee%d" % i,
            given_name="Quentin", birth_date=born,
            sex=(ipb.ADMINISTRATIVE_SEX_FEMALE if sex == "F"
                 else ipb.ADMINISTRATIVE_SEX_MALE)),
            role="registrar", timeout=30)
        rstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
            patient_id=p.patient_id, kind=rpb.ENTRY_KIND_OBSERVATION,
            title="HR", observation=rpb.Observation(
                loinc_code="8867-4", numeric=60 + i, ucum_unit="/min")),
            role="clinician", timeout=30)
        rstack.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
            order=dpb.Order(patient_id=p.patient_id, drug_code=code,
                            route="oral", dose=1.0, unit="capsule",
                            frequency="q8h")), role="clinician", timeout=30)
        rstack.call("diagnosis", "AddCondition", xpb.AddConditionRequest(
            patient_id=p.patient_id, code_system="ICD-10", code="J18.9",
            display="Pneumonia, unspecified",
            clinical_status=xpb.CLINICAL_STATUS_ACTIVE,
            verification_status=xpb.VERIFICATION_STATUS_CONFIRMED,
            onset_date="2024-01-%02d" % (i + 2),
            note=NOTE % i), role="clinician", timeout=30)
        pats.append(p)
    return pats


def approve(st, pids, k=2, narrative=False):
    apb = protos.module("audit")
    pid = "study-" + uuid.uuid4().hex[:12]
    st.call("audit", "ApproveResearchProject",
            apb.ApproveResearchProjectRequest(project=apb.ResearchProject(
                project_id=pid, title="Heart rate and antibiotics",
                researcher="researcher.test", patient_ids=pids,
                min_group_size=k, include_narrative=narrative,
                valid_days=30)), role="auditor", timeout=30)
    return pid


def get(st, url, role="researcher"):
    """(status, content type, body text) of GET url below the base."""
    req = urllib.request.Request(st.fhir_url() + "/" + url)
    req.add_header("Authorization", "Bearer " + st.token(role))
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            return r.status, r.headers["Content-Type"], r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read().decode()


def export(st, project, extra=""):
    status, ctype, text = get(st, "$research-export?project=" + project
                              + extra)
    assert status == 200, text
    assert ctype == "application/fhir+ndjson"
    return text, [json.loads(line) for line in text.splitlines()]


def refused(st, url, status, code, role="researcher"):
    got, _, text = get(st, url, role=role)
    body = json.loads(text)
    assert got == status, text
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == code, body
    return body["issue"][0]["diagnostics"]


def pseudonym(st, project, rtype, rid):
    with open(st.pki_dir + "/research.key", encoding="ascii") as f:
        master = bytes.fromhex(f.read().strip())
    pkey = hmac.new(master, b"smartmed-research-v1|" + project.encode(),
                    hashlib.sha256).digest()
    return hmac.new(pkey, ("%s|%s" % (rtype, rid)).encode(),
                    hashlib.sha256).hexdigest()[:32]


def originals(st, patient_id):
    """The patient's resources as a clinician reads them, by type/id."""
    req = urllib.request.Request(
        st.fhir_url() + "/Patient/%s/$everything?_count=100" % patient_id)
    req.add_header("Authorization", "Bearer " + st.token("clinician"))
    ctx = ssl.create_default_context(cafile=st.ca_path)
    with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
        body = json.loads(r.read())
    return {"%s/%s" % (e["resource"]["resourceType"], e["resource"]["id"]):
            e["resource"] for e in body["entry"]}


def day(value):
    return datetime.date.fromisoformat(value[:10])


def test_export_is_valid_ndjson_patients_first(rstack, cohort):
    validator = r4_validator()
    project = approve(rstack, [p.patient_id for p in cohort])
    _, lines = export(rstack, project)
    kinds = [r["resourceType"] for r in lines]
    assert kinds[:6] == ["Patient"] * 6
    assert "Patient" not in kinds[6:]
    assert {"Observation", "MedicationRequest", "Condition"} <= set(kinds)
    for r in lines:
        errors = sorted(validator.iter_errors(r), key=str)
        assert not errors, [e.message[:200] for e in errors[:3]]
    for r in lines[:6]:
        assert set(r) <= {"resourceType", "id", "gender", "birthDate",
                          "extension"}
    years = sorted(r.get("birthDate", "90+") for r in lines[:6])
    assert years == ["1957", "1957", "1980", "1980", "90+", "90+"]


def test_no_identifier_survives(rstack, cohort):
    project = approve(rstack, [p.patient_id for p in cohort])
    text, _ = export(rstack, project)
    for p in cohort:
        for s in (p.patient_id, p.mrn, p.family_name, p.given_name,
                  p.birth_date):
            assert s not in text
        for ref in originals(rstack, p.patient_id):
            assert ref.split("/")[1] not in text
    assert "Practitioner" not in text and "dr.test" not in text


def test_pseudonyms_stable_in_project_unlinkable_across(rstack, cohort):
    pids = [p.patient_id for p in cohort]
    a, b = approve(rstack, pids), approve(rstack, pids)
    first, lines = export(rstack, a)
    again, _ = export(rstack, a)
    other, other_lines = export(rstack, b)
    assert first == again
    ids_a = {r["id"] for r in lines}
    ids_b = {r["id"] for r in other_lines}
    assert not ids_a & ids_b
    want = {pseudonym(rstack, a, "Patient", p) for p in pids}
    assert {r["id"] for r in lines[:6]} == want
    refs = [(r.get("subject") or r.get("patient"))["reference"]
            for r in lines[6:] if r["resourceType"] != "Medication"]
    assert refs and set(refs) <= {"Patient/" + w for w in want}


def test_dates_shift_by_one_offset_per_patient(rstack, cohort):
    project = approve(rstack, [p.patient_id for p in cohort])
    _, lines = export(rstack, project)
    by_id = {"%s/%s" % (r["resourceType"], r["id"]): r for r in lines}
    shifts = set()
    for p in cohort:
        offsets = set()
        for ref, orig in originals(rstack, p.patient_id).items():
            rtype, rid = ref.split("/")
            if rtype == "Patient":
                continue
            out = by_id["%s/%s" % (rtype, pseudonym(rstack, project, rtype,
                                                    rid))]
            for key in DATE_KEYS:
                if isinstance(orig.get(key), str):
                    offsets.add((day(out[key]) - day(orig[key])).days)
                    assert len(out[key]) == len(orig[key])
        assert len(offsets) == 1, offsets
        shift = offsets.pop()
        assert shift != 0 and -180 <= shift <= 180
        shifts.add(shift)
    assert len(shifts) > 1  # six patients, not one offset for all


def test_narrative_only_when_approved(rstack, cohort):
    pids = [p.patient_id for p in cohort]
    text, _ = export(rstack, approve(rstack, pids))
    assert "Elm Street" not in text
    text, lines = export(rstack, approve(rstack, pids, narrative=True))
    notes = [n["text"] for r in lines if r["resourceType"] == "Condition"
             for n in r.get("note", [])]
    assert sorted(notes) == sorted(NOTE % i for i in range(len(cohort)))


def test_small_group_refused(rstack, cohort):
    project = approve(rstack, [p.patient_id for p in cohort], k=3)
    why = refused(rstack, "$research-export?project=" + project, 422,
                  "business-rule")
    assert "3 of 3 groups" in why and "k=3" in why
    for p in cohort:
        assert p.patient_id not in why


def test_refusals(rstack, cohort):
    apb = protos.module("audit")
    project = approve(rstack, [p.patient_id for p in cohort])
    why = refused(rstack, "$research-export?project=" + project, 403,
                  "forbidden", role="clinician")
    assert "researcher" in why
    refused(rstack, "$research-export?project=" + project + "&_type=Foo",
            400, "invalid")
    refused(rstack, "$research-export", 400, "invalid")
    refused(rstack, "$research-export?project=nope-" + uuid.uuid4().hex[:8],
            404, "not-found")
    rstack.call("audit", "RevokeResearchProject",
                apb.RevokeResearchProjectRequest(project_id=project,
                                                 reason="consent withdrawn"),
                role="auditor", timeout=30)
    why = refused(rstack, "$research-export?project=" + project, 412,
                  "business-rule")
    assert "revoked" in why
    unknown = approve(rstack, [p.patient_id for p in cohort]
                      + [str(uuid.uuid4())])
    why = refused(rstack, "$research-export?project=" + unknown, 422,
                  "business-rule")
    assert "1 of 7" in why


def test_type_filter(rstack, cohort):
    project = approve(rstack, [p.patient_id for p in cohort])
    _, lines = export(rstack, project, "&_type=Observation")
    assert {r["resourceType"] for r in lines} == {"Patient", "Observation"}


def test_export_is_audited(rstack, cohort):
    apb = protos.module("audit")
    project = approve(rstack, [p.patient_id for p in cohort])
    _, lines = export(rstack, project)

    def export_event():
        recs = rstack.call("audit", "Query", apb.QueryRequest(
            actor="researcher.test"), role="auditor", timeout=10)
        for r in recs:
            d = {x.key: x.value for x in r.event.details}
            if (r.event.action == "fhir/research-export"
                    and d.get("project") == project):
                return r.event, d
        return None
    ev, d = poll(export_event, what="the research export's audit event")
    assert ev.outcome == 0 and ev.service == "fhir"
    assert d["k"] == "2" and d["patients"] == "6"
    assert d["resources"] == str(len(lines))
    assert d["include_narrative"] == "false" and d["types"] == "all"
