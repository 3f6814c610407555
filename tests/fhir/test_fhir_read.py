"""Read, vread and instance history through the FHIR facade (issue 35
item 1): every resource of a realistic patient's $everything reads back by
[base]/{type}/{id} as the same resource, every literal reference the
facade emits resolves (no 404), records' versions read by vread and list
in _history, ETag W/"version" and Last-Modified come with every read and
If-None-Match / If-Modified-Since answer 304.  The services still decide:
a ward-3 nurse reads neither a ward-5 patient's demographics (identity's
lookup scope: 404) nor their observation (records' care check: 403).
Real identity, records, dosage, diagnosis and audit behind the facade, care checks
on; every body validated against HL7's R4 schema."""

import json
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from email.utils import formatdate

import pytest

from fhir_checks import assert_valid, references
from harness import paths, protos
from harness.checks import poll
from harness.stack import USERS

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "contract", "diagnosis"))
import dximages  # noqa: E402  (the diagnosis contract tests' images)

CARE_USERS = {"nurse.w3": ("nurse", "ward-3"),
              "dr.w3": ("clinician", "ward-3")}


def _keys(stack):
    """dosage trusts a verification key of the stack's (stack.vkey): a
    dose needs the patient's positive identification."""
    stack.vkey = os.path.join(stack.workdir, "identity.key")
    pub = os.path.join(stack.workdir, "identity.pub")
    subprocess.run([paths.bin_path("vtoken"), "keygen", stack.vkey, pub],
                   check=True, stdout=subprocess.PIPE)
    stack.extra_env["MED_IDENTITY_PUBLIC_KEY_FILE"] = pub


# Ida is an adult (her dose needs one): the chest X-ray model reads
# children only, so her film is read and marked outside the validated
# population, not refused.
pytestmark = pytest.mark.stack(
    services=("audit", "identity", "records", "dosage", "diagnosis"),
    patient_checks=True,
    extra_env={"MED_DIAGNOSIS_OUTSIDE_POPULATION": "mark"},
    care_checks=True, fhir=True, users=CARE_USERS, prepare=_keys)


def vtoken(st, pid):
    r = subprocess.run(
        [paths.bin_path("vtoken"), "sign", "--key", st.vkey, "--patient-id",
         pid, "--score", "0.93", "--threshold", "0.8", "--ttl-s", "120",
         "--model", "lbp-v1", "--device", "ward3-bed7"],
        check=True, stdout=subprocess.PIPE)
    return r.stdout.decode().strip()


def get(st, path, user="dr.w3", headers=None):
    """(status, headers, JSON body or None) of GET path as user."""
    url = path if path.startswith("https://") else st.fhir_url() + "/" + path
    req = urllib.request.Request(url)
    req.add_header("Authorization", "Bearer " + st.user_tokens[user])
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            body = r.read()
            return r.status, r.headers, json.loads(body) if body else None
    except urllib.error.HTTPError as e:
        body = e.read()
        return e.code, e.headers, json.loads(body) if body else None


def admitted(st, ward):
    idpb = protos.module("identity")
    p = st.call("identity", "CreatePatient", idpb.CreatePatientRequest(
        mrn="RD-" + uuid.uuid4().hex[:12].upper(), family_name="Reader",
        given_name="Ida", birth_date="1958-07-09",
        sex=idpb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id
    st.call("identity", "Admit", idpb.AdmitRequest(
        patient_id=p, encounter_class=idpb.ENCOUNTER_CLASS_INPATIENT,
        ward=ward, bed="4-" + uuid.uuid4().hex[:6],
        attending=USERS["clinician"],
        reason="read test"), role="registrar")
    return p


@pytest.fixture(scope="module")
def chart(st):
    """A ward-3 patient with an amended observation, vital signs, an
    allergy, a tablet order with a dose given and one refused, a
    condition, a care plan with a goal and a confirmed AI finding."""
    rpb, dpb = protos.module("records"), protos.module("dosage")
    pid = admitted(st, "ward-3")
    obs = st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_OBSERVATION, title="HR",
        observation=rpb.Observation(loinc_code="8867-4", numeric=71,
                                    ucum_unit="/min")), role="clinician")
    st.call("records", "AmendEntry", rpb.AmendEntryRequest(
        entry_id=obs.entry_id, expected_version=1, reason="misread",
        title="HR", observation=rpb.Observation(
            loinc_code="8867-4", numeric=77, ucum_unit="/min")),
        role="clinician")
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_VITAL_SIGNS, title="Obs",
        vital_signs=rpb.VitalSigns(
            heart_rate=rpb.Quantity(value=80, unit="/min"),
            body_temperature=rpb.Quantity(value=37.0, decimal="37.0",
                                          unit="Cel"))),
        token=st.user_tokens["nurse.w3"])
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_ALLERGY, title="Penicillin",
        allergy=rpb.Allergy(substance_display="Penicillin")),
        role="clinician")
    drug = st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code="PARA_" + uuid.uuid4().hex[:10],
                      name="Paracetamol 500 mg tablet", unit="tablet",
                      routes=["oral"], max_single_dose=2.0,
                      max_daily_dose=8.0, substance="paracetamol",
                      strength=500.0, strength_unit="mg",
                      forms=["tablet"])), role="pharmacist")
    start = int(time.time() * 1000) - 3600 * 1000
    order = st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=pid, drug_code=drug.code, route="oral",
                        dose=1.0, unit="tablet", frequency="q6h",
                        start_ms=start)), role="clinician")
    st.call("dosage", "RecordNotGiven", dpb.RecordNotGivenRequest(
        order_id=order.id, scheduled_ms=start,
        reason=dpb.NOT_GIVEN_REASON_PATIENT_REFUSED),
        token=st.user_tokens["nurse.w3"])
    st.call("dosage", "RecordAdministration", dpb.RecordAdministrationRequest(
        order_id=order.id, dose=1.0, unit="tablet",
        verification_token=vtoken(st, pid)),
        token=st.user_tokens["nurse.w3"])
    infusion = running_infusion(st, pid)
    diagnosis(st, pid)
    return {"pid": pid, "obs": obs.entry_id, "infusion": infusion}


def running_infusion(st, pid):
    """A heparin infusion started an hour ago at 2 mL/h, now at 1 mL/h:
    one segment charted, the current one running."""
    dpb = protos.module("dosage")
    nurse = st.user_tokens["nurse.w3"]
    drug = st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code="HEP_" + uuid.uuid4().hex[:10],
                      name="Heparin 25,000 units in 50 mL", unit="[iU]",
                      max_single_dose=10000.0, max_daily_dose=40000.0,
                      routes=["iv"], concentration_amount=25000.0,
                      concentration_volume_ml=50.0,
                      infusion_max_rate=2000.0,
                      infusion_rate_ceiling=3000.0)), role="pharmacist")
    order = st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=pid, drug_code=drug.code, route="iv",
                        dose=5000.0, unit="[iU]", frequency="once",
                        infusion_rate=1000.0,
                        infusion_rate_unit="[iU]/h")), role="clinician")
    start = int(time.time() * 1000) - 3600 * 1000
    f = st.call("dosage", "StartInfusion", dpb.StartInfusionRequest(
        order_id=order.id, rate=2.0, rate_unit="mL/h", effective_ms=start,
        verification_token=vtoken(st, pid)), token=nurse)
    st.call("dosage", "ChangeInfusionRate", dpb.ChangeInfusionRateRequest(
        infusion_id=f.id, rate=1.0, rate_unit="mL/h",
        effective_ms=start + 1800 * 1000, reason="aPTT 90 s"), token=nurse)
    return {"id": f.id, "order": order.id, "changed_ms": start + 1800 * 1000}


def diagnosis(st, pid):
    xpb = protos.module("diagnosis")
    cond = st.call("diagnosis", "AddCondition", xpb.AddConditionRequest(
        patient_id=pid, code_system="ICD-10", code="J18.9",
        display="Pneumonia, unspecified",
        clinical_status=xpb.CLINICAL_STATUS_ACTIVE,
        verification_status=xpb.VERIFICATION_STATUS_PROVISIONAL,
        onset_date="2024-01-02"), role="clinician")
    st.call("diagnosis", "SetCarePlan", xpb.SetCarePlanRequest(
        patient_id=pid, title="Pneumonia care",
        status=xpb.CARE_PLAN_STATUS_ACTIVE,
        condition_ids=[cond.condition_id],
        goals=[xpb.Goal(description="SpO2 above 94%",
                        status=xpb.GOAL_STATUS_ACTIVE,
                        target_date="2099-01-31")]), role="clinician")
    f = st.call("diagnosis", "AnalyzeImage", xpb.AnalyzeImageRequest(
        patient_id=pid, image=dximages.chest_png(0)),
        role="clinician", timeout=30)
    st.call("diagnosis", "ConfirmFinding", xpb.ConfirmFindingRequest(
        finding_id=f.finding_id, note="agree"), role="clinician")


def everything(st, pid, user="dr.w3"):
    status, _, bundle = get(st, "Patient/%s/$everything?_count=100" % pid,
                            user=user)
    assert status == 200, bundle
    return [e["resource"] for e in bundle["entry"]]


def test_every_resource_reads_back(st, validator, chart):
    """Each resource of $everything reads by type and id as itself, with
    its version as ETag and its lastUpdated as Last-Modified."""
    found = everything(st, chart["pid"], user="nurse.w3")
    types = {r["resourceType"] for r in found}
    assert {"Patient", "Encounter", "Observation", "AllergyIntolerance",
            "MedicationRequest", "MedicationAdministration", "Medication",
            "Condition", "CarePlan", "Goal", "DiagnosticReport",
            "Provenance"} <= types, types
    for res in found:
        path = "%s/%s" % (res["resourceType"], res["id"])
        status, headers, body = get(st, path, user="nurse.w3")
        assert status == 200, (path, body)
        assert_valid(validator, body)
        assert body == res, path
        version = res.get("meta", {}).get("versionId")
        if version is not None:
            assert headers["ETag"] == 'W/"%s"' % version, path
        assert headers["ETag"].startswith('W/"'), path
        if res["resourceType"] != "Medication":
            assert headers["Last-Modified"].endswith(" GMT"), path


def test_no_reference_resolves_to_404(st, validator, chart):
    """Every literal reference in every resource the facade emits for the
    patient reads (MedicationRequest.medicationReference,
    MedicationAdministration.request, subject ...)."""
    found = everything(st, chart["pid"])
    refs = {ref for res in found for ref in references(res)}
    assert any(r.startswith("Medication/") for r in refs), refs
    assert any(r.startswith("MedicationRequest/") for r in refs), refs
    for ref in sorted(refs):
        status, _, body = get(st, ref)
        assert status == 200, (ref, body)
        assert_valid(validator, body)
        assert "%s/%s" % (body["resourceType"], body["id"]) == ref


def test_vread_and_history(st, validator, chart):
    """An amended entry: version 2 is current, version 1 is kept; the
    history lists both, newest first; a version never written is 404."""
    oid = chart["obs"]
    status, headers, cur = get(st, "Observation/" + oid)
    assert status == 200 and cur["meta"]["versionId"] == "2", cur
    assert cur["valueQuantity"]["value"] == 77
    status, headers, v1 = get(st, "Observation/%s/_history/1" % oid)
    assert status == 200, v1
    assert_valid(validator, v1)
    assert v1["meta"]["versionId"] == "1" and headers["ETag"] == 'W/"1"'
    assert v1["valueQuantity"]["value"] == 71
    status, _, hist = get(st, "Observation/%s/_history" % oid)
    assert status == 200, hist
    assert_valid(validator, hist)
    assert hist["type"] == "history" and hist["total"] == 2
    assert [e["resource"]["meta"]["versionId"] for e in hist["entry"]] == [
        "2", "1"]
    assert [e["response"]["etag"] for e in hist["entry"]] == [
        'W/"2"', 'W/"1"']
    status, _, body = get(st, "Observation/%s/_history/3" % oid)
    assert status == 404 and body["resourceType"] == "OperationOutcome"
    # A service that keeps only the current version lists that alone.
    pid = chart["pid"]
    status, _, hist = get(st, "Patient/%s/_history" % pid)
    assert status == 200 and hist["total"] == 1, hist
    assert_valid(validator, hist)


def test_running_infusion_is_in_progress(st, validator, chart):
    """A running infusion is an in-progress MedicationAdministration of
    its current segment (since the last rate change, at that rate), its
    request the order; the segment before is a completed one."""
    inf = chart["infusion"]
    found = [r for r in everything(st, chart["pid"])
             if r["resourceType"] == "MedicationAdministration"
             and r.get("request", {}).get("reference") ==
             "MedicationRequest/" + inf["order"]]
    assert sorted(r["status"] for r in found) == ["completed",
                                                  "in-progress"], found
    running = [r for r in found if r["status"] == "in-progress"][0]
    assert running["id"] == inf["id"]
    assert "end" not in running["effectivePeriod"]
    assert running["dosage"]["rateQuantity"]["value"] == 1
    status, headers, body = get(st, "MedicationAdministration/" + inf["id"])
    assert status == 200, body
    assert_valid(validator, body)
    assert body == running
    # Started, then changed once: two events.
    assert headers["ETag"] == 'W/"2"'


def test_conditional_read(st, chart):
    path = "Observation/" + chart["obs"]
    status, headers, _ = get(st, path)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    status, headers, body = get(st, path, headers={"If-None-Match": etag})
    assert status == 304 and body is None
    assert headers["ETag"] == etag
    status, _, body = get(st, path, headers={"If-None-Match": 'W/"1"'})
    assert status == 200 and body["meta"]["versionId"] == "2"
    status, _, _ = get(st, path, headers={"If-Modified-Since": modified})
    assert status == 304
    status, _, body = get(st, path, headers={
        "If-Modified-Since": formatdate(0, usegmt=True)})
    assert status == 200 and body["id"] == chart["obs"]
    # A list of tags, a strong spelling of the same tag, and "*" match.
    for inm in ('W/"9", W/"2"', '"2"', "*"):
        status, _, _ = get(st, path, headers={"If-None-Match": inm})
        assert status == 304, inm
    # If-None-Match wins; a date that does not parse is ignored.
    status, _, _ = get(st, path, headers={"If-None-Match": 'W/"1"',
                                          "If-Modified-Since": modified})
    assert status == 200
    status, _, _ = get(st, path, headers={"If-Modified-Since": "yesterday"})
    assert status == 200
    # A vread is conditional too; a history is not.
    status, _, _ = get(st, path + "/_history/1",
                       headers={"If-None-Match": 'W/"1"'})
    assert status == 304
    status, _, body = get(st, path + "/_history",
                          headers={"If-None-Match": etag})
    assert status == 200 and body["type"] == "history"


def test_reads_are_audited(st, chart):
    """A read is one access event: fhir/read, the resource, the patient
    the service found; a vread fhir/vread; a malformed id "-"."""
    apb = protos.module("audit")
    get(st, "Observation/" + chart["obs"])
    get(st, "Observation/%s/_history/1" % chart["obs"])
    get(st, "Observation/a_b")

    def events():
        r = st.call("audit", "Query", apb.QueryRequest(actor="dr.w3"),
                    role="auditor", timeout=30)
        return [x.event for x in r if x.event.service == "fhir"]

    def seen():
        got = {(e.action, e.resource, e.patient_id) for e in events()}
        want = {("fhir/read", "Observation/" + chart["obs"], chart["pid"]),
                ("fhir/vread", "Observation/" + chart["obs"], chart["pid"]),
                ("fhir/read", "Observation/-", "")}
        return want <= got
    poll(seen, timeout=15, what="the facade's read events",
         seen=lambda: repr(sorted({(e.action, e.resource, e.patient_id,
                                   e.actor) for e in events()})))


def test_unknown_and_bad_ids(st, validator, chart):
    for path, want in (("Observation/" + str(uuid.uuid4()), 404),
                       ("MedicationRequest/" + str(uuid.uuid4()), 404),
                       ("Medication/drug-00", 404),
                       ("Observation/%s/_history/x" % chart["obs"], 400),
                       ("Observation/%s?_count=2" % chart["obs"], 400),
                       ("Observation/a_b", 400)):
        status, _, body = get(st, path)
        assert status == want, (path, body)
        assert_valid(validator, body)
        assert body["resourceType"] == "OperationOutcome"


def test_off_ward_nurse_reads_nothing(st, chart):
    """A ward-3 nurse and a ward-5 patient: the Patient is outside
    identity's lookup scope (404, as for an id nobody registered) and the
    observation is refused by records' care check (403)."""
    rpb = protos.module("records")
    pid = admitted(st, "ward-5")
    obs = st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_OBSERVATION, title="HR",
        observation=rpb.Observation(loinc_code="8867-4", numeric=70,
                                    ucum_unit="/min")),
        role="clinician").entry_id
    status, _, body = get(st, "Patient/" + pid, user="nurse.w3")
    assert status == 404, body
    status, _, body = get(st, "Patient/%s/_history/1" % pid, user="nurse.w3")
    assert status == 404, body
    status, _, body = get(st, "Observation/" + obs, user="nurse.w3")
    assert status == 403, body
    # The ward-3 nurse's own patient reads.
    status, _, body = get(st, "Patient/" + chart["pid"], user="nurse.w3")
    assert status == 200, body


def test_audit_event_reads(st, validator, chart):
    """An AuditEvent of the patient's audit export reads by its id, for
    the export's readers (an auditor), not for a clinician (403)."""
    apb = protos.module("audit")
    r = st.call("audit", "ExportAuditEventsFhir",
                apb.ExportAuditEventsFhirRequest(patient_id=chart["pid"],
                                                 page_size=5),
                role="auditor", timeout=30)
    events = [e["resource"] for e in json.loads(r.bundle_json)["entry"]
              if e["resource"]["resourceType"] == "AuditEvent"]
    assert events
    tok = st.token("auditor")
    st.user_tokens.setdefault("auditor", tok)
    for ev in events[:3]:
        status, headers, body = get(st, "AuditEvent/" + ev["id"],
                                    user="auditor")
        assert status == 200, body
        assert_valid(validator, body)
        assert body == ev
        assert headers["ETag"] == 'W/"1"'
    status, _, body = get(st, "AuditEvent/" + events[0]["id"])
    assert status == 403, body
    status, _, body = get(st, "AuditEvent/" + str(uuid.uuid4()),
                          user="auditor")
    assert status == 404, body


def test_break_glass_read(st, validator):
    """Under a break-glass grant the ward-3 nurse reads a ward-5 patient's
    observation by id, X-Break-Glass naming the grant (the facade learns
    the patient from the read); a header naming no grant of hers for that
    patient is refused (403)."""
    rpb, idpb = protos.module("records"), protos.module("identity")
    pid = admitted(st, "ward-5")
    obs = st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_OBSERVATION, title="HR",
        observation=rpb.Observation(loinc_code="8867-4", numeric=90,
                                    ucum_unit="/min")),
        role="clinician").entry_id
    grant = st.call("identity", "StartBreakGlass", idpb.StartBreakGlassRequest(
        patient_id=pid, reason="UNCONSCIOUS", minutes=30),
        token=st.user_tokens["nurse.w3"]).grant_id
    status, _, body = get(st, "Observation/" + obs, user="nurse.w3",
                          headers={"X-Break-Glass": grant})
    assert status == 200, body
    assert_valid(validator, body)
    status, _, body = get(st, "Observation/" + obs, user="nurse.w3",
                          headers={"X-Break-Glass": "0" * 32})
    assert status == 403, body
    assert body["issue"][0]["diagnostics"].startswith("X-Break-Glass")


READ_TYPES = {"Patient", "Encounter", "Observation", "AllergyIntolerance",
              "DocumentReference", "Condition", "CarePlan", "Goal",
              "DiagnosticReport", "Provenance", "MedicationRequest",
              "MedicationAdministration", "Medication", "AuditEvent"}


def _one_of_each(st, chart):
    """{type: (resource, user)}: one resource of every type the chart
    has, and an AuditEvent of it for an auditor."""
    apb = protos.module("audit")
    out = {}
    for res in everything(st, chart["pid"]):
        out.setdefault(res["resourceType"], (res, "dr.w3"))
    st.user_tokens.setdefault("auditor", st.token("auditor"))
    r = st.call("audit", "ExportAuditEventsFhir",
                apb.ExportAuditEventsFhirRequest(patient_id=chart["pid"],
                                                 page_size=5),
                role="auditor", timeout=30)
    for e in json.loads(r.bundle_json)["entry"]:
        if e["resource"]["resourceType"] == "AuditEvent":
            out["AuditEvent"] = (e["resource"], "auditor")
    return out


def _try(st, validator, code, res, user, decl, pid):
    """Tries interaction code on res as the statement declares it."""
    t, rid = res["resourceType"], res["id"]
    if code == "read":
        status, _, body = get(st, "%s/%s" % (t, rid), user=user)
        assert status == 200 and body["id"] == rid, (t, body)
    elif code == "vread":
        version = get(st, "%s/%s" % (t, rid), user=user)[1]["ETag"][3:-1]
        status, _, body = get(st, "%s/%s/_history/%s" % (t, rid, version),
                              user=user)
        assert status == 200 and body["id"] == rid, (t, body)
        if not decl["readHistory"] and int(version) > 1:
            status, _, body = get(st, "%s/%s/_history/1" % (t, rid),
                                  user=user)
            assert status == 404, (t, body)
    elif code == "history-instance":
        status, _, body = get(st, "%s/%s/_history" % (t, rid), user=user)
        assert status == 200 and body["type"] == "history", (t, body)
        if not decl["readHistory"]:
            assert body["total"] == 1, (t, body)
    elif code == "search-type":
        q = "family=Reader" if t == "Patient" else "patient=" + pid
        status, _, body = get(st, "%s?%s" % (t, q), user=user)
        assert status == 200 and body["type"] == "searchset", (t, body)
    else:
        return  # create: test_fhir_write.py writes
    assert_valid(validator, body)


def test_capability_statement_says_what_is_served(st, validator, chart):
    """The CapabilityStatement is walked and each interaction it lists is
    tried on a real resource of its type: read, vread and history-instance
    for every type read by id (versioning and readHistory as each service
    keeps versions), search-type where listed; a type not declared
    searchable is refused as a search, and every type $everything emits
    is declared."""
    status, _, cap = get(st, "metadata")
    assert status == 200
    # The schema's fhirVersion enum stops at 4.0.0 (as test_fhir_facade).
    assert_valid(validator, dict(cap, fhirVersion="4.0.0"))
    declared = {r["type"]: r for r in cap["rest"][0]["resource"]}
    assert READ_TYPES <= set(declared), set(declared) ^ READ_TYPES
    have = _one_of_each(st, chart)
    assert set(have) <= set(declared)
    for t, decl in sorted(declared.items()):
        codes = [i["code"] for i in decl["interaction"]]
        assert len(codes) == len(set(codes)), (t, codes)
        if t in READ_TYPES:
            assert {"read", "vread", "history-instance"} <= set(codes), t
            assert decl["versioning"] == (
                "no-version" if t == "Medication" else "versioned"), t
            assert decl["readHistory"] == (t in {
                "Observation", "AllergyIntolerance", "DocumentReference",
                "Condition"}), t
        if t not in have:
            continue
        res, user = have[t]
        for code in codes:
            _try(st, validator, code, res, user, decl, chart["pid"])
        if "search-type" not in codes:
            status, _, body = get(st, "%s?patient=%s" % (t, chart["pid"]),
                                  user=user)
            assert status in (400, 404), (t, body)
    # A type no service reads is not declared and not read.
    assert "Device" not in declared
    status, _, body = get(st, "Device/x1")
    assert status == 404 and body["resourceType"] == "OperationOutcome"
