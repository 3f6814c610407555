"""bench-audit_scale (tools/bench/audit_scale.py): a short run of the audit
benchmark of docs/sizing.md, "Audit at 1 M-1 B leaves".

The synthetic log is written in the audit service's own format, so the
real service, started on it with no head of its key, must check every row
and sign a head covering all of them, serve proofs and appends on it, and
auditverify (with the public key and the leaf key) must call the whole log
OK: a generator whose rows, MACs or subtree hashes drift from the
service's fails here.  No timing is asserted (a benchmark, not a timed
test).
"""
import os
import re
import subprocess

from harness.paths import bin_path, build_dir

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tools", "bench", "audit_scale.py")


def test_synthetic_log_is_signed_served_and_verified():
    env = dict(os.environ, BUILD=build_dir(), LEAVES="3000", SAMPLES="3",
               APPEND_EVENTS="256", PATIENTS="100", GAP_CHUNK_ROWS="256")
    r = subprocess.run(["/usr/bin/python3", SCRIPT], env=env,
                       capture_output=True, text=True, timeout=600)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "first start: head of 3000 entries signed" in out, out
    for what in ("InclusionProof by event id (random)",
                 "ConsistencyProof, first size random"):
        assert out.count(what) == 2, what
    # Twice with the gap sweep off, once after its first pass, once after
    # the restart that took its counts back.
    assert out.count("Query by patient, limit 50") == 4, out
    assert re.search(r"^gap sweep: 13 whole chunks of 256 counted", out,
                     re.M), out
    assert re.search(r"^rotation: first head of the new key [\d.]+ s after"
                     r" start .*from the newest head of previous key", out,
                     re.M), out
    live = re.search(r"^gap sweep on: (\d+) positions counted live", out,
                     re.M)
    assert live and int(live.group(1)) < 2 * 256, out
    # The restart of the rotation took the sweep's counts back.
    assert re.search(r"^kept counts: .*whole chunk count\(s\) of the last"
                     r" 1800 s taken back from gap_counts", out, re.M), out
    kept = re.search(r"^after the restart with kept counts: (\d+) positions"
                     r" counted live per Query", out, re.M)
    assert kept and int(kept.group(1)) < 2 * 256, out
    # 256 appends of each kind of event id, in 4 alternating rounds.
    assert len(re.findall(r"^appends round \d, v[47] ids: \d+ events/s",
                          out, re.M)) == 8, out
    assert re.search(r"^ratio v7/v4 \(median events/s\): [\d.]+$", out,
                     re.M), out
    assert re.search(r"^auditverify log: exit 0 .*OK: \d+ entries", out,
                     re.M), out
    # And from the head of the first start (3,000 entries and the
    # service's own events), only what came after it.
    assert re.search(r"^auditverify log --since-size (\d+): exit 0 .*OK: \d+"
                     r" entries after the \1 you verified before", out,
                     re.M), out


def test_generator_refuses_a_missing_leaf_key(tmp_path):
    r = subprocess.run([bin_path("bench-audit_scale"), "--leaves", "10",
                        "--leaf-key-file", str(tmp_path / "none.key"),
                        "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "none.key" in r.stderr
