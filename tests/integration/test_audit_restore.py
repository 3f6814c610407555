"""A restore is an event, never a silent rewind (issue 74, item 1).

The audit database is dumped with mariadb-dump while the log grows, the
log grows on and a head over the larger size is published, then the dump
is restored the way docs/operations.md says and audit restarted.  The
service finds that the log does not extend the head it published (kept in
its head file, where the restore does not reach): an error line, the
rollback metrics, no new head signed, no event stored.  auditverify given
the published head fails.  An auditor's StartEpoch then continues from the
restored log: a statement entry names the abandoned head and the entries
lost, a head over it starts epoch 2, events flow again, a restart stays in
epoch 2, and auditverify follows the break by the statement (exit 4).
A damaged head file stops the start; a restored log that grew past the
published size (another history under the same key) is caught by its
root."""

import json
import os
import subprocess
import time

import grpc
import pytest

from harness import audit_log, metrics, paths
from harness.checks import poll

pytestmark = pytest.mark.stack(services=("audit",),
                               extra_env={"MED_AUDIT_STH_INTERVAL_MS": "100"})

# The service of the pb fixture (tests/conftest.py).
PROTOS = "audit"
DB = "smartmed_audit"
MEDCTL = paths.bin_path("medctl")
REASON = "restored the 02:00 backup after the disk failure"


def _traffic(st, pb, n):
    """n audited calls (the audit service audits its own RPCs)."""
    for _ in range(n):
        st.call("audit", "Query", pb.QueryRequest(limit=1), role="auditor")


def _head(st, pb):
    return st.call("audit", "GetTreeHead", pb.GetTreeHeadRequest(),
                   role="auditor")


def _settled(st, pb, entries):
    """The head, once one covers the whole log of at least entries."""
    def got():
        r = _head(st, pb)
        return r if entries <= r.current_size == r.head.tree_size else None
    return poll(got, timeout=30, what="a head covering %d entries" % entries)


def _one(st, query):
    out = st.sql(query).strip().splitlines()
    return out[1].split("\t")[0] if len(out) > 1 else None


def _client(st, tool):
    """A MariaDB client tool as root over the private server's socket."""
    cnf = os.path.join(st.db_dir, "root.cnf")
    opts = (["--defaults-file=" + cnf] if os.path.exists(cnf)
            else ["--no-defaults", "-uroot"])
    return [tool] + opts + ["--socket=" + os.path.join(st.db_dir,
                                                       "mysqld.sock")]


def _dump(st):
    p = subprocess.run(_client(st, "mariadb-dump") + [
        "--single-transaction", "--databases", DB],
        capture_output=True, timeout=120, check=True)
    return p.stdout


def _restore(st, dump):
    subprocess.run(_client(st, "mariadb"), input=dump, capture_output=True,
                   timeout=120, check=True)


def _metric(st, name):
    return metrics.read(st, "audit", name)


def _verify(st, pk, *extra):
    return audit_log.verify_log(
        st, "--pubkey", pk.hex(), "--leaf-key-file",
        os.path.join(st.spool_dir("audit"), "audit-leaf.key"), *extra)


def _start_epoch(st, pb, size, role="auditor"):
    return st.call("audit", "StartEpoch", pb.StartEpochRequest(
        published_tree_size=size, reason=REASON), role=role)


def _medctl_start_epoch(st, size):
    """The operator's command (docs/operations.md, "Restore"); the reply
    as JSON."""
    env = {k: v for k, v in os.environ.items() if k != "MED_TOKEN"}
    env.update(st.client_tls_env())
    r = subprocess.run([MEDCTL, "--addr", st.addr("audit"), "--token",
                        st.token("auditor"), "audit", "start-epoch",
                        "--published-tree-size", str(size),
                        "--reason", REASON],
                       env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout)


def _rolled_back(st, pb):
    """The stack after a restore behind a published head: (restored size,
    published head, public key)."""
    _traffic(st, pb, 20)
    _settled(st, pb, 20)
    dump = _dump(st)
    _traffic(st, pb, 30)
    published = _settled(st, pb, 50)
    st.stop_service("audit")
    size, root = _last_published(st)
    _restore(st, dump)
    restored = int(_one(st, "SELECT size FROM %s.tree_state" % DB))
    st.start_service("audit")
    return restored, size, root, published.public_key


def _last_published(st):
    """(size, root in hex) of the newest head audit signed, read once it
    is stopped.  Every audited call (GetTreeHead too) is an event that
    reaches the log through the emitter's spool: on a busy machine one
    lands after the head a test read, and audit signs a later head
    before it stops."""
    out = st.sql("SELECT tree_size, LOWER(HEX(root_hash)) FROM "
                 "%s.tree_heads ORDER BY tree_size DESC LIMIT 1"
                 % DB).strip().splitlines()
    size, root = out[1].split("\t")[:2]
    return int(size), root



def _audit_log_with(st, text, timeout=30):
    """audit's log once it holds text.  The rollback's gauges are read
    from the service's state, which is set before its log line is
    written: on a busy machine a scrape can see the one before the
    other."""
    def read():
        with open(st.log_path("audit")) as f:
            log = f.read()
        return log if text in log else None
    return poll(read, timeout=timeout, what="audit's log line %r" % text)


def test_a_restore_is_detected_and_an_auditor_starts_a_new_epoch(st, pb):
    restored, size, root, pk = _rolled_back(st, pb)
    assert restored < size

    # Detected at the start: metrics, the log line, nothing signed or
    # stored on top of the restored log (audited calls keep coming).
    poll(lambda: _metric(st, "smartmed_audit_rollback_detected") == 1,
         timeout=30, what="the rollback metric")
    assert _metric(st, "smartmed_audit_published_tree_size") == size
    assert _metric(st, "smartmed_audit_rollback_log_size") == restored
    assert _metric(st, "smartmed_audit_epoch") == 1
    log = _audit_log_with(st, "not extend the head of %d entries" % size)
    assert "ROLLBACK" in log, log[-3000:]
    heads_before = _one(st, "SELECT COUNT(*) FROM %s.tree_heads" % DB)
    _traffic(st, pb, 10)
    time.sleep(1.5)
    assert _one(st, "SELECT COUNT(*) FROM %s.tree_heads" % DB) == heads_before
    assert int(_one(st, "SELECT size FROM %s.tree_state" % DB)) == restored
    assert _head(st, pb).head.tree_size < size

    # The auditor's own earlier head does not check against this log.
    rc, out = _verify(st, pk, "--since-size", str(size), "--since-root", root)
    assert rc == 1 and "the log holds fewer entries" in out, out

    # The decision: only an auditor's, naming the published head.
    with pytest.raises(grpc.RpcError) as e:
        _start_epoch(st, pb, size, role="admin")
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as e:
        _start_epoch(st, pb, size + 1)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "published_tree_size" in e.value.details()
    assert ("has %d entries" % size) in e.value.details()
    r = _medctl_start_epoch(st, size)
    assert r["epoch"] == 2 and int(r["restored_size"]) == restored, r
    assert int(r["statement_leaf_index"]) == restored, r
    assert int(r["head"]["tree_size"]) == restored + 1, r
    row = _one(st, "SELECT CONCAT(service, '|', action, '|', actor) FROM "
               "%s.events WHERE seq = %d" % (DB, restored + 1))
    assert row == "audit|audit-log-epoch|auditor.test", row
    assert _metric(st, "smartmed_audit_rollback_detected") == 0
    assert _metric(st, "smartmed_audit_epoch") == 2

    # A second decision has nothing to decide on.
    with pytest.raises(grpc.RpcError) as e:
        _start_epoch(st, pb, size)
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    # Events flow again (the spooled ones too); heads follow them.
    _traffic(st, pb, 5)
    later = _settled(st, pb, restored + 1 + 15)

    # auditverify follows the break by the statement.
    rc, out = _verify(st, pk, "--since-size", str(size), "--since-root", root)
    assert rc == 4, out
    assert ("EPOCH 2 begins at leaf %d: auditor.test decided" % restored
            ) in out, out
    assert ("abandoning the published head of %d entries (root %s); "
            "entries lost: %d..%d" % (size, root, restored + 1, size)
            ) in out, out
    assert "EPOCH BREAK" in out and "\nOK: " in out, out
    rc, out = _verify(st, pk)
    assert rc == 0 and "EPOCH 2 begins at leaf %d" % restored in out, out

    # The head file holds the new epoch: a restart finds no rollback.
    st.stop_service("audit")
    st.start_service("audit")
    _traffic(st, pb, 3)
    _settled(st, pb, later.head.tree_size + 3)
    assert _metric(st, "smartmed_audit_rollback_detected") == 0
    assert _metric(st, "smartmed_audit_epoch") == 2


def test_a_damaged_head_file_stops_the_start(st, pb):
    """The head file is what a restore is checked against: one that does
    not parse, or whose head another key signed, is never replaced
    silently (a missing one is a first start)."""
    path = os.path.join(st.spool_dir("audit"), "audit-head")
    with open(path) as f:
        good = f.read()
    assert good.startswith("smartmed-audit-head v1\nepoch ")
    sig = good.split("\nsignature ")[1][:128]
    forged = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    for bad in (good.replace("tree_size", "size"),
                good.replace(sig, forged)):
        st.stop_service("audit")
        with open(path, "w") as f:
            f.write(bad)
        st.start_service("audit", wait=False)
        rc = st.proc("audit").wait(timeout=60)
        assert rc != 0, rc
        with open(st.log_path("audit")) as f:
            log = f.read()
        assert ("MED_AUDIT_HEAD_FILE %s: not a head this service wrote"
                % path) in log, log[-2000:]
    with open(path, "w") as f:
        f.write(good)
    st.start_service("audit")
    _traffic(st, pb, 2)
    assert _metric(st, "smartmed_audit_rollback_detected") == 0


def test_a_restored_log_grown_past_the_published_head_is_caught(st, pb):
    """The state issue 74 found: the restored log grew past the published
    size under the same key.  Re-created here by hiding the head file
    while it grows (as the service without one behaved); with the file
    back, the longer log's first entries do not give the published root:
    another history, caught before any head is signed over it."""
    path = os.path.join(st.spool_dir("audit"), "audit-head")
    start = _settled(st, pb, 1).head.tree_size
    dump = _dump(st)
    _traffic(st, pb, 10)
    published = _settled(st, pb, start + 10)
    epoch = int(_metric(st, "smartmed_audit_epoch"))
    st.stop_service("audit")
    size, root = _last_published(st)
    with open(path) as f:
        kept = f.read()
    _restore(st, dump)
    os.unlink(path)
    st.start_service("audit")
    _traffic(st, pb, 30)
    _settled(st, pb, size + 5)
    st.stop_service("audit")
    grown = int(_one(st, "SELECT size FROM %s.tree_state" % DB))
    assert grown > size
    with open(path, "w") as f:
        f.write(kept)
    st.start_service("audit")
    poll(lambda: _metric(st, "smartmed_audit_rollback_detected") == 1,
         timeout=30, what="the rollback metric")
    assert _metric(st, "smartmed_audit_rollback_log_size") == grown
    log = _audit_log_with(st, "its first %d entries have root" % size)
    assert "another history" in log, log[-3000:]
    heads = _one(st, "SELECT COUNT(*) FROM %s.tree_heads" % DB)
    _traffic(st, pb, 5)
    time.sleep(1.5)
    assert _one(st, "SELECT COUNT(*) FROM %s.tree_heads" % DB) == heads

    r = _medctl_start_epoch(st, size)
    assert r["epoch"] == epoch + 1 and int(r["restored_size"]) == grown, r
    assert int(r["statement_leaf_index"]) == grown, r
    _settled(st, pb, grown + 6)
    rc, out = _verify(st, published.public_key, "--since-size", str(size),
                      "--since-root", root)
    assert rc == 4, out
    assert ("EPOCH %d begins at leaf %d" % (epoch + 1, grown)) in out, out
    assert ("abandoning the published head of %d entries (root %s); "
            "entries lost: unknown" % (size, root)) in out, out
