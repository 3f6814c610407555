"""bench row_ids (tools/bench/row_ids.py): a short run of the benchmark
of docs/sizing.md, "Time-ordered ids", on the services' own tables.

It must fill a copy of records' entries and dosage's administrations as
they are after every migration (a column the services add without a
default breaks the fill here, not in a long run), insert rows of both
kinds of id in alternating rounds and print each median and the ratio.
No timing is asserted (a benchmark, not a timed test)."""
import os
import re
import subprocess

from harness.paths import build_dir

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tools", "bench", "row_ids.py")


def test_fills_both_tables_and_compares_both_kinds_of_id():
    env = dict(os.environ, BUILD=build_dir(), ROWS="3000", PATIENTS="50",
               INSERTS="40", ROUNDS="2")
    r = subprocess.run(["/usr/bin/python3", SCRIPT], env=env,
                       capture_output=True, text=True, timeout=600)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    for table in ("entries", "administrations"):
        assert re.search(r"^%s: 3000 rows of random ids filled" % table, out,
                         re.M), out
        assert len(re.findall(r"^%s round \d, v[47] ids: \d+ rows/s" % table,
                              out, re.M)) == 4, out
        assert re.search(r"^%s: ratio v7/v4 \(median rows/s\): [\d.]+$" %
                         table, out, re.M), out


def test_an_unknown_table_is_named():
    r = subprocess.run(["/usr/bin/python3", SCRIPT],
                       env=dict(os.environ, TABLES="entries,nope"),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "unknown table(s) nope" in r.stderr
