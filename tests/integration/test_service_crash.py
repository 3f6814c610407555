"""Records, dosage, diagnosis and the HL7 interface survive SIGKILL (issue
49, item 11; audit and identity: test_audit_crash.py), beside a CPU hog:

- first start: each service's database is dropped and the service started
  afresh, then killed after one of its "applied migration N" log lines
  plus a random delay (inside the next migration, with the migration lock
  held) or at a random time.  The next start must take the lock over,
  finish the migrations, answer SERVING and take a write, and its schema
  (columns and indexes) must be the one an uninterrupted start makes: a
  migration cut short and run again whole, with its statements idempotent.
- burst (records' CreateEntry, dosage's RecordAdministration, diagnosis's
  AddCondition, each with its own x-request-id; ADT^A28 over MLLP to the
  HL7 interface, each with its own MSH-10): threads write and the service
  is killed after a random number of answers.  Each client sends a write
  whose answer it did not get again, unchanged, until it gets one; then
  every write is stored exactly once: none acknowledged and lost, none
  doubled.
- every migration run again on a database with rows (schema_version
  emptied) changes neither the schema nor any table's row count.

Rounds per service stop after a time budget.  The kill points come from a
seeded generator: the seed is printed and is in every failure message;
SMARTMED_KILL_SEED=<seed> replays a run."""

import hashlib
import os
import random
import signal
import threading
import time
import uuid

import grpc
import pytest

from harness import hl7, protos
from harness.checks import poll
from harness.kill import hog, kill_seed  # noqa: F401 (hog is a fixture)

pytestmark = pytest.mark.stack(
    services=("audit", "identity", "records", "dosage", "diagnosis"),
    hl7=True)

BUDGET_S = 60
ROUNDS = 8
BURST_THREADS = 3
BURST_PER_THREAD = 25
HOUR = 3600 * 1000

# Migration versions, for the kill points (an "applied migration N" line).
VERSIONS = {
    "records": (1, 2, 3, 4, 6),
    "dosage": (1, 2, 3, 4, 5, 8, 11, 12, 17, 21, 22),
    "diagnosis": (1, 2, 3, 28, 30, 31),
    "hl7": (),
}
# A call whose answer was lost is sent again with its id while these come.
RETRY = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
         grpc.StatusCode.CANCELLED, grpc.StatusCode.ABORTED,
         grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL)


def _schema(st, db):
    """The columns and indexes of db, as text to compare."""
    return st.sql(
        "SELECT table_name, column_name, column_type, is_nullable,"
        " column_default FROM information_schema.columns"
        " WHERE table_schema = '%s' ORDER BY 1, 2;"
        "SELECT table_name, index_name, non_unique, seq_in_index,"
        " column_name FROM information_schema.statistics"
        " WHERE table_schema = '%s' ORDER BY 1, 2, 4;" % (db, db))


def _wait_log_line(st, svc, offset, needle, timeout=60):
    def seen():
        with open(st.log_path(svc), "rb") as f:
            f.seek(offset)
            return needle.encode() in f.read()
    poll(seen, timeout=timeout, interval=0.02, what=needle)


def _kill_and_restart(st, svc, rng, what):
    """SIGKILL svc, start it again after a random pause, wait SERVING."""
    st.stop_service(svc, sig=signal.SIGKILL)
    time.sleep(rng.uniform(0.0, 0.5))
    st.start_service(svc, wait=False)
    try:
        st.wait_serving(svc, timeout=90)
    except Exception as e:  # noqa: BLE001 - reported with the seed
        pytest.fail("%s: %s did not serve again: %s" % (what, svc, e))


# --- one acknowledged write per service, and where it is stored ----------

def _records_write(st, ctx, rid):
    pb = protos.module("records")
    return st.call("records", "CreateEntry", pb.CreateEntryRequest(
        patient_id=ctx["pid"], kind=pb.ENTRY_KIND_NOTE, title="Crash " + rid,
        body="written once"), role="clinician", request_id=rid,
        timeout=10).entry_id


def _records_rows(st, ctx):
    return st.sql("SELECT entry_id FROM smartmed_records.entries"
                  " WHERE patient_id = '%s' AND version = 1" % ctx["pid"])


def _diagnosis_write(st, ctx, rid):
    pb = protos.module("diagnosis")
    return st.call("diagnosis", "AddCondition", pb.AddConditionRequest(
        patient_id=ctx["pid"], code_system="ICD-10", code="J18.9",
        display="Pneumonia " + rid,
        clinical_status=pb.CLINICAL_STATUS_ACTIVE,
        verification_status=pb.VERIFICATION_STATUS_PROVISIONAL),
        role="clinician", request_id=rid, timeout=10).condition_id


def _diagnosis_rows(st, ctx):
    return st.sql("SELECT condition_id FROM smartmed_diagnosis.conditions"
                  " WHERE patient_id = '%s'" % ctx["pid"])


def _dosage_setup(st, ctx):
    """A drug without a practical daily limit, a patient's context and an
    order: every dose of the burst is one the checks accept."""
    pb = protos.module("dosage")
    code = "CRASH-" + uuid.uuid4().hex[:8].upper()
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code=code, name="Crash test drug 1 mg tablet", unit="mg",
        max_single_dose=1000.0, max_daily_dose=1000000.0)),
        role="pharmacist", timeout=10)
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=ctx["pid"], weight_kg=70,
                                  height_cm=170, crcl_ml_min=90,
                                  allergies_known=True)), role="nurse",
            timeout=10)
    now = int(time.time() * 1000)
    ctx["order"] = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=ctx["pid"], drug_code=code, dose=1,
                       unit="mg", route="oral", frequency="prn",
                       start_ms=now - 24 * HOUR)), role="clinician",
        timeout=10).id


def _dosage_write(st, ctx, rid):
    pb = protos.module("dosage")
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=ctx["order"], dose=1, unit="mg",
                       identity_override=pb.Override(
                           reason=pb.OVERRIDE_REASON_EMERGENCY,
                           text="wristband scanned, two identifiers")),
                   role="nurse", request_id=rid, timeout=10).id


def _dosage_rows(st, ctx):
    return st.sql("SELECT id FROM smartmed_dosage.administrations"
                  " WHERE order_id = '%s'" % ctx["order"])


def _hl7_message(mrn, control):
    """An ADT^A28 (add person) of a new patient, MSH-10 control."""
    now = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    return "\r".join((
        "MSH|^~\\&|PAS|HOSP|SMARTMED|HOSP|%s||ADT^A28|%s|P|2.5.1" % (
            now, control),
        "EVN|A28|%s" % now,
        "PID|1||%s^^^HOSP^MR||Crash^Case||19700506|F" % mrn)) + "\r"


def _hl7_send_until_acked(st, msg, deadline, ctx):
    """Send msg over a new MLLP connection until it is answered AA; a
    connection that fails or closes (the interface killed) is opened
    again and the same message sent again."""
    while True:
        try:
            with hl7.Mllp(st, timeout=10) as conn:
                ack = hl7.ack_fields(conn.send(msg))
            if ack["MSA"][1] == "AA":
                return
            err = "ACK %s" % ack["MSA"]
        except OSError as e:
            err = repr(e)
        if time.monotonic() > deadline:
            raise AssertionError("not acknowledged: " + err)
        ctx["resent"] = ctx.get("resent", 0) + 1
        time.sleep(0.05)


def _hl7_write(st, ctx, rid):
    """The message of rid (its MRN and MSH-10 follow from it), sent until
    acknowledged; the interface's gRPC answers nothing to the write."""
    key = hashlib.sha256(rid.encode()).hexdigest()
    _hl7_send_until_acked(st, _hl7_message(
        "HC-%s-%s" % (ctx["pid"][:8], key[:12]), key[:20]),
        time.monotonic() + 120, ctx)
    return None


def _hl7_rows(st, ctx):
    """The patients the round's messages made, through identity."""
    return st.sql("SELECT patient_id FROM smartmed_identity.patients"
                  " WHERE mrn LIKE 'HC-%s%%'" % ctx["pid"][:8])


WRITES = {
    "records": (None, _records_write, _records_rows),
    "dosage": (_dosage_setup, _dosage_write, _dosage_rows),
    "diagnosis": (None, _diagnosis_write, _diagnosis_rows),
    "hl7": (None, _hl7_write, _hl7_rows),
}


def _new_ctx(st, svc):
    ctx = {"pid": str(uuid.uuid4())}
    setup = WRITES[svc][0]
    if setup:
        setup(st, ctx)
    return ctx


def _rows(st, svc, ctx):
    return [line.strip() for line in WRITES[svc][2](st, ctx).splitlines()
            if line.strip() and "_id" not in line and line.strip() != "id"]


def _write_until_answered(st, svc, ctx, rid, deadline):
    """The write, sent again with its id until it is answered; the stored
    row's id, or None when the answer was that it already committed."""
    while True:
        try:
            return WRITES[svc][1](st, ctx, rid)
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.ALREADY_EXISTS and \
                    "already carried out" in (e.details() or ""):
                return None
            if e.code() not in RETRY or time.monotonic() > deadline:
                raise
        except ValueError:
            # The harness closed the channel to restart the service.
            if time.monotonic() > deadline:
                raise
        ctx["resent"] = ctx.get("resent", 0) + 1
        time.sleep(0.05)


# --- the rounds -----------------------------------------------------------

def _first_start_round(st, svc, rng, where, reference):
    db = "smartmed_" + svc
    st.stop_service(svc)
    st.sql("DROP DATABASE %s; CREATE DATABASE %s;" % (db, db))
    points = ["applied migration %d " % v for v in VERSIONS[svc]] + [None]
    point = rng.choice(points)
    delay = rng.uniform(0.0, 0.05 if point else 1.0)
    where += "first start: killed after %r + %.3f s" % (point, delay)
    offset = os.path.getsize(st.log_path(svc))
    st.start_service(svc, wait=False)
    if point is not None:
        _wait_log_line(st, svc, offset, point)
    time.sleep(delay)
    _kill_and_restart(st, svc, rng, where)
    assert _schema(st, db) == reference, \
        "%s: the schema differs from an uninterrupted start's" % where
    if svc in WRITES:
        ctx = _new_ctx(st, svc)
        _write_until_answered(st, svc, ctx, "first-" + uuid.uuid4().hex,
                              time.monotonic() + 60)
        assert len(_rows(st, svc, ctx)) == 1, where
    return where


def _burst_round(st, svc, rng, where):
    ctx = _new_ctx(st, svc)
    tag = uuid.uuid4().hex[:8]
    answers, errors = {}, []
    deadline = time.monotonic() + 150

    def worker(t):
        try:
            for i in range(BURST_PER_THREAD):
                rid = "crash-%s-%d-%d" % (tag, t, i)
                answers[rid] = _write_until_answered(st, svc, ctx, rid,
                                                     deadline)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))
    threads = [threading.Thread(target=worker, args=(t,))
               for t in range(BURST_THREADS)]
    for th in threads:
        th.start()
    # Killed after a random number of answers plus a random delay, so
    # that the kill lands inside the burst however fast the machine is.
    after = rng.randint(1, BURST_THREADS * BURST_PER_THREAD // 2)
    delay = rng.uniform(0.0, 0.1)
    poll(lambda: len(answers) >= after or errors, timeout=60,
         interval=0.005, what="%d answers" % after)
    time.sleep(delay)
    where += "burst: killed after %d answers + %.3f s" % (after, delay)
    before = len(answers)
    _kill_and_restart(st, svc, rng, where)
    for th in threads:
        th.join(timeout=200)
    where += " (%d answered before, %d calls sent again)" % (
        before, ctx.get("resent", 0))
    assert not errors, "%s: %s" % (where, errors[:3])
    want = BURST_THREADS * BURST_PER_THREAD
    assert len(answers) == want, where
    rows = _rows(st, svc, ctx)
    assert len(rows) == want, "%s: %d writes answered, %d stored" % (
        where, want, len(rows))
    acked = [a for a in answers.values() if a]
    assert set(acked) <= set(rows), "%s: an acknowledged write is lost" % (
        where)
    return where


@pytest.mark.parametrize("svc", ("records", "dosage", "diagnosis", "hl7"))
def test_killed_at_random_points(st, svc, hog):
    seed = kill_seed()
    print("SMARTMED_KILL_SEED=%d" % seed)
    rng = random.Random(seed)
    reference = _schema(st, "smartmed_" + svc)
    assert "schema_version" in reference
    t0 = time.monotonic()
    for rnd in range(ROUNDS):
        if rnd > 0 and time.monotonic() - t0 > BUDGET_S:
            break
        where = "%s seed %d round %d: " % (svc, seed, rnd)
        if rnd % 2 == 0 or svc not in WRITES:
            where = _first_start_round(st, svc, rng, where, reference)
        else:
            where = _burst_round(st, svc, rng, where)
        print("round ok: " + where)


def _counts(st, db):
    """{table: rows} of the tables of db's migrations: not the
    bookkeeping, nor the common med_* tables that a running service
    writes on its own (the audit outbox drains, the witness refreshes)."""
    names = [t for t in st.sql(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = '%s' AND table_type = 'BASE TABLE'"
        " ORDER BY 1" % db).split()[1:]
        if t not in ("schema_version", "schema_lock")
        and not t.startswith("med_")]
    out = st.sql(" UNION ALL ".join(
        "SELECT '%s', COUNT(*) FROM %s.%s" % (t, db, t) for t in names))
    return dict(line.split("\t") for line in out.splitlines()[1:])


# Audit is left out: its tables grow on their own (a head signed every
# interval, events from every emitter's spool); test_audit_crash covers it.
@pytest.mark.parametrize("svc", ("records", "dosage", "diagnosis", "hl7",
                                 "identity"))
def test_every_migration_runs_again_on_rows(st, svc):
    """A version cut short is run again whole, on a database that has rows
    by then (a kill during an upgrade): with schema_version emptied, every
    migration runs again and changes neither the schema nor the number of
    rows of any table.  Before, dosage's migration 4 copied every order's
    history into order_events again."""
    db = "smartmed_" + svc
    if svc in WRITES:
        ctx = _new_ctx(st, svc)
        for i in range(3):
            _write_until_answered(st, svc, ctx, "rerun-" + uuid.uuid4().hex,
                                  time.monotonic() + 30)
    schema, counts = _schema(st, db), _counts(st, db)
    assert sum(int(n) for n in counts.values()) > 0 or svc not in WRITES
    st.stop_service(svc)
    st.sql("DELETE FROM %s.schema_version" % db)
    offset = os.path.getsize(st.log_path(svc))
    st.start_service(svc)
    _wait_log_line(st, svc, offset, "applied migration 1 ")
    assert _schema(st, db) == schema
    assert _counts(st, db) == counts
