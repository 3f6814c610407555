#!/usr/bin/python3
"""What lowers FNMR at the calibrated FMR (tools/facecal/fnmr_variants.py):
the table of docs/benchmarks.md, "What lowers FNMR", from measurements
calibrate.py (MEASURE_ONLY=1) stored, one folder per variant.

    fnmr_variants.py NAME=DIR [NAME=DIR ...]

Each DIR holds calibrate.py's per-set NAME.json (what fnmr_variants.sh
measures: the embedder as shipped, with flip-averaged embeddings, ...).
For each variant the rule is the shipped one (calibrate.py, choose): the
largest of the per-set (and per-group) thresholds at TARGET_FMR (1e-3)
over the rows with at least 3/TARGET_FMR impostor pairs; the table gives
that threshold and, at it, every set's FMR and FNMR, so variants are
compared at equal FMR on the worst set.  A folder measured with
VERIFY_OTHERS=1 and MED_FACE_FUSION=mean holds both rules' scores of the
same pairs: it gives two variants, NAME/mean (the reply's fused score)
and NAME/best (the best single template's).  A set missing from a folder
is left out of that variant (its threshold is then over fewer sets: the
table says which sets each used).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import calibrate as cal  # noqa: E402

SETS = ("london", "glint24", "nuaa", "orl", "caltech")


def as_best(raw):
    """raw with the best single template's scores in place of the reply's
    (a VERIFY_OTHERS run keeps both)."""
    out = dict(raw, detail=[])
    for d in raw["detail"]:
        d = dict(d)
        if d.get("genuine") is not None:
            d["genuine"] = d.get("genuine_best", d["genuine"])
        d["others"] = d.get("others_best", d["others"])
        out["detail"].append(d)
    return out


def load(folder):
    """{set name: raw} of the sets measured into folder (their groups as
    measured: London's by ethnicity and sex)."""
    import json
    raws = {}
    for name in SETS:
        path = os.path.join(folder, name + ".json")
        if os.path.exists(path):
            with open(path) as f:
                raws[name] = json.load(f)
    return raws


def variants(args):
    out = []
    for arg in args:
        name, _, folder = arg.partition("=")
        raws = load(folder)
        if not raws:
            sys.exit("%s: no calibrate.py measurement in %s" % (name, folder))
        fused = any("others_best" in d for r in raws.values()
                    for d in r["detail"])
        if fused:
            out.append((name + "/mean", raws))
            out.append((name + "/best",
                        {k: as_best(r) for k, r in raws.items()}))
        else:
            out.append((name, raws))
    return out


def main():
    target = float(os.environ.get("TARGET_FMR", "0.001"))
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("| variant | threshold (worst set's FMR %g point) | set | own "
          "threshold | FMR at the variant's threshold (95 %% bound) | FNMR "
          "there (misses/probes) |" % target)
    print("|---|---|---|---|---|---|")
    for name, raws in variants(sys.argv[1:]):
        rows = [r for raw in raws.values() for r in cal.rows_of(raw, target)]
        usable = [r for r in rows if cal.large_enough(r, target)]
        t = max(r["own_threshold"] for r in usable) if usable else None
        for r in rows:
            if r["group"]:
                continue
            c = cal.rates(r["result"], r["people"], t if t else 1.0)
            print("| %s | %s | %s | %.4f | %.4f (%d/%d; < %.4f) | "
                  "**%.3f** (%d/%d) |" % (
                      name, "%.4f" % t if t else "-", r["name"],
                      r["own_threshold"], c["fmr"], c["false_matches"],
                      c["impostor_pairs"], c["fmr_upper95"], c["fnmr"],
                      c["false_non_matches"], c["genuine_probes"]))


if __name__ == "__main__":
    main()
