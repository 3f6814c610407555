"""FHIR reads past 5,000 resources (issue 31, finding 8).  The facade
gathered every matching resource of a patient before cutting out a page
and refused a search with more than 5,000 (429, "narrow the search"), and
_offset stopped at 5,000: a patient with more could never be read, even
page by page.  Now a page holds only its own entries; its next link
carries a _cursor (which source, which export page, which entry) so the
next page reads on from there, and the total counted by the first page.

5,050 conditions are added for one patient through diagnosis' gRPC API,
64 calls in flight (about 10 s), then read back through the facade 100
at a time, every one exactly once.  Real services, real MariaDB.

Issue 49: the first page counted the total by reading up to 400 export
pages, an _offset page read every match before it, and diagnosis paged
its export by SQL OFFSET over a sorted union of the patient's items, so
every page grew with the chart.  Now each page is a seek (keyset) in the
facade and in diagnosis: the first page counts only as far as a few
export pages, _offset without _sort is refused, and a page's work (the
facade's ExportFhir calls, the rows MariaDB reads) is the same at any
depth."""

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
from harness.metrics import scrape, series

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
        # A chart this size is not counted: the first page reads only a
        # few export pages (before: all of them, for the total).
        assert body["type"] == "searchset" and "total" not in body, body
        seen += [e["resource"]["id"] for e in body.get("entry", [])]
        url = links(body).get("next")
        pages += 1
        assert pages <= N // 100 + 2, "the next links do not end"
    read_s = time.time() - started
    assert len(seen) == N and set(seen) == ids
    assert pages == (N + 99) // 100
    assert made_s + read_s < 60, (made_s, read_s)


def _page_ids(body):
    return [e["resource"]["id"] for e in body.get("entry", [])]


def test_previous_links_walk_back_a_large_chart(fstack, crowded):
    """Issue 77, item 8: every page after the first has a previous link,
    which gives the page before again, deep in a chart of 5,050 (it reads
    the pinned snapshot from its start: past the 10 export pages a next
    page reads)."""
    pid = crowded[0]
    url = "Condition?patient=%s&_count=100" % pid
    pages = []
    while url and len(pages) < 46:
        status, body = get(fstack, url)
        assert status == 200, body
        pages.append((_page_ids(body), links(body)))
        url = links(body).get("next")
    assert "previous" not in pages[0][1]
    for at in (1, 45, 44):
        status, body = get(fstack, pages[at][1]["previous"])
        assert status == 200, body
        assert _page_ids(body) == pages[at - 1][0], at
        # The page reached backwards pages on forwards as before.
        status, nxt = get(fstack, links(body)["next"])
        assert status == 200 and _page_ids(nxt) == pages[at][0], at


def test_offset_without_sort_is_refused_and_next_carries_only_a_cursor(
        fstack, crowded):
    pid = crowded[0]
    for path in ("Condition?patient=%s" % pid, "Patient/%s/$everything" % pid):
        status, body = get(fstack, path + "&_count=50&_offset=4990"
                           if "?" in path else path + "?_offset=4990")
        assert status == 400, body  # before: 200, reading 4,990 first
        diag = body["issue"][0]["diagnostics"]
        assert diag.startswith("_offset") and "next link" in diag, body
    status, body = get(fstack, "Condition?patient=%s&_count=50&_offset=0"
                       % pid)
    assert status == 200 and len(body["entry"]) == 50, body
    got = links(body)
    assert set(got) == {"self", "first", "next"}, got
    q = urllib.parse.parse_qs(urllib.parse.urlparse(got["next"]).query)
    assert "_offset" not in q and len(q["_cursor"]) == 1


def test_everything_pages_past_5000(fstack, crowded):
    pid, ids, _ = crowded
    status, body = get(fstack, "Patient/%s/$everything?_count=100" % pid)
    assert status == 200, body
    assert "total" not in body
    assert body["entry"][0]["resource"]["resourceType"] == "Patient"
    n = len(body["entry"]) - 1
    url = links(body).get("next")
    while url:
        status, body = get(fstack, url)
        assert status == 200, body
        n += len(body["entry"])
        url = links(body).get("next")
    assert n == N


def export_calls(st):
    """The facade's ExportFhir calls so far, all services together."""
    samples, _ = scrape(st, "fhir")
    return sum(series(samples, "smartmed_fhir_export_pages_total").values())


def rows_read(st):
    """Rows read so far from the tables diagnosis exports, by every
    connection (MariaDB's user statistics, which page_cost turns on).  The
    stack's other reads meanwhile, such as diagnosis' audit outbox still
    draining the events of the 5,050 additions, are not counted."""
    out = st.sql("SELECT COALESCE(SUM(ROWS_READ), 0) FROM"
                 " information_schema.TABLE_STATISTICS"
                 " WHERE TABLE_SCHEMA = 'smartmed_diagnosis' AND TABLE_NAME"
                 " IN ('conditions', 'condition_versions', 'care_plans',"
                 " 'findings')")
    return int(out.split()[-1])


def page_cost(st, url):
    """(status, body, ExportFhir calls, rows read) of one GET."""
    st.sql("SET GLOBAL userstat = 1")
    calls, rows = export_calls(st), rows_read(st)
    status, body = get(st, url)
    return (status, body, export_calls(st) - calls, rows_read(st) - rows)


# A page of 100 from diagnosis is 2 or 3 export pages of 50 (one more to
# find the next page's start, or to find a deleted anchor again), plus one
# call to each other source holding nothing.  Rows: about 51 keys and 50
# conditions an export page (measured: 5 calls and 304 rows on the first
# page, 3 calls and 303 rows 4,000 entries on).  Before, the first page
# alone read over 100 export pages, and each of diagnosis' export pages
# read all 5,050 of the patient's items (15,300 rows for 3 of them).
CALLS_MAX = 10
ROWS_MAX = 1000


def test_first_and_deep_pages_do_the_same_bounded_work(fstack, crowded):
    pid = crowded[0]
    url = "Patient/%s/$everything?_count=100" % pid
    status, body, calls, rows = page_cost(fstack, url)
    assert status == 200, body
    assert len(body["entry"]) == 100
    assert 1 <= calls <= CALLS_MAX, calls   # before: over 100
    assert rows <= ROWS_MAX, rows
    for _ in range(40):  # 4,000 entries on
        url = links(body)["next"]
        status, body = get(fstack, url)
        assert status == 200, body
    status, body, calls, rows = page_cost(fstack, links(body)["next"])
    assert status == 200 and len(body["entry"]) == 100, body
    assert 1 <= calls <= CALLS_MAX, calls
    assert rows <= ROWS_MAX, rows  # before: OFFSET 4,000 on every call


def test_bad_cursor_is_refused_naming_it(fstack, crowded):
    pid = crowded[0]
    for bad in ("x", "9.0.-.", "0.0.1", "0.0.-.a b", "0.0.-." + "9" * 200):
        status, body = get(fstack, "Condition?patient=%s&_cursor=%s"
                           % (pid, urllib.parse.quote(bad)))
        assert status == 400, (bad, body)
        assert body["issue"][0]["diagnostics"].startswith("_cursor"), body


def test_diagnosis_export_pages_by_key(fstack, crowded):
    """diagnosis' ExportFhir token is the last item's key: paging by it
    reads every condition once; an offset token (the old kind) or a
    made-up one is INVALID_ARGUMENT naming page.page_token."""
    import grpc
    pid, ids = crowded[0], crowded[1]
    pb = protos.module("diagnosis")
    cpb = protos.common()
    seen, token = [], ""
    for _ in range(N // 500 + 2):
        r = fstack.call("diagnosis", "ExportFhir", pb.ExportFhirRequest(
            patient_id=pid, page=cpb.PageRequest(
                page_size=500, page_token=token)), role="clinician",
            timeout=30)
        bundle = json.loads(r.bundle_json)
        seen += [e["resource"]["id"] for e in bundle["entry"]
                 if e["resource"]["resourceType"] == "Condition"]
        token = r.page.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) and set(seen) == ids
    for bad in ("o1.500", "kC.1.x", "kX.1." + pid, "kC.." + pid):
        with pytest.raises(grpc.RpcError) as err:
            fstack.call("diagnosis", "ExportFhir", pb.ExportFhirRequest(
                patient_id=pid, page=cpb.PageRequest(page_token=bad)),
                role="clinician")
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, bad
        assert err.value.details().startswith("page.page_token"), bad


# Last in the module: it adds conditions to the crowded chart.
def test_each_resource_once_while_conditions_are_added(fstack, crowded):
    pid, ids, _ = crowded
    url = "Patient/%s/$everything?_count=100" % pid
    seen, pages = [], 0
    while url:
        status, body = get(fstack, url)
        assert status == 200, body
        seen += [(e["resource"]["resourceType"], e["resource"]["id"])
                 for e in body.get("entry", [])]
        url = links(body).get("next")
        pages += 1
        assert pages <= N // 100 + 3, "the next links do not end"
        if pages % 10 == 1:  # charted between pages, before and after
            add_conditions(fstack, pid, 20)
    assert len(seen) == len(set(seen)), "a resource came twice"
    conditions = {i for t, i in seen if t == "Condition"}
    assert ids <= conditions, "a condition was skipped"
    assert ("Patient", pid) in seen
