"""The FHIR REST facade (services/fhir) end to end: real identity, records
and audit behind it over mutual TLS, HTTPS with the stack's CA, the
development tokens as bearer tokens.  Every body must validate against
HL7's R4 schema (loaded as test_fhir_records_schema.py does); every error
must be an OperationOutcome; every access must reach the audit log."""

import json
import ssl
import time
import urllib.error
import urllib.request
import uuid

import pytest

from harness import Stack, protos
from harness.checks import now_ms, poll
from harness.fixtures import assess_allergies, running


LOINC = "http://loinc.org"


@pytest.fixture(scope="module")
def fstack():
    with running(Stack(services=("audit", "identity", "records", "dosage"),
                       fhir=True)) as st:
        yield st


def get(st, url, role="clinician", token=None):
    """(status, headers, JSON body) of GET url (relative to the base)."""
    if not url.startswith("https://"):
        url = st.fhir_url() + "/" + url
    req = urllib.request.Request(url)
    tok = token or (st.token(role) if role else None)
    if tok:
        req.add_header("Authorization", "Bearer " + tok)
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, r.headers, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read())


def valid(validator, body):
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, "\n".join(e.message[:300] for e in errors[:5])
    return body


def outcome(validator, status, body, want_status, want_code):
    assert status == want_status, body
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == want_code, body
    valid(validator, body)
    return body["issue"][0].get("diagnostics", "")


@pytest.fixture(scope="module")
def chart(fstack):
    """A registered patient with 5 observations and an allergy."""
    ipb, rpb = protos.module("identity"), protos.module("records")
    p = fstack.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:8], family_name="Fhirtest",
        given_name="Ada Maria", birth_date="1980-02-03",
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar", timeout=30)
    for v in (60, 62, 64, 66, 68):
        fstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
            patient_id=p.patient_id, kind=rpb.ENTRY_KIND_OBSERVATION,
            title="HR", observation=rpb.Observation(
                loinc_code="8867-4", numeric=v, ucum_unit="/min")),
            role="clinician", timeout=30)
    fstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p.patient_id, kind=rpb.ENTRY_KIND_ALLERGY,
        title="Penicillin", allergy=rpb.Allergy(
            substance_display="Penicillin")), role="clinician", timeout=30)
    return p


def test_metrics_and_health_port(fstack):
    """The facade's plain HTTP port is libmed's process part, as in every
    service: /healthz and /readyz answer, /metrics counts FHIR requests."""
    get(fstack, "metadata", role=None)
    base = "http://127.0.0.1:%d" % fstack.services["fhir"].http_port
    for path, want in (("/healthz", b"ok\n"), ("/readyz", b"ready\n")):
        with urllib.request.urlopen(base + path, timeout=10) as r:
            assert r.status == 200
            assert r.read() == want
    with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
        text = r.read().decode()
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert 'smartmed_fhir_requests_total{interaction="capabilities",' \
        'code="200"}' in text
    assert "smartmed_http_connections_closed_total" in text
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(base + "/nope", timeout=10)
    assert e.value.code == 404


def test_metadata_needs_no_token(fstack, validator):
    status, headers, body = get(fstack, "metadata", role=None)
    assert status == 200
    assert headers["Content-Type"].startswith("application/fhir+json")
    # HL7's R4 fhir.schema.json lists FHIR versions only up to 4.0.0 (its
    # value set predates the 4.0.1 technical correction, the published
    # R4); the facade states the true version, checked here instead.
    assert body["fhirVersion"] == "4.0.1"
    valid(validator, dict(body, fhirVersion="4.0.0"))
    types = {r["type"]: r for r in body["rest"][0]["resource"]}
    # The searched types, those read by id only (dosage's Medication: no
    # searchParam), audit's AuditEvent (the access report) and the
    # break-glass grants as Consent; records' note-reader suggestions add
    # Condition, MedicationStatement and their Provenance.
    assert set(types) == {"Patient", "Observation", "AllergyIntolerance",
                          "DocumentReference", "MedicationRequest",
                          "MedicationAdministration", "Encounter",
                          "Medication", "AuditEvent", "Consent",
                          "Condition", "MedicationStatement", "Provenance"}
    assert "searchParam" not in types["Medication"]
    assert types["Patient"]["operation"][0]["name"] == "everything"
    assert {p["name"] for p in types["Encounter"]["searchParam"]} == {
        "patient", "subject", "date", "status", "identifier", "location"}
    assert {p["name"] for p in types["AuditEvent"]["searchParam"]} == {
        "patient", "date"}
    assert [op["name"] for op in types["AuditEvent"]["operation"]] == [
        "inclusion-proof"]
    # The harness configures the research key and the audit service.
    ops = body["rest"][0]["operation"]
    assert [op["name"] for op in ops] == ["research-export"]
    assert ops[0]["definition"].endswith("/OperationDefinition/"
                                         "research-export")


def test_patient_read(fstack, validator, chart):
    status, _, body = get(fstack, "Patient/" + chart.patient_id)
    assert status == 200, body
    valid(validator, body)
    assert body["id"] == chart.patient_id
    assert body["identifier"][0]["value"] == chart.mrn
    # text: the name as the patient's culture writes it (docs/names.md).
    assert body["name"][0] == {"use": "official", "text": "Ada Maria Fhirtest",
                               "family": "Fhirtest", "given": ["Ada", "Maria"]}
    assert body["gender"] == "female"
    assert body["birthDate"] == "1980-02-03"


def test_refusals_are_operation_outcomes(fstack, validator, chart):
    pid = chart.patient_id
    status, headers, body = get(fstack, "Patient/" + pid, role=None)
    outcome(validator, status, body, 401, "login")
    assert headers["WWW-Authenticate"].startswith("Bearer")
    status, _, body = get(fstack, "Patient/" + pid, token="not-a-token")
    outcome(validator, status, body, 401, "login")
    status, _, body = get(fstack, "Patient/" + pid, role="auditor")
    outcome(validator, status, body, 403, "forbidden")
    status, _, body = get(fstack, "Patient/" + str(uuid.uuid4()))
    outcome(validator, status, body, 404, "not-found")
    status, _, body = get(fstack, "Patient/bad_id!")
    assert "Patient id" in outcome(validator, status, body, 400, "invalid")
    status, _, body = get(fstack, "Observation?patient=%s&_count=0" % pid)
    assert "_count" in outcome(validator, status, body, 400, "invalid")
    status, _, body = get(fstack, "Observation?patient=%s&color=red" % pid)
    assert "color" in outcome(validator, status, body, 400, "invalid")
    status, _, body = get(fstack, "Observation")
    assert "patient" in outcome(validator, status, body, 400, "invalid")
    status, _, body = get(fstack, "Coverage?patient=" + pid)
    outcome(validator, status, body, 404, "not-found")
    # R4: a search that matches nothing is an empty searchset, an
    # unknown patient included (before issue 35: 404).
    status, _, body = get(fstack, "Encounter?patient=" + str(uuid.uuid4()))
    assert status == 200 and body["total"] == 0 and not body.get(
        "entry"), body
    valid(validator, body)
    # Identity serves encounters: no encounter is an empty searchset.
    status, _, body = get(fstack, "Encounter?patient=" + pid)
    assert status == 200 and body["type"] == "searchset", body
    assert body["total"] == 0
    valid(validator, body)


def test_observation_search_pages_to_the_end(fstack, validator, chart):
    url = "Observation?patient=%s&_count=2" % chart.patient_id
    seen, pages = [], 0
    while url:
        status, _, body = get(fstack, url)
        assert status == 200, body
        valid(validator, body)
        assert body["type"] == "searchset" and body["total"] == 5
        for e in body["entry"]:
            assert e["resource"]["resourceType"] == "Observation"
            assert e["fullUrl"] == "%s/Observation/%s" % (
                fstack.fhir_url(), e["resource"]["id"])
            seen.append(e["resource"]["id"])
        links = {ln["relation"]: ln["url"] for ln in body["link"]}
        url = links.get("next")
        pages += 1
    assert pages == 3 and len(set(seen)) == 5


def test_search_filters(fstack, validator, chart):
    pid = chart.patient_id
    status, _, body = get(fstack, "Observation?patient=%s&code=%s|8867-4"
                          % (pid, LOINC))
    assert status == 200 and body["total"] == 5, body
    status, _, body = get(fstack, "Observation?patient=%s&code=%s|0000-0"
                          % (pid, LOINC))
    assert status == 200 and body["total"] == 0, body
    status, _, body = get(fstack, "Observation?patient=%s&date=lt1990-01-01"
                          % pid)
    assert status == 200 and body["total"] == 0, body
    status, _, body = get(fstack, "Observation?patient=%s&date=ge1990-01-01"
                          % pid)
    assert status == 200 and body["total"] == 5, body
    status, _, body = get(fstack, "AllergyIntolerance?patient=" + pid)
    assert status == 200 and body["total"] == 1, body
    valid(validator, body)


def test_everything(fstack, validator, chart):
    status, _, body = get(fstack, "Patient/%s/$everything?_count=4"
                          % chart.patient_id)
    assert status == 200, body
    valid(validator, body)
    assert body["total"] == 7  # Patient, 5 observations, 1 allergy
    assert body["entry"][0]["resource"]["resourceType"] == "Patient"
    links = {ln["relation"]: ln["url"] for ln in body["link"]}
    status, _, rest = get(fstack, links["next"])
    assert status == 200 and len(rest["entry"]) == 3
    valid(validator, rest)
    types = [e["resource"]["resourceType"] for e in
             body["entry"] + rest["entry"]]
    assert sorted(types) == sorted(["Patient"] + ["Observation"] * 5 +
                                   ["AllergyIntolerance"])


def test_access_is_audited(fstack, chart):
    apb = protos.module("audit")
    get(fstack, "Patient/" + chart.patient_id)
    get(fstack, "Patient/" + chart.patient_id, role="auditor")

    def facade_events():
        recs = fstack.call("audit", "Query", apb.QueryRequest(
            patient_id=chart.patient_id), role="auditor", timeout=10)
        evs = [r.event for r in recs if r.event.service == "fhir"]
        reads = [e for e in evs if e.action == "fhir/read"]
        ok = [e for e in reads if e.outcome == 0 and e.actor == "dr.test"]
        denied = [e for e in reads if e.outcome == 7]
        return (ok, denied) if ok and denied else None
    ok, denied = poll(facade_events, what="the facade's audit events")
    assert ok[0].resource == "Patient/" + chart.patient_id
    details = {d.key: d.value for d in denied[0].details}
    assert details["http_status"] == "403"


def test_medication_request_search(fstack, validator, chart):
    """An order written in dosage comes out of the facade as a valid
    MedicationRequest, and $everything carries the Medication it names."""
    dpb = protos.module("dosage")
    code = "AMOX_" + uuid.uuid4().hex[:10]
    fstack.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code=code, name="Amoxicillin 500 mg capsule",
                      unit="capsule", routes=["oral"], max_single_dose=2.0,
                      max_daily_dose=6.0)), role="pharmacist", timeout=30)
    assess_allergies(fstack, chart.patient_id)
    fstack.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=chart.patient_id, drug_code=code,
                        route="oral", dose=1.0, unit="capsule",
                        frequency="q8h")), role="clinician", timeout=30)
    status, _, body = get(fstack, "MedicationRequest?patient="
                          + chart.patient_id)
    assert status == 200, body
    valid(validator, body)
    reqs = [e["resource"] for e in body.get("entry", [])
            if e["resource"]["resourceType"] == "MedicationRequest"]
    assert len(reqs) == 1 and reqs[0]["status"] == "active"
    status, _, body = get(fstack, "Patient/%s/$everything?_count=100"
                          % chart.patient_id)
    assert status == 200, body
    valid(validator, body)
    kinds = {e["resource"]["resourceType"] for e in body["entry"]}
    assert {"MedicationRequest", "Medication", "Observation"} <= kinds


@pytest.fixture(scope="module")
def stays(fstack, chart):
    """A second patient with two finished stays ten days apart."""
    ipb = protos.module("identity")
    pid = fstack.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:8], family_name="Staytest",
        given_name="Bo", birth_date="1970-05-06",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar",
        timeout=30).patient_id
    day = 24 * 3600 * 1000
    starts = [now_ms() - 12 * day, now_ms() - 2 * day]
    ids = []
    for start in starts:
        e = fstack.call("identity", "Admit", ipb.AdmitRequest(
            patient_id=pid, encounter_class=ipb.ENCOUNTER_CLASS_INPATIENT,
            ward="W4", bed="1", attending="dr.house", start_ms=start),
            role="registrar", timeout=30)
        fstack.call("identity", "Discharge", ipb.DischargeRequest(
            encounter_id=e.encounter_id, time_ms=start + day),
            role="registrar", timeout=30)
        ids.append(e.encounter_id)
    return pid, ids, starts


def _day(ms):
    return time.strftime("%Y-%m-%d", time.gmtime(ms / 1000))


def test_encounter_search(fstack, validator, stays):
    pid, ids, starts = stays
    status, _, body = get(fstack, "Encounter?patient=" + pid)
    assert status == 200, body
    valid(validator, body)
    assert body["total"] == 2
    assert [e["resource"]["id"] for e in body["entry"]] == ids[::-1]
    for e in body["entry"]:
        assert e["fullUrl"] == "%s/Encounter/%s" % (
            fstack.fhir_url(), e["resource"]["id"])
        assert e["resource"]["class"]["code"] == "IMP"
    # date compares the day the encounter began (period.start)
    status, _, body = get(fstack, "Encounter?patient=%s&date=ge%s"
                          % (pid, _day(starts[1])))
    assert status == 200 and body["total"] == 1, body
    assert body["entry"][0]["resource"]["id"] == ids[1]
    status, _, body = get(fstack, "Encounter?patient=%s&status=finished"
                          % pid)
    assert status == 200 and body["total"] == 2, body
    status, _, body = get(fstack, "Encounter?patient=%s&status=in-progress"
                          % pid)
    assert status == 200 and body["total"] == 0, body


def test_everything_has_encounters_and_one_patient(fstack, validator,
                                                   stays):
    pid, ids, _ = stays
    status, _, body = get(fstack, "Patient/%s/$everything" % pid)
    assert status == 200, body
    valid(validator, body)
    kinds = [e["resource"]["resourceType"] for e in body["entry"]]
    assert kinds == ["Patient", "Encounter", "Encounter"]
    # The Patient is identity's full one, not its export's id-only stub.
    assert body["entry"][0]["resource"]["name"][0]["family"] == "Staytest"
