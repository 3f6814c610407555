"""Every service a witness of the audit log (issue 17, "signed heads are
published to witnesses"): records keeps the latest signed head it has
checked and judges every newer one against it.  Whoever can write the
audit database can roll it back to a backup and let it grow again; the
audit service itself then signs the rolled-back log without complaint,
since every row in it is genuine.  The witness is not fooled: its gauge
smartmed_audit_witness_consistent drops to 0 and it says why."""

import uuid

import pytest

from harness import metrics, protos
from harness.checks import poll
from harness.fixtures import marked_stack

DB = "smartmed_audit"
BACKUP = "smartmed_audit_backup"


pytestmark = pytest.mark.stack(services=("audit", "records"), extra_env={
    "MED_AUDIT_STH_INTERVAL_MS": "100",
    "MED_AUDIT_WITNESS_INTERVAL_MS": "1000"})


@pytest.fixture
def st(request):
    """A fresh stack for each test: each alters the audit log or stops
    audit, which no later test may inherit."""
    with marked_stack(request) as s:
        yield s


def _write(st, n):
    rpb = protos.module("records")
    for _ in range(n):
        st.call("records", "CreateEntry", rpb.CreateEntryRequest(
            patient_id=str(uuid.uuid4()), kind=rpb.ENTRY_KIND_NOTE,
            title="Witnessed", body="an audited write"), role="clinician")


def _head_size(st):
    apb = protos.module("audit")
    return st.call("audit", "GetTreeHead", apb.GetTreeHeadRequest(),
                   role="auditor").head.tree_size


def _witness(st):
    samples, _ = metrics.scrape(st, "records")
    return (metrics.value(samples, "smartmed_audit_witness_tree_size"),
            metrics.value(samples, "smartmed_audit_witness_consistent"),
            metrics.value(samples, "smartmed_audit_witness_checks_total",
                          result="failed"))


def _witnessed_at_least(st, size):
    def caught_up():
        kept, ok, _ = _witness(st)
        return kept >= size and ok == 1
    poll(caught_up, timeout=30, what="records witnessed %d entries" % size)


def _audit_tables(st):
    out = st.sql("SELECT table_name FROM information_schema.tables "
                 "WHERE table_schema = '%s'" % DB)
    return [t for t in out.split()[1:] if t != "schema_version"]


def _copy(st, src, dst, tables):
    st.sql("".join("DELETE FROM %s.%s; INSERT INTO %s.%s SELECT * FROM "
                   "%s.%s;" % (dst, t, dst, t, src, t) for t in tables))


def test_witness_follows_a_growing_log(st):
    _write(st, 3)
    size = poll(lambda: _head_size(st) or None, timeout=30)
    _witnessed_at_least(st, size)
    _write(st, 3)
    _witnessed_at_least(st, size + 3)
    assert _witness(st)[2] == 0


def test_rolled_back_audit_database_is_caught(st):
    _write(st, 3)
    first = poll(lambda: _head_size(st) or None, timeout=30)
    _witnessed_at_least(st, first)
    tables = _audit_tables(st)
    st.sql("CREATE DATABASE %s;" % BACKUP + "".join(
        "CREATE TABLE %s.%s LIKE %s.%s;" % (BACKUP, t, DB, t)
        for t in tables))
    _copy(st, DB, BACKUP, tables)
    # The witness must hold a head beyond everything in the backup: a head
    # the backup still contains is a true prefix of the restored log, and
    # no witness could (or should) object to it.  "first" alone is no
    # bound, since the backup may hold events the head did not yet cover.
    backed_up = int(st.sql("SELECT COUNT(*) FROM %s.events" % BACKUP)
                    .split()[-1])
    assert backed_up >= first
    _write(st, 4)
    _witnessed_at_least(st, backed_up + 1)

    # The database administrator restores the backup behind the audit
    # service's back; everything in it was genuinely signed.
    st.stop_service("audit")
    _copy(st, BACKUP, DB, tables)
    # A loaded two-core CI machine once took over the default 20 s.
    st.start_service("audit", wait=False)
    st.wait_serving("audit", timeout=90)
    _write(st, 8)

    def caught():
        _, ok, failed = _witness(st)
        return ok == 0 and failed > 0
    poll(caught, timeout=30, what="the witness to catch the rollback")
    log = open(st.log_path("records")).read()
    assert "does not follow the head" in log
    assert any(v in log for v in ("shrank", "forked", "inconsistent"))
