"""$research-export (services/fhir/search/research.c) end to end: an auditor
approves a project in the real audit service, the researcher exports its
cohort through the facade, which reads identity, records and dosage as
itself.  The test holds the stack's research master key, so it computes
the pseudonyms the facade must have used and maps every exported line
back to its source resource."""

import datetime
import hashlib
import hmac
import json
import re
import ssl
import urllib.error
import urllib.request
import uuid

import pytest

from harness import Stack, protos
from harness.checks import poll
from harness.fixtures import assess_allergies, running

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
        assess_allergies(rstack, p.patient_id)
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
    assert got == status, text[:2000]
    body = json.loads(text)
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
                    # The day only (test_times_truncated_to_the_day).
                    assert out[key][10:] in ("", "T00:00:00Z"), out[key]
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
    assert d["k"] == "2" and d["patients"] == "6" and d["persons"] == "6"
    assert d["resources"] == str(len(lines))
    assert d["include_narrative"] == "false" and d["types"] == "all"


# --- what users type, times, linked records, empty elements, attachments ----

ADDRESS = "5 Elm Street, Springfield"
HOME = "12 Quarry Lane, Shelbyville"  # in the letter and the note only
MASKED = {"extension": [{
    "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
    "valueCode": "masked"}]}


def walk(node, path=""):
    """(path, key, value) of every member of every object in node."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield path, k, v
            yield from walk(v, path + "." + k)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v, path + "[]")


@pytest.fixture(scope="module")
def typed(rstack):
    """Two patients of one group whose charts carry what clinicians type
    (titles, displays, descriptions, notes, reasons) naming them, and a
    document and a note whose contents hold the MRN, birth date and
    address: (patients, {patient_id: [strings that name the patient]})."""
    ipb, rpb = protos.module("identity"), protos.module("records")
    dpb, xpb = protos.module("dosage"), protos.module("diagnosis")
    code = "PARA_" + uuid.uuid4().hex[:10]
    rstack.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code=code, name="Paracetamol 500 mg tablet",
                      unit="tablet", routes=["oral"], max_single_dose=2.0,
                      max_daily_dose=8.0)), role="pharmacist", timeout=30)
    pats, names = [], {}
    for i in range(2):
        family = "Tolliver" + uuid.uuid4().hex[:6]
        p = rstack.call("identity", "CreatePatient", ipb.CreatePatientRequest(
            mrn="MRN-" + uuid.uuid4().hex[:8], family_name=family,
            given_name="Ottilie", birth_date="1962-0%d-1%d" % (i + 3, i + 4),
            sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar", timeout=30)
        said = "%s of %s" % (family, ADDRESS)
        letter = "Discharge letter\nMRN: %s\nBorn: %s\nAddress: %s\n" % (
            p.mrn, p.birth_date, HOME)
        pid = p.patient_id

        def entry(kind, title, **kw):
            rstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
                patient_id=pid, kind=kind, title=title, **kw),
                role="clinician", timeout=30)
        entry(rpb.ENTRY_KIND_OBSERVATION, "Pulse of " + said,
              observation=rpb.Observation(
                  loinc_code="8867-4", display="HR " + family,
                  numeric=70 + i, ucum_unit="/min"))
        entry(rpb.ENTRY_KIND_OBSERVATION, "Mood",
              observation=rpb.Observation(loinc_code="75275-8",
                                          text="Cheerful, " + said))
        entry(rpb.ENTRY_KIND_ALLERGY, "Allergy",
              allergy=rpb.Allergy(
                  substance_system="http://snomed.info/sct",
                  substance_code="764146007",
                  substance_display="Penicillin, told by " + family,
                  reactions=[rpb.AllergyReaction(
                      manifestation="Hives on " + family,
                      severity=rpb.REACTION_SEVERITY_MILD)]))
        entry(rpb.ENTRY_KIND_DOCUMENT, "Letter " + said,
              document=rpb.Document(content_type="text/plain",
                                    data=letter.encode()))
        entry(rpb.ENTRY_KIND_NOTE, "Note " + family, body=letter)
        cond = rstack.call("diagnosis", "AddCondition",
                           xpb.AddConditionRequest(
                               patient_id=pid, code_system="ICD-10",
                               code="J18.9", display="Pneumonia, " + said,
                               clinical_status=xpb.CLINICAL_STATUS_ACTIVE,
                               verification_status=(
                                   xpb.VERIFICATION_STATUS_CONFIRMED),
                               onset_date="2024-02-0%d" % (i + 1)),
                           role="clinician", timeout=30)
        rstack.call("diagnosis", "SetCarePlan", xpb.SetCarePlanRequest(
            patient_id=pid, title="Plan for " + said,
            status=xpb.CARE_PLAN_STATUS_ACTIVE,
            condition_ids=[cond.condition_id],
            goals=[xpb.Goal(description="Walk to " + said,
                            status=xpb.GOAL_STATUS_ACTIVE,
                            target_date="2024-03-01")],
            activities=[xpb.Activity(description="Visit " + said,
                                     status=xpb.ACTIVITY_STATUS_SCHEDULED,
                                     scheduled_date="2024-02-20")]),
            role="clinician", timeout=30)
        assess_allergies(rstack, pid)
        rstack.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
            order=dpb.Order(patient_id=pid, drug_code=code, route="oral",
                            dose=1.0, unit="tablet", frequency="q6h")),
            role="clinician", timeout=30)
        pats.append(p)
        names[pid] = [family, ADDRESS, "Elm Street", HOME, p.mrn,
                      p.birth_date]
    return pats, names


def test_user_typed_text_never_leaves(rstack, typed):
    """Without narrative the export is built from codes: no title,
    display, description or CodeableConcept text survives, so nothing a
    clinician typed about the patient does."""
    pats, names = typed
    text, lines = export(rstack, approve(rstack, [p.patient_id
                                                  for p in pats]))
    for words in names.values():
        for w in words:
            assert w not in text
    typed_keys = {"display", "text", "title", "description", "note",
                  "valueString", "conclusion", "comment"}
    for r in lines:
        for path, key, v in walk(r):
            # A required concept whose text was withheld is masked.
            assert key not in typed_keys or v in (MASKED, [MASKED]), (
                r["resourceType"], path, key, v)
    kinds = {r["resourceType"] for r in lines}
    assert {"Observation", "Condition", "CarePlan", "Goal",
            "AllergyIntolerance", "DocumentReference",
            "MedicationRequest", "Medication"} <= kinds
    codes = {c["code"] for r in lines if r["resourceType"] == "Condition"
             for c in r["code"]["coding"]}
    assert codes == {"J18.9"}


@pytest.mark.parametrize("narrative", (False, True))
def test_no_empty_elements(rstack, cohort, typed, narrative):
    """R4 has no empty objects, arrays or strings: what is left out leaves
    no husk; and the export stays valid R4."""
    validator = r4_validator()
    pids = [p.patient_id for p in cohort + typed[0]]
    _, lines = export(rstack, approve(rstack, pids, narrative=narrative))
    for r in lines:
        for path, key, v in walk(r):
            assert v not in ({}, [], ""), (r["resourceType"], path, key)
        errors = sorted(validator.iter_errors(r), key=str)
        assert not errors, [e.message[:200] for e in errors[:3]]


def test_attachments_never_carry_identifiers(rstack, typed):
    """Even with narrative approved, no attachment carries content: the
    letter and the note (MRN, birth date, address) stay home, in clear
    and in base64."""
    pats, _ = typed
    text, lines = export(rstack, approve(rstack, [p.patient_id
                                                  for p in pats],
                                         narrative=True))
    docs = [r for r in lines if r["resourceType"] == "DocumentReference"]
    assert len(docs) == 2 * len(pats)
    for d in docs:
        for c in d["content"]:
            assert set(c["attachment"]) == {"contentType"}, c
    for p in pats:
        for s in (p.mrn, p.birth_date, HOME):
            assert s not in text
    assert "Binary/" not in text
    # Narrative itself still comes: a care plan's title, as typed.
    assert any("Plan for " in r.get("title", "") for r in lines)


def test_times_truncated_to_the_day(rstack, cohort):
    """Two projects' exports of one cohort share no time of day: every
    date is a day (an instant is that day at 00:00:00Z), so timestamps to
    the millisecond cannot link the two."""
    pids = [p.patient_id for p in cohort]
    for project in (approve(rstack, pids), approve(rstack, pids)):
        _, lines = export(rstack, project)
        times = [v for r in lines for _, _, v in walk(r)
                 if isinstance(v, str) and re.match(r"\d{4}-\d\d-\d\dT", v)]
        assert times  # issued, recordedDate ... are instants
        for v in times:
            assert v.endswith("T00:00:00Z"), v
    dates = [v for r in lines for _, k, v in walk(r)
             if k in ("effectiveDateTime", "authoredOn", "recordedDate")]
    assert dates and all(re.fullmatch(r"\d{4}-\d\d-\d\d", v) for v in dates)


def test_linked_records_count_once(rstack):
    """One person registered twice and linked (LinkPatients) is one person
    for the k check and one Patient line, under the survivor's pseudonym,
    with one date shift for the resources of both records."""
    ipb, rpb = protos.module("identity"), protos.module("records")
    regs = []
    for i, born in enumerate(("1948-04-04", "1948-04-04", "1948-09-09")):
        regs.append(rstack.call(
            "identity", "CreatePatient", ipb.CreatePatientRequest(
                mrn="MRN-" + uuid.uuid4().hex[:8],
                family_name="Twice" + uuid.uuid4().hex[:6],
                given_name="Ada", birth_date=born,
                sex=ipb.ADMINISTRATIVE_SEX_FEMALE),
            role="registrar", timeout=30))
        rstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
            patient_id=regs[-1].patient_id, kind=rpb.ENTRY_KIND_OBSERVATION,
            title="HR", observation=rpb.Observation(
                loinc_code="8867-4", numeric=80 + i, ucum_unit="/min")),
            role="clinician", timeout=30)
    survivor, merged, other = regs
    rstack.call("identity", "LinkPatients", ipb.LinkPatientsRequest(
        survivor_id=survivor.patient_id, merged_id=merged.patient_id,
        reason="same person, registered twice"), role="registrar",
        timeout=30)
    pids = [r.patient_id for r in regs]
    why = refused(rstack, "$research-export?project=" + approve(
        rstack, pids, k=3), 422, "business-rule")
    assert "1 of 1 groups" in why and "k=3" in why
    project = approve(rstack, pids, k=2)
    _, lines = export(rstack, project)
    pats = [r for r in lines if r["resourceType"] == "Patient"]
    person = pseudonym(rstack, project, "Patient", survivor.patient_id)
    assert sorted(p["id"] for p in pats) == sorted([
        person, pseudonym(rstack, project, "Patient", other.patient_id)])
    obs = [r for r in lines if r["resourceType"] == "Observation"]
    subjects = sorted(o["subject"]["reference"] for o in obs)
    person = "Patient/" + person
    assert subjects.count(person) == 2 and len(obs) == 3
    days = {o["effectiveDateTime"] for o in obs
            if o["subject"]["reference"] == person}
    assert len(days) == 1  # recorded the same day, shifted as one person
