"""A filtered search reads a bounded number of rows (issue 49, item 7).

Keyset paging made an unfiltered page cost the same at any depth, but a
filtered search still read past every entry it left out: the facade paged
the services' exports and filtered them itself, so three conditions of a
rare code, or a date range holding the last few, among 2,000 others cost
reading the whole chart on the first page.

Now the facade sends the search's type and codes with each ExportFhir
call (diagnosis' ExportFhirRequest types and codes, read through the
index (patient_id, code, recorded_ms)), so a page of a rare code reads its
own rows; and a filter no service applies (a date range here) ends the
page after FHIR_SCAN_PAGES_MAX export pages with fewer entries than
_count, or none, and a next link that reads on from there.

The work is counted, not timed: the facade's ExportFhir calls
(smartmed_fhir_export_pages_total) and the rows MariaDB reads from
diagnosis' tables (its user statistics).  Real services, real MariaDB."""

import datetime
import json
import time
import uuid

import grpc
import pytest

from harness import Stack, protos
from harness.fixtures import running

from test_fhir_paging import (add_conditions, export_calls, get, links,
                              page_cost)

N = 2000
RARE = "I10"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
# The facade's per-page bound (FHIR_SCAN_PAGES_MAX) and a margin for the
# calls to the sources holding nothing.
SCAN_PAGES = 10
CALLS_MAX = SCAN_PAGES + 2


@pytest.fixture(scope="module")
def fstack():
    with running(Stack(services=("audit", "identity", "records",
                                 "diagnosis"),
                       fhir=True)) as st:
        yield st


def add_rare(st, pid):
    """One condition of the rare code for pid; its id."""
    pb = protos.module("diagnosis")
    return st.call("diagnosis", "AddCondition", pb.AddConditionRequest(
        patient_id=pid, code_system="ICD-10", code=RARE,
        display="Hypertension", clinical_status=pb.CLINICAL_STATUS_ACTIVE,
        verification_status=pb.VERIFICATION_STATUS_CONFIRMED),
        role="clinician").condition_id


@pytest.fixture(scope="module")
def chart(fstack):
    """A patient with N headaches, a rare condition before, amid and after
    them, a care plan at the end, and LATE headaches recorded after the
    instant `since` (whole seconds, over a second after the rest)."""
    ipb = protos.module("identity")
    dpb = protos.module("diagnosis")
    pid = fstack.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="FP-" + uuid.uuid4().hex[:10].upper(), family_name="Filter",
        given_name="Rare", birth_date="1958-03-04",
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id
    rare = [add_rare(fstack, pid)]
    add_conditions(fstack, pid, N // 2)
    rare.append(add_rare(fstack, pid))
    add_conditions(fstack, pid, N // 2)
    rare.append(add_rare(fstack, pid))
    plan = fstack.call("diagnosis", "SetCarePlan", dpb.SetCarePlanRequest(
        patient_id=pid, title="Blood pressure",
        status=dpb.CARE_PLAN_STATUS_ACTIVE, condition_ids=rare[:1]),
        role="clinician").care_plan_id
    # A second's gap: the facade's date bounds keep a second's slack.
    since = int(time.time()) + 2
    while time.time() < since + 0.05:
        time.sleep(0.1)
    late = set(add_conditions(fstack, pid, 5))
    return pid, set(rare), plan, since, late


def read_all(st, url):
    """Every entry's id through the next links, and each page's
    (entries, ExportFhir calls)."""
    seen, pages = [], []
    while url:
        status, body, calls, _rows = page_cost(st, url)
        assert status == 200, body
        got = [e["resource"]["id"] for e in body.get("entry", [])]
        seen += got
        pages.append((len(got), calls))
        url = links(body).get("next")
        assert len(pages) <= N // 10, "the next links do not end"
    return seen, pages


def test_rare_code_reads_its_own_rows(fstack, chart):
    pid, rare = chart[0], chart[1]
    url = "Condition?patient=%s&code=%s%%7C%s&_count=100" % (pid, ICD10, RARE)
    status, body, calls, rows = page_cost(fstack, url)
    assert status == 200, body
    assert {e["resource"]["id"] for e in body["entry"]} == rare
    assert body["total"] == 3, body  # the whole search fits one page
    assert "next" not in links(body)
    # Before: the 2,000 headaches were read to find 3 (41 export pages,
    # each reading its 50 conditions).
    assert 1 <= calls <= 3, calls
    assert rows <= 100, rows


def test_code_search_pages_each_match_once(fstack, chart):
    pid, rare = chart[0], chart[1]
    seen, pages = read_all(
        fstack, "Condition?patient=%s&code=%s&_count=1" % (pid, RARE))
    assert sorted(seen) == sorted(rare), seen
    assert all(calls <= 3 for _n, calls in pages), pages


def test_type_reads_only_its_kind(fstack, chart):
    pid, plan = chart[0], chart[2]
    status, body, calls, rows = page_cost(
        fstack, "CarePlan?patient=%s&_count=100" % pid)
    assert status == 200, body
    assert [e["resource"]["id"] for e in body["entry"]] == [plan]
    # Before: diagnosis exports conditions first, 2,000 of them.
    assert 1 <= calls <= 3, calls
    assert rows <= 100, rows


def iso(ms_or_s):
    return datetime.datetime.fromtimestamp(
        ms_or_s, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_date_range_reads_its_own_rows(fstack, chart):
    """Condition's date (its recordedDate) is sought by diagnosis on its
    (patient_id, recorded_ms) index: the 5 recorded after `since` are one
    page of their own rows, and a range before the chart began none."""
    pid, since, late = chart[0], chart[3], chart[4]
    url = "Condition?patient=%s&date=ge%s&_count=100" % (pid, iso(since))
    status, body, calls, rows = page_cost(fstack, url)
    assert status == 200, body
    assert {e["resource"]["id"] for e in body["entry"]} == late, body
    assert "next" not in links(body)
    # Before: all 41 export pages of the chart were read to find the 5.
    assert 1 <= calls <= 3, calls
    assert rows <= 100, rows
    status, body, calls, rows = page_cost(
        fstack, "Condition?patient=%s&date=lt2001-01-01&date=gt2000-01-01"
        "&_count=100" % pid)
    assert status == 200 and body["total"] == 0 and "entry" not in body
    assert calls <= 3 and rows <= 100, (calls, rows)


def test_everything_type_is_sent_to_the_services(fstack, chart):
    """$everything?_type= names what each service reads: a care plan
    behind 2,000 conditions is one export call."""
    pid, plan = chart[0], chart[2]
    status, body, calls, rows = page_cost(
        fstack, "Patient/%s/$everything?_type=CarePlan&_count=100" % pid)
    assert status == 200, body
    assert [e["resource"]["id"] for e in body["entry"]] == [plan], body
    assert "next" not in links(body)
    # Before: 41 export calls through the conditions first.
    assert 1 <= calls <= 3, calls
    assert rows <= 100, rows


def test_unpushed_filter_pages_are_bounded(fstack, chart):
    """$everything's _since is filtered by the facade: each page reads at
    most its share of export pages, ends short (the first with only the
    Patient) with a next link, and the pages together hold each late
    condition once."""
    pid, since, late = chart[0], chart[3], chart[4]
    url = "Patient/%s/$everything?_since=%s&_count=100" % (pid, iso(since))
    status, body, calls, _rows = page_cost(fstack, url)
    assert status == 200, body
    # Before: the first page read all 41 export pages to find the 5.
    assert calls <= CALLS_MAX, calls
    assert [e["resource"]["resourceType"] for e in body["entry"]] == [
        "Patient"], body
    assert "total" not in body and "next" in links(body), body
    seen, pages = read_all(fstack, url)
    assert sorted(seen) == sorted([pid] + list(late)), (seen, late)
    assert all(calls <= CALLS_MAX for _n, calls in pages), pages
    assert len(pages) >= N // 50 // SCAN_PAGES


def records_rows(st):
    out = st.sql("SELECT COALESCE(SUM(ROWS_READ), 0) FROM"
                 " information_schema.TABLE_STATISTICS"
                 " WHERE TABLE_SCHEMA = 'smartmed_records'"
                 " AND TABLE_NAME IN ('entries', 'entry_heads')")
    return int(out.split()[-1])


def test_allergies_are_read_without_the_vital_signs(fstack):
    """records reads the allergy entries alone for an allergy search, on
    their index: an allergy charted before 300 vital signs is one export
    call, not every page of the vital signs after it."""
    rpb = protos.module("records")
    pid = str(uuid.uuid4())
    path, _req, resp, _s = protos.method("records", "CreateEntry")
    stub = fstack.channel("records").unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=resp.FromString)
    allergy = fstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_ALLERGY, title="Penicillin",
        allergy=rpb.Allergy(substance_display="Penicillin")),
        role="clinician").entry_id
    md = fstack.metadata("clinician")
    vitals = rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_VITAL_SIGNS, title="obs",
        vital_signs=rpb.VitalSigns(heart_rate=rpb.Quantity(
            value=72, unit="/min")))
    pending = [stub.future(vitals, metadata=md, timeout=60)
               for _ in range(300)]
    assert all(f.result().entry_id for f in pending)
    url = "AllergyIntolerance?patient=%s&_count=100" % pid
    fstack.sql("SET GLOBAL userstat = 1")
    calls, rows = export_calls(fstack), records_rows(fstack)
    status, body = get(fstack, url)
    calls, rows = export_calls(fstack) - calls, records_rows(fstack) - rows
    assert status == 200, body
    assert [e["resource"]["id"] for e in body["entry"]] == [allergy], body
    # One to records' export, one to its note-reader suggestions.
    # Before: 8, through every vital sign.
    assert calls <= 2, calls
    # Measured: 9 rows of entries and entry_heads (the allergy's index
    # entries and versions); the 300 vital signs' are not read.
    assert rows <= 100, rows
    # The service's own export, for a clinician, has the allergy alone.
    r = fstack.call("records", "ExportFhir", rpb.ExportFhirRequest(
        patient_id=pid, types=["AllergyIntolerance"]), role="clinician")
    got = [e["resource"]["resourceType"]
           for e in json.loads(r.bundle_json)["entry"]]
    assert got.count("AllergyIntolerance") == 1 and "Observation" not in got


def export(st, pid, token="", **kw):
    pb = protos.module("diagnosis")
    cpb = protos.common()
    return st.call("diagnosis", "ExportFhir", pb.ExportFhirRequest(
        patient_id=pid, page=cpb.PageRequest(page_size=2, page_token=token),
        **kw), role="clinician", timeout=30)


def test_diagnosis_export_narrows_by_types_and_codes(fstack, chart):
    pid, rare, plan = chart[0], chart[1], chart[2]
    seen, token = [], ""
    for _ in range(5):
        r = export(fstack, pid, token, types=["Condition"], codes=[RARE])
        seen += [(e["resource"]["resourceType"], e["resource"]["id"])
                 for e in json.loads(r.bundle_json).get("entry", [])
                 if e["resource"]["resourceType"] != "Patient"]
        token = r.page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(("Condition", i) for i in rare), seen
    r = export(fstack, pid, types=["Goal"])
    kinds = {e["resource"]["resourceType"]
             for e in json.loads(r.bundle_json)["entry"]}
    assert "CarePlan" in kinds and "Condition" not in kinds, kinds
    r = export(fstack, pid, codes=["Z99.9"], types=["Condition"])
    assert not r.page.next_page_token
    assert [e for e in json.loads(r.bundle_json).get("entry", [])
            if e["resource"]["resourceType"] == "Condition"] == []
    for kw, field in ((dict(types=["Patient"]), "types"),
                      (dict(codes=[""]), "codes"),
                      (dict(codes=["X"] * 9), "codes")):
        with pytest.raises(grpc.RpcError) as err:
            export(fstack, pid, **kw)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, kw
        assert err.value.details().startswith(field), err.value.details()
    assert plan
