"""tools/facecal/quality_gate.py: a quality gate before matching measured
on calibrate.py's stored scores (docs/benchmarks.md, "NUAA's four false
matches, and a quality gate before matching").

Without the service, on synthetic stored sets: with no bar the threshold
and counts are calibrate.py's own (the shipped rule); a probe under the
bar is a retake, counted apart and neither a miss nor a source of
impostor pairs; a probe refused before scoring stays a miss whatever the
bar; and scores stored without quality are refused, not read as 0."""

import json
import os
import sys

import pytest

from harness import paths

sys.path.insert(0, os.path.join(paths.REPO_ROOT, "tools", "facecal"))
import quality_gate as qg  # noqa: E402


def synthetic_set(name, people=60, per=2, low=()):
    """A stored set of people with per probes each: genuine 0.99, every
    impostor pair 0.5 but one pair per low-quality probe at 0.98; the
    probes of persons in low have quality 0.3, the others 0.9; person
    p0's first probe is refused before scoring."""
    persons = {"p%d" % i: ["x"] * 7 for i in range(people)}
    detail = []
    for i in range(people):
        me = "p%d" % i
        for j in range(per):
            d = dict(person=me, path="%s/%d" % (me, j), genuine=0.99,
                     refused=None, floor=None, quality=0.9,
                     others={q: 0.5 for q in persons if q != me})
            if me in low:
                d["quality"] = 0.3
                d["others"]["p%d" % ((i + 1) % people)] = 0.98
            if i == 0 and j == 0:
                d.update(genuine=None, refused="no face", others={})
            detail.append(d)
    return dict(name=name, persons=persons, detail=detail)


def test_gate_counts_retakes_apart_and_moves_the_threshold(tmp_path):
    low = {"p%d" % i for i in range(10, 15)}
    with open(tmp_path / "a.json", "w") as f:
        json.dump(synthetic_set("a", low=low), f)
    sets = qg.load(str(tmp_path), ["a"])
    # No bar: the 10 low-quality probes' 0.98 impostor pairs are above
    # 1e-3 of 119 x 59 pairs, so the threshold sits over them and every
    # genuine 0.99 still matches; the refused probe is the one miss.
    t, decider, per = qg.measure(sets, 0.0, 0.001)
    assert decider == "a" and 0.98 < t <= 0.99
    assert per["a"]["misses"] == 1 and per["a"]["retakes"] == 0
    assert per["a"]["false_matches"] <= 0.001 * per["a"]["pairs"]
    # Bar 0.5: the 10 low-quality probes are retakes, not misses, their
    # pairs gone; the threshold falls to the 0.5 impostor scores' level.
    t, _, per = qg.measure(sets, 0.5, 0.001)
    assert t < 0.6
    assert per["a"]["retakes"] == 10
    assert per["a"]["misses"] == 1  # the refused probe stays a miss
    assert per["a"]["r"]["probes"] == 120 - 10


def test_scores_without_quality_are_refused(tmp_path):
    s = synthetic_set("b")
    for d in s["detail"]:
        d.pop("quality")
    with open(tmp_path / "b.json", "w") as f:
        json.dump(s, f)
    with pytest.raises(SystemExit) as e:
        qg.load(str(tmp_path), ["b"])
    assert "without probe quality" in str(e.value)
