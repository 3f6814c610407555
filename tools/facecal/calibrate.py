#!/usr/bin/python3
"""Face threshold calibration per population (tools/facecal/calibrate.py).

Runs identity's own face pipeline (the models and settings the service
ships, or the MED_FACE_* knobs of this environment) over one or more
labelled face sets and reports, for each set separately as NIST's
demographic studies do, the false-match rate (FMR) and false-non-match
rate (FNMR) at the shipped threshold, the smallest threshold that holds
the target FMR on that set, and the one threshold that holds it on the
*worst* set.

    tools/facecal/calibrate.py [NAME=DIR[:KIND[:LABELS[:OPTS]]] ...]

Each DIR holds one folder per person with that person's photographs
(PNG, JPEG or PGM), or, with LABELS (a CSV of file,person rows; lines
starting with # are comments), the photographs themselves, LABELS saying
who is in each (a set published without identity labels, labelled here:
propose_people.py).  People with fewer than two photographs are skipped.
KIND says what sort of set it is (unconstrained, posed, east-asian, ...)
and is only reported.  With no argument the sets of ../shared that have
identity labels are used: ORL, and Caltech Faces_easy with
caltech_faces_easy.people.csv.  calibrate_all.sh names every labelled set
of ../shared (London by group, Glint24 padded, NUAA, ORL, Caltech).

OPTS, comma separated: pad[=F] widens every photograph by F (0.5) of its
side on each side, border pixels repeated, before it is sent (aligned
face crops such as Glint's give the detector no context otherwise);
groups=CSV names a CSV whose first column is the person (the folder
name) and by=COL[+COL] (repeatable; default the CSV's last column) the
column(s) whose values make groups: each group gets a row of its own,
its FMR over the impostor pairs within the group (probe and enrolled
person both in it), as NIST's demographic tables give it, e.g.
london=DIR:posed::groups=DIR/info.csv,by=face_eth,by=face_eth+face_gender.

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
VERIFY_OTHERS (0; 1: each probe's impostor scores come from VerifyFace
against every other patient, the reply's score and its best template's
both kept, for MED_FACE_FUSION=mean: slow, one call per pair),
MAX_PEOPLE (200), MAX_PHOTOS (30 per person), TARGET_FMR (0.001), OUT
(a folder: per-set JSON with every probe's scores, the score lists and
the FMR and FNMR curves, and calibration.json, the input of the model
card: review it and copy it to tools/facemodels/calibration.json to ship
the threshold), MEASURE_ONLY (1: measure the sets into OUT/NAME.json and
stop, no table), FROM (a folder of earlier OUT/NAME.json: the table and
calibration.json from those scores, without the service; the sets named
as usual, their DIR unused),
and the MED_FACE_* knobs of tools/bench/identity_orl.py.  An FMR measured
on n impostor pairs is only known up to its sampling error: the table
gives the one-sided 95 % upper bound (Clopper-Pearson; 3/n, the rule of
three, with no false match), and a set or group with fewer than
3/TARGET_FMR pairs (3,000 at 1e-3: with none of them a false match the
bound is then the target) is reported, with its bound, but not used for
the threshold; the threshold is the largest own threshold of the rows
used.
"""

import json
import math
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.join(REPO, "tools", "bench"))

import grpc  # noqa: E402

from harness import Stack, paths, protos  # noqa: E402
from harness.faces import CALTECH, FaceKeys, ORL  # noqa: E402
from harness.run import face_models_env  # noqa: E402
from identity_orl import cut_at, knob_env  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE_EXT = (".png", ".jpg", ".jpeg", ".pgm")
MAX_TOP_K = 50


def photo_bytes(path, pad=0.0):
    """PNG or JPEG bytes as identity takes them; PGM is re-encoded.  With
    pad > 0 the photograph is first widened by pad times its width and
    height on every side, the border pixels repeated (an aligned face crop
    such as Glint's 112 x 112 gives the detector no context to find a
    face in), and sent as a lossless PNG."""
    if not pad and not path.lower().endswith(".pgm"):
        with open(path, "rb") as f:
            return f.read()
    import cv2
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE
                     if path.lower().endswith(".pgm") else cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError("%s: cv2 cannot read it" % path)
    if pad:
        dy, dx = int(round(pad * img.shape[0])), int(round(pad * img.shape[1]))
        img = cv2.copyMakeBorder(img, dy, dy, dx, dx, cv2.BORDER_REPLICATE)
    return cv2.imencode(".png", img)[1].tobytes()


def flipped_bytes(path, pad=0.0):
    """The photograph (padded as photo_bytes pads it) mirrored left to
    right (cv2.flip), as a lossless PNG; grey photographs stay grey."""
    import cv2
    import numpy as np
    img = cv2.imdecode(np.frombuffer(photo_bytes(path, pad), np.uint8),
                       cv2.IMREAD_UNCHANGED)
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
    sets = [dict(name="orl", root=ORL, kind="posed, controlled light",
                 labels=None, opts={})]
    if os.path.isdir(CALTECH):
        sets.append(dict(
            name="caltech", root=CALTECH,
            kind="frontal, one sitting, varied light and background",
            labels=os.path.join(HERE, "caltech_faces_easy.people.csv"),
            opts={}))
    return sets


def parse_opts(text):
    """{pad: float, groups: path, by: [column spec]} from OPTS, a comma
    separated list: pad[=F] (F times the side on every side; 0.5 when
    bare), groups=CSV (person in its first column), by=COL[+COL] (one
    family of group rows per by=; the CSV's last column when absent)."""
    opts = {}
    for item in filter(None, text.split(",")):
        key, sep, val = item.partition("=")
        if key == "pad":
            opts["pad"] = float(val) if sep else 0.5
        elif key == "groups" and val:
            opts["groups"] = val
        elif key == "by" and val:
            opts.setdefault("by", []).append(val)
        else:
            sys.exit("%s: expected pad[=F], groups=CSV or by=COL[+COL]"
                     % item)
    if "by" in opts and "groups" not in opts:
        sys.exit("by=%s needs groups=CSV" % opts["by"][0])
    return opts


def parse_sets(argv):
    if not argv:
        return default_sets()
    sets = []
    for arg in argv:
        name, sep, rest = arg.partition("=")
        if not sep or not name or "/" in name:
            sys.exit("%s: expected NAME=DIR[:KIND[:LABELS[:OPTS]]]" % arg)
        path, _, rest = rest.partition(":")
        kind, _, rest = rest.partition(":")
        labels, _, opts = rest.partition(":")
        sets.append(dict(name=name, root=path, kind=kind or "unspecified",
                         labels=labels or None, opts=parse_opts(opts)))
    return sets


def groups_of(opts, persons):
    """[(row name suffix, {person})] of every group family named by the
    set's options: people with the same value(s) of the by= column(s)
    in the groups CSV; a person the CSV lacks is in no group."""
    if "groups" not in opts:
        return []
    import csv
    with open(opts["groups"], newline="") as f:
        rows = list(csv.reader(line for line in f
                               if not line.startswith("#")))
    head, rows = rows[0], rows[1:]
    out = []
    for spec in opts.get("by", [head[-1]]):
        cols = [head.index(c) if c in head else
                sys.exit("%s: no column %s" % (opts["groups"], c))
                for c in spec.split("+")]
        found = {}
        for row in rows:
            if row and row[0] in persons:
                found.setdefault(" ".join(row[c] for c in cols),
                                 set()).add(row[0])
        out += sorted(found.items())
    return out


def enrol(st, pb, persons, enrol_n, flip=False, pad=0.0):
    """Patients and their enrolments; fte lists the refused photographs,
    fte_flip the refused mirrored copies (ENROL_FLIP), each as (path,
    why)."""
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
                        patient_id=p.patient_id,
                        images=[image_of(path, pad)]),
                        role="registrar", timeout=60)
                except grpc.RpcError as e:
                    refused.append((path, e.details()))
    return pids, fte, fte_flip


def probe(st, pb, persons, pids, enrol_n, pad=0.0):
    """One record per probe photograph: its person, its genuine score
    (VerifyFace against its own patient; None when refused, with why)
    and its IdentifyFace scores against the other people returned, by
    person (the pairs beyond the 50th candidate are not returned: floor
    is then the 50th's score)."""
    who = {pid: person for person, pid in pids.items()}
    top_k = min(MAX_TOP_K, len(pids))
    detail = []
    for person, photos in persons.items():
        for path in photos[min(enrol_n, len(photos) - 1):]:
            img = photo_bytes(path, pad)
            d = dict(person=person, path=path, genuine=None, refused=None,
                     others={}, floor=None)
            detail.append(d)
            try:
                v = st.call("identity", "VerifyFace", pb.VerifyFaceRequest(
                    patient_id=pids[person], image=img), role="nurse",
                    timeout=60)
                res = st.call("identity", "IdentifyFace",
                              pb.IdentifyFaceRequest(image=img, top_k=top_k),
                              role="nurse", timeout=60)
            except grpc.RpcError as e:
                d["refused"] = e.details()
                continue
            d["genuine"] = v.score
            d["genuine_best"] = v.best_template_score
            d["quality"] = v.quality
            d["others"] = {who[c.patient_id]: c.score
                           for c in res.candidates
                           if c.patient_id != pids[person]}
            if len(res.candidates) == top_k and len(pids) > top_k + 1:
                d["floor"] = min(c.score for c in res.candidates)
            if verify_others():
                verify_impostors(st, pb, img, d, pids, person)
    return detail


def verify_others():
    return os.environ.get("VERIFY_OTHERS", "0") not in ("", "0", "off",
                                                          "no")


def verify_impostors(st, pb, img, d, pids, person):
    """VERIFY_OTHERS=1: the probe's impostor scores from VerifyFace against
    every other patient instead of IdentifyFace's (which scores each
    patient by their best template): with MED_FACE_FUSION=mean the reply's
    score is the fused one, and others_best keeps the best template's, so
    one run measures both rules on the same pairs (fnmr_variants.py).  A
    refused call (none is expected: the same photograph verified) leaves
    the pair out."""
    d["others"], d["others_best"], d["floor"] = {}, {}, None
    for other, pid in pids.items():
        if other == person:
            continue
        try:
            v = st.call("identity", "VerifyFace", pb.VerifyFaceRequest(
                patient_id=pid, image=img), role="nurse", timeout=60)
        except grpc.RpcError:
            continue
        d["others"][other] = v.score
        d["others_best"][other] = v.best_template_score


def scores_of(detail, members):
    """The genuine and impostor scores of the probes of members, counting
    as impostor pairs only those between two members (a group's FMR is
    over pairs within the group, as NIST's demographic tables give it)."""
    r = dict(gen=[], imp=[], fta=[], probes=0, floor=[])
    for d in detail:
        if d["person"] not in members:
            continue
        r["probes"] += 1
        if d["genuine"] is None:
            r["fta"].append((d["path"], d["refused"]))
            continue
        r["gen"].append(d["genuine"])
        r["imp"] += [sc for q, sc in d["others"].items() if q in members]
        if d["floor"] is not None:
            r["floor"].append(d["floor"])
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


def rates(r, n_people, t, bounds=True):
    """FMR over all impostor pairs and FNMR over all probes (a refused
    probe is a non-match) at threshold t, with their 95 % upper bounds
    (None without bounds: a curve's 201 points do not need them, and
    they cost a binomial sum each)."""
    pairs = (r["probes"] - len(r["fta"])) * (n_people - 1)
    false_matches = sum(s >= t for s in r["imp"])
    misses = sum(s < t for s in r["gen"]) + len(r["fta"])
    return dict(threshold=t, impostor_pairs=pairs,
                false_matches=false_matches,
                fmr=false_matches / pairs if pairs else float("nan"),
                fmr_upper95=upper95(false_matches, pairs) if bounds
                else None,
                genuine_probes=r["probes"], false_non_matches=misses,
                fnmr=misses / r["probes"] if r["probes"] else float("nan"),
                fnmr_upper95=upper95(misses, r["probes"]) if bounds
                else None,
                truncated=any(f >= t for f in r["floor"]))


def curve(r, n_people):
    lo = min(r["gen"] + r["imp"] + [1.0])
    steps = 200
    return [rates(r, n_people, lo + (1.0 - lo) * i / steps, bounds=False)
            for i in range(steps + 1)]


def threshold_for(r, n_people, target):
    """The smallest threshold whose FMR over every impostor pair of the
    set (those IdentifyFace did not return lie below all it did) is at
    most target."""
    pairs = (r["probes"] - len(r["fta"])) * (n_people - 1)
    padded = r["imp"] + [-1.0] * max(0, pairs - len(r["imp"]))
    return cut_at(padded, target) if padded else float("nan")


def run_set(spec, env, enrol_n):
    """The raw measurement of one set: who, what was refused, and every
    probe's scores (written as OUT/NAME.json; FROM= reads it back)."""
    persons = people(spec["root"], spec["labels"],
                     int(os.environ.get("MAX_PEOPLE", "200")),
                     int(os.environ.get("MAX_PHOTOS", "30")))
    if len(persons) < 2:
        sys.exit("%s: fewer than two people with two photos in %s"
                 % (spec["name"], spec["root"]))
    pad = spec["opts"].get("pad", 0.0)
    with Stack(services=("identity", "audit"), extra_env=env) as st:
        pb = protos.module("identity")
        pids, fte, fte_flip = enrol(st, pb, persons, enrol_n, enrol_flip(),
                                    pad)
        detail = probe(st, pb, persons, pids, enrol_n, pad)
        shipped = st.call("identity", "IdentifyFace", pb.IdentifyFaceRequest(
            image=photo_bytes(next(iter(persons.values()))[-1], pad),
            top_k=1), role="nurse", timeout=60).threshold
    owner = {path: person for person, photos in persons.items()
             for path in photos}
    return dict(spec, persons=persons, enrol_n=enrol_n,
                enrol_flip=enrol_flip(), embed_flip=flip_measured(),
                chip_padding=padding_measured(),
                shipped_threshold=shipped,
                fte=[(owner[p], p, why) for p, why in fte],
                fte_flip=[(owner[p], p, why) for p, why in fte_flip],
                detail=detail)


def row(raw, name, kind, members, target):
    """One line of the table: a set (members: all its people) or a group
    of it (members: the group's)."""
    persons = {p: raw["persons"][p] for p in raw["persons"] if p in members}
    r = scores_of(raw["detail"], members)
    n = len(persons)
    shipped = rates(r, n, raw["shipped_threshold"])
    return dict(name=name, kind=kind, people=n, group=name != raw["name"],
                enrol_photos=sum(min(raw["enrol_n"], len(p) - 1)
                                 for p in persons.values()),
                enrol_flip=raw["enrol_flip"],
                failures_to_enrol=sum(f[0] in members for f in raw["fte"]),
                flip_failures_to_enrol=sum(f[0] in members
                                           for f in raw["fte_flip"]),
                fte_examples=[f[1:] for f in raw["fte"]
                              if f[0] in members][:5],
                flip_fte_examples=[f[1:] for f in raw["fte_flip"]
                                   if f[0] in members][:5],
                failures_to_acquire=len(r["fta"]),
                fta_examples=r["fta"][:5], shipped=shipped,
                target_fmr=target,
                own_threshold=threshold_for(r, n, target),
                scores=dict(genuine=r["gen"], impostor=r["imp"]),
                result=r)


def rows_of(raw, target):
    """The set's row, then one row per group of its people (groups=)."""
    out = [row(raw, raw["name"], raw["kind"], set(raw["persons"]), target)]
    for value, members in groups_of(raw["opts"], raw["persons"]):
        out.append(row(raw, "%s/%s" % (raw["name"], value.replace(" ", ", ")),
                       "%s, group %s" % (raw["kind"], value), members,
                       target))
    return out


def large_enough(s, target):
    """Whether the set has enough impostor pairs that no false match
    among them bounds its FMR below target (the rule of three)."""
    return s["shipped"]["impostor_pairs"] >= 3 / target


def choose(results, target):
    """The largest per-set threshold over the sets (and groups) large
    enough to show the target FMR; a smaller one's threshold is only the
    score above its highest impostor, which says nothing about 1e-3, so
    it is reported, with its FMR's upper bound, and left out (with every
    set too small, the tool stops)."""
    for s in results:
        if not large_enough(s, target):
            print("note: %s has %d impostor pairs, too few to show FMR %g "
                  "(at least %d needed): reported, not used for the "
                  "threshold" % (s["name"], s["shipped"]["impostor_pairs"],
                                 target, int(math.ceil(3 / target))))
    usable = [s["own_threshold"] for s in results if large_enough(s, target)]
    if not usable:
        sys.exit("no set is large enough to calibrate FMR %g" % target)
    return max(usable)


def table(results, t, target):
    """The markdown table of every row at threshold t."""
    lines = ["| set | kind | people | FTE | FTA | FMR at %.4f (false matches"
             "/impostor pairs; 95 %% bound) | FNMR at %.4f (misses/probes; "
             "95 %% bound) | own threshold at FMR %g | used |"
             % (t, t, target), "|" + "---|" * 9]
    for s in results:
        c = rates(s["result"], s["people"], t)
        if not c["impostor_pairs"]:
            lines.append("| %s | %s | %d | %d | %d | no impostor pairs | "
                         "%.3f (%d/%d; < %.3f) | – | no |" % (
                             s["name"], s["kind"], s["people"],
                             s["failures_to_enrol"],
                             s["failures_to_acquire"], c["fnmr"],
                             c["false_non_matches"], c["genuine_probes"],
                             c["fnmr_upper95"]))
            continue
        lines.append("| %s | %s | %d | %d | %d | %.4f (%d/%d; < %.4f)%s | "
                     "%.3f (%d/%d; < %.3f) | %.4f | %s |" % (
                         s["name"], s["kind"], s["people"],
                         s["failures_to_enrol"], s["failures_to_acquire"],
                         c["fmr"], c["false_matches"], c["impostor_pairs"],
                         c["fmr_upper95"],
                         " (top 50 cut)" if c["truncated"] else "",
                         c["fnmr"], c["false_non_matches"],
                         c["genuine_probes"], c["fnmr_upper95"],
                         s["own_threshold"],
                         "yes" if large_enough(s, target) else
                         "no (< %d pairs)" % int(math.ceil(3 / target))))
    return "\n".join(lines)


def write_raw(out, raws, model, results=()):
    """OUT/NAME.json per set (what FROM= reads back; with the table's rows,
    also the set's score lists, FMR/FNMR curve and own threshold) and
    OUT/model (the embedder's file name)."""
    os.makedirs(out, exist_ok=True)
    for raw in raws:
        extra = {}
        for s in results:
            if s["name"] == raw["name"]:
                extra = dict(scores=s["scores"],
                             curve=curve(s["result"], s["people"]),
                             own_threshold=s["own_threshold"],
                             shipped=s["shipped"])
        path = os.path.join(out, raw["name"] + ".json")
        with open(path + ".tmp", "w") as f:
            json.dump(dict(raw, **extra), f)
        os.replace(path + ".tmp", path)
    with open(os.path.join(out, "model"), "w") as f:
        f.write(model + "\n")


def card_value(key):
    """key's value in the card of the embedder identity loads
    (MED_FACE_EMBEDDER, else make run's), or None."""
    emb = os.environ.get("MED_FACE_EMBEDDER") or \
        face_models_env().get("MED_FACE_EMBEDDER", "")
    card = emb[:-len(".onnx")] + ".card.md" if emb.endswith(".onnx") else ""
    if not os.path.exists(card):
        return None
    with open(card) as f:
        for line in f:
            if line.startswith(key + ":"):
                return line.split(":", 1)[1].strip()
    return None


def flip_measured():
    """Whether identity embeds flip-averaged (MED_FACE_EMBED_FLIP, or,
    unset, the flip_average of the embedder card it loads): stored with
    each set's scores (embed_flip) and written into calibration.json, as
    the card of the threshold must say it (convert.py)."""
    knob = os.environ.get("MED_FACE_EMBED_FLIP", "")
    if knob:
        return knob == "on"
    return card_value("flip_average") == "yes"


def padding_measured():
    """The chip_padding of the embedder card identity loads (None without
    one): stored and written as flip_measured's answer is."""
    v = card_value("chip_padding")
    return float(v) if v is not None else None


def write_out(out, results, chosen, target, model, flip, padding):
    os.makedirs(out, exist_ok=True)
    card = dict(model=model, target_fmr=target, threshold=round(chosen, 4),
                flip_average=flip, chip_padding=padding,
                rule="the largest of the per-set and per-group thresholds "
                     "at the target FMR over those with at least %d "
                     "impostor pairs: it holds the target on the worst of "
                     "them" % int(math.ceil(3 / target)),
                sets=[dict(name=s["name"], kind=s["kind"],
                           people=s["people"], group=s["group"],
                           impostor_pairs=s["shipped"]["impostor_pairs"],
                           genuine_probes=s["shipped"]["genuine_probes"],
                           failures_to_enrol=s["failures_to_enrol"],
                           failures_to_acquire=s["failures_to_acquire"],
                           own_threshold=round(s["own_threshold"], 4),
                           used=large_enough(s, target),
                           at_threshold=rates(s["result"], s["people"],
                                              round(chosen, 4)))
                      for s in results])
    with open(os.path.join(out, "calibration.json"), "w") as f:
        json.dump(card, f, indent=1)


def load_raw(folder, spec):
    """A set's raw measurement from an earlier run's OUT folder."""
    path = os.path.join(folder, spec["name"] + ".json")
    if not os.path.exists(path):
        sys.exit("%s: no earlier measurement at %s" % (spec["name"], path))
    with open(path) as f:
        raw = json.load(f)
    raw.update(opts=spec["opts"], kind=spec["kind"])
    return raw


def main():
    sets = parse_sets(sys.argv[1:])
    earlier = os.environ.get("FROM")
    for spec in sets:
        if not earlier and not os.path.isdir(spec["root"]):
            sys.exit("%s: no such folder %s" % (spec["name"], spec["root"]))
    enrol_n = int(os.environ.get("ENROL_N", "5"))
    target = float(os.environ.get("TARGET_FMR", "0.001"))
    model = "lbp-v2"
    if earlier:
        raws = [load_raw(earlier, spec) for spec in sets]
        with open(os.path.join(earlier, "model")) as f:
            model = f.read().strip()
    else:
        keys = FaceKeys(paths.scratch_dir("smartmed-facecal-"))
        # The models make run ships (the deep ones when the build made
        # them); recognition is measured, not replay: every photograph is
        # probed twice, which the copy check would refuse.
        env = knob_env(dict(keys.env(), MED_FACE_COPY_CHECK="off",
                            **face_models_env()))
        model = os.path.basename(env.get("MED_FACE_EMBEDDER") or model)
        raws = [run_set(spec, env, enrol_n) for spec in sets]
    out = os.environ.get("OUT")
    if os.environ.get("MEASURE_ONLY", "0") not in ("", "0"):
        if not out:
            sys.exit("MEASURE_ONLY needs OUT")
        write_raw(out, raws, model)
        print("measured %s into %s" % (", ".join(r["name"] for r in raws),
                                       out))
        return
    results = [r for raw in raws for r in rows_of(raw, target)]
    chosen = choose(results, target)
    shipped = raws[0]["shipped_threshold"]
    print(table(results, chosen, target))
    if abs(shipped - chosen) > 5e-5:
        print("\nat the threshold identity runs with now, %.4f:\n" % shipped)
        print(table(results, shipped, target))
    for s in results:
        if s["enrol_flip"] and not s["group"]:
            print("%s: %d of %d mirrored enrolment copies refused%s"
                  % (s["name"], s["flip_failures_to_enrol"],
                     s["enrol_photos"],
                     "".join("\n  %s: %s" % tuple(e)
                             for e in s["flip_fte_examples"])))
    print("threshold holding FMR <= %g on every set and group large enough "
          "to show it (the worst one's): %.4f" % (target, chosen))
    if out:
        write_raw(out, raws, model, results)
        flips = {bool(r.get("embed_flip")) for r in raws}
        if len(flips) > 1:
            sys.exit("the sets were measured with and without flip-averaged "
                     "embeddings (MED_FACE_EMBED_FLIP): one threshold "
                     "cannot serve both")
        paddings = {r.get("chip_padding") for r in raws}
        if len(paddings) > 1:
            sys.exit("the sets were measured with different chip_padding "
                     "(%s): one threshold cannot serve them all"
                     % sorted(paddings, key=str))
        write_out(out, results, chosen, target, model, flips.pop(),
                  paddings.pop())
        print("wrote %s" % out)


if __name__ == "__main__":
    main()
