"""After a restore, the services report what they can know was lost
(issue 74, item 1): the restore drill (tests/harness/restore_drill.py,
make restore-drill) replayed in the suite, and the reverse order of dumps.

Each database dumped in turn while the ward charts doses, then restored:
audit detects that its log was rolled back behind the head it published,
the auditor starts a new epoch with medctl, and `medctl audit
loss-report` names, by administration and entry id, the doses and notes
the restored audit log holds and the restored dosage and records
databases lost (they were dumped first), or those the databases hold
whose events the restored log lost (audit dumped first).  Before this change no command could say either:
the lost doses were silent.

Real services (audit, identity, records, dosage), real MariaDB, mariadb-dump
and the medctl binary."""

import os
import subprocess
import uuid

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

    # The report: the doses and notes charted while the backup ran are
    # audited but absent from dosage and records; none is unaudited.
    # Those charted before are on both sides; those after on neither.
    r = seen["report"]
    adm, ent = r["administrations"], r["entries"]
    assert int(adm["absent_count"]) == 2, r
    assert sorted(adm["absent_ids"]) == sorted(seen["during"]), r
    assert int(adm.get("unaudited_count", 0)) == 0, r
    assert not set(seen["after"]) & set(adm["absent_ids"]), r
    assert int(ent["absent_count"]) == 2, r
    assert sorted(ent["absent_ids"]) == sorted(seen["during_entries"]), r
    assert int(ent.get("unaudited_count", 0)) == 0, r
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
    assert "since_ms" in d and "rows_in_window" in d, d


def test_doses_whose_events_the_restore_lost_are_listed(st, pb):
    """The other order: audit dumped before dosage and records.  The doses
    and notes charted between the dumps are in the restored dosage and
    records databases, and no event of the restored log names them."""
    ward = drill.Ward(st, pb)
    start = now_ms()
    drill.wait_audited(st, pb, start, ward.round(1) + ward.entries)
    dumps = [drill.dump(st, drill.AUDIT_DB)]
    between = ward.round(2)
    notes = ward.entries[1:]
    drill.wait_audited(st, pb, start, between + notes)
    dumps += [drill.dump(st, drill.DOSAGE_DB), drill.dump(st, drill.RECORDS_DB)]
    for n in ("dosage", "records", "audit"):
        st.stop_service(n)
    published = drill.published_head(st)
    for d in dumps:
        drill.restore(st, d)
    for n in ("audit", "records", "dosage"):
        st.start_service(n)
    poll(lambda: metrics.read(st, "audit",
                              "smartmed_audit_rollback_detected") == 1,
         timeout=30, what="audit's rollback detection")
    drill.medctl(st, "audit", "start-epoch", "--published-tree-size",
                 str(published), "--reason", drill.REASON)

    r = drill.loss_report(st, start)
    adm, ent = r["administrations"], r["entries"]
    assert int(adm["unaudited_count"]) == 2, adm
    assert sorted(adm["unaudited_ids"]) == sorted(between), adm
    assert int(adm.get("absent_count", 0)) == 0, adm
    assert int(ent["unaudited_count"]) == 2, ent
    assert sorted(ent["unaudited_ids"]) == sorted(notes), ent
    assert int(ent.get("absent_count", 0)) == 0, ent


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
    r = pb["records"]
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "records",
                  "ReconcileAudit", r.ReconcileAuditRequest(
                      since_ms=-1, until_ms=now_ms()), role="auditor",
                  details_prefix="since_ms")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, st.call, "records",
                  "ReconcileAudit", r.ReconcileAuditRequest(
                      since_ms=1, until_ms=now_ms()), role="clinician")
    env = dict(os.environ, **st.client_tls_env())
    r = subprocess.run([drill.MEDCTL, "--addr", st.addr("audit"), "--token",
                        st.token("auditor"), "audit", "loss-report"],
                       env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 64 and "--since-ms is required" in r.stderr, r


def test_every_entry_a_ward_writes_is_named_by_its_event(st, pb):
    """A note and the allergy entry its confirmed suggestion writes are
    each named by their event (entry_id), so the report finds every
    entry of the window audited when nothing was restored."""
    p, r = pb["identity"], pb["records"]
    start = now_ms()
    pt = st.call("identity", "CreatePatient", p.CreatePatientRequest(
        mrn="RD-" + uuid.uuid4().hex[:12].upper(), family_name="Drill",
        given_name="Note", birth_date="1962-07-08",
        sex=p.ADMINISTRATIVE_SEX_MALE), role="registrar")
    note = st.call("records", "CreateEntry", r.CreateEntryRequest(
        patient_id=pt.patient_id, kind=r.ENTRY_KIND_NOTE,
        title="Admission note",
        body="Allergic to penicillin \u2014 rash as a child."),
        role="clinician")
    (s,) = st.call("records", "ListSuggestions", r.ListSuggestionsRequest(
        patient_id=pt.patient_id), role="pharmacist").suggestions
    done = st.call("records", "ConfirmSuggestion",
                   r.ConfirmSuggestionRequest(
                       suggestion_id=s.suggestion_id,
                       reason="confirmed with the patient"),
                   role="clinician")
    assert done.allergy_entry_id
    drill.wait_audited(st, pb, start, [note.entry_id, done.allergy_entry_id])
    ent = drill.loss_report(st, start)["entries"]
    assert int(ent["rows_in_window"]) >= 2, ent
    assert int(ent.get("unaudited_count", 0)) == 0, ent
    assert int(ent.get("absent_count", 0)) == 0, ent
