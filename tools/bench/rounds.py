"""Alternating rounds for the benchmarks that compare two builds
(tools/bench/records.py, audit.py, dosage_reads.py).

On a shared machine one build's figures drift with its neighbours' load:
only rounds taken in turn, this build right after the baseline, and their
medians are worth comparing.
"""

import os


def builds():
    """[(name, build directory)]: BASELINE first when set, then BUILD."""
    baseline = os.environ.get("BASELINE", "")
    return ([("baseline", baseline)] if baseline else []) + [
        ("this", os.environ.get("BUILD", "build"))]


def alternate(rounds, run_once):
    """run_once(build) for each build in turn, rounds times; returns
    {name: [figures]} and the builds' order, or None as soon as a run
    returns None (it failed, and said why)."""
    order = builds()
    runs = dict((name, []) for name, _ in order)
    for i in range(rounds):
        for name, b in order:
            print("--- round %d of %d: %s (%s)" % (i + 1, rounds, name, b),
                  flush=True)
            fig = run_once(b)
            if fig is None:
                return None
            runs[name].append(fig)
    return runs, [name for name, _ in order]
