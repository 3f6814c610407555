"""An Observation search by code reads its own entries (issue 49, item 7).

records' ExportFhir used to narrow only an allergy search: an Observation
search by a LOINC code read every entry of the chart (notes, vital signs,
other results) and the facade filtered them, so a rare result behind 500
other entries cost every export page up to FHIR_SCAN_PAGES_MAX on each
page.  Now the facade's types and codes reach records (ExportFhirRequest
types and codes), which reads only the entries of those types and the
observations stored with those codes.

The work is counted, not timed: the facade's ExportFhir calls
(smartmed_fhir_export_pages_total).  Real services, real MariaDB."""

import json
import uuid

import grpc
import pytest

from harness import Stack, protos
from harness.fixtures import running

from test_fhir_paging import export_calls, get, links

GLUCOSE = "2345-7"
HAEMOGLOBIN = "718-7"
LOINC = "http://loinc.org"
N_VITALS = 300
N_LABS = 200


@pytest.fixture(scope="module")
def fstack():
    with running(Stack(services=("audit", "identity", "records",
                                 "diagnosis"),
                       fhir=True)) as st:
        yield st


def create_all(st, requests):
    """The entry ids of requests, sent a batch at a time."""
    path, _req, resp, _s = protos.method("records", "CreateEntry")
    stub = st.channel("records").unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=resp.FromString)
    md = st.metadata("clinician")
    ids = []
    for i in range(0, len(requests), 100):
        pending = [stub.future(r, metadata=md, timeout=60)
                   for r in requests[i:i + 100]]
        ids += [f.result().entry_id for f in pending]
    return ids


def lab(pid, code, value, unit):
    rpb = protos.module("records")
    return rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_OBSERVATION, title="lab " + code,
        observation=rpb.Observation(loinc_code=code, numeric=value,
                                    ucum_unit=unit))


@pytest.fixture(scope="module")
def chart(fstack):
    """A note and a glucose result, then N_VITALS heart rates and N_LABS
    haemoglobins, then a second glucose: (patient, glucose ids, note)."""
    rpb = protos.module("records")
    pid = str(uuid.uuid4())
    note = create_all(fstack, [rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_NOTE, title="Admission",
        body="Admitted for review.")])[0]
    rare = create_all(fstack, [lab(pid, GLUCOSE, 5.4, "mmol/L")])
    vitals = rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_VITAL_SIGNS, title="obs",
        vital_signs=rpb.VitalSigns(heart_rate=rpb.Quantity(
            value=72, unit="/min")))
    create_all(fstack, [vitals] * N_VITALS +
               [lab(pid, HAEMOGLOBIN, 13.5, "g/dL")] * N_LABS)
    rare += create_all(fstack, [lab(pid, GLUCOSE, 6.1, "mmol/L")])
    return pid, set(rare), note


def cost(st, url):
    """(status, body, the facade's ExportFhir calls) of one GET."""
    calls = export_calls(st)
    status, body = get(st, url)
    return status, body, export_calls(st) - calls


def ids(body):
    return [e["resource"]["id"] for e in body.get("entry", [])]


def test_rare_code_is_one_export_call(fstack, chart):
    pid, rare = chart[0], chart[1]
    status, body, calls = cost(
        fstack, "Observation?patient=%s&code=%s%%7C%s&_count=100"
        % (pid, LOINC, GLUCOSE))
    assert status == 200, body
    assert sorted(ids(body)) == sorted(rare), body
    assert "next" not in links(body), body
    # records' export, its suggestions and diagnosis' findings.  Before:
    # the 500 other observations, 10 export pages (FHIR_SCAN_PAGES_MAX)
    # on the first FHIR page alone, which then ended short.
    assert 1 <= calls <= 3, calls


def test_rare_code_pages_each_match_once(fstack, chart):
    pid, rare = chart[0], chart[1]
    url = "Observation?patient=%s&code=%s&_count=1" % (pid, GLUCOSE)
    seen, pages = [], []
    while url:
        status, body, calls = cost(fstack, url)
        assert status == 200, body
        seen += ids(body)
        pages.append(calls)
        url = links(body).get("next")
        assert len(pages) <= 10, "the next links do not end"
    assert sorted(seen) == sorted(rare), seen
    assert all(calls <= 3 for calls in pages), pages


def test_vital_sign_code_still_finds_the_vital_signs(fstack, chart):
    pid = chart[0]
    status, body, _calls = cost(
        fstack, "Observation?patient=%s&code=%s%%7C8867-4&_count=5"
        % (pid, LOINC))
    assert status == 200, body
    codes = {c["code"] for e in body["entry"]
             for c in e["resource"]["code"]["coding"]}
    assert len(body["entry"]) == 5 and codes == {"8867-4"}, body


def test_document_search_skips_the_observations(fstack, chart):
    pid, note = chart[0], chart[2]
    status, body, calls = cost(
        fstack, "DocumentReference?patient=%s&_count=100" % pid)
    assert status == 200, body
    assert ids(body) == [note], body
    # Before: every export page of the 500 observations after the note.
    assert 1 <= calls <= 3, calls


def export(st, pid, token="", **kw):
    rpb = protos.module("records")
    cpb = protos.common()
    return st.call("records", "ExportFhir", rpb.ExportFhirRequest(
        patient_id=pid, page=cpb.PageRequest(page_size=1, page_token=token),
        **kw), role="clinician", timeout=30)


def test_records_export_narrows_by_types_and_codes(fstack, chart):
    pid, rare = chart[0], chart[1]
    seen, token = [], ""
    for _ in range(5):
        r = export(fstack, pid, token, types=["Observation"],
                   codes=[GLUCOSE])
        seen += [e["resource"]["id"]
                 for e in json.loads(r.bundle_json).get("entry", [])
                 if e["resource"]["resourceType"] == "Observation"]
        token = r.page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(rare), seen
    # A token of the glucose pages does not serve another search.
    first = export(fstack, pid, types=["Observation"], codes=[GLUCOSE])
    assert first.page.next_page_token
    with pytest.raises(grpc.RpcError) as err:
        export(fstack, pid, first.page.next_page_token,
               types=["Observation"])
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    for kw, field in ((dict(types=["Patient"]), "types[0]"),
                      (dict(codes=[""]), "codes[0]"),
                      (dict(codes=["X" * 65]), "codes[0]"),
                      (dict(codes=["X"] * 9), "codes")):
        with pytest.raises(grpc.RpcError) as err:
            export(fstack, pid, **kw)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, kw
        assert err.value.details().startswith(field), err.value.details()
