"""Bounded replies: a reply larger than MED_MAX_MESSAGE_BYTES is refused by
the RPC layer before it is sent, so the client, the access log, the
grpc_server_handled_total metric and the audit event all say
RESOURCE_EXHAUSTED (gRPC's own check would fail the call on the wire after
the service had logged and audited it as OK)."""

import json
import re
import uuid

import grpc
import pytest

from harness import metrics, protos
from harness.checks import expect_status, poll

SVC = "records"
LIMIT = 32768
BODY_CHARS = 60000  # fits the default cap, not LIMIT
REPLY = re.compile(r"^the reply is (\d+) bytes; the limit is (\d+); "
                   r"ask for a smaller page$")


pytestmark = pytest.mark.stack(services=("audit", SVC))


@pytest.fixture(scope="module")
def big_entry(st, pb):
    """(patient, entry) of a note written under the default cap, with
    records then restarted with MED_MAX_MESSAGE_BYTES=LIMIT: one entry
    cannot be split into pages, so reading it back is a reply over the cap
    whatever paging the method has."""
    pid = str(uuid.uuid4())
    e = st.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_NOTE, title="Long note",
        body="a" * BODY_CHARS), role="clinician")
    st.stop_service(SVC)
    st.services[SVC].env["MED_MAX_MESSAGE_BYTES"] = str(LIMIT)
    st.start_service(SVC)
    return pid, e


def _log_line(st, request_id):
    """The access log line of request_id, or None while not yet there."""
    with open(st.log_path(SVC), encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.startswith("{"):
                continue
            rec = json.loads(line)
            if (rec.get("request_id") == request_id and
                    rec.get("msg", "").startswith("rpc ")):
                return rec
    return None


def _audit_event(st, pid, request_id):
    apb = protos.module("audit")
    for r in st.call("audit", "Query", apb.QueryRequest(patient_id=pid),
                     role="auditor"):
        if r.event.request_id == request_id:
            return r.event
    return None


def _handled(st, method, code):
    samples, _ = metrics.scrape(st, SVC)
    got = metrics.series(samples, "grpc_server_handled_total",
                         grpc_method=method, grpc_code=code)
    return sum(got.values())


def test_oversized_reply_is_resource_exhausted_everywhere(st, pb,
                                                          big_entry):
    pid, entry = big_entry
    rid = "reply-limit-" + uuid.uuid4().hex[:8]

    e = expect_status(grpc.StatusCode.RESOURCE_EXHAUSTED, st.call, SVC,
                      "GetEntry", pb.GetEntryRequest(entry_id=entry.entry_id),
                      role="clinician", request_id=rid)
    m = REPLY.match(e.details())
    assert m, e.details()
    assert int(m.group(1)) > BODY_CHARS > LIMIT
    assert int(m.group(2)) == LIMIT

    line = poll(lambda: _log_line(st, rid), what="the access log line")
    assert line["msg"].startswith(
        "rpc /smartmed.records.v1.Records/GetEntry RESOURCE_EXHAUSTED "), line
    assert line["msg"].endswith(": " + e.details()), line

    # The service restarted with the fixture: its counters start at 0.
    assert _handled(st, "GetEntry", "RESOURCE_EXHAUSTED") == 1

    ev = poll(lambda: _audit_event(st, pid, rid), timeout=20,
              what="the audit event of the refused GetEntry")
    assert ev.outcome == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
    assert ev.action == "/smartmed.records.v1.Records/GetEntry"
    assert ev.action_code == "R"


def test_replies_under_the_limit_still_pass(st, pb, big_entry):
    pid = big_entry[0]
    small = st.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_NOTE, title="Short note",
        body="b" * (LIMIT // 2)), role="clinician")
    got = st.call(SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=small.entry_id), role="clinician")
    assert len(got.body) == LIMIT // 2
    assert _handled(st, "GetEntry", "OK") == 1
