"""After a restore, the services report what they can know was lost
(issue 74, item 1): the restore drill (tests/harness/restore_drill.py,
make restore-drill) replayed in the suite, and the reverse order of dumps.

Each database dumped in turn while the ward charts doses, then restored:
audit detects that its log was rolled back behind the head it published,
the auditor starts a new epoch with medctl, and `medctl audit
loss-report` names, by administration id, the doses the restored audit
log holds and the restored dosage database lost (dosage was dumped
first), or the doses dosage holds whose events the restored log lost
(audit dumped first).  Before this change no command could say either:
the lost doses were silent.

Real services (audit, identity, records, dosage), real MariaDB, mariadb-dump
and the medctl binary."""

import os
import subprocess

import grpc
import pytest

from harness import metrics, restore_drill as drill
from harness.checks import expect_status, now_ms, poll

pytestmark = pytest.mark.stack(**drill.STACK)

PROTOS = drill.SERVICES


def test_the_restore_drill_shows_detection_decision_and_loss(st, pb):
    seen = drill.run_drill(st, pb, say=lambda *_: None)

    # Detection: the restored log is behind the published head.
    assert seen["rollback_log_size"] < seen["published"], seen
    # The decision names the entries lost.
    ep = seen["epoch"]
    assert ep["epoch"] == 2, ep
    assert int(ep["restored_size"]) == seen["rollback_log_size"], ep

    # The report: the doses charted while the backup ran are audited but
    # absent from dosage; none is unaudited.  The doses charted before
    # are on both sides; those after the backup on neither.
    r = seen["report"]
    adm = r["administrations"]
    assert int(adm["absent_count"]) == 2, r
    assert sorted(adm["absent_ids"]) == sorted(seen["during"]), r
    assert int(adm.get("unaudited_count", 0)) == 0, r
    assert not set(seen["after"]) & set(adm["absent_ids"]), r
    assert int(r["audit_records_not_verified"]) == 0, r

    # The report is itself audited: dosage's event carries its counts.
    def reported():
        for rec in st.call("audit", "Query", pb["audit"].QueryRequest(
                limit=50, newest_first=True), role="auditor"):
            ev = rec.event
            if ev.action.endswith("/ReconcileAudit"):
                return {d.key: d.value for d in ev.details}
        return None
    d = poll(reported, timeout=30, what="the report's audit event")
    assert d["absent_rows"] == "2" and d["unaudited_rows"] == "0", d


def test_doses_whose_events_the_restore_lost_are_listed(st, pb):
    """The other order: audit dumped before dosage.  The doses charted
    between the dumps are in dosage's restored database, and no event of
    the restored log names them."""
    ward = drill.Ward(st, pb)
    start = now_ms()
    drill.wait_audited(st, pb, start, ward.round(1))
    audit_dump = drill.dump(st, drill.AUDIT_DB)
    between = ward.round(2)
    drill.wait_audited(st, pb, start, between)
    dosage_dump = drill.dump(st, drill.DOSAGE_DB)
    for n in ("dosage", "audit"):
        st.stop_service(n)
    published = drill.published_head(st)
    drill.restore(st, audit_dump)
    drill.restore(st, dosage_dump)
    for n in ("audit", "dosage"):
        st.start_service(n)
    poll(lambda: metrics.read(st, "audit",
                              "smartmed_audit_rollback_detected") == 1,
         timeout=30, what="audit's rollback detection")
    drill.medctl(st, "audit", "start-epoch", "--published-tree-size",
                 str(published), "--reason", drill.REASON)

    adm = drill.loss_report(st, start)["administrations"]
    assert int(adm["unaudited_count"]) == 2, adm
    assert sorted(adm["unaudited_ids"]) == sorted(between), adm
    assert int(adm.get("absent_count", 0)) == 0, adm


def test_the_report_refuses_bad_input_and_other_roles(st, pb):
    d = pb["dosage"]
    req = d.ReconcileAuditRequest(since_ms=1, until_ms=now_ms(),
                                  audited_ids=["not-a-uuid"])
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "dosage",
                  "ReconcileAudit", req, role="auditor",
                  details_prefix="audited_ids")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "dosage",
                  "ReconcileAudit", d.ReconcileAuditRequest(
                      since_ms=5, until_ms=5), role="auditor",
                  details_prefix="until_ms")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, st.call, "dosage",
                  "ReconcileAudit", d.ReconcileAuditRequest(
                      since_ms=1, until_ms=now_ms()), role="nurse")
    env = dict(os.environ, **st.client_tls_env())
    r = subprocess.run([drill.MEDCTL, "--addr", st.addr("audit"), "--token",
                        st.token("auditor"), "audit", "loss-report"],
                       env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 64 and "--since-ms is required" in r.stderr, r
