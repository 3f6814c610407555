"""Search as FHIR R4 says (issue 35 item 2), end to end through the
facade: real identity, records, dosage, diagnosis and audit behind it.

Covers GET and POST [type]/_search, the patient reference in each form,
date prefixes and precisions, comma OR and repeated AND, _sort,
_summary=count, _elements, _include/_revinclude, Patient search through
identity, empty searchsets, $everything by GET and POST with _since and
_type, _format, strict refusal of unknown parameters, and paging that
stays pinned while resources are charted between pages.  Every reply is
validated against HL7's R4 schema."""

import datetime
import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from fhir_checks import assert_valid
from harness import Stack, protos
from harness.checks import now_ms, poll
from harness.fixtures import assess_allergies, running

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "contract", "diagnosis"))
import dximages  # noqa: E402  (the diagnosis contract tests' images)

LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"


@pytest.fixture(scope="module")
def fstack():
    with running(Stack(services=("audit", "identity", "records", "dosage",
                                 "diagnosis"), fhir=True)) as st:
        yield st


def call(st, url, role="clinician", body=None, ctype=None):
    """(status, JSON body) of GET url, or POST with body (a dict is
    form-encoded)."""
    if not url.startswith("https://"):
        url = st.fhir_url() + "/" + url
    data = None
    if body is not None:
        data = (urllib.parse.urlencode(body) if isinstance(body, (dict, list))
                else body).encode()
    req = urllib.request.Request(url, data=data,
                                 method="POST" if data is not None else "GET")
    if data is not None:
        req.add_header("Content-Type",
                       ctype or "application/x-www-form-urlencoded")
    req.add_header("Authorization", "Bearer " + st.token(role))
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def ok(validator, status, body):
    assert status == 200, body
    assert_valid(validator, body)
    return body


def refused(validator, status, body, name):
    assert status == 400, body
    assert_valid(validator, body)
    assert body["issue"][0]["code"] == "invalid"
    assert name in body["issue"][0]["diagnostics"], body
    return body["issue"][0]["diagnostics"]


def ids(body, mode="match"):
    return [e["resource"]["id"] for e in body.get("entry", [])
            if e["search"]["mode"] == mode]


def links(body):
    return {ln["relation"]: ln["url"] for ln in body["link"]}


def new_patient(st, family, given="Ada", birth="1980-02-03", female=True):
    ipb = protos.module("identity")
    return st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:10].upper(), family_name=family,
        given_name=given, birth_date=birth,
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE if female
        else ipb.ADMINISTRATIVE_SEX_MALE), role="registrar", timeout=30)


def chart_hr(st, pid, values):
    rpb = protos.module("records")
    for v in values:
        st.call("records", "CreateEntry", rpb.CreateEntryRequest(
            patient_id=pid, kind=rpb.ENTRY_KIND_OBSERVATION, title="HR",
            observation=rpb.Observation(loinc_code="8867-4", numeric=v,
                                        ucum_unit="/min")),
            role="clinician", timeout=30)


@pytest.fixture(scope="module")
def chart(fstack):
    """A patient with 5 heart rates, a condition and an order."""
    p = new_patient(fstack, "Searchtest" + uuid.uuid4().hex[:6])
    chart_hr(fstack, p.patient_id, (60, 62, 64, 66, 68))
    dpb, gpb = protos.module("dosage"), protos.module("diagnosis")
    fstack.call("diagnosis", "AddCondition", gpb.AddConditionRequest(
        patient_id=p.patient_id, code_system="ICD-10", code="J18.9",
        display="Pneumonia", clinical_status=gpb.CLINICAL_STATUS_ACTIVE,
        verification_status=gpb.VERIFICATION_STATUS_CONFIRMED),
        role="clinician", timeout=30)
    code = "AMOX_" + uuid.uuid4().hex[:10]
    fstack.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code=code, name="Amoxicillin 500 mg capsule",
                      unit="capsule", routes=["oral"], max_single_dose=2.0,
                      max_daily_dose=6.0)), role="pharmacist", timeout=30)
    assess_allergies(fstack, p.patient_id)
    fstack.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=p.patient_id, drug_code=code,
                        route="oral", dose=1.0, unit="capsule",
                        frequency="q8h")), role="clinician", timeout=30)
    return p


def test_metadata_says_what_is_searchable(fstack, validator):
    status, body = call(fstack, "metadata")
    assert status == 200
    assert_valid(validator, dict(body, fhirVersion="4.0.0"))
    res = {r["type"]: r for r in body["rest"][0]["resource"]}
    patient = res["Patient"]
    assert {i["code"] for i in patient["interaction"]} == {
        "read", "vread", "history-instance", "search-type"}
    assert {p["name"] for p in patient["searchParam"]} == {
        "identifier", "name", "family", "given", "birthdate", "gender"}
    assert res["MedicationRequest"]["searchInclude"] == [
        "MedicationRequest:medication", "MedicationRequest:patient"]
    assert res["MedicationAdministration"]["searchInclude"][0] == \
        "MedicationAdministration:request"
    assert res["Observation"]["searchRevInclude"] == ["Provenance:target"]
    assert {p["name"] for p in res["Condition"]["searchParam"]} == {
        "patient", "subject", "date", "code", "identifier"}
    assert "application/fhir+json" in body["format"]


def test_reference_in_every_form(fstack, validator, chart):
    pid = chart.patient_id
    for ref in (pid, "Patient/" + pid,
                "%s/Patient/%s" % (fstack.fhir_url(), pid)):
        status, body = call(fstack, "Observation?patient="
                            + urllib.parse.quote(ref, safe=""))
        assert ok(validator, status, body)["total"] == 5, ref
    status, body = call(fstack, "Observation?subject=Patient/" + pid)
    assert ok(validator, status, body)["total"] == 5
    status, body = call(fstack, "AllergyIntolerance?subject=" + pid)
    refused(validator, status, body, "subject")
    status, body = call(fstack, "Observation?patient=https://elsewhere/"
                        "fhir/Patient/" + pid)
    refused(validator, status, body, "patient")
    status, body = call(fstack, "Observation?patient=%s,%s" % (pid, pid))
    refused(validator, status, body, "patient")


def test_post_search_is_the_get_search(fstack, validator, chart):
    pid = chart.patient_id
    _, got = call(fstack, "Observation?patient=%s&code=%s|8867-4&_count=3"
                  % (pid, LOINC))
    status, posted = call(fstack, "Observation/_search", body={
        "patient": "Patient/" + pid, "code": LOINC + "|8867-4",
        "_count": "3"})
    ok(validator, status, posted)
    assert posted["total"] == got["total"] == 5
    assert ids(posted) == ids(got)
    # The next link is a GET carrying the body's parameters.
    status, rest = call(fstack, links(posted)["next"])
    assert len(ids(ok(validator, status, rest))) == 2
    # query string and body together; a body that is not a form
    status, body = call(fstack, "Observation/_search?patient=" + pid,
                        body={"_summary": "count"})
    assert ok(validator, status, body)["total"] == 5
    status, body = call(fstack, "Observation/_search", body="{}",
                        ctype="application/json")
    refused(validator, status, body, "Content-Type")
    # A broken escape or an encoded NUL in the body is refused, never
    # kept as it is nor taken as the end of a value (docs/internals/
    # libmed.md, codec: why not libmicrohttpd's post processor).
    for bad in ("patient=Patient/%s%%zz" % pid,
                "patient=Patient/%s%%00&code=x" % pid, "patient=%4"):
        status, body = call(fstack, "Observation/_search", body=bad)
        refused(validator, status, body, "body: not form-encoded")
    # POST elsewhere is still refused
    status, body = call(fstack, "Encounter", body={"patient": pid})
    assert status == 405, body


def test_dates_by_prefix_and_precision(fstack, validator, chart):
    pid = chart.patient_id
    now = datetime.datetime.now(datetime.timezone.utc)
    year, month, day = now.strftime("%Y"), now.strftime("%Y-%m"), \
        now.strftime("%Y-%m-%d")
    hour_ago = (now - datetime.timedelta(hours=1)).astimezone(
        datetime.timezone(datetime.timedelta(hours=2)))
    local = hour_ago.strftime("%Y-%m-%dT%H:%M:%S+02:00")
    cases = [
        (year, 5), (month, 5), (day, 5), ("eq" + day, 5), ("ne" + day, 0),
        ("gt2020", 5), ("lt2020", 0), ("ge" + day, 5), ("le" + day, 5),
        ("sa2020-12-31", 5), ("eb2020", 0), ("eb" + str(int(year) + 1), 5),
        ("ap" + day, 5), ("gt" + local, 5), ("lt" + local, 0),
        ("ge" + hour_ago.strftime("%Y-%m-%dT%H:%M+02:00"), 5),
        ("2020,%s" % year, 5),            # OR
    ]
    for value, want in cases:
        status, body = call(fstack, "Observation?patient=%s&date=%s"
                            % (pid, urllib.parse.quote(value)))
        assert ok(validator, status, body)["total"] == want, value
    # repeated: AND
    status, body = call(fstack, "Observation?patient=%s&date=ge2020"
                        "&date=lt2020" % pid)
    assert ok(validator, status, body)["total"] == 0
    for bad in ("2024-13", "2024-02-30", "xx2024", "2024-03-01T25:00Z",
                "2024-03-01T10:00:00+2"):
        status, body = call(fstack, "Observation?patient=%s&date=%s"
                            % (pid, urllib.parse.quote(bad)))
        refused(validator, status, body, "date")


def test_tokens_or_and(fstack, validator, chart):
    pid = chart.patient_id
    status, body = call(fstack, "Observation?patient=%s&code=%s|0000-0,"
                        "%s|8867-4" % (pid, LOINC, LOINC))
    assert ok(validator, status, body)["total"] == 5
    status, body = call(fstack, "Observation?patient=%s&code=8867-4"
                        "&code=0000-0" % pid)
    assert ok(validator, status, body)["total"] == 0
    status, body = call(fstack, "Observation?patient=%s&code=|8867-4" % pid)
    assert ok(validator, status, body)["total"] == 0  # it has a system
    status, body = call(fstack, "Condition?patient=%s&code=%s|J18.9"
                        % (pid, ICD10))
    assert ok(validator, status, body)["total"] == 1


def test_sort_summary_elements(fstack, validator, chart):
    pid = chart.patient_id
    status, up = call(fstack, "Observation?patient=%s&_sort=date" % pid)
    status2, down = call(fstack, "Observation?patient=%s&_sort=-date" % pid)
    ok(validator, status, up)
    ok(validator, status2, down)
    assert ids(up) == ids(down)[::-1] and len(ids(up)) == 5
    when = [e["resource"].get("effectiveDateTime") or
            e["resource"]["issued"] for e in up["entry"]]
    assert when == sorted(when)
    # sorted pages follow the sort
    status, first = call(fstack, "Observation?patient=%s&_sort=-date"
                         "&_count=2" % pid)
    seen = ids(ok(validator, status, first))
    url = links(first).get("next")
    while url:
        status, page = call(fstack, url)
        seen += ids(ok(validator, status, page))
        url = links(page).get("next")
    assert seen == ids(down)
    status, body = call(fstack, "Observation?patient=%s&_summary=count"
                        % pid)
    assert ok(validator, status, body)["total"] == 5
    assert "entry" not in body
    status, body = call(fstack, "Observation?patient=%s&_elements=code,"
                        "valueQuantity" % pid)
    ok(validator, status, body)
    for e in body["entry"]:
        r = e["resource"]
        assert set(r) <= {"resourceType", "id", "meta", "code",
                          "valueQuantity"}, r
        assert "code" in r and "valueQuantity" in r
        assert r["meta"]["tag"][0]["code"] == "SUBSETTED"
    for bad, name in (("_sort=status", "_sort"), ("_summary=text",
                                                  "_summary"),
                      ("_elements=a.b", "_elements")):
        status, body = call(fstack, "Observation?patient=%s&%s"
                            % (pid, bad))
        refused(validator, status, body, name)


def test_sort_down_is_sort_up_reversed_when_dates_tie(fstack, validator):
    """Three heart rates taken at one instant: -date lists them in the
    exact reverse of date (the tie-break follows the direction too)."""
    p = new_patient(fstack, "Sorttie" + uuid.uuid4().hex[:6])
    rpb = protos.module("records")
    taken_ms = now_ms() - 600 * 1000
    for v in (70, 71, 72):
        fstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
            patient_id=p.patient_id, kind=rpb.ENTRY_KIND_OBSERVATION,
            title="HR", observation=rpb.Observation(
                loinc_code="8867-4", numeric=v, ucum_unit="/min",
                effective_ms=taken_ms)), role="clinician", timeout=30)
    query = "Observation?patient=%s&_sort=" % p.patient_id
    status, up = call(fstack, query + "date")
    status2, down = call(fstack, query + "-date")
    ok(validator, status, up)
    ok(validator, status2, down)
    assert len(ids(up)) == 3
    assert ids(down) == ids(up)[::-1]
    assert ids(up) == sorted(ids(up))  # ties by id


def test_include_and_revinclude(fstack, validator, chart):
    pid = chart.patient_id
    status, body = call(fstack, "MedicationRequest?patient=%s"
                        "&_include=MedicationRequest:medication"
                        "&_include=MedicationRequest:patient" % pid)
    ok(validator, status, body)
    assert body["total"] == 1
    included = [e["resource"] for e in body["entry"]
                if e["search"]["mode"] == "include"]
    kinds = sorted(r["resourceType"] for r in included)
    assert kinds == ["Medication", "Patient"], kinds
    req = [e["resource"] for e in body["entry"]
           if e["search"]["mode"] == "match"][0]
    med = [r for r in included if r["resourceType"] == "Medication"][0]
    assert req["medicationReference"]["reference"] == "Medication/" + \
        med["id"]
    # A dose charted as not given refers to its order.
    dpb = protos.module("dosage")
    start = now_ms() - 3600 * 1000
    drug = fstack.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code="PARA_" + uuid.uuid4().hex[:10],
                      name="Paracetamol 500 mg tablet", unit="tablet",
                      routes=["oral"], max_single_dose=2.0,
                      max_daily_dose=8.0)), role="pharmacist", timeout=30)
    assess_allergies(fstack, pid)
    order = fstack.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=pid, drug_code=drug.code, route="oral",
                        dose=1.0, unit="tablet", frequency="q6h",
                        start_ms=start)), role="clinician", timeout=30)
    fstack.call("dosage", "RecordNotGiven", dpb.RecordNotGivenRequest(
        order_id=order.id, scheduled_ms=start,
        reason=dpb.NOT_GIVEN_REASON_PATIENT_REFUSED, text="felt sick"),
        role="nurse", timeout=30)
    status, body = call(fstack, "MedicationAdministration?patient=%s"
                        "&_include=MedicationAdministration:request" % pid)
    ok(validator, status, body)
    dose = [e["resource"] for e in body["entry"]
            if e["search"]["mode"] == "match"]
    inc = [e["resource"] for e in body["entry"]
           if e["search"]["mode"] == "include"]
    assert len(dose) == 1 and len(inc) == 1, body
    assert dose[0]["request"]["reference"] == "MedicationRequest/" + \
        inc[0]["id"]
    assert inc[0]["resourceType"] == "MedicationRequest"
    status, body = call(fstack, "Observation?patient=%s&_revinclude="
                        "Provenance:target" % pid)
    ok(validator, status, body)
    assert ids(body, "include") == []  # charted by people: no Provenance
    # An AI finding: its report comes with the Provenance naming the model
    # (another patient: the finding adds an Observation).
    gpb = protos.module("diagnosis")
    pid = new_patient(fstack, "Finding").patient_id
    fstack.call("diagnosis", "AnalyzeImage", gpb.AnalyzeImageRequest(
        patient_id=pid, image=dximages.chest_png(0)),
        role="clinician", timeout=30)
    status, body = call(fstack, "DiagnosticReport?patient=%s&_revinclude="
                        "Provenance:target" % pid)
    ok(validator, status, body)
    report = [e["resource"] for e in body["entry"]
              if e["search"]["mode"] == "match"]
    prov = [e["resource"] for e in body["entry"]
            if e["search"]["mode"] == "include"]
    assert len(report) == 1 and len(prov) == 1, body
    assert prov[0]["resourceType"] == "Provenance"
    assert "DiagnosticReport/" + report[0]["id"] in [
        t["reference"] for t in prov[0]["target"]]
    pid = chart.patient_id
    for bad in ("_include=Observation:subject",
                "_include=MedicationRequest:medication",
                "_revinclude=Provenance:agent", "_include:iterate=x"):
        status, body = call(fstack, "Observation?patient=%s&%s"
                            % (pid, bad))
        refused(validator, status, body, bad.split("=")[0])


def test_patient_search(fstack, validator, chart):
    family = "Zyx" + uuid.uuid4().hex[:6]
    a = new_patient(fstack, family, "Anna Maria", "1975-04-05")
    b = new_patient(fstack, family, "Bert", "1981-06-07", female=False)
    status, body = call(fstack, "Patient?family=" + family,
                        role="registrar")
    ok(validator, status, body)
    assert sorted(ids(body)) == sorted([a.patient_id, b.patient_id])
    assert body["total"] == 2
    cases = [
        ("identifier=" + a.mrn, [a]),
        ("identifier=%s|%s" % ("urn:oid:1.2.3.4.5", a.mrn), []),
        ("family=%s&gender=male" % family.lower(), [b]),
        ("name=%s&given=mar" % family, [a]),
        ("name=%s&name=bert" % family, [b]),      # AND
        ("name=bert&family=" + family, [b]),     # a given name
        ("name=bert", [b]),                      # identity asked by it
        ("name=maria&birthdate=1975", [a]),      # a second given name
        ("family=%s&birthdate=lt1980" % family, [a]),
        ("birthdate=1975-04-05&family=" + family, [a]),
        ("family=%s&gender=female,male" % family, [a, b]),
        ("family=Nobody" + uuid.uuid4().hex[:6], []),
    ]
    for query, want in cases:
        status, body = call(fstack, "Patient?" + query, role="registrar")
        ok(validator, status, body)
        assert sorted(ids(body)) == sorted(p.patient_id for p in want), \
            query
        if not want:
            assert body["total"] == 0 and "entry" not in body
    # the MRN system the facade writes is the one it searches by
    status, body = call(fstack, "Patient?identifier=" + a.mrn,
                        role="registrar")
    system = body["entry"][0]["resource"]["identifier"][0]["system"]
    status, body = call(fstack, "Patient?identifier="
                        + urllib.parse.quote("%s|%s" % (system, a.mrn)),
                        role="registrar")
    assert ids(ok(validator, status, body)) == [a.patient_id]
    status, body = call(fstack, "Patient/_search", role="registrar",
                        body={"family": family, "_count": "1"})
    ok(validator, status, body)
    assert len(ids(body)) == 1 and "next" in links(body)
    status, rest = call(fstack, links(body)["next"], role="registrar")
    assert len(ids(ok(validator, status, rest))) == 1
    assert ids(rest) != ids(body)
    status, body = call(fstack, "Patient?gender=male", role="registrar")
    refused(validator, status, body, "Patient search")
    status, body = call(fstack, "Patient?family=%s&color=red" % family,
                        role="registrar")
    refused(validator, status, body, "color")


def test_patient_search_is_audited(fstack, chart):
    apb = protos.module("audit")
    rid = "search-" + uuid.uuid4().hex[:8]
    since = now_ms() - 1000
    url = fstack.fhir_url() + "/Patient?identifier=" + chart.mrn
    req = urllib.request.Request(url)
    req.add_header("Authorization", "Bearer " + fstack.token("registrar"))
    req.add_header("X-Request-ID", rid)
    ctx = ssl.create_default_context(cafile=fstack.ca_path)
    with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
        assert r.status == 200

    def events():
        recs = fstack.call("audit", "Query", apb.QueryRequest(
            since_ms=since, limit=1000), role="auditor", timeout=10)
        evs = [r.event for r in recs if r.event.request_id == rid]
        mine = [e for e in evs if e.service == "fhir"]
        theirs = [e for e in evs if e.service == "identity"]
        return (mine, theirs) if mine and theirs else None
    mine, theirs = poll(events, what="the search's audit events")
    assert mine[0].action == "fhir/search-type"
    assert mine[0].resource == "Patient?search"
    assert theirs[0].action.endswith("SearchPatients")


def test_nothing_found_is_an_empty_searchset(fstack, validator, chart):
    for url in ("Observation?patient=" + str(uuid.uuid4()),
                "Condition?patient=%s&code=none" % chart.patient_id,
                "MedicationAdministration?patient=%s&status=completed"
                % chart.patient_id):
        status, body = call(fstack, url)
        ok(validator, status, body)
        assert body["type"] == "searchset" and body["total"] == 0, url
        assert "entry" not in body


def test_strict_parameters_and_format(fstack, validator, chart):
    pid = chart.patient_id
    for fmt in ("json", "application/fhir+json", "application/json"):
        status, body = call(fstack, "Observation?patient=%s&_format=%s"
                            % (pid, urllib.parse.quote(fmt)))
        assert ok(validator, status, body)["total"] == 5, fmt
    status, body = call(fstack, "Observation?patient=%s&_format=xml" % pid)
    refused(validator, status, body, "_format")
    status, body = call(fstack, "Observation?patient=%s&colour=red" % pid)
    refused(validator, status, body, "colour")
    status, body = call(fstack, "Observation?patient=%s&code:text=hr" % pid)
    refused(validator, status, body, "code:text")


def test_everything_get_and_post(fstack, validator, chart):
    pid = chart.patient_id
    status, body = call(fstack, "Patient/%s/$everything?_count=100" % pid)
    everything = ok(validator, status, body)
    kinds = {e["resource"]["resourceType"] for e in everything["entry"]}
    assert {"Patient", "Observation", "Condition", "MedicationRequest",
            "Medication"} <= kinds
    status, posted = call(fstack, "Patient/%s/$everything" % pid,
                          body={"_count": "100"})
    assert ids(ok(validator, status, posted)) == ids(everything)
    status, body = call(fstack, "Patient/%s/$everything?_type=Observation,"
                        "Condition" % pid)
    ok(validator, status, body)
    assert {e["resource"]["resourceType"] for e in body["entry"]} == {
        "Observation", "Condition"}
    assert body["total"] == 6
    future = (datetime.datetime.now(datetime.timezone.utc) +
              datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, body = call(fstack, "Patient/%s/$everything?_type=Patient,"
                        "Observation,Condition&_since=%s" % (pid, future))
    ok(validator, status, body)
    assert [e["resource"]["resourceType"] for e in body["entry"]] == [
        "Patient"]
    status, body = call(fstack, "Patient/%s/$everything?_type=Coverage"
                        % pid)
    refused(validator, status, body, "_type")


def test_paging_is_pinned_while_charting(fstack, validator):
    """Charting between pages neither repeats nor skips: the cursor pins
    the result set at the first page."""
    p = new_patient(fstack, "Pinned")
    chart_hr(fstack, p.patient_id, range(70, 77))
    for extra in ("", "&_sort=-date"):
        url = "Observation?patient=%s&_count=2%s" % (p.patient_id, extra)
        status, body = call(fstack, url)
        ok(validator, status, body)
        first_total = body["total"]
        seen = ids(body)
        url = links(body).get("next")
        while url:
            chart_hr(fstack, p.patient_id, (90, 91))  # between pages
            status, body = call(fstack, url)
            ok(validator, status, body)
            assert body["total"] == first_total
            seen += ids(body)
            url = links(body).get("next")
        assert len(seen) == len(set(seen)) == first_total, (extra, seen)
    # A fresh search sees what was charted meanwhile.
    status, body = call(fstack, "Observation?patient=%s&_summary=count"
                        % p.patient_id)
    assert ok(validator, status, body)["total"] == 7 + 2 * 4 + 7 + 2 * 3 \
        or body["total"] > 14


def test_paging_is_pinned_when_new_items_come_first(fstack, validator):
    """Identity exports encounters newest first: one admitted between
    pages moves every other by one place in its export, which an offset
    would repeat.  The cursor's anchor (the next page's first encounter)
    is found again, and the snapshot leaves the new one out."""
    ipb = protos.module("identity")
    pid = new_patient(fstack, "Staypin").patient_id
    day = 24 * 3600 * 1000
    for i in range(5):
        start = now_ms() - (30 - 5 * i) * day
        e = fstack.call("identity", "Admit", ipb.AdmitRequest(
            patient_id=pid, encounter_class=ipb.ENCOUNTER_CLASS_INPATIENT,
            ward="W4", bed="1", attending="dr.house", start_ms=start),
            role="registrar", timeout=30)
        fstack.call("identity", "Discharge", ipb.DischargeRequest(
            encounter_id=e.encounter_id, time_ms=start + day),
            role="registrar", timeout=30)
    status, body = call(fstack, "Encounter?patient=%s&_count=2" % pid)
    ok(validator, status, body)
    seen = ids(body)
    fstack.call("identity", "Admit", ipb.AdmitRequest(
        patient_id=pid, encounter_class=ipb.ENCOUNTER_CLASS_INPATIENT,
        ward="W4", bed="2", attending="dr.house"), role="registrar",
        timeout=30)
    url = links(body).get("next")
    while url:
        status, body = call(fstack, url)
        ok(validator, status, body)
        assert body["total"] == 5
        seen += ids(body)
        url = links(body).get("next")
    assert len(seen) == len(set(seen)) == 5, seen
    status, body = call(fstack, "Encounter?patient=%s&_summary=count" % pid)
    assert ok(validator, status, body)["total"] == 6


def test_paging_is_pinned_while_doses_are_charted(fstack, validator):
    """dosage's resources carry meta.versionId and meta.lastUpdated, so
    the cursor's snapshot pins them as it pins records': a dose charted
    between pages (later than every dose listed, so after the cursor's
    place in dosage's export) is on no later page, and none repeats."""
    dpb = protos.module("dosage")
    pid = new_patient(fstack, "Dosepin").patient_id
    hour = 3600 * 1000
    start = now_ms() - 20 * hour
    drug = fstack.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code="PARA_" + uuid.uuid4().hex[:10],
                      name="Paracetamol 500 mg tablet", unit="tablet",
                      routes=["oral"], max_single_dose=2.0,
                      max_daily_dose=12.0)), role="pharmacist", timeout=30)
    assess_allergies(fstack, pid)
    order = fstack.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=pid, drug_code=drug.code, route="oral",
                        dose=1.0, unit="tablet", frequency="q2h",
                        start_ms=start)), role="clinician", timeout=30)
    slots = iter(range(10))

    def chart_dose():
        fstack.call("dosage", "RecordNotGiven", dpb.RecordNotGivenRequest(
            order_id=order.id, scheduled_ms=start + next(slots) * 2 * hour,
            reason=dpb.NOT_GIVEN_REASON_PATIENT_ABSENT), role="nurse",
            timeout=30)

    for _ in range(4):
        chart_dose()
    status, body = call(fstack, "MedicationAdministration?patient=%s"
                        "&_count=1" % pid)
    ok(validator, status, body)
    assert body["total"] == 4
    for e in body["entry"]:
        meta = e["resource"]["meta"]
        assert meta["versionId"] == "1" and meta["lastUpdated"], meta
    seen = ids(body)
    url = links(body).get("next")
    while url:
        chart_dose()  # between pages
        status, body = call(fstack, url)
        ok(validator, status, body)
        assert body["total"] == 4
        seen += ids(body)
        url = links(body).get("next")
    assert len(seen) == len(set(seen)) == 4, seen
    status, body = call(fstack, "MedicationAdministration?patient=%s"
                        "&_summary=count" % pid)
    assert ok(validator, status, body)["total"] == 7
    # The order carries its version and time too (ReadFhir's ETag).
    status, body = call(fstack, "MedicationRequest?patient=%s" % pid)
    meta = ok(validator, status, body)["entry"][0]["resource"]["meta"]
    assert meta["versionId"] == "1" and meta["lastUpdated"], meta
