#!/usr/bin/python3
"""Cohort score normalisation, measured on stored scores
(tools/facecal/score_norm.py; docs/benchmarks.md, "What lowers FNMR").

Reads the per-probe scores calibrate.py stored (FROM, default
build/facecal/all/parts: NAME.json per set, each probe's VerifyFace score
against its own patient and its IdentifyFace scores against the other
patients) and asks whether normalising a score by the probe's scores
against a cohort of other people (test normalisation, T-norm) lowers
FNMR at the same worst-set FMR.  No service is run.

For a probe of person A compared with patient B the cohort is the
probe's scores against every other patient of the set but A and B (so
an impostor's own enrolment never lowers its score), at most COHORT of
them (default 12: NUAA, the smallest set, has 13 left for an impostor
pair), drawn at random with a fixed seed, so that every set's cohort has
the same size, as a fixed cohort shipped with the model would.  Patients
IdentifyFace did not return (London beyond the 50th) score the probe's
floor in the cohort.  Rules:

  raw      the score itself (reproduces calibrate.py's table);
  sub-K    score minus the mean of the K highest cohort scores;
  z        (score - cohort mean) / cohort standard deviation.

Each rule's threshold is the shipped rule's: the largest own FMR-target
threshold of the sets with at least 3/target impostor pairs; every set's
FMR and FNMR are read at it (a refused probe is a miss).

    tools/facecal/score_norm.py [SET ...]     (default: every stored set)

Knobs: FROM, COHORT (12), RULES ("raw sub-1 sub-3 sub-12 z"),
TARGET_FMR (0.001), SEED (1).
"""

import json
import os
import random
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import calibrate  # noqa: E402


def cohort(d, people, a, b, size, rng):
    """The probe's scores against up to size people other than a and b."""
    floor = d["floor"] if d["floor"] is not None else -1.0
    rest = [p for p in people if p not in (a, b)]
    rest.sort()
    pick = rng.sample(rest, min(size, len(rest)))
    return [d["others"].get(p, floor) for p in pick]


def normalise(rule, s, c):
    if rule == "raw":
        return s
    if rule == "z":
        sd = statistics.pstdev(c) or 1e-6
        return (s - statistics.mean(c)) / sd
    k = int(rule.split("-")[1])
    top = sorted(c, reverse=True)[:k]
    return s - sum(top) / len(top)


def scores(raw, rule, size, seed):
    """calibrate.scores_of's record for the whole set, normalised."""
    people = sorted(raw["persons"])
    rng = random.Random(seed)
    r = dict(gen=[], imp=[], fta=[], probes=0, floor=[])
    for d in raw["detail"]:
        a = d["person"]
        r["probes"] += 1
        if d["genuine"] is None:
            r["fta"].append((d["path"], d["refused"]))
            continue
        r["gen"].append(normalise(rule, d["genuine"],
                                  cohort(d, people, a, a, size, rng)))
        for b, s in d["others"].items():
            r["imp"].append(normalise(rule, s,
                                      cohort(d, people, a, b, size, rng)))
    return r


def main():
    src = os.environ.get("FROM", "build/facecal/all/parts")
    size = int(os.environ.get("COHORT", "12"))
    seed = int(os.environ.get("SEED", "1"))
    target = float(os.environ.get("TARGET_FMR", "0.001"))
    rules = os.environ.get("RULES", "raw sub-1 sub-3 sub-12 z").split()
    names = sys.argv[1:] or sorted(
        f[:-5] for f in os.listdir(src) if f.endswith(".json"))
    raws = [json.load(open(os.path.join(src, n + ".json"))) for n in names]
    print("| rule | threshold (worst set's FMR %g point) | set | own threshold"
          " | FMR there (false matches/pairs) | FNMR there (misses/probes) |"
          % target)
    print("|---|---|---|---|---|---|")
    for rule in rules:
        rs = [(raw, scores(raw, rule, size, seed)) for raw in raws]
        own = {}
        for raw, r in rs:
            n = len(raw["persons"])
            own[raw["name"]] = calibrate.threshold_for(r, n, target)
        used = [own[raw["name"]] for raw, r in rs
                if (r["probes"] - len(r["fta"])) * (len(raw["persons"]) - 1)
                >= 3 / target]
        t = max(used)
        for raw, r in rs:
            x = calibrate.rates(r, len(raw["persons"]), t, bounds=False)
            print("| %s | %.4f | %s | %.4f | %.4f (%d/%d) | %.3f (%d/%d) |"
                  % (rule, t, raw["name"], own[raw["name"]], x["fmr"],
                     x["false_matches"], x["impostor_pairs"], x["fnmr"],
                     x["false_non_matches"], x["genuine_probes"]))


if __name__ == "__main__":
    main()
