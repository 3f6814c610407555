#!/usr/bin/python3
"""A quality gate before matching, measured on stored scores
(tools/facecal/quality_gate.py; docs/benchmarks.md, "What lowers FNMR").

Reads the per-probe scores calibrate.py stored (FROM, default
build/facecal/all/parts; each probe's VerifyFace score, its photograph
quality as VerifyFace answers it (`quality`: sharpness, face size and
pose, 0..1) and its IdentifyFace scores against the other patients) and
asks whether asking for another photograph whenever a probe's quality is
under a bar Q (a RETAKE before any score is looked at: neither a match
nor a miss) lowers FNMR at the same worst-set FMR.  No service is run.

For each bar the probes under it are set aside (counted as retakes, per
set, with the fraction of probes asked to retake); a probe refused
before scoring (no quality) stays a miss.  The threshold is the shipped
rule's over the remaining probes: the largest own FMR-target threshold
of the sets with at least 3/target impostor pairs; every set's false
matches and misses are read at it.  Bar 0 is the shipped pipeline (no
gate) and reproduces calibrate.py's table.

    tools/facecal/quality_gate.py [SET ...]     (default: every stored set)

Knobs: FROM, BARS ("0 0.5 0.6 0.7 0.8 0.85 0.9"), TARGET_FMR (0.001).
Stored scores from before calibrate.py recorded `quality` are refused
(run make face-calibration again).
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import calibrate  # noqa: E402


def load(folder, names):
    out = {}
    for n in names or sorted(f[:-5] for f in os.listdir(folder)
                             if f.endswith(".json")):
        with open(os.path.join(folder, n + ".json")) as f:
            raw = json.load(f)
        if any(d["genuine"] is not None and "quality" not in d
               for d in raw["detail"]):
            sys.exit("%s: stored without probe quality; run "
                     "make face-calibration again" % n)
        out[n] = raw
    return out


def gate(raw, bar):
    """(the probes kept, the number asked to retake): a scored probe
    whose quality is under bar is a retake; a refused one is kept (a
    miss)."""
    kept, retakes = [], 0
    for d in raw["detail"]:
        if d["genuine"] is not None and d["quality"] < bar:
            retakes += 1
        else:
            kept.append(d)
    return kept, retakes


def measure(sets, bar, target):
    """{set: counts at the gate's threshold} and that threshold, with the
    set deciding it."""
    per, own = {}, {}
    for name, raw in sets.items():
        kept, retakes = gate(raw, bar)
        r = calibrate.scores_of(kept, set(raw["persons"]))
        n = len(raw["persons"])
        pairs = (r["probes"] - len(r["fta"])) * (n - 1)
        per[name] = dict(r=r, n=n, pairs=pairs, retakes=retakes,
                         probes=len(raw["detail"]))
        if pairs >= 3 / target:
            own[name] = calibrate.threshold_for(r, n, target)
    decider = max(own, key=own.get)
    t = own[decider]
    for name, p in per.items():
        r = p["r"]
        p["false_matches"] = sum(s >= t for s in r["imp"])
        p["misses"] = sum(s < t for s in r["gen"]) + len(r["fta"])
    return t, decider, per


def main():
    folder = os.environ.get("FROM", os.path.join(
        calibrate.REPO, "build", "facecal", "all", "parts"))
    target = float(os.environ.get("TARGET_FMR", "0.001"))
    bars = [float(b) for b in os.environ.get(
        "BARS", "0 0.5 0.6 0.7 0.8 0.85 0.9").split()]
    sets = load(folder, sys.argv[1:])
    names = list(sets)
    print("| quality bar | threshold (deciding set) | " + " | ".join(
        "%s: misses/scored, retakes/probes" % n for n in names) + " |")
    print("|" + "---|" * (len(names) + 2))
    for bar in bars:
        t, decider, per = measure(sets, bar, target)
        cells = []
        for n in names:
            p = per[n]
            cells.append("%d/%d, %d/%d (%.1f %%)%s" % (
                p["misses"], p["r"]["probes"], p["retakes"], p["probes"],
                100.0 * p["retakes"] / p["probes"],
                "; FM %d/%d" % (p["false_matches"], p["pairs"])
                if p["false_matches"] else ""))
        print("| %s | %.4f (%s) | %s |" % (
            "%.2f" % bar if bar else "none (shipped)", t, decider,
            " | ".join(cells)))


if __name__ == "__main__":
    main()
