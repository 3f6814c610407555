"""bench-identify (tools/bench/identify_scale.sh): a short run of the 1:N
benchmark of docs/sizing.md, "1:N identification at group scale".

Two small galleries, each in its own process: the planted mate of every
probe must come first, the memory, per-probe and bare-loop lines must be
printed, and the fit over the sizes must be projected.  No timing is
asserted (a benchmark, not a timed test).
"""
import os
import re
import subprocess

from harness.paths import bin_path, build_dir

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tools", "bench", "identify_scale.sh")


def test_identify_scale_finds_the_planted_mates_and_fits():
    env = dict(os.environ, BUILD=build_dir(), SIZES="3000 20000", PROBES="5",
               PROJECT="10000000")
    out = subprocess.run([SCRIPT], env=env, capture_output=True, text=True,
                         timeout=300, check=True).stdout
    assert re.findall(r"^templates (\d+) \(\+5 planted\) x 128", out,
                      re.M) == ["3000", "20000"]
    assert out.count("planted mates ranked first: 5 of 5") == 2
    for line in ("IdentifyFace search", "bare loop, -O2",
                 "bare loop, AVX2 -O3", "ratio search/bare AVX2 -O3 p50"):
        assert out.count(line) == 2, line
    per = [float(b) for b in re.findall(
        r"^rss delta [\d.]+ MiB, (\d+) bytes per template", out, re.M)]
    # An int8 code of 128 bytes and an f32 copy of 512 per template at
    # least; the small gallery's delta may come partly from freed heap.
    assert len(per) == 2 and per[1] >= 640
    assert re.search(r"^fit: \d+ bytes per template, [\d.]+ ms CPU per "
                     r"probe per million$", out, re.M)
    assert re.search(r"^projected at 10000000: \d+ MiB", out, re.M)


def test_identify_scale_refuses_an_unknown_option():
    r = subprocess.run([bin_path("bench-identify_scale"), "-x", "1"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "usage: bench-identify_scale" in r.stderr
