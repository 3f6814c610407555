#!/usr/bin/python3
"""The retake rule measured on calibration scores (tools/facecal/retake.py).

    FROM=build/facecal/all/parts tools/facecal/retake.py [NAME ...]

Reads the per-set measurements tools/facecal/calibrate.py wrote (OUT/NAME.json
with MEASURE_ONLY=1, or any OUT of it; calibrate_all.sh puts them in
build/facecal/all/parts) and replays VerifyFace's two-attempt rule on them,
without the service: a first photograph scoring at or over the threshold T
matches; one in the retake band [T - BAND, T) asks for another photograph;
the second photograph then decides by one of these rules:

- raise:    the second photograph alone must reach T + BAND (shipped before
            issue 48);
- again:    the second photograph alone at T (a free second try);
- max, mean: the two photographs' scores fused (the larger, or the mean)
            must reach T2, the threshold at which the fused score holds
            TARGET_FMR over every impostor two-photograph sequence of the
            worst set with at least 3/TARGET_FMR of them (as calibrate.py
            chooses T).

Attempt sequences are a person's consecutive probe photographs (i, i+1),
as a nurse asked for another photograph would take them: genuine against
the person's own patient, impostor against every other patient whose
scores IdentifyFace returned for both photographs.  A probe the service
refused counts as a failed attempt.  Reports, per set and rule, genuine
sequences verified at the first attempt and within two, and the FMR of
the first attempt, of the second (impostor sequences accepted at the
second attempt, over all impostor sequences) and of the whole sequence,
with 95 % upper bounds; writes JSON (OUT, default
build/facecal/retake.json).

Knobs: FROM (build/facecal/all/parts), CALIBRATION (the calibration.json
whose threshold is T; tools/facemodels/calibration.json), THRESHOLD (T
itself, instead), BAND (0.020, MED_FACE_RETAKE_BAND_MILLI / 1000),
TARGET_FMR (0.001), UPDATE (1: write the max rule's threshold into
CALIBRATION as "retake", which tools/facemodels/convert.py puts into the
embedder's card as retake_threshold).
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools", "bench"))
sys.path.insert(0, HERE)

from calibrate import upper95  # noqa: E402
from identity_orl import cut_at  # noqa: E402

RULES = ("raise", "again", "max", "mean")
FUSE = {"max": max, "mean": lambda a, b: (a + b) / 2}


def sequences(raw):
    """(genuine, impostor) lists of (s1, s2) score pairs; a refused
    photograph scores -1 (never matches)."""
    by_person = {}
    for d in raw["detail"]:
        by_person.setdefault(d["person"], []).append(d)
    gen, imp = [], []
    for person, probes in by_person.items():
        for a, b in zip(probes, probes[1:]):
            gen.append((a["genuine"] if a["genuine"] is not None else -1.0,
                        b["genuine"] if b["genuine"] is not None else -1.0))
            if a["genuine"] is None or b["genuine"] is None:
                continue
            for other in by_person:
                if other != person and other in a["others"] and \
                        other in b["others"]:
                    imp.append((a["others"][other], b["others"][other]))
    return gen, imp


def fused_threshold(imp, rule, target):
    """The smallest T2 whose fused impostor scores hold target."""
    return cut_at([FUSE[rule](a, b) for a, b in imp], target)


def accepted(s1, s2, t, band, rule, t2):
    """(at the first attempt, at the second) for one sequence."""
    if s1 >= t:
        return True, False
    if s1 < t - band:
        return False, False
    if rule == "raise":
        return False, s2 >= t + band
    if rule == "again":
        return False, s2 >= t
    return False, FUSE[rule](s1, s2) >= t2


def replay(gen, imp, t, band, rule, t2):
    g1 = g2 = 0
    for s1, s2 in gen:
        a, b = accepted(s1, s2, t, band, rule, t2)
        g1 += a
        g2 += a or b
    i1 = i2 = 0
    for s1, s2 in imp:
        a, b = accepted(s1, s2, t, band, rule, t2)
        i1 += a
        i2 += b
    n, m = len(gen), len(imp)
    return dict(rule=rule, t2=t2, genuine=n, first=g1, within_two=g2,
                impostor=m, fm_first=i1, fm_second=i2,
                fmr_first=i1 / m if m else float("nan"),
                fmr_second=i2 / m if m else float("nan"),
                fmr_sequence=(i1 + i2) / m if m else float("nan"),
                fmr_sequence_upper95=upper95(i1 + i2, m))


def main():
    folder = os.environ.get("FROM", os.path.join(REPO, "build", "facecal",
                                                 "all", "parts"))
    names = sys.argv[1:] or sorted(
        n[:-5] for n in os.listdir(folder)
        if n.endswith(".json") and n != "calibration.json")
    target = float(os.environ.get("TARGET_FMR", "0.001"))
    band = float(os.environ.get("BAND", "0.020"))
    cal_path = os.environ.get("CALIBRATION", os.path.join(
        REPO, "tools", "facemodels", "calibration.json"))
    with open(cal_path) as f:
        cal = json.load(f)
    t = float(os.environ.get("THRESHOLD") or cal["threshold"])
    sets = {}
    for name in names:
        with open(os.path.join(folder, name + ".json")) as f:
            gen, imp = sequences(json.load(f))
        if gen:
            sets[name] = (gen, imp)
        else:
            print("note: %s has no two-photograph sequences (one probe a "
                  "person): left out" % name)
    t2 = {}
    for rule in ("max", "mean"):
        own = {n: fused_threshold(imp, rule, target)
               for n, (_, imp) in sets.items() if len(imp) >= 3 / target}
        t2[rule] = max(own.values())
        print("%s: T2 %.4f (the worst of %s)" % (
            rule, t2[rule], ", ".join("%s %.4f" % kv for kv in own.items())))
    print("\nthreshold %.4f, band %.3f (retake from %.4f), target FMR %g\n"
          % (t, band, t - band, target))
    print("| set | rule | second photo's bar | genuine sequences | verified "
          "at the 1st | within two | impostor sequences | FMR 1st "
          "attempt | FMR 2nd attempt | FMR of the sequence (95 % bound) |")
    print("|" + "---|" * 10)
    out = {}
    for name, (gen, imp) in sets.items():
        for rule in RULES:
            r = replay(gen, imp, t, band, rule, t2.get(rule))
            out.setdefault(name, []).append(r)
            bar = ("T + band = %.4f" % (t + band) if rule == "raise" else
                   "T = %.4f" % t if rule == "again" else
                   "%s of both >= %.4f" % (rule, r["t2"]))
            print("| %s | %s | %s | %d | %.1f %% | %.1f %% | %d | %.5f (%d) "
                  "| %.5f (%d) | %.5f (< %.5f) |" % (
                      name, rule, bar, r["genuine"],
                      100 * r["first"] / r["genuine"],
                      100 * r["within_two"] / r["genuine"], r["impostor"],
                      r["fmr_first"], r["fm_first"], r["fmr_second"],
                      r["fm_second"], r["fmr_sequence"],
                      r["fmr_sequence_upper95"]))
    path = os.environ.get("OUT", os.path.join(REPO, "build", "facecal",
                                              "retake.json"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(dict(threshold=t, band=band, target_fmr=target, t2=t2,
                       sets=out), f, indent=1)
    print("\nwrote %s" % path)
    if os.environ.get("UPDATE", "0") not in ("", "0"):
        # The shipped rule (docs/benchmarks.md, "The retake rule"): the
        # larger of the two photographs' scores, at the fused threshold.
        cal["retake"] = dict(
            fusion="max", threshold=round(max(t2["max"], t), 4),
            band=band, target_fmr=target,
            rule="a second photograph within the retake window matches "
                 "when the larger of the two scores reaches this "
                 "threshold, which holds the target FMR over every "
                 "impostor two-photograph sequence of the worst set "
                 "(tools/facecal/retake.py)")
        with open(cal_path, "w") as f:
            json.dump(cal, f, indent=1)
        print("wrote the retake rule into %s" % cal_path)


if __name__ == "__main__":
    main()
