"""Query newest first (issue 50): an operator or auditor reading the log
wants the latest events at the top and outcomes by name.

QueryRequest.newest_first streams seq descending; before_seq resumes a
newest-first stream below the smallest seq received, so events stored
between two pages never shift or repeat one.  AuditEvent.outcome is a
StatusCode: a JSON reader (medctl) sees PERMISSION_DENIED, not 7.  medctl's
`audit query` asks for the newest first unless told otherwise."""

import json
import os
import subprocess
import uuid

import grpc

from harness import paths, protos
from harness.checks import expect_status, poll

SVC = "audit"
GET = "/smartmed.identity.v1.Identity/GetPatient"
MEDCTL = paths.bin_path("medctl")


def _query(stack, pb, **kw):
    return stack.call(SVC, "Query", pb.QueryRequest(**kw), role="auditor",
                      timeout=30)


def _patient(stack, idpb):
    req = idpb.CreatePatientRequest(
        mrn="NEW-" + uuid.uuid4().hex[:12], family_name="Newest",
        given_name="Nia", birth_date="1971-03-04",
        sex=idpb.ADMINISTRATIVE_SEX_FEMALE)
    return stack.call("identity", "CreatePatient", req,
                      role="registrar").patient_id


def _reads(stack, idpb, pid, n):
    """n GetPatient calls by the nurse: n events with the nurse as actor."""
    for _ in range(n):
        stack.call("identity", "GetPatient",
                   idpb.GetPatientRequest(patient_id=pid), role="nurse")


def _nurse_reads(stack, pb, pid, n, **kw):
    """The nurse's events about pid once all n are in the log (oldest
    first unless kw says otherwise)."""
    def got():
        recs = _query(stack, pb, patient_id=pid, actor=stack.user("nurse"),
                      limit=10000, **kw)
        return recs if len(recs) >= n else None
    return poll(got, timeout=30, what="%d reads of patient %s" % (n, pid))


def _both_orders(stack, pb, idpb, n):
    """A new patient read n times by the nurse; the reads' seqs oldest
    first, after checking that newest first gives them reversed."""
    pid = _patient(stack, idpb)
    _reads(stack, idpb, pid, n)
    oldest = [r.seq for r in _nurse_reads(stack, pb, pid, n)]
    newest = [r.seq for r in _nurse_reads(stack, pb, pid, n,
                                          newest_first=True)]
    assert len(oldest) == n
    assert newest == oldest[::-1]
    return pid, oldest


def test_newest_first_is_the_log_reversed(stack, pb, idpb):
    pid, oldest = _both_orders(stack, pb, idpb, 5)
    # The limit keeps the newest, not the oldest.
    top = _query(stack, pb, patient_id=pid, actor=stack.user("nurse"),
                 newest_first=True, limit=2)
    assert [r.seq for r in top] == oldest[:-3:-1]
    assert all(r.event.action == GET for r in top)


def test_paging_back_with_before_seq_while_the_log_grows(stack, pb, idpb):
    pid = _patient(stack, idpb)
    _reads(stack, idpb, pid, 7)
    want = [r.seq for r in _nurse_reads(stack, pb, pid, 7,
                                        newest_first=True)]
    got, before = [], 0
    while True:
        page = _query(stack, pb, patient_id=pid, actor=stack.user("nurse"),
                      newest_first=True, limit=3, before_seq=before)
        got += [r.seq for r in page]
        if len(page) < 3:
            break
        before = page[-1].seq
        # New events between pages land above the first page: they
        # neither shift the next page nor come back in it.
        _reads(stack, idpb, pid, 2)
    assert got == want
    # A walk down to after_seq ends with an empty page, not an error.
    assert _query(stack, pb, patient_id=pid, after_seq=want[-1] - 1,
                  before_seq=want[-1], newest_first=True) == []


def test_before_seq_bounds_an_oldest_first_read_too(stack, pb, idpb):
    pid = _patient(stack, idpb)
    _reads(stack, idpb, pid, 4)
    seqs = [r.seq for r in _nurse_reads(stack, pb, pid, 4)]
    inside = _query(stack, pb, patient_id=pid, actor=stack.user("nurse"),
                    after_seq=seqs[0], before_seq=seqs[3])
    assert [r.seq for r in inside] == seqs[1:3]


def test_newest_first_across_server_batches(stack, pb, idpb):
    """More records than the server reads per database round trip (256):
    the batches continue downwards, none repeated or skipped."""
    _both_orders(stack, pb, idpb, 300)


def test_before_seq_not_above_after_seq_invalid(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _query, stack, pb,
                  after_seq=10, before_seq=10, newest_first=True,
                  details_prefix="before_seq")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _query, stack, pb,
                  after_seq=10, before_seq=3, details_prefix="before_seq")


def _denied_read(stack, pb, idpb, pid):
    """An auditor's GetPatient (not theirs to call); its audit record."""
    rid = "test-" + uuid.uuid4().hex
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, "identity",
                  "GetPatient", idpb.GetPatientRequest(patient_id=pid),
                  role="auditor", request_id=rid)

    def found():
        recs = _query(stack, pb, actor=stack.user("auditor"),
                      newest_first=True, limit=100)
        return [r for r in recs if r.event.request_id == rid]
    return poll(found, timeout=30, what="the denied read's audit event")[0]


def test_outcome_is_a_named_status_code(stack, pb, idpb):
    ev = protos.audit_event()
    assert ev.StatusCode.Name(0) == "OK"
    # The names are gRPC's, number for number.
    for code in grpc.StatusCode:
        assert ev.StatusCode.Name(code.value[0]) == code.name
    rec = _denied_read(stack, pb, idpb, _patient(stack, idpb))
    assert ev.StatusCode.Name(rec.event.outcome) == "PERMISSION_DENIED"


def _medctl_audit_query(stack, *args):
    env = {k: v for k, v in os.environ.items() if k != "MED_TOKEN"}
    env.update(stack.client_tls_env())
    r = subprocess.run(
        [MEDCTL, "--addr", stack.addr(SVC), "--token",
         stack.token("auditor"), "--compact", "audit", "query"] + list(args),
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    return [json.loads(line) for line in r.stdout.decode().splitlines()]


def test_medctl_audit_query_newest_first_with_outcome_names(stack, pb,
                                                            idpb):
    """As the summary of make run prints it: `audit query --limit 20`."""
    denied = _denied_read(stack, pb, idpb, _patient(stack, idpb))
    auditor = stack.user("auditor")

    def page():
        # The Query calls that found the denied read are audited after it
        # (within seconds): wait until one of them tops the page.
        got = _medctl_audit_query(stack, "--actor", auditor, "--limit",
                                  "20")
        return got if int(got[0]["seq"]) > denied.seq else None
    printed = poll(page, timeout=30, what="an auditor event after the "
                   "denied read")
    seqs = [int(r["seq"]) for r in printed]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs)
    mine = [r for r in printed if int(r["seq"]) == denied.seq]
    assert len(mine) == 1, seqs
    assert mine[0]["event"]["outcome"] == "PERMISSION_DENIED"
    assert printed[0]["event"]["outcome"] == "OK"
    # The log's order on request.
    oldest = [int(r["seq"]) for r in _medctl_audit_query(
        stack, "--actor", auditor, "--limit", "5", "--newest-first",
        "false")]
    assert oldest == sorted(oldest) and oldest[0] <= denied.seq
