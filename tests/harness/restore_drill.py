"""The restore drill (docs/operations.md, "Restore drill"): a backup taken
under load, restored, and what the system says about it.

The ward charts doses, each with a nursing note, while each database is
dumped in turn with mariadb-dump (dosage and records first, then audit),
and charts on after the backup; then the three databases are restored
from the dumps and the services restarted.  The drill shows what an operator sees:

1. audit's rollback detection (the metric, the log line): the restored
   log does not extend the head audit published before the restore;
2. the auditor's decision, `medctl audit start-epoch`, which continues
   from the restored log as a new epoch and names the entries lost;
3. `medctl audit loss-report`: the doses and notes charted while the
   backup ran are named by the restored audit log but absent from the
   restored dosage and records databases (dumped earlier), each by its
   administration or entry id.  Those charted after the backup are lost
   on both sides: only the epoch
   statement's "entries lost" counts them (point-in-time recovery from
   the binary logs is what keeps them: docs/operations.md, "Restore").

make restore-drill runs it on a private stack (tools/dev/restore-drill.sh);
tests/integration/test_restore_drill.py runs the same drill in the suite.
"""

import json
import os
import subprocess
import sys
import uuid

from . import metrics, paths, protos
from .checks import now_ms, poll
from .fixtures import assess_allergies

SERVICES = ("audit", "identity", "records", "dosage")
# The stack the drill needs (Stack's keyword arguments).
STACK = dict(services=SERVICES, patient_checks=True,
             extra_env={"MED_AUDIT_STH_INTERVAL_MS": "100"})
AUDIT_DB = "smartmed_audit"
DOSAGE_DB = "smartmed_dosage"
RECORDS_DB = "smartmed_records"
MEDCTL = paths.bin_path("medctl")
REASON = "restore drill: restored the nightly dumps"
HOUR = 3600 * 1000


def client(st, tool):
    """A MariaDB client tool as root over the private server's socket."""
    cnf = os.path.join(st.db_dir, "root.cnf")
    opts = (["--defaults-file=" + cnf] if os.path.exists(cnf)
            else ["--no-defaults", "-uroot"])
    return [tool] + opts + ["--socket=" + os.path.join(st.db_dir,
                                                       "mysqld.sock")]


def dump(st, db):
    """One database's consistent dump (mariadb-dump --single-transaction)."""
    return subprocess.run(client(st, "mariadb-dump") + [
        "--single-transaction", "--databases", db],
        capture_output=True, timeout=120, check=True).stdout


def restore(st, data):
    subprocess.run(client(st, "mariadb"), input=data, capture_output=True,
                   timeout=120, check=True)


def medctl(st, *args):
    """medctl as the auditor; the reply as JSON."""
    env = {k: v for k, v in os.environ.items() if k != "MED_TOKEN"}
    env.update(st.client_tls_env())
    r = subprocess.run([MEDCTL, "--addr", st.addr("audit"), "--token",
                        st.token("auditor")] + list(args),
                       env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("medctl %s: exit %d: %s" % (
            " ".join(args[:2]), r.returncode, r.stderr.strip()))
    return json.loads(r.stdout)


def loss_report(st, since_ms):
    return medctl(st, "audit", "loss-report", "--since-ms", str(since_ms),
                  "--dosage-addr", st.addr("dosage"),
                  "--records-addr", st.addr("records"))


class Ward:
    """Charts doses: one patient, order, dose and nursing note at a time
    (a ward's round, without any dose check in the way).  entries holds
    the notes' entry ids, in the order written."""

    def __init__(self, st, pb):
        self.st, self.pb = st, pb
        d = pb["dosage"]
        self.drug = "RD-PARA-" + uuid.uuid4().hex[:8].upper()
        st.call("dosage", "UpsertDrug", d.UpsertDrugRequest(drug=d.Drug(
            code=self.drug, name="Paracetamol 500 mg tablet", unit="mg",
            max_single_dose=1000.0, max_daily_dose=4000.0)),
            role="pharmacist")
        self.entries = []

    def give(self):
        """Charts one dose to a new patient; its administration id."""
        st, p, d = self.st, self.pb["identity"], self.pb["dosage"]
        pt = st.call("identity", "CreatePatient", p.CreatePatientRequest(
            mrn="RD-" + uuid.uuid4().hex[:12].upper(), family_name="Drill",
            given_name="Ward", birth_date="1950-03-04",
            sex=p.ADMINISTRATIVE_SEX_FEMALE), role="registrar")
        assess_allergies(st, pt.patient_id)
        o = st.call("dosage", "CreateOrder", d.CreateOrderRequest(
            order=d.Order(patient_id=pt.patient_id, drug_code=self.drug,
                          dose=500.0, unit="mg", route="oral",
                          frequency="q6h", start_ms=now_ms() - HOUR)),
            role="clinician")
        a = st.call("dosage", "RecordAdministration",
                    d.RecordAdministrationRequest(
                        order_id=o.id, dose=500.0, unit="mg",
                        identity_override=d.Override(
                            reason=d.OVERRIDE_REASON_EMERGENCY,
                            text="wristband scanned, two identifiers")),
                    role="nurse")
        r = self.pb["records"]
        e = st.call("records", "CreateEntry", r.CreateEntryRequest(
            patient_id=pt.patient_id, kind=r.ENTRY_KIND_NOTE,
            title="Analgesia", body="Paracetamol 500 mg given by mouth."),
            role="nurse")
        self.entries.append(e.entry_id)
        return a.id

    def round(self, n):
        return [self.give() for _ in range(n)]


def audited_ids(st, pb, since_ms):
    """The administration ids of dosage's events and the entry ids of
    records' in the audit log."""
    a = pb["audit"]
    ids = set()
    for rec in st.call("audit", "Query", a.QueryRequest(
            since_ms=since_ms, limit=10000), role="auditor", timeout=30):
        ids.update(x.value for x in rec.event.details
                   if x.key in ("administration_id", "entry_id"))
    return ids


def wait_audited(st, pb, since_ms, ids):
    """Waits until the audit log names every id (the emitters deliver
    after the call answers) and a signed head covers the whole log."""
    ids = set(ids)
    poll(lambda: ids <= audited_ids(st, pb, since_ms), timeout=60,
         what="audit events naming %d ids" % len(ids))
    a = pb["audit"]

    def settled():
        r = st.call("audit", "GetTreeHead", a.GetTreeHeadRequest(),
                    role="auditor")
        return r.current_size == r.head.tree_size
    poll(settled, timeout=60, what="a signed head over the whole log")


def published_head(st):
    """The size of the newest head audit signed (read once it stopped:
    audited calls keep adding events until then)."""
    out = st.sql("SELECT MAX(tree_size) FROM %s.tree_heads"
                 % AUDIT_DB).strip().splitlines()
    return int(out[1])


def run_drill(st, pb, say=print):
    """Runs the drill on stack st (SERVICES, STACK); returns what it saw:
    the dose ids of each phase (and the note ids charted during the
    backup), the rollback's metrics, the StartEpoch reply and the loss
    report."""
    seen = {}
    ward = Ward(st, pb)
    start = now_ms()
    seen["before"] = ward.round(3)
    wait_audited(st, pb, start, seen["before"] + ward.entries)
    say("charted 3 doses and notes; taking the backup under load")

    backup_ms = now_ms()
    dumps = [dump(st, DOSAGE_DB), dump(st, RECORDS_DB)]
    n = len(ward.entries)
    seen["during"] = ward.round(2)
    seen["during_entries"] = ward.entries[n:]
    wait_audited(st, pb, start, seen["during"] + seen["during_entries"])
    dumps.append(dump(st, AUDIT_DB))
    say("dumped %s and %s, charted %d doses and notes, dumped %s" % (
        DOSAGE_DB, RECORDS_DB, len(seen["during"]), AUDIT_DB))

    seen["after"] = ward.round(2)
    wait_audited(st, pb, start, seen["after"] + ward.entries[n + 2:])
    say("charted %d doses and notes after the backup; restoring it"
        % len(seen["after"]))

    for svc in ("dosage", "records", "audit"):
        st.stop_service(svc)
    seen["published"] = published_head(st)
    for d in dumps:
        restore(st, d)
    for svc in ("audit", "records", "dosage"):
        st.start_service(svc)

    poll(lambda: metrics.read(st, "audit",
                              "smartmed_audit_rollback_detected") == 1,
         timeout=30, what="audit's rollback detection")
    seen["rollback_log_size"] = int(metrics.read(
        st, "audit", "smartmed_audit_rollback_log_size"))
    say("audit detected the rollback: the restored log holds %d entries, "
        "the published head %d" % (seen["rollback_log_size"],
                                   seen["published"]))

    seen["epoch"] = medctl(st, "audit", "start-epoch",
                           "--published-tree-size", str(seen["published"]),
                           "--reason", REASON)
    say("the auditor started epoch %d; its statement names the entries "
        "lost, %d..%d: %s" % (
            seen["epoch"]["epoch"], seen["rollback_log_size"] + 1,
            seen["published"], json.dumps(seen["epoch"], sort_keys=True)))

    seen["report"] = loss_report(st, backup_ms)
    say("loss report since the backup began: %s"
        % json.dumps(seen["report"], indent=1, sort_keys=True))
    return seen


def main():
    """make restore-drill: the drill on a private stack of its own."""
    from .stack import Stack
    pb = {n: protos.module(n) for n in SERVICES}
    with Stack(**STACK) as st:
        seen = run_drill(st, pb)
    for what in ("administrations", "entries"):
        lost = seen["report"][what]
        print("restore drill done: %s %s named by the audit log are "
              "absent; %s have no audit event" % (
                  lost.get("absent_count", 0), what,
                  lost.get("unaudited_count", 0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
