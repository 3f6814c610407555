"""The audit log against someone who can write its database (issue 17,
finding 2) and against a hospital-CA client sending absurd event times
(finding 9).

A row inserted behind the service's back with the documented leaf hash, the
subtree hashes it completes and a bumped tree_state: the service refuses to
sign it (and to append after it), says which row, and auditverify given the
leaf key reports it.  A changed stored subtree hash: the service refuses to
serve a proof built on it, naming the node, and auditverify reports it; a
changed right-edge node is caught when the service starts.  Event times
outside [2000-01-01, now + 5 min] are refused by the ingest.

Each tampering test damages its log on purpose, so it has its own stack."""

import hashlib
import hmac
import os
import socket
import ssl
import struct
import subprocess
import sys
import time
import uuid

import grpc
import pytest

from harness import metrics, paths
from harness.checks import poll
from harness.fixtures import marked_stack

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "contract", "audit"))
import auditlog  # noqa: E402

DB = "smartmed_audit"
LEAF_MAC_TAG = b"smartmed-audit-leaf-mac-v1\x00"


pytestmark = pytest.mark.stack(services=("audit",),
                               extra_env={"MED_AUDIT_STH_INTERVAL_MS": "100"})


@pytest.fixture
def st(request):
    """A fresh stack for each test: each tampers with the audit log's
    rows, which no later test may inherit."""
    with marked_stack(request) as s:
        yield s


# The service of the pb fixture (tests/conftest.py).
PROTOS = "audit"


def _rows(st, query):
    out = st.sql(query).strip().splitlines()
    return [line.split("\t") for line in out[1:]]


def _one(st, query):
    rows = _rows(st, query)
    return rows[0][0] if rows else None


def _size(st):
    return int(_one(st, "SELECT size FROM %s.tree_state" % DB))


def _head_size(st):
    v = _one(st, "SELECT MAX(tree_size) FROM %s.tree_heads" % DB)
    return -1 if v in (None, "NULL") else int(v)


def _traffic(st, pb, n):
    """n audited calls (the audit service audits its own RPCs)."""
    for _ in range(n):
        st.call("audit", "Query", pb.QueryRequest(limit=1), role="auditor")


def _traffic_then_quiet(st, pb, n):
    """n audited calls, then _quiet until their n events are in the log;
    returns the log's size."""
    before = _size(st)
    _traffic(st, pb, n)
    return _quiet(st, before + n)


def _quiet(st, at_least=0):
    """Wait until the log holds at least at_least leaves, nothing is being
    appended and a head covers it.  at_least matters on a busy machine:
    the events of calls just made may take seconds to arrive (the spool
    and the outbox relay), and three equal samples of the log before them
    are not quiet."""
    last = []

    def settled():
        s = (_size(st), _head_size(st))
        last.append(s)
        return (s[0] >= at_least and s[0] == s[1] and len(last) >= 3
                and last[-2] == s and last[-3] == s)
    poll(settled, timeout=30, interval=0.3, what="a quiet, signed log")
    return last[-1][0]


def _verify_log(st, *extra):
    cmd = [paths.bin_path("auditverify"), "log", "--db-host", "127.0.0.1",
           "--db-port", str(st.db_port), "--db-user", "smartmed_audit",
           "--db-password", st.db_users["smartmed_audit"],
           "--db-name", DB, "--db-tls-ca", st.ca_path] + list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def _leaf_key_file(st):
    return os.path.join(st.spool_dir("audit"), "audit-leaf.key")


def _stored_hash(st, level, idx):
    if level == 0:
        q = "SELECT HEX(leaf_hash) FROM %s.events WHERE seq = %d" % (
            DB, idx + 1)
    else:
        q = ("SELECT HEX(hash) FROM %s.tree_nodes WHERE level = %d"
             " AND idx = %d" % (DB, level, idx))
    return bytes.fromhex(_one(st, q))


def _frontier(st, size):
    """{level: hash} of the right edge of the stored tree of size leaves."""
    return {lv: _stored_hash(st, lv, (size >> lv) - 1)
            for lv in range(64) if size >> lv & 1}


def _completed_nodes(frontier, size, leaf):
    """The subtrees (level >= 1) that appending leaf at index size
    completes, as the service would store them."""
    out, h, i, lv = [], leaf, size, 0
    while i & 1:
        h = auditlog.node_hash(frontier[lv], h)
        i >>= 1
        lv += 1
        out.append((lv, i, h))
    return out


def _metric(st, name, **labels):
    return metrics.read(st, "audit", name, **labels)


def _sql_str(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


def _forge_row(st, pb, ae, size):
    """Insert an event at size + 1 the way the service would, except for
    the MAC, which nobody without the key can make."""
    now = int(time.time() * 1000)
    ev = ae.AuditEvent(event_id=str(uuid.uuid4()), time_ms=now,
                       service="records",
                       action="/smartmed.records.v1.Records/GetEntry",
                       actor="mallory", actor_roles="clinician",
                       patient_id="", resource="record/forged", outcome=0,
                       request_id="forged", detail="", action_code="R",
                       purpose_of_use="TREAT", break_glass=False)
    rec = pb.AuditRecord(seq=size + 1, stored_ms=now, event=ev)
    leaf = auditlog.leaf_hash(auditlog.leaf_entry(rec))
    nodes = _completed_nodes(_frontier(st, size), size, leaf)
    vals = ",".join([str(size + 1), _sql_str(ev.event_id), str(now),
                     str(now)] + [_sql_str(x) for x in (
                         ev.service, ev.action, ev.actor, ev.actor_roles,
                         ev.patient_id, ev.resource)] + ["0"] +
                    [_sql_str(x) for x in (ev.request_id, ev.detail,
                                           ev.action_code,
                                           ev.purpose_of_use)] +
                    ["0", "X'00000000'", "X'%s'" % leaf.hex()])
    cols = ("seq, event_id, stored_ms, time_ms, service, action, actor,"
            " actor_roles, patient_id, resource, outcome, request_id,"
            " detail, action_code, purpose_of_use, break_glass, details,"
            " leaf_hash")
    # A plausible MAC where the schema has one (a log without leaf MACs
    # is what this attack was first made on).
    if _one(st, "SELECT COUNT(*) FROM information_schema.columns WHERE"
            " table_schema = '%s' AND column_name = 'leaf_mac'" % DB) == "1":
        cols += ", leaf_mac"
        vals += ",X'%s'" % os.urandom(32).hex()
    sql = ["START TRANSACTION",
           "INSERT INTO %s.events (%s) VALUES (%s)" % (DB, cols, vals)]
    sql += ["INSERT INTO %s.tree_nodes (level, idx, hash) VALUES"
            " (%d, %d, X'%s')" % (DB, lv, i, h.hex()) for lv, i, h in nodes]
    sql += ["UPDATE %s.tree_state SET size = %d WHERE id = 1 AND size = %d"
            % (DB, size + 1, size), "COMMIT"]
    st.sql("; ".join(sql))
    assert _size(st) == size + 1
    return nodes


def _check_documented_mac(st, seq):
    """The stored MAC of row seq is HMAC-SHA-256 under the first key of
    the key file over the tag and the leaf hash (docs/internals/audit-log.md)."""
    with open(_leaf_key_file(st)) as f:
        key = bytes.fromhex(f.readline().strip())
    leaf, mac = _rows(st, "SELECT HEX(leaf_hash), HEX(leaf_mac) FROM"
                      " %s.events WHERE seq = %d" % (DB, seq))[0]
    want = hmac.new(key, LEAF_MAC_TAG + bytes.fromhex(leaf),
                    hashlib.sha256).hexdigest()
    assert mac.lower() == want


def _log_has(st, *needles):
    with open(st.log_path("audit"), errors="replace") as f:
        text = f.read()
    return all(n in text for n in needles)


def test_db_inserted_event_is_refused(st, pb, ae):
    size = _traffic_then_quiet(st, pb, 5)
    nodes = _forge_row(st, pb, ae, size)
    where = "leaf %d (seq %d)" % (size, size + 1)

    # The service finds the row on its next signing round and says which.
    poll(lambda: _log_has(st, "INTEGRITY", where), timeout=15,
         what="the integrity failure in the log")
    # the round logs before it sets its metrics
    poll(lambda: _metric(st, "smartmed_audit_integrity_ok") == 0,
         timeout=15, what="smartmed_audit_integrity_ok at 0")
    assert _metric(st, "smartmed_audit_integrity_failures_total") >= 1
    # ... and never signs it, nor appends after it.
    _traffic(st, pb, 3)
    time.sleep(1.5)
    assert _head_size(st) == size
    assert _size(st) == size + 1
    with pytest.raises(grpc.RpcError) as e:
        st.call("audit", "InclusionProof", pb.InclusionProofRequest(
            leaf_index=0), role="auditor")
    assert e.value.code() == grpc.StatusCode.DATA_LOSS
    assert where in e.value.details(), e.value.details()

    # auditverify with the leaf key names the row; the heads still check.
    rc, out = _verify_log(st, "--leaf-key-file", _leaf_key_file(st))
    assert rc == 1, out
    assert where + ": its leaf MAC does not verify" in out, out
    assert "root does not match" not in out, out

    # Removing the forged row and restarting: signing and ingest resume,
    # and the calls made meanwhile arrive from the spool.
    st.stop_service("audit")
    st.sql("START TRANSACTION; DELETE FROM %s.events WHERE seq = %d; %s"
           " UPDATE %s.tree_state SET size = %d WHERE id = 1; COMMIT" % (
               DB, size + 1, "".join(
                   "DELETE FROM %s.tree_nodes WHERE level = %d AND"
                   " idx = %d;" % (DB, lv, i) for lv, i, _ in nodes),
               DB, size))
    st.start_service("audit")
    poll(lambda: _head_size(st) >= size + 3, timeout=30,
         what="heads over the spooled events")
    assert _metric(st, "smartmed_audit_integrity_ok") == 1
    rc, out = _verify_log(st, "--leaf-key-file", _leaf_key_file(st))
    assert rc == 0 and "leaf MACs checked" in out, out
    _check_documented_mac(st, size + 1)


def _inclusion(st, pb, index, size):
    return st.call("audit", "InclusionProof", pb.InclusionProofRequest(
        leaf_index=index, tree_size=size), role="auditor")


def test_altered_tree_node_is_detected(st, pb):
    size = _traffic_then_quiet(st, pb, 12)
    assert size >= 8
    # Node (1, 0) covers leaves 0 and 1: on leaf 2's audit path, not on
    # the right edge the service keeps in memory.
    good = _stored_hash(st, 1, 0)
    pr = _inclusion(st, pb, 2, size)
    assert good in pr.audit_path
    st.sql("UPDATE %s.tree_nodes SET hash = X'%s' WHERE level = 1 AND"
           " idx = 0" % (DB, os.urandom(32).hex()))

    with pytest.raises(grpc.RpcError) as e:
        _inclusion(st, pb, 2, size)
    assert e.value.code() == grpc.StatusCode.DATA_LOSS
    assert "tree_nodes (level 1, idx 0)" in e.value.details(), \
        e.value.details()
    assert _log_has(st, "INTEGRITY", "tree_nodes (level 1, idx 0)")
    assert _metric(st, "smartmed_audit_integrity_ok") == 0
    # Once the store is known to be damaged no head is signed.
    before = _head_size(st)
    _traffic(st, pb, 3)
    time.sleep(1.5)
    assert _head_size(st) == before

    rc, out = _verify_log(st, "--leaf-key-file", _leaf_key_file(st))
    assert rc == 1, out
    assert "tree_nodes (level 1, idx 0): the stored hash does not match" \
        in out, out

    # Restored, and a right-edge node changed instead: the service
    # checks the right edge against its newest signed head when it starts.
    st.stop_service("audit")
    st.sql("UPDATE %s.tree_nodes SET hash = X'%s' WHERE level = 1 AND"
           " idx = 0" % (DB, good.hex()))
    last = _head_size(st)
    top = last.bit_length() - 1
    assert top >= 1
    st.sql("UPDATE %s.tree_nodes SET hash = X'%s' WHERE level = %d AND"
           " idx = 0" % (DB, os.urandom(32).hex(), top))
    st.start_service("audit")
    poll(lambda: _log_has(st, "right-edge nodes of the tree of size %d"
                          % last), timeout=15,
         what="the start-up integrity failure")
    _traffic(st, pb, 2)
    time.sleep(1.0)
    assert _head_size(st) == last
    rc, out = _verify_log(st)
    assert rc == 1 and "tree_nodes (level %d, idx 0)" % top in out, out


# --- the ingest's time bounds and emitter names ---------------------------

REQ_PROTO, REP_PROTO = 0x30, 0x31


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("ingest closed the connection")
        buf += chunk
    return buf


def _ingest_request(st, payload, identity="records"):
    """One NNG req/rep exchange with the audit ingest over mutual TLS, as
    an emitter makes it (SP over TCP: an 8-byte greeting each way, then
    frames of a 64-bit length; a request carries a 32-bit id first),
    presenting identity's certificate from the development CA."""
    ctx = ssl.create_default_context(cafile=st.ca_path)
    ctx.check_hostname = False
    ctx.load_cert_chain(*st.pki(identity))
    with socket.create_connection(("127.0.0.1", st.audit_port),
                                  timeout=10) as raw:
        with ctx.wrap_socket(raw) as s:
            s.sendall(b"\x00SP\x00" + struct.pack(">HH", REQ_PROTO, 0))
            hello = _recv_exact(s, 8)
            assert hello[:4] == b"\x00SP\x00", hello
            assert struct.unpack(">H", hello[4:6])[0] == REP_PROTO
            body = struct.pack(">I", 0x80000001) + payload
            s.sendall(struct.pack(">Q", len(body)) + body)
            n = struct.unpack(">Q", _recv_exact(s, 8))[0]
            reply = _recv_exact(s, n)
    assert reply[:4] == struct.pack(">I", 0x80000001)
    return reply[4:]


def test_event_times_out_of_bounds_are_refused(st, pb, ae):
    actor = "clock-" + uuid.uuid4().hex[:8]
    now = int(time.time() * 1000)
    times = {"int64-min": -2 ** 63, "before-2000": 946684799999,
             "a-day-ahead": now + 86400000,
             "2000-01-01": 946684800000, "now": now,
             "4-min-ahead": now + 4 * 60000}
    batch = ae.AuditBatch(events=[ae.AuditEvent(
        event_id=str(uuid.uuid4()), time_ms=t, service="records",
        action="/smartmed.records.v1.Records/GetEntry", actor=actor,
        actor_roles="clinician", resource="record/" + name,
        request_id=name, action_code="R", purpose_of_use="TREAT")
        for name, t in times.items()])
    ack = ae.AuditAck.FromString(_ingest_request(st, batch.SerializeToString()))
    assert (ack.stored, ack.duplicates) == (3, 0), ack

    recs = st.call("audit", "Query", pb.QueryRequest(actor=actor),
                   role="auditor")
    assert sorted(r.event.request_id for r in recs) == [
        "2000-01-01", "4-min-ahead", "now"]
    assert _log_has(st, "refused: time_ms -9223372036854775808 is before "
                    "2000-01-01", "time_ms %d is more than 5 minutes ahead"
                    % times["a-day-ahead"])
    assert _metric(st, "smartmed_audit_events_refused_total",
                   reason="time_ms") == 3
    # The refused events are acknowledged (an emitter does not resend
    # them forever) but never stored: a resend changes nothing.
    ack = ae.AuditAck.FromString(_ingest_request(st, batch.SerializeToString()))
    assert (ack.stored, ack.duplicates) == (0, 3), ack


def test_event_of_another_service_is_refused(st, pb, ae):
    """Issue 31, finding 8: every service holds a certificate of the one
    hospital CA; identity's certificate may write identity's events, never
    dosage's (a fresh certificate of the CA naming someone else fares no
    better)."""
    actor = "forger-" + uuid.uuid4().hex[:8]

    def event(service, name):
        return ae.AuditEvent(
            event_id=str(uuid.uuid4()), time_ms=int(time.time() * 1000),
            service=service, action="/smartmed.dosage.v1.Dosage/Administer",
            actor=actor, actor_roles="nurse", patient_id="p-forged",
            resource="administration/" + name, request_id=name,
            action_code="C", purpose_of_use="TREAT")

    batch = ae.AuditBatch(events=[event("dosage", "as-dosage"),
                                  event("identity", "as-identity"),
                                  event("records", "as-records")])
    ack = ae.AuditAck.FromString(_ingest_request(
        st, batch.SerializeToString(), identity="identity"))
    # The refused events are acknowledged (an emitter does not resend them
    # forever) but neither stored nor counted as stored.
    assert (ack.stored, ack.duplicates) == (1, 0), ack
    recs = st.call("audit", "Query", pb.QueryRequest(actor=actor),
                   role="auditor")
    assert [(r.event.service, r.event.request_id) for r in recs] == [
        ("identity", "as-identity")]
    assert _metric(st, "smartmed_audit_events_refused_total",
                   reason="service") == 2
    assert _log_has(st, 'claims service \\"dosage\\" but came with the '
                    'certificate of \\"identity\\"')

    # The operator's client certificate (medctl's) is no service: not
    # even events in its own name are taken (MED_TLS_SERVICE_PEERS).
    batch = ae.AuditBatch(events=[event("operator", "as-operator"),
                                  event("dosage", "as-dosage-2")])
    ack = ae.AuditAck.FromString(_ingest_request(
        st, batch.SerializeToString(), identity="operator"))
    assert (ack.stored, ack.duplicates) == (0, 0), ack
    assert _metric(st, "smartmed_audit_events_refused_total",
                   reason="service") == 4

    # dosage's own certificate writes dosage's events.
    batch = ae.AuditBatch(events=[event("dosage", "as-dosage-3")])
    ack = ae.AuditAck.FromString(_ingest_request(
        st, batch.SerializeToString(), identity="dosage"))
    assert (ack.stored, ack.duplicates) == (1, 0), ack
    recs = st.call("audit", "Query", pb.QueryRequest(actor=actor),
                   role="auditor")
    assert [(r.event.service, r.event.request_id) for r in recs] == [
        ("identity", "as-identity"), ("dosage", "as-dosage-3")]


# --- reads flag what was changed behind the service (issue 31, finding 4) --


def _integrity(pb, name):
    return pb.RecordIntegrity.Value("RECORD_INTEGRITY_" + name)


def _seed_patient(st, pb, ae, patient, actors):
    """One access to patient by each of actors, delivered the way identity
    delivers its events; returns their records in log order."""
    batch = ae.AuditBatch(events=[ae.AuditEvent(
        event_id=str(uuid.uuid4()), time_ms=int(time.time() * 1000),
        service="identity", action="/smartmed.identity.v1.Identity/GetPatient",
        actor=a, actor_roles="clinician", patient_id=patient,
        resource="patient/" + patient, request_id="seed-%d" % i,
        action_code="R", purpose_of_use="TREAT") for i, a in enumerate(actors)])
    ack = ae.AuditAck.FromString(_ingest_request(
        st, batch.SerializeToString(), identity="identity"))
    assert ack.stored == len(actors), ack
    recs = _patient_records(st, pb, patient)
    assert [r.event.actor for r in recs] == list(actors)
    return recs


def _patient_records(st, pb, patient):
    """The patient's records, less the audit service's own (every Query
    and report about the patient is audited, about the patient)."""
    return [r for r in st.call("audit", "Query", pb.QueryRequest(
        patient_id=patient), role="auditor")
        if r.integrity == _integrity(pb, "MISSING")
        or r.event.service == "identity"]


def _report(st, pb, patient, **kw):
    return st.call("audit", "PatientAccessReport",
                   pb.PatientAccessReportRequest(patient_id=patient, **kw),
                   role="auditor")


def _by_seq(items):
    return {x.seq: x for x in items}


def _all_verified_but(pb, items, bad):
    ok = _integrity(pb, "VERIFIED")
    for x in items:
        if x.seq not in bad and x.integrity != _integrity(pb, "MISSING"):
            assert x.integrity == ok, (x.seq, x.integrity,
                                       x.integrity_problem)


def test_reads_flag_an_updated_row(st, pb, ae):
    patient = str(uuid.uuid4())
    recs = _seed_patient(st, pb, ae, patient, ["dr.a", "dr.b", "dr.c"])
    assert {r.integrity for r in recs} == {_integrity(pb, "VERIFIED")}
    rep = _report(st, pb, patient)
    assert {a.integrity for a in rep.accesses} == {
        _integrity(pb, "VERIFIED")}
    assert rep.altered_accesses == 0 and not rep.missing
    plain, rehashed = recs[0].seq, recs[1].seq

    # A field changed, leaf hash left: the fields no longer give it.
    st.sql("UPDATE %s.events SET actor = 'dr.innocent' WHERE seq = %d"
           % (DB, plain))
    # A field changed and the (keyless) leaf hash recomputed to match:
    # only the MAC, made with a key the database never holds, tells.
    forged = pb.AuditRecord()
    forged.CopyFrom(recs[1])
    forged.event.actor = "dr.innocent"
    leaf = auditlog.leaf_hash(auditlog.leaf_entry(forged))
    st.sql("UPDATE %s.events SET actor = 'dr.innocent', leaf_hash = X'%s'"
           " WHERE seq = %d" % (DB, leaf.hex(), rehashed))

    got = _by_seq(_patient_records(st, pb, patient))
    altered = _integrity(pb, "ALTERED")
    assert got[plain].integrity == altered
    assert "does not match its stored leaf hash" in \
        got[plain].integrity_problem
    assert got[rehashed].integrity == altered
    assert "leaf MAC does not verify" in got[rehashed].integrity_problem
    _all_verified_but(pb, got.values(), {plain, rehashed})

    rep = _report(st, pb, patient)
    acc = _by_seq(rep.accesses)
    assert acc[plain].integrity == altered
    assert acc[rehashed].integrity == altered
    assert acc[plain].integrity_problem
    _all_verified_but(pb, rep.accesses, {plain, rehashed})
    # The summary sums up only what the service vouches for.
    assert rep.altered_accesses == 2
    actors = {s.actor: s.accesses for s in rep.accessors}
    assert "dr.innocent" not in actors and actors["dr.c"] == 1, actors

    # The FHIR export cannot flag a resource: it refuses, naming the row.
    with pytest.raises(grpc.RpcError) as e:
        st.call("audit", "ExportAuditEventsFhir",
                pb.ExportAuditEventsFhirRequest(patient_id=patient),
                role="auditor")
    assert e.value.code() == grpc.StatusCode.DATA_LOSS
    assert "seq %d" % plain in e.value.details(), e.value.details()

    assert _metric(st, "smartmed_audit_reads_flagged_total",
                   integrity="altered") >= 4
    assert _metric(st, "smartmed_audit_integrity_ok") == 0
    assert _log_has(st, "INTEGRITY", "(seq %d)" % plain)


def _insert_copy(st, rec, seq, mac):
    """rec's fields at seq with a leaf hash that matches them and the
    given MAC (None: none)."""
    moved = type(rec)()
    moved.CopyFrom(rec)
    moved.seq = seq
    moved.event.event_id = str(uuid.uuid4())
    moved.event.actor = "dr.forged"
    leaf = auditlog.leaf_hash(auditlog.leaf_entry(moved))
    st.sql("INSERT INTO %s.events (seq, event_id, stored_ms, time_ms,"
           " service, action, actor, actor_roles, patient_id, resource,"
           " outcome, request_id, detail, action_code, purpose_of_use,"
           " break_glass, details, leaf_hash, leaf_mac)"
           " SELECT %d, '%s', stored_ms, time_ms, service, action,"
           " 'dr.forged', actor_roles, patient_id, resource, outcome,"
           " request_id, detail, action_code, purpose_of_use, break_glass,"
           " details, X'%s', %s FROM %s.events WHERE seq = %d"
           % (DB, seq, moved.event.event_id, leaf.hex(),
              "NULL" if mac is None else "X'%s'" % mac.hex(), DB, rec.seq))


def test_reads_flag_an_inserted_row(st, pb, ae):
    patient = str(uuid.uuid4())
    recs = _seed_patient(st, pb, ae, patient, ["dr.a", "dr.b"])
    # Forged rows past the end of the log, where the appender would put
    # the next ones: one with a MAC that is not the key's, one without
    # a MAC at all (as if stored before leaf MACs).
    size = int(_one(st, "SELECT MAX(seq) FROM %s.events" % DB))
    _insert_copy(st, recs[0], size + 1000, os.urandom(32))
    _insert_copy(st, recs[0], size + 1001, None)

    got = _by_seq(_patient_records(st, pb, patient))
    altered = _integrity(pb, "ALTERED")
    assert got[size + 1000].integrity == altered
    assert "leaf MAC does not verify" in got[size + 1000].integrity_problem
    assert got[size + 1001].integrity == altered
    assert "no leaf MAC, though rows before it carry one" in \
        got[size + 1001].integrity_problem
    _all_verified_but(pb, got.values(), {size + 1000, size + 1001})

    rep = _report(st, pb, patient)
    acc = _by_seq(rep.accesses)
    assert acc[size + 1000].integrity == altered
    assert acc[size + 1001].integrity == altered
    assert rep.altered_accesses == 2
    assert "dr.forged" not in {s.actor for s in rep.accessors}
    assert _metric(st, "smartmed_audit_reads_flagged_total",
                   integrity="altered") >= 4


def test_newest_first_pages_keep_the_holes_in_place(st, pb, ae):
    """Query newest first (issue 50) streams a hole's marker where the rows
    were, and paging down with before_seq names each hole once."""
    patient = str(uuid.uuid4())
    recs = _seed_patient(st, pb, ae, patient,
                         ["dr.a", "dr.b", "dr.c", "dr.d", "dr.e"])
    gone = [recs[1].seq, recs[3].seq]
    for seq in gone:
        st.sql("DELETE FROM %s.events WHERE seq = %d" % (DB, seq))
    missing = _integrity(pb, "MISSING")
    # Bounds around the seeded rows keep out the audit service's own
    # events about the patient (every Query is one).
    bounds = dict(patient_id=patient, after_seq=recs[0].seq - 1,
                  before_seq=recs[-1].seq + 1)

    def shape(rs):
        return [(r.seq, r.integrity == missing) for r in rs]
    want = [(recs[4].seq, False), (gone[1], True), (recs[2].seq, False),
            (gone[0], True), (recs[0].seq, False)]
    whole = st.call("audit", "Query", pb.QueryRequest(
        newest_first=True, **bounds), role="auditor")
    assert shape(whole) == want
    oldest = st.call("audit", "Query", pb.QueryRequest(**bounds),
                     role="auditor")
    assert shape(oldest) == want[::-1]

    paged = []
    while True:
        page = st.call("audit", "Query", pb.QueryRequest(
            newest_first=True, limit=1, **bounds), role="auditor")
        paged += page
        real = [r for r in page if r.integrity != missing]
        if not real:
            break
        bounds["before_seq"] = real[-1].seq
    assert shape(paged) == want


def test_reads_report_a_deleted_row(st, pb, ae):
    patient = str(uuid.uuid4())
    recs = _seed_patient(st, pb, ae, patient, ["dr.a", "dr.b", "dr.c"])
    gone = recs[1].seq
    st.sql("DELETE FROM %s.events WHERE seq = %d" % (DB, gone))

    got = _patient_records(st, pb, patient)
    missing = _integrity(pb, "MISSING")
    marks = [r for r in got if r.integrity == missing]
    assert [(m.seq, m.missing_through) for m in marks] == [(gone, gone)]
    assert not marks[0].HasField("event")
    assert "absent from the log" in marks[0].integrity_problem
    # In log order: the marker stands where the row was.
    seqs = [r.seq for r in got]
    assert seqs == sorted(seqs) and gone in seqs
    _all_verified_but(pb, got, set())

    # The hole shows whatever the query's filter: Query by another actor.
    other = st.call("audit", "Query", pb.QueryRequest(actor="dr.c"),
                    role="auditor")
    assert [(r.seq, r.missing_through) for r in other
            if r.integrity == missing] == [(gone, gone)]

    rep = _report(st, pb, patient)
    assert [(m.first_seq, m.last_seq) for m in rep.missing] == [
        (gone, gone)]
    assert gone not in _by_seq(rep.accesses)
    # A page that ends before the hole does not name it; the next does.
    first = _report(st, pb, patient, limit=1)
    assert first.next_after_seq == recs[0].seq and not first.missing
    second = _report(st, pb, patient, limit=1,
                     after_seq=first.next_after_seq)
    assert [(m.first_seq, m.last_seq) for m in second.missing] == [
        (gone, gone)]

    with pytest.raises(grpc.RpcError) as e:
        st.call("audit", "ExportAuditEventsFhir",
                pb.ExportAuditEventsFhirRequest(patient_id=patient),
                role="auditor")
    assert e.value.code() == grpc.StatusCode.DATA_LOSS
    assert "seq %d..%d are missing" % (gone, gone) in e.value.details()
    assert _metric(st, "smartmed_audit_reads_flagged_total",
                   integrity="missing") >= 4
    assert _log_has(st, "INTEGRITY", "seq %d..%d are missing" % (gone, gone))
