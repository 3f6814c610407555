"""Contract of the audit log's Merkle tree: leaf hashes recomputed from the
records, signed tree heads, inclusion and consistency proofs checked with an
independent Python verifier (auditlog.py), the patient access report, and
the new Query filters."""

import hashlib
import uuid

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import \
    Ed25519PublicKey
from cryptography.exceptions import InvalidSignature

import auditlog
from harness.checks import expect_status, poll

SVC = "audit"
INVALID = grpc.StatusCode.INVALID_ARGUMENT


def _query(stack, pb, role="auditor", **kw):
    return stack.call(SVC, "Query", pb.QueryRequest(**kw), role=role,
                      timeout=10)


def _all_records(stack, pb):
    out, after = [], 0
    while True:
        page = _query(stack, pb, after_seq=after, limit=10000)
        out += page
        if len(page) < 10000:
            return out
        after = page[-1].seq


def _create_patient(stack, idpb, role="registrar"):
    req = idpb.CreatePatientRequest(
        mrn="TREE-" + uuid.uuid4().hex[:12], family_name="Tree",
        given_name="Ida", birth_date="1961-02-03",
        sex=idpb.ADMINISTRATIVE_SEX_FEMALE)
    return stack.call("identity", "CreatePatient", req, role=role)


def _head(stack, pb, role="auditor"):
    return stack.call(SVC, "GetTreeHead", pb.GetTreeHeadRequest(), role=role)


def _head_covering(stack, pb, size):
    def got():
        r = _head(stack, pb)
        return r if r.head.tree_size >= size else None
    return poll(got, timeout=15, what="a tree head of size >= %d" % size)


def _records_of(stack, pb, pid, n):
    def got():
        recs = [r for r in _query(stack, pb, patient_id=pid)
                if r.event.service == "identity"]
        return recs if len(recs) >= n else None
    return poll(got, what="%d event(s) of patient %s" % (n, pid))


def test_seq_is_dense_and_leaf_hashes_recompute(stack, pb, idpb):
    _create_patient(stack, idpb)
    poll(lambda: len(_all_records(stack, pb)) >= 2, what="some events")
    recs = _all_records(stack, pb)
    assert [r.seq for r in recs] == list(range(1, len(recs) + 1))
    for r in recs:
        assert r.leaf_hash == auditlog.leaf_hash(auditlog.leaf_entry(r)), \
            r.seq


def test_tree_head_signature_and_root(stack, pb, idpb):
    _create_patient(stack, idpb)
    size = len(_all_records(stack, pb))
    resp = _head_covering(stack, pb, size)
    h = resp.head
    assert len(resp.public_key) == 32 and len(h.signature) == 64
    assert h.key_id == hashlib.sha256(resp.public_key).hexdigest()[:16]
    assert resp.current_size >= h.tree_size
    key = Ed25519PublicKey.from_public_bytes(resp.public_key)
    key.verify(h.signature, auditlog.sth_message(h))
    bad = bytearray(auditlog.sth_message(h))
    bad[25] ^= 1
    with pytest.raises(InvalidSignature):
        key.verify(h.signature, bytes(bad))
    leaves = [r.leaf_hash for r in _all_records(stack, pb)[:h.tree_size]]
    assert auditlog.mth(leaves) == h.root_hash


def test_inclusion_proof_by_event_id_and_index(stack, pb, idpb):
    p = _create_patient(stack, idpb)
    rec = _records_of(stack, pb, p.patient_id, 1)[0]
    head = _head_covering(stack, pb, rec.seq).head
    by_id = stack.call(SVC, "InclusionProof", pb.InclusionProofRequest(
        event_id=rec.event.event_id), role="auditor")
    assert by_id.leaf_index == rec.seq - 1
    assert by_id.tree_size == head.tree_size or \
        by_id.tree_size >= rec.seq
    assert by_id.record.event.event_id == rec.event.event_id
    assert by_id.leaf_hash == auditlog.leaf_hash(
        auditlog.leaf_entry(by_id.record))
    proof = stack.call(SVC, "InclusionProof", pb.InclusionProofRequest(
        leaf_index=rec.seq - 1, tree_size=head.tree_size), role="service")
    assert proof.root_hash == head.root_hash
    assert auditlog.verify_inclusion(proof.leaf_index, head.tree_size,
                                     proof.leaf_hash, proof.audit_path,
                                     head.root_hash)
    assert not auditlog.verify_inclusion(proof.leaf_index, head.tree_size,
                                         hashlib.sha256(b"x").digest(),
                                         proof.audit_path, head.root_hash)
    # Every leaf of a small tree, against the tree's own root.
    n = min(head.tree_size, 40)
    root = stack.call(SVC, "ConsistencyProof", pb.ConsistencyProofRequest(
        first_size=n, second_size=n), role="auditor").first_root
    for i in range(n):
        pr = stack.call(SVC, "InclusionProof", pb.InclusionProofRequest(
            leaf_index=i, tree_size=n), role="auditor")
        assert auditlog.verify_inclusion(i, n, pr.leaf_hash, pr.audit_path,
                                         root), i


def test_consistency_between_heads(stack, pb, idpb):
    first = _head_covering(stack, pb, 1).head
    for _ in range(3):
        _create_patient(stack, idpb)
    second = _head_covering(stack, pb, first.tree_size + 3).head
    pr = stack.call(SVC, "ConsistencyProof", pb.ConsistencyProofRequest(
        first_size=first.tree_size), role="auditor")
    assert pr.second_size == second.tree_size or \
        pr.second_size > second.tree_size
    assert pr.first_root == first.root_hash
    assert auditlog.verify_consistency(first.tree_size, pr.second_size,
                                       first.root_hash, pr.second_root,
                                       pr.proof)
    pr2 = stack.call(SVC, "ConsistencyProof", pb.ConsistencyProofRequest(
        first_size=first.tree_size, second_size=second.tree_size),
        role="admin")
    assert pr2.second_root == second.root_hash
    assert auditlog.verify_consistency(first.tree_size, second.tree_size,
                                       first.root_hash, second.root_hash,
                                       pr2.proof)
    for m in range(1, min(second.tree_size, 12) + 1):
        p = stack.call(SVC, "ConsistencyProof", pb.ConsistencyProofRequest(
            first_size=m, second_size=second.tree_size), role="auditor")
        assert auditlog.verify_consistency(m, second.tree_size,
                                           p.first_root, second.root_hash,
                                           p.proof), m


def test_proof_bad_input(stack, pb):
    size = _head(stack, pb).current_size

    def inc(**kw):
        return stack.call(SVC, "InclusionProof",
                          pb.InclusionProofRequest(**kw), role="auditor")

    def cons(**kw):
        return stack.call(SVC, "ConsistencyProof",
                          pb.ConsistencyProofRequest(**kw), role="auditor")
    expect_status(INVALID, inc, details_prefix="leaf")
    expect_status(INVALID, inc, leaf_index=size + 1000, tree_size=size,
                  details_prefix="leaf_index")
    expect_status(INVALID, inc, leaf_index=0, tree_size=size + 1000,
                  details_prefix="tree_size")
    expect_status(grpc.StatusCode.NOT_FOUND, inc,
                  event_id=str(uuid.uuid4()), details_prefix="event_id")
    expect_status(INVALID, cons, first_size=0, second_size=size,
                  details_prefix="first_size")
    expect_status(INVALID, cons, first_size=size, second_size=1,
                  details_prefix="first_size")
    expect_status(INVALID, cons, first_size=1, second_size=size + 1000,
                  details_prefix="second_size")


@pytest.mark.parametrize("method,req", [
    ("GetTreeHead", "GetTreeHeadRequest"),
    ("InclusionProof", "InclusionProofRequest"),
    ("ConsistencyProof", "ConsistencyProofRequest"),
    ("PatientAccessReport", "PatientAccessReportRequest"),
])
@pytest.mark.parametrize("role", ["clinician", "nurse", "registrar",
                                  "pharmacist", None])
def test_tree_rpcs_refuse_other_roles(stack, pb, method, req, role):
    code = (grpc.StatusCode.UNAUTHENTICATED if role is None
            else grpc.StatusCode.PERMISSION_DENIED)
    expect_status(code, stack.call, SVC, method, getattr(pb, req)(),
                  role=role)


def test_service_role_may_not_read_reports(stack, pb):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "PatientAccessReport", pb.PatientAccessReportRequest(
                      patient_id="x"), role="service")


def test_patient_access_report(stack, pb, idpb):
    p = _create_patient(stack, idpb)
    pid = p.patient_id
    stack.call("identity", "GetPatient", idpb.GetPatientRequest(
        patient_id=pid), role="nurse",
        metadata=[("x-purpose-of-use", "HOPERAT")])
    stack.call("identity", "GetPatient", idpb.GetPatientRequest(
        patient_id=pid), role="clinician")
    _records_of(stack, pb, pid, 3)

    def report(**kw):
        return stack.call(SVC, "PatientAccessReport",
                          pb.PatientAccessReportRequest(patient_id=pid, **kw),
                          role="auditor")
    r = report()
    mine = [a for a in r.accesses if a.service == "identity"]
    assert [a.actor for a in mine] == [stack.user("registrar"),
                                       stack.user("nurse"),
                                       stack.user("clinician")]
    assert [a.action_code for a in mine] == ["C", "R", "R"]
    assert mine[1].purpose_of_use == "HOPERAT"
    assert mine[2].purpose_of_use == "TREAT"
    assert all(a.outcome == 0 and not a.break_glass for a in mine)
    seqs = [a.seq for a in r.accesses]
    assert seqs == sorted(seqs) and r.next_after_seq == 0
    by_actor = {s.actor: s for s in r.accessors}
    nurse = by_actor[stack.user("nurse")]
    assert nurse.accesses == 1 and nurse.purposes == "HOPERAT"
    assert "nurse" in nurse.actor_roles and nurse.first_ms == nurse.last_ms
    # Paging: one access per page, the summary on the first page only.
    page, got = report(limit=1), []
    while True:
        got += [a.seq for a in page.accesses]
        if page.next_after_seq == 0:
            break
        assert page.next_after_seq == got[-1]
        page = report(limit=1, after_seq=page.next_after_seq)
        assert not page.accessors
    assert got[:len(seqs)] == seqs
    # Time range.
    t = mine[1].time_ms
    assert all(a.time_ms >= t for a in report(since_ms=t).accesses)
    assert all(a.time_ms < t for a in report(until_ms=t).accesses)


def test_patient_access_report_bad_input(stack, pb):
    def report(**kw):
        return stack.call(SVC, "PatientAccessReport",
                          pb.PatientAccessReportRequest(**kw),
                          role="admin")
    expect_status(INVALID, report, details_prefix="patient_id")
    expect_status(INVALID, report, patient_id="p", limit=5000,
                  details_prefix="limit")
    expect_status(INVALID, report, patient_id="p", since_ms=10,
                  until_ms=5, details_prefix="until_ms")
    expect_status(INVALID, report, patient_id="p", since_ms=-1,
                  details_prefix="since_ms")
    assert not report(patient_id=str(uuid.uuid4())).accesses


def test_query_action_code_and_break_glass_filters(stack, pb, idpb):
    p = _create_patient(stack, idpb)
    stack.call("identity", "GetPatient", idpb.GetPatientRequest(
        patient_id=p.patient_id), role="nurse")
    _records_of(stack, pb, p.patient_id, 2)
    reads = _query(stack, pb, patient_id=p.patient_id, action_code="R")
    assert reads and all(r.event.action_code == "R" for r in reads)
    creates = _query(stack, pb, patient_id=p.patient_id, action_code="C")
    assert [r.event.action for r in creates] == [
        "/smartmed.identity.v1.Identity/CreatePatient"]
    bg = _query(stack, pb, break_glass_only=True, limit=10000)
    assert all(r.event.break_glass for r in bg)
    expect_status(INVALID, _query, stack, pb, action_code="X",
                  details_prefix="action_code")
    expect_status(INVALID, _query, stack, pb, action_code="RU",
                  details_prefix="action_code")
