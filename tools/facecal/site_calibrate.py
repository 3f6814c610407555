#!/usr/bin/python3
"""A site's face calibration on its own consented patients
(tools/facecal/site_calibrate.py; docs/face.md, "Calibrating on the
site's patients").

    tools/facecal/site_calibrate.py DIR [--groups CSV] [--by COL[+COL]]
        [--target-fmr F] [--name NAME] [--out FILE]

DIR holds one folder per person with that person's photographs (PNG,
JPEG or PGM; person/photo.jpg): the first ENROL_N (default 1) of each
are enrolled, every other one is a probe, as a pilot's bedside
photographs would be.  --groups names a CSV whose first column is the
person (the folder name) and --by the column(s) whose values make
groups (default its last column).  The photographs go through identity
itself, started here on the models make run ships, as
tools/facecal/calibrate.py does.

Prints, for the whole site and each group, the FMR and FNMR at the
recommended threshold with their one-sided 95 % upper bounds
(Clopper-Pearson; 3/n, the rule of three, with no false match), and how
many more people the group needs before no false match among its
impostor pairs bounds its FMR at the target.  The recommended threshold
is the largest of the groups' own thresholds at the target FMR, over
those with enough pairs (the site as a whole when no group has).  With
--out it writes the calibration (a card-format file of kind
face-calibration) that identity reads at start with
MED_FACE_CALIBRATION=FILE.  Exits 1 without writing when not even the
whole site has enough impostor pairs for the target.
"""

import argparse
import datetime
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from calibrate import (FaceKeys, choose, face_models_env, knob_env,  # noqa
                       large_enough, paths, rates, rows_of, run_set)


def parse():
    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a.add_argument("dir")
    a.add_argument("--groups")
    a.add_argument("--by", action="append")
    a.add_argument("--target-fmr", type=float, default=1e-3)
    a.add_argument("--name", default="site-" +
                   datetime.date.today().isoformat())
    a.add_argument("--out")
    args = a.parse_args()
    if not os.path.isdir(args.dir):
        sys.exit("%s: no such folder" % args.dir)
    if args.by and not args.groups:
        sys.exit("--by needs --groups")
    if not 0 < args.target_fmr < 1:
        sys.exit("--target-fmr %g: must be between 0 and 1"
                 % args.target_fmr)
    return args


def people_needed(pairs, people, target):
    """How many more people (each probed like those measured) the group
    needs for 3/target impostor pairs: with none of them a false match,
    the FMR's 95 % bound is then the target."""
    need = math.ceil(3 / target)
    if pairs >= need:
        return 0
    per_pair = pairs / (people * (people - 1)) if people > 1 else 1.0
    n = max(people, 2)
    while per_pair * n * (n - 1) < need:
        n += 1
    return n - people


def embedder_name(env):
    """The embedder card's name (the calibration is for it alone)."""
    card = env.get("MED_FACE_EMBEDDER", "")[:-5] + ".card.md"
    if not os.path.exists(card):
        sys.exit("the deep face models were not built (make deps, make): "
                 "a site calibrates the embedder it runs")
    with open(card) as f:
        for line in f:
            if line.startswith("name:"):
                return line.split(":", 1)[1].strip()
    sys.exit("%s has no name" % card)


def report(results, t, target):
    lines = ["%-28s %6s %8s %9s %12s %8s %12s %11s" % (
        "group", "people", "pairs", "FMR", "FMR 95% up", "FNMR",
        "FNMR 95% up", "more people")]
    for s in results:
        r = rates(s["result"], s["people"], t)
        lines.append("%-28s %6d %8d %9.2e %12.2e %7.1f%% %11.1f%% %11d" % (
            s["name"], s["people"], r["impostor_pairs"], r["fmr"],
            r["fmr_upper95"], 100 * r["fnmr"], 100 * r["fnmr_upper95"],
            people_needed(r["impostor_pairs"], s["people"], target)))
    return "\n".join(lines)


def write(out, args, model, results, t):
    site = results[0]
    r = rates(site["result"], site["people"], t)
    with open(out, "w") as f:
        f.write("---\nkind: face-calibration\nname: %s\nmodel: %s\n"
                "target_fmr: %g\nthreshold: %.4f\npeople: %d\n"
                "impostor_pairs: %d\nfmr_upper95: %.3g\ndate: %s\n---\n"
                % (args.name, model, args.target_fmr, t, site["people"],
                   r["impostor_pairs"], r["fmr_upper95"],
                   datetime.date.today().isoformat()))
        f.write("# Face calibration %s\n\nMeasured by "
                "tools/facecal/site_calibrate.py on %s.\n\n```\n%s\n```\n"
                % (args.name, args.dir, report(results, t, args.target_fmr)))


def main():
    args = parse()
    keys = FaceKeys(paths.scratch_dir("smartmed-sitecal-"))
    env = knob_env(dict(keys.env(), MED_FACE_COPY_CHECK="off",
                        **face_models_env()))
    model = embedder_name(env)
    opts = {}
    if args.groups:
        opts = dict(groups=args.groups, **({"by": args.by} if args.by
                                          else {}))
    spec = dict(name="site", root=args.dir, kind="site", labels=None,
                opts=opts)
    raw = run_set(spec, env, int(os.environ.get("ENROL_N", "1")))
    results = rows_of(raw, args.target_fmr)
    if not large_enough(results[0], args.target_fmr):
        print(report(results, raw["shipped_threshold"], args.target_fmr))
        sys.exit("the site's %d impostor pairs cannot show FMR %g (at least "
                 "%d needed): photograph more people; nothing written"
                 % (results[0]["shipped"]["impostor_pairs"],
                    args.target_fmr, math.ceil(3 / args.target_fmr)))
    t = choose(results, args.target_fmr)
    print(report(results, t, args.target_fmr))
    print("recommended threshold for FMR <= %g: %.4f (identity runs at "
          "%.4f now)" % (args.target_fmr, t, raw["shipped_threshold"]))
    if args.out:
        write(args.out, args, model, results, t)
        print("wrote %s: start identity with MED_FACE_CALIBRATION=%s"
              % (args.out, os.path.abspath(args.out)))


if __name__ == "__main__":
    main()
