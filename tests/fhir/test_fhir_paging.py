"""FHIR reads past 5,000 resources (issue 31, finding 8).  The facade
gathered every matching resource of a patient before cutting out a page
and refused a search with more than 5,000 (429, "narrow the search"), and
_offset stopped at 5,000: a patient with more could never be read, even
page by page.  Now a page holds only its own entries; its next link
carries a _cursor (which source, which export page, which entry) so the
next page reads on from there, and the total counted by the first page.

5,050 conditions are added for one patient through diagnosis' gRPC API,
64 calls in flight (about 10 s), then read back through the facade 100
at a time, every one exactly once.  Real services, real MariaDB."""

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from harness import Stack, protos
from harness.fixtures import running

N = 5050
IN_FLIGHT = 64
ICD10 = "http://hl7.org/fhir/sid/icd-10"


@pytest.fixture(scope="module")
def fstack():
    with running(Stack(services=("audit", "identity", "records",
                                 "diagnosis"),
                       fhir=True)) as st:
        yield st


def get(st, url, role="clinician"):
    """(status, JSON body) of GET url (relative to the base)."""
    if not url.startswith("https://"):
        url = st.fhir_url() + "/" + url
    req = urllib.request.Request(url)
    req.add_header("Authorization", "Bearer " + st.token(role))
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def add_conditions(st, pid, n):
    """n conditions for pid through AddCondition, IN_FLIGHT at a time;
    their ids."""
    pb = protos.module("diagnosis")
    path, _req, resp, _streaming = protos.method("diagnosis", "AddCondition")
    stub = st.channel("diagnosis").unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=resp.FromString)
    md = st.metadata("clinician")
    req = pb.AddConditionRequest(
        patient_id=pid, code_system=ICD10, code="R51", display="Headache",
        clinical_status=pb.CLINICAL_STATUS_ACTIVE,
        verification_status=pb.VERIFICATION_STATUS_CONFIRMED)
    ids, pending = [], []
    for _ in range(n):
        pending.append(stub.future(req, metadata=md, timeout=60))
        if len(pending) >= IN_FLIGHT:
            ids.append(pending.pop(0).result().condition_id)
    ids += [f.result().condition_id for f in pending]
    return ids


@pytest.fixture(scope="module")
def crowded(fstack):
    ipb = protos.module("identity")
    pid = fstack.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="PG-" + uuid.uuid4().hex[:10].upper(), family_name="Paging",
        given_name="Many", birth_date="1961-07-08",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    started = time.time()
    ids = add_conditions(fstack, pid, N)
    assert len(set(ids)) == N
    return pid, set(ids), time.time() - started


def links(body):
    return {ln["relation"]: ln["url"] for ln in body["link"]}


def test_every_condition_read_page_by_page(fstack, crowded):
    pid, ids, made_s = crowded
    url = "Condition?patient=%s&_count=100" % pid
    seen, pages, started = [], 0, time.time()
    while url:
        status, body = get(fstack, url)  # before: 429 on the first page
        assert status == 200, body
        assert body["type"] == "searchset" and body["total"] == N, body
        seen += [e["resource"]["id"] for e in body.get("entry", [])]
        url = links(body).get("next")
        pages += 1
        assert pages <= N // 100 + 2, "the next links do not end"
    read_s = time.time() - started
    assert len(seen) == N and set(seen) == ids
    assert pages == (N + 99) // 100
    assert made_s + read_s < 60, (made_s, read_s)


def test_offset_pages_past_5000_and_next_carries_a_cursor(fstack, crowded):
    pid = crowded[0]
    status, body = get(fstack, "Condition?patient=%s&_count=50"
                               "&_offset=4990" % pid)  # before: 400
    assert status == 200, body
    assert len(body["entry"]) == 50 and body["total"] == N
    q = urllib.parse.parse_qs(urllib.parse.urlparse(
        links(body)["next"]).query)
    assert q["_offset"] == ["5040"] and len(q["_cursor"]) == 1
    status, body = get(fstack, links(body)["next"])
    assert status == 200, body
    assert len(body["entry"]) == 10 and body["total"] == N
    assert "next" not in links(body)
    q = urllib.parse.parse_qs(urllib.parse.urlparse(
        links(body)["last"]).query)
    assert q["_offset"] == ["5000"]


def test_everything_pages_past_5000(fstack, crowded):
    pid, ids, _ = crowded
    status, body = get(fstack, "Patient/%s/$everything?_count=100" % pid)
    assert status == 200, body
    assert body["total"] == N + 1
    assert body["entry"][0]["resource"]["resourceType"] == "Patient"
    n = len(body["entry"]) - 1
    url = links(body).get("next")
    while url:
        status, body = get(fstack, url)
        assert status == 200, body
        n += len(body["entry"])
        url = links(body).get("next")
    assert n == N


def test_bad_cursor_is_refused_naming_it(fstack, crowded):
    pid = crowded[0]
    for bad in ("x", "9.0.-.", "0.0.1", "0.0.-.a b", "0.0.-." + "9" * 200):
        status, body = get(fstack, "Condition?patient=%s&_cursor=%s"
                           % (pid, urllib.parse.quote(bad)))
        assert status == 400, (bad, body)
        assert body["issue"][0]["diagnostics"].startswith("_cursor"), body
