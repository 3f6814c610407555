#!/usr/bin/python3
"""Face threshold calibration per population (tools/facecal/calibrate.py).

Runs identity's own face pipeline (the models and settings the service
ships, or the MED_FACE_* knobs of this environment) over one or more
labelled face sets and reports, for each set separately as NIST's
demographic studies do, the false-match rate (FMR) and false-non-match
rate (FNMR) at the shipped threshold, the smallest threshold that holds
the target FMR on that set, and the one threshold that holds it on the
*worst* set.

    tools/facecal/calibrate.py [NAME=DIR[:KIND[:LABELS]] ...]

Each DIR holds one folder per person with that person's photographs
(PNG, JPEG or PGM), or, with LABELS (a CSV of file,person rows; lines
starting with # are comments), the photographs themselves, LABELS saying
who is in each (a set published without identity labels, labelled here:
propose_people.py).  People with fewer than two photographs are skipped.
KIND says what sort of set it is (unconstrained, posed, east-asian, ...)
and is only reported.  With no argument the sets of ../shared that have
identity labels are used: ORL, and Caltech Faces_easy with
caltech_faces_easy.people.csv.

For every set a fresh identity and audit are started (an empty gallery),
a patient is created per person and the first ENROL_N photographs of each
are enrolled (one EnrollFace per photograph, so a refused one counts as a
failure to enrol); every other photograph is a probe: VerifyFace against
its own patient gives a genuine score (a refused probe counts as a false
non-match, as a nurse sees it) and IdentifyFace gives its score against
every other person (the impostor pairs).  IdentifyFace answers at most 50
candidates: in a set of more than 51 people the impostor pairs below the
50th candidate are counted as non-matches, and the report says whether
the 50th candidate ever reached a threshold it quotes.

With ENROL_FLIP=1 each enrolment photograph is followed by a horizontally
mirrored copy of it (cv2.flip, re-encoded losslessly as PNG; its own
EnrollFace, so the patient holds twice the templates).  Probes are never
mirrored.  A refused mirror is counted apart (flip_failures_to_enrol and
a line under the table), not in FTE, so that FTE stays the photographs'.
The tool turns the copy check off (MED_FACE_COPY_CHECK=off, unless set
in the environment), so a run with and a run without the mirror differ
only by it (docs/benchmarks.md, "Enrolling a mirrored copy of each
photograph").

Knobs (environment): ENROL_N (5; at most all but one photograph of a
person), ENROL_FLIP (0; 1 also enrols each one mirrored, above),
MAX_PEOPLE (200), MAX_PHOTOS (30 per person), TARGET_FMR (0.001), OUT
(a folder: per-set JSON with the score lists and the FMR and FNMR curves,
and calibration.json, the input of the model card: review it and copy it
to tools/facemodels/calibration.json to ship the threshold),
and the MED_FACE_* knobs of tools/bench/identity_orl.py.  An FMR measured
on n impostor pairs is only known up to its sampling error: the table
gives the one-sided 95 % upper bound (Clopper-Pearson; 3/n, the rule of
three, with no false match), and a set with fewer than 3/TARGET_FMR pairs
is reported but not used for the threshold.
"""

import json
import math
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.join(REPO, "tools", "bench"))

import grpc  # noqa: E402

from harness import Stack, protos  # noqa: E402
from harness.faces import CALTECH, FaceKeys, ORL  # noqa: E402
from harness.run import face_models_env  # noqa: E402
from identity_orl import cut_at, knob_env  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE_EXT = (".png", ".jpg", ".jpeg", ".pgm")
MAX_TOP_K = 50


def photo_bytes(path):
    """PNG or JPEG bytes as identity takes them; PGM is re-encoded."""
    if not path.lower().endswith(".pgm"):
        with open(path, "rb") as f:
            return f.read()
    import cv2
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    return cv2.imencode(".png", img)[1].tobytes()


def flipped_bytes(path):
    """The photograph mirrored left to right (cv2.flip), as a lossless
    PNG; grey photographs stay grey."""
    import cv2
    mode = (cv2.IMREAD_GRAYSCALE if path.lower().endswith(".pgm")
            else cv2.IMREAD_COLOR)
    img = cv2.imread(path, mode)
    if img is None:
        raise ValueError("%s: cv2 cannot read it" % path)
    return cv2.imencode(".png", cv2.flip(img, 1))[1].tobytes()


def enrol_flip():
    return os.environ.get("ENROL_FLIP", "0") not in ("", "0", "off", "no")


def photo_key(name):
    """Numbers in file names sort as numbers (ORL's 1.pgm .. 10.pgm)."""
    stem = os.path.splitext(name)[0]
    return (0, int(stem), "") if stem.isdigit() else (1, 0, name)


def folders(root):
    """{person: [photo paths]} from one folder per person."""
    out = {}
    for person in sorted(os.listdir(root)):
        d = os.path.join(root, person)
        if os.path.isdir(d):
            out[person] = [os.path.join(d, n) for n in os.listdir(d)
                           if n.lower().endswith(IMAGE_EXT)]
    return out


def labelled(root, labels):
    """{person: [photo paths]} from a file,person CSV over root's photos;
    a label naming a photograph root lacks stops the tool."""
    import csv
    out = {}
    with open(labels, newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        for row in rows:
            path = os.path.join(root, row["file"])
            if not os.path.exists(path):
                sys.exit("%s names %s, which %s lacks" % (labels, row["file"],
                                                          root))
            out.setdefault(row["person"], []).append(path)
    return out


def people(root, labels, max_people, max_photos):
    """{person: [paths]} for the people with two photos or more."""
    found = labelled(root, labels) if labels else folders(root)
    out = {}
    for person in sorted(found):
        photos = sorted(found[person],
                        key=lambda p: photo_key(os.path.basename(p)))
        if len(photos) >= 2:
            out[person] = photos[:max_photos]
        if len(out) >= max_people:
            break
    return out


def default_sets():
    """The labelled sets of ../shared that are present."""
    sets = [("orl", ORL, "posed, controlled light", None)]
    if os.path.isdir(CALTECH):
        sets.append(("caltech", CALTECH,
                     "frontal, one sitting, varied light and background",
                     os.path.join(HERE, "caltech_faces_easy.people.csv")))
    return sets


def parse_sets(argv):
    if not argv:
        return default_sets()
    sets = []
    for arg in argv:
        name, sep, rest = arg.partition("=")
        if not sep or not name:
            sys.exit("%s: expected NAME=DIR[:KIND[:LABELS]]" % arg)
        path, _, rest = rest.partition(":")
        kind, _, labels = rest.partition(":")
        sets.append((name, path, kind or "unspecified", labels or None))
    return sets


def enrol(st, pb, persons, enrol_n, flip=False):
    """Patients and their enrolments; fte lists the refused photographs,
    fte_flip the refused mirrored copies (ENROL_FLIP)."""
    pids, fte, fte_flip, tag = {}, [], [], os.urandom(4).hex()
    for i, (person, photos) in enumerate(persons.items()):
        p = st.call("identity", "CreatePatient", pb.CreatePatientRequest(
            mrn="CAL-%s-%d" % (tag, i), family_name="Calibration",
            given_name="P%d" % i, birth_date="1970-01-01",
            sex=pb.ADMINISTRATIVE_SEX_UNKNOWN), role="registrar")
        pids[person] = p.patient_id
        kinds = [(photo_bytes, fte)]
        if flip:
            kinds.append((flipped_bytes, fte_flip))
        for path in photos[:min(enrol_n, len(photos) - 1)]:
            for image_of, refused in kinds:
                try:
                    st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
                        patient_id=p.patient_id, images=[image_of(path)]),
                        role="registrar", timeout=60)
                except grpc.RpcError as e:
                    refused.append((path, e.details()))
    return pids, fte, fte_flip


def probe(st, pb, persons, pids, enrol_n):
    r = dict(gen=[], imp=[], fta=[], probes=0, floor=[])
    top_k = min(MAX_TOP_K, len(pids))
    for person, photos in persons.items():
        for path in photos[min(enrol_n, len(photos) - 1):]:
            img = photo_bytes(path)
            r["probes"] += 1
            try:
                v = st.call("identity", "VerifyFace", pb.VerifyFaceRequest(
                    patient_id=pids[person], image=img), role="nurse",
                    timeout=60)
                res = st.call("identity", "IdentifyFace",
                              pb.IdentifyFaceRequest(image=img, top_k=top_k),
                              role="nurse", timeout=60)
            except grpc.RpcError as e:
                r["fta"].append((path, e.details()))
                continue
            r["gen"].append(v.score)
            others = [c.score for c in res.candidates
                      if c.patient_id != pids[person]]
            r["imp"] += others
            if len(res.candidates) == top_k and len(pids) > top_k + 1:
                r["floor"].append(min(c.score for c in res.candidates))
    return r


def binom_cdf(k, n, p):
    """P(X <= k) for X ~ Binomial(n, p), summed in logs."""
    if p <= 0:
        return 1.0
    if p >= 1:
        return 0.0 if k < n else 1.0
    total = 0.0
    for i in range(k + 1):
        total += math.exp(math.lgamma(n + 1) - math.lgamma(i + 1)
                          - math.lgamma(n - i + 1) + i * math.log(p)
                          + (n - i) * math.log1p(-p))
    return total


def upper95(k, n):
    """The one-sided 95 % upper bound of a rate seen k times in n
    (Clopper-Pearson; 3/n, the rule of three, when k is 0)."""
    if n <= 0:
        return float("nan")
    lo, hi = k / n, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if binom_cdf(k, n, mid) > 0.05:
            lo = mid
        else:
            hi = mid
    return hi


def rates(r, n_people, t):
    """FMR over all impostor pairs and FNMR over all probes (a refused
    probe is a non-match) at threshold t."""
    pairs = (r["probes"] - len(r["fta"])) * (n_people - 1)
    false_matches = sum(s >= t for s in r["imp"])
    misses = sum(s < t for s in r["gen"]) + len(r["fta"])
    return dict(threshold=t, impostor_pairs=pairs,
                false_matches=false_matches,
                fmr=false_matches / pairs if pairs else float("nan"),
                fmr_upper95=upper95(false_matches, pairs),
                genuine_probes=r["probes"], false_non_matches=misses,
                fnmr=misses / r["probes"] if r["probes"] else float("nan"),
                truncated=any(f >= t for f in r["floor"]))


def curve(r, n_people):
    lo = min(r["gen"] + r["imp"] + [1.0])
    steps = 200
    return [rates(r, n_people, lo + (1.0 - lo) * i / steps)
            for i in range(steps + 1)]


def threshold_for(r, n_people, target):
    """The smallest threshold whose FMR over every impostor pair of the
    set (those IdentifyFace did not return lie below all it did) is at
    most target."""
    pairs = (r["probes"] - len(r["fta"])) * (n_people - 1)
    padded = r["imp"] + [-1.0] * max(0, pairs - len(r["imp"]))
    return cut_at(padded, target) if padded else float("nan")


def run_set(name, root, kind, labels, env, enrol_n, target):
    persons = people(root, labels, int(os.environ.get("MAX_PEOPLE", "200")),
                     int(os.environ.get("MAX_PHOTOS", "30")))
    if len(persons) < 2:
        sys.exit("%s: fewer than two people with two photos in %s"
                 % (name, root))
    with Stack(services=("identity", "audit"), extra_env=env) as st:
        pb = protos.module("identity")
        pids, fte, fte_flip = enrol(st, pb, persons, enrol_n, enrol_flip())
        r = probe(st, pb, persons, pids, enrol_n)
        shipped = st.call("identity", "IdentifyFace", pb.IdentifyFaceRequest(
            image=photo_bytes(next(iter(persons.values()))[-1]), top_k=1),
            role="nurse", timeout=60).threshold
    n = len(persons)
    return dict(name=name, kind=kind, people=n,
                enrol_photos=sum(min(enrol_n, len(p) - 1)
                                 for p in persons.values()),
                enrol_flip=enrol_flip(),
                failures_to_enrol=len(fte), failures_to_acquire=len(r["fta"]),
                flip_failures_to_enrol=len(fte_flip),
                flip_fte_examples=fte_flip[:5],
                fte_examples=fte[:5], fta_examples=r["fta"][:5],
                shipped=rates(r, n, shipped),
                target_fmr=target,
                own_threshold=threshold_for(r, n, target),
                scores=dict(genuine=r["gen"], impostor=r["imp"]),
                curve=curve(r, n), result=r)


def large_enough(s, target):
    """Whether the set has enough impostor pairs that no false match
    among them bounds its FMR below target (the rule of three)."""
    return s["shipped"]["impostor_pairs"] >= 3 / target


def choose(results, target):
    """The largest per-set threshold over the sets large enough to show
    the target FMR; a smaller set's threshold is only the score above its
    highest impostor, which says nothing about 1e-3, so it is reported
    and left out (with every set too small, the tool stops)."""
    for s in results:
        if not large_enough(s, target):
            print("note: %s has %d impostor pairs, too few to show FMR %g "
                  "(at least %d needed): reported, not used for the "
                  "threshold" % (s["name"], s["shipped"]["impostor_pairs"],
                                 target, int(3 / target)))
    usable = [s["own_threshold"] for s in results if large_enough(s, target)]
    if not usable:
        sys.exit("no set is large enough to calibrate FMR %g" % target)
    return max(usable)


def table(results, chosen):
    head = ("| set | kind | people | FTE | FTA | FMR at %.4f (95 %% bound) "
            "| FNMR at %.4f | threshold at FMR %g | FNMR at %.4f |"
            % (results[0]["shipped"]["threshold"],
               results[0]["shipped"]["threshold"],
               results[0]["target_fmr"], chosen))
    lines = [head, "|" + "---|" * 9]
    for s in results:
        at = s["shipped"]
        c = rates(s["result"], s["people"], chosen)
        lines.append("| %s | %s | %d | %d | %d | %.4f (%d/%d; < %.4f) | "
                     "%.3f (%d/%d) | %.4f | %.3f |" % (
                         s["name"], s["kind"], s["people"],
                         s["failures_to_enrol"], s["failures_to_acquire"],
                         at["fmr"], at["false_matches"], at["impostor_pairs"],
                         at["fmr_upper95"], at["fnmr"],
                         at["false_non_matches"], at["genuine_probes"],
                         s["own_threshold"], c["fnmr"]))
    return "\n".join(lines)


def write_out(out, results, chosen, target, model):
    os.makedirs(out, exist_ok=True)
    for s in results:
        with open(os.path.join(out, s["name"] + ".json"), "w") as f:
            json.dump({k: v for k, v in s.items() if k != "result"}, f)
    card = dict(model=model, target_fmr=target, threshold=round(chosen, 4),
                rule="the largest of the per-set thresholds at the target "
                     "FMR: it holds the target on the worst set",
                sets=[dict(name=s["name"], kind=s["kind"],
                           people=s["people"],
                           impostor_pairs=s["shipped"]["impostor_pairs"],
                           genuine_probes=s["shipped"]["genuine_probes"],
                           own_threshold=round(s["own_threshold"], 4),
                           used=large_enough(s, target),
                           at_threshold=rates(s["result"], s["people"],
                                              chosen))
                      for s in results])
    with open(os.path.join(out, "calibration.json"), "w") as f:
        json.dump(card, f, indent=1)


def main():
    sets = parse_sets(sys.argv[1:])
    for name, root, _, _ in sets:
        if not os.path.isdir(root):
            sys.exit("%s: no such folder %s" % (name, root))
    enrol_n = int(os.environ.get("ENROL_N", "5"))
    target = float(os.environ.get("TARGET_FMR", "0.001"))
    keys = FaceKeys(tempfile.mkdtemp(prefix="smartmed-facecal-"))
    # The models make run ships (the deep ones when the build made them);
    # recognition is measured, not replay: every photograph is probed
    # twice, which the copy check would refuse.
    env = knob_env(dict(keys.env(), MED_FACE_COPY_CHECK="off",
                        **face_models_env()))
    results = [run_set(n, r, k, lab, env, enrol_n, target)
               for n, r, k, lab in sets]
    chosen = choose(results, target)
    print(table(results, chosen))
    for s in results:
        if s["enrol_flip"]:
            print("%s: %d of %d mirrored enrolment copies refused%s"
                  % (s["name"], s["flip_failures_to_enrol"],
                     s["enrol_photos"],
                     "".join("\n  %s: %s" % e
                             for e in s["flip_fte_examples"])))
    print("threshold holding FMR <= %g on every set large enough to show "
          "it (the worst set's): %.4f" % (target, chosen))
    out = os.environ.get("OUT")
    if out:
        model = os.path.basename(env.get("MED_FACE_EMBEDDER") or "lbp-v2")
        write_out(out, results, chosen, target, model)
        print("wrote %s" % out)


if __name__ == "__main__":
    main()
