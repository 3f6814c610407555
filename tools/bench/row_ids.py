#!/usr/bin/python3
"""tools/bench/row_ids.py - random (v4) against time-ordered (v7) row ids
in the largest append-mostly tables of records and dosage (issue 54,
docs/sizing.md, "Time-ordered ids").

records.entries and dosage.administrations are keyed by their id, and
InnoDB stores a table's rows in its primary key: with a random id every
new row goes to a random page of the whole table, which once the table
outgrows the buffer pool means a page read (and a dirty page to write
back) per insert.  With a time-ordered id the new rows go to the key's
right edge.

Starts a private MariaDB with records and dosage (tests/harness), so the
tables are the services' own after every migration, and per table:

- creates bench_<table> LIKE <table> in the service's database and fills
  it with ROWS rows of random (v4) ids, PATIENTS patients and about the
  payload a row has in the ward-day model (docs/sizing-measured.json),
  in SQL (INSERT ... SELECT over MariaDB's sequence engine);
- shrinks the buffer pool to BUFFER_POOL_MB, so that the table is
  several times larger than it (as a group's tables are against any
  pool);
- inserts INSERTS rows with v4 ids and as many with v7 ids, each row its
  own transaction (as a call commits its row), for ACTIVE of the table's
  patients (today's inpatients among everyone the table has seen; all of
  them with ACTIVE=0), in ROUNDS rounds that alternate which kind goes
  first;
  rows/s and buffer pool pages read from disk and bytes written per row
  (SHOW GLOBAL STATUS around each round); the medians and the ratio.

Knobs (environment): BUILD, TABLES (entries,administrations), ROWS
(2000000), PATIENTS (100000), ACTIVE (2000), INSERTS (4000 of each kind),
ROUNDS (4), BUFFER_POOL_MB (128), WORKDIR."""

import os
import random
import statistics
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from harness import Stack  # noqa: E402

COUNTERS = ("Innodb_buffer_pool_reads", "Innodb_data_written",
            "Innodb_buffer_pool_read_requests")


def env_int(name, default):
    return int(os.environ.get(name, default))


def uuid_v7():
    """RFC 9562 version 7, as med_uuid_v7 makes them: Unix ms first."""
    ms = time.time_ns() // 1000000
    rand = int.from_bytes(os.urandom(10), "big")
    v = (ms << 80) | (0x7 << 76) | ((rand >> 62) & 0xfff) << 64 | \
        (0x2 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=v))


def sql_uuid(expr):
    """SQL text of a v4-shaped UUID from the 32 hex digits of expr."""
    return ("CONCAT_WS('-', SUBSTR(%s, 1, 8), SUBSTR(%s, 9, 4),"
            " CONCAT('4', SUBSTR(%s, 14, 3)), CONCAT('8', SUBSTR(%s, 18, 3)),"
            " SUBSTR(%s, 21, 12))" % ((expr,) * 5))


def patient_sql(k):
    return sql_uuid("MD5(CONCAT('patient', %s))" % k)


def patient_py(k):
    import hashlib
    h = hashlib.md5(("patient%d" % k).encode()).hexdigest()
    return "%s-%s-4%s-8%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20],
                                 h[20:32])


# Per table: its database, its key column, the columns a row needs, the
# SQL of each for fill row `seq` (random id in h, patient number in p),
# and the Python of each for an inserted row.
TABLES = {
    "entries": {
        "db": "smartmed_records",
        "payload": ("body", 300),
        "cols": ("entry_id", "version", "patient_id", "kind", "title",
                 "body", "author", "created_ms", "content_sha256",
                 "chain_seq"),
        "fill": lambda body: (
            sql_uuid("h"), "1", patient_sql("p"), "2", "'Lab result'",
            "REPEAT('x', %d)" % body, "'nurse.bench'",
            "1700000000000 + seq", "SHA2(seq, 256)", "seq"),
        "row": lambda i, rid, p, body: (
            rid, 1, patient_py(p), 2, "Lab result", "x" * body,
            "nurse.bench", int(time.time() * 1000), "%064x" % i,
            10 ** 12 + i),
    },
    "administrations": {
        "db": "smartmed_dosage",
        "payload": ("checks", 900),
        "cols": ("id", "order_id", "patient_id", "drug_code", "dose", "unit",
                 "dose_drug_unit", "drug_unit", "effective_ms",
                 "recorded_ms", "status", "performer", "identity",
                 "token_id", "v_score", "v_threshold", "v_model",
                 "dose_ovr_reason", "dose_ovr_text", "dose_ovr_by",
                 "id_ovr_reason", "id_ovr_text", "overall", "checks"),
        "fill": lambda body: (
            sql_uuid("h"), sql_uuid("MD5(CONCAT('order', p))"),
            patient_sql("p"), "'paracetamol'", "1", "'g'", "1", "'g'",
            "1700000000000 + seq", "1700000000000 + seq", "'completed'",
            "'nurse.bench'", "'face'", "SHA2(seq, 224)", "0.99", "0.9668",
            "'dlib'", "0", "''", "''", "0", "''", "1",
            "REPEAT('c', %d)" % body),
        "row": lambda i, rid, p, body: (
            rid, str(uuid.uuid4()), patient_py(p), "paracetamol", 1, "g",
            1, "g", int(time.time() * 1000), int(time.time() * 1000),
            "completed", "nurse.bench", "face", "%056x" % i, 0.99, 0.9668,
            "dlib", 0, "", "", 0, "", 1, "c" * body),
    },
}


def literal(v):
    if isinstance(v, str):
        return "'%s'" % v.replace("\\", "\\\\").replace("'", "''")
    return repr(v)


class Bench:
    def __init__(self, st):
        self.st = st

    def fill(self, name, t, rows, patients):
        table = "%s.bench_%s" % (t["db"], name)
        self.st.sql_rows(
            "DROP TABLE IF EXISTS %s; CREATE TABLE %s LIKE %s.%s" % (
            table, table, t["db"], name))
        t0 = time.monotonic()
        chunk = 200000
        # Random ids: a hash of the row's number under a salt of this run.
        salt = os.urandom(8).hex()
        for first in range(0, rows, chunk):
            n = min(chunk, rows - first)
            self.st.sql_rows(
                "INSERT INTO %s (%s) SELECT %s FROM (SELECT seq + %d AS seq,"
                " MD5(CONCAT('%s', seq + %d)) AS h, (seq + %d) MOD %d AS p"
                " FROM %s.seq_1_to_%d) s" % (
                    table, ", ".join(t["cols"]),
                    ", ".join(t["fill"](t["payload"][1])), first, salt,
                    first, first, patients, t["db"], n))
        size = self.st.sql_rows(
            "SELECT data_length + index_length FROM information_schema."
            "TABLES WHERE table_schema = '%s' AND table_name = 'bench_%s'"
            % (t["db"], name))
        print("%s: %d rows of random ids filled in %.1f s, %.2f GiB" % (
            name, rows, time.monotonic() - t0, int(size[0][0]) / 2**30))
        return table

    def inserts(self, table, t, ids, n, patients, base):
        """n rows, each its own transaction: (rows/s, counters per row)."""
        make = uuid_v7 if ids == "v7" else (lambda: str(uuid.uuid4()))
        lines = []
        for i in range(n):
            vals = t["row"](base + i, make(), random.randrange(patients),
                            t["payload"][1])
            lines.append("INSERT INTO %s (%s) VALUES (%s);" % (
                table, ", ".join(t["cols"]),
                ", ".join(literal(v) for v in vals)))
        script = "\n".join(lines) + "\n"
        before = self.st.status_counters(COUNTERS)
        t0 = time.monotonic()
        self.st.sql_rows(None, stdin=script)
        s = time.monotonic() - t0
        after = self.st.status_counters(COUNTERS)
        return n / s, dict((k, (after[k] - before[k]) / n) for k in COUNTERS)

    def compare(self, name, table, t, each, rounds, patients):
        got = {"v4": [], "v7": []}
        base = 0
        for r in range(rounds):
            for ids in (("v4", "v7") if r % 2 == 0 else ("v7", "v4")):
                rate, per = self.inserts(table, t, ids, each // rounds,
                                         patients, base)
                base += each // rounds
                got[ids].append((rate, per))
                print("%s round %d, %s ids: %.0f rows/s; per row: pages read"
                      " %.2f, bytes written %.0f, page requests %.0f" % (
                          name, r + 1, ids, rate,
                          per["Innodb_buffer_pool_reads"],
                          per["Innodb_data_written"],
                          per["Innodb_buffer_pool_read_requests"]))
        med = {}
        for ids, runs in got.items():
            med[ids] = statistics.median(x[0] for x in runs)
            print("%s, %s ids: median %.0f rows/s, %.2f pages read and %.0f"
                  " bytes written per row" % (
                      name, ids, med[ids],
                      statistics.median(x[1]["Innodb_buffer_pool_reads"]
                                        for x in runs),
                      statistics.median(x[1]["Innodb_data_written"]
                                        for x in runs)))
        print("%s: ratio v7/v4 (median rows/s): %.2f" % (
            name, med["v7"] / med["v4"]))


def main():
    names = os.environ.get("TABLES", "entries,administrations").split(",")
    unknown = [n for n in names if n not in TABLES]
    if unknown:
        print("row_ids: unknown table(s) %s (known: %s)" % (
            ", ".join(unknown), ", ".join(TABLES)), file=sys.stderr)
        return 2
    rows = env_int("ROWS", 2000000)
    patients = env_int("PATIENTS", 100000)
    active = env_int("ACTIVE", 2000)
    active = patients if active <= 0 else min(active, patients)
    with Stack(services=("records", "dosage"),
               workdir=os.environ.get("WORKDIR") or None) as st:
        b = Bench(st)
        b.st.sql_rows("SET GLOBAL innodb_buffer_pool_size = %d" % (1 << 30))
        tables = [(n, b.fill(n, TABLES[n], rows, patients)) for n in names]
        b.st.sql_rows("SET GLOBAL innodb_buffer_pool_size = %d" % (
            env_int("BUFFER_POOL_MB", 128) << 20))
        time.sleep(2)
        pool = b.st.sql_rows("SELECT @@innodb_buffer_pool_size")[0][0]
        print("buffer pool: %.0f MiB; inserts for %d of the %d patients" % (
            int(pool) / 2**20, active, patients))
        for n, table in tables:
            b.compare(n, table, TABLES[n], env_int("INSERTS", 4000),
                      env_int("ROUNDS", 4), active)
    return 0


if __name__ == "__main__":
    sys.exit(main())
