#!/usr/bin/python3
"""ORL accuracy and threshold calibration through the identity service
(tools/bench/identity_orl.py).

Starts a private MariaDB, audit and identity (face recognition on: a fresh
vtoken signing key and template key) with the test harness, registers the
40 ORL subjects (../shared/data/faces/orl, PGM converted to PNG with cv2)
and enrols images ENROL (default 1-5) of each, one EnrollFace per image so
a refused photo (no face found, pose, blur) counts as a failure to enrol
instead of losing the subject.  Every other image is then a probe:
IdentifyFace top-1 gives rank-1 accuracy; VerifyFace against the true
subject gives genuine scores and against the next subject an impostor
score; IdentifyFace with top_k 40 also gives every probe's score against
every other subject (the impostor set the threshold is chosen from).
Prints failure-to-enrol/acquire counts, rank-1 two ways (over the probes
the service accepted, and over all probes with a refused probe counted as
a miss), the genuine and impostor score distributions, verification TAR
at FMR 1e-2 and 1e-3 (over all impostor pairs; a refused probe counts as
a non-match), the equal-error threshold and FMR/FNMR at
MED_FACE_THRESHOLD, latency p50/p99 of VerifyFace and IdentifyFace, and
the ratio of VerifyFace p50 to GetPatient p50 measured in the same run.

Knobs (environment): ENROL ("1,2,3,4,5"), MED_FACE_THRESHOLD (the
service default unless set), MED_FACE_EMBEDDER (lbp-v2 unless set; an
ONNX model with its card, to calibrate that model's threshold),
MED_FACE_LANDMARKS (the landmark model an aligned-chip embedder
needs), MED_FACE_DETECTOR (haar unless set; an ONNX detector with its
card), MED_FACE_MIN_SIZE (unset: the embedder's own, 40 px for lbp-v2,
the card's min_face_px for an ONNX model), TARGET_FMR (0.001: the calibration line
prints the smallest threshold whose false-match rate over all impostor
pairs is at most this, and the false-non-match rate there), FACES (a
directory laid out like ORL, s1..s40/1..10.pgm; default
../shared/data/faces/orl) to calibrate on a site's own consented photos.
"""

import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

import grpc  # noqa: E402

from harness import Stack, paths, protos  # noqa: E402
from harness.faces import FaceKeys, ORL  # noqa: E402


ORL = os.environ.get("FACES", ORL)


def png(subject, n):
    import cv2
    img = cv2.imread(os.path.join(ORL, "s%d" % subject, "%d.pgm" % n),
                     cv2.IMREAD_GRAYSCALE)
    return cv2.imencode(".png", img)[1].tobytes()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")


def timed(lat, fn, *a, **kw):
    t = time.perf_counter()
    try:
        return fn(*a, **kw)
    finally:
        lat.append((time.perf_counter() - t) * 1000)


def eer(gen, imp):
    best = None
    for t in sorted(set(gen + imp)):
        fnmr = sum(g < t for g in gen) / len(gen)
        fmr = sum(i >= t for i in imp) / len(imp)
        if best is None or abs(fnmr - fmr) < best[0]:
            best = (abs(fnmr - fmr), t, fnmr, fmr)
    return best[1:]


def cut_at(imp, target):
    """The smallest threshold whose false-match rate over imp (a score
    at or above the threshold matches) is at most target."""
    imp = sorted(imp)
    for i, t in enumerate(imp):
        if (i == 0 or imp[i - 1] < t) and (len(imp) - i) / len(imp) <= target:
            return t
    return imp[-1] + 1e-6


KNOBS = ("MED_FACE_THRESHOLD", "MED_FACE_EMBEDDER", "MED_FACE_LANDMARKS",
         "MED_FACE_DETECTOR", "MED_FACE_MIN_SIZE", "MED_FACE_COPY_CHECK",
         "MED_FACE_PAD", "MED_FACE_PAD_MODEL", "MED_FACE_PAD_THRESHOLD",
         "MED_FACE_EMBED_FLIP", "MED_FACE_FUSION")


def knob_env(env):
    """env plus the MED_FACE_* knobs set in this process's environment
    (the harness passes no MED_ variable through on its own); a model
    path is made absolute, since identity runs in another folder."""
    for knob in KNOBS:
        val = os.environ.get(knob)
        if val:
            env[knob] = (os.path.abspath(val) if val.endswith(".onnx")
                         else val)
    return env


def enrol_all(st, pb, enrol):
    pids, fte = {}, []
    for s in range(1, 41):
        p = st.call("identity", "CreatePatient", pb.CreatePatientRequest(
            mrn="ORL-%d-%d" % (s, time.time_ns()), family_name="Orl",
            given_name="S%d" % s, birth_date="1970-01-01",
            sex=pb.ADMINISTRATIVE_SEX_UNKNOWN), role="registrar")
        pids[s] = p.patient_id
        for n in enrol:
            try:
                st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
                    patient_id=p.patient_id, images=[png(s, n)]),
                    role="registrar", timeout=30)
            except grpc.RpcError as e:
                fte.append((s, n, e.details()))
    return pids, fte


def probe_all(st, pb, pids, enrol):
    r = dict(gen=[], imp=[], all_imp=[], rank1=0, probes=0, fta=[], lv=[], li=[])
    for s in range(1, 41):
        for n in [n for n in range(1, 11) if n not in enrol]:
            img = png(s, n)
            try:
                res = timed(r["li"], st.call, "identity", "IdentifyFace",
                            pb.IdentifyFaceRequest(image=img, top_k=40),
                            role="nurse", timeout=30)
            except grpc.RpcError as e:
                r["fta"].append((s, n, e.details()))
                continue
            r["probes"] += 1
            if res.candidates and res.candidates[0].patient_id == pids[s]:
                r["rank1"] += 1
            r["all_imp"] += [c.score for c in res.candidates
                             if c.patient_id != pids[s]]
            for other, key in ((s, "gen"), (s % 40 + 1, "imp")):
                try:
                    v = timed(r["lv"], st.call, "identity", "VerifyFace",
                              pb.VerifyFaceRequest(patient_id=pids[other],
                                                   image=img),
                              role="nurse", timeout=30)
                    r[key].append(v.score)
                except grpc.RpcError:
                    pass
    return r


def main():
    if not os.path.isdir(ORL):
        sys.exit("ORL faces not present at %s" % ORL)
    enrol = [int(x) for x in os.environ.get("ENROL", "1,2,3,4,5").split(",")]
    keys = FaceKeys(paths.scratch_dir("smartmed-face-bench-"))
    # Recognition, not replay, is measured: each photograph is probed
    # against many patients and repeated, which the copy check refuses.
    env = knob_env(dict(keys.env(), MED_FACE_COPY_CHECK="off"))
    with Stack(services=("identity", "audit"), extra_env=env) as st:
        pb = protos.module("identity")
        pids, fte = enrol_all(st, pb, enrol)
        r = probe_all(st, pb, pids, enrol)
        lg = []
        for _ in range(200):
            timed(lg, st.call, "identity", "GetPatient",
                  pb.GetPatientRequest(patient_id=pids[1]), role="nurse")
        thr = st.call("identity", "GetVerificationKey",
                      pb.GetVerificationKeyRequest(), role="nurse")
        v = st.call("identity", "VerifyFace", pb.VerifyFaceRequest(
            patient_id=pids[1], image=png(1, 10)), role="nurse")
    gen, imp = r["gen"], r["imp"]
    print("enrolment: %d of %d images refused" % (len(fte), 40 * len(enrol)))
    for x in fte[:10]:
        print("  s%d/%d: %s" % x)
    print("probes: %d identified, %d refused" % (r["probes"], len(r["fta"])))
    for x in r["fta"][:10]:
        print("  s%d/%d: %s" % x)
    n_all = r["probes"] + len(r["fta"])
    print("rank-1 (accepted probes): %d/%d = %.1f%%" % (
        r["rank1"], r["probes"], 100.0 * r["rank1"] / max(1, r["probes"])))
    print("rank-1 (all probes, refused = miss): %d/%d = %.1f%%" % (
        r["rank1"], n_all, 100.0 * r["rank1"] / max(1, n_all)))
    print("genuine: n=%d mean=%.4f min=%.4f p5=%.4f" % (
        len(gen), statistics.mean(gen), min(gen), pct(gen, 0.05)))
    print("impostor: n=%d mean=%.4f max=%.4f p95=%.4f" % (
        len(imp), statistics.mean(imp), max(imp), pct(imp, 0.95)))
    ai = r["all_imp"]
    print("impostor (every other subject, from IdentifyFace top 40): "
          "n=%d max=%.4f p99.9=%.4f p99=%.4f" % (
              len(ai), max(ai), pct(ai, 0.999), pct(ai, 0.99)))
    target = float(os.environ.get("TARGET_FMR", "0.001"))
    cut = cut_at(ai, target)
    print("calibration: smallest threshold with FMR <= %g over all impostor "
          "pairs: %.4f (FNMR there %.3f)" % (
              target, cut, sum(g < cut for g in gen) / len(gen)))
    for target in (1e-2, 1e-3):
        t = cut_at(r["all_imp"], target)
        acc = sum(g >= t for g in gen)
        print("TAR at FMR %g (threshold %.4f): %d/%d = %.1f%% of accepted "
              "probes, %d/%d = %.1f%% of all probes" % (
                  target, t, acc, len(gen), 100.0 * acc / len(gen), acc,
                  n_all, 100.0 * acc / n_all))
    t, fnmr, fmr = eer(gen, imp)
    print("EER threshold %.4f: FNMR %.3f FMR %.3f" % (t, fnmr, fmr))
    th = v.threshold
    print("at threshold %.4f: FNMR %.3f (%d/%d) FMR %.3f (%d/%d)" % (
        th, sum(g < th for g in gen) / len(gen), sum(g < th for g in gen),
        len(gen), sum(i >= th for i in imp) / len(imp),
        sum(i >= th for i in imp), len(imp)))
    print("  all impostor pairs: FMR %.4f (%d/%d)" % (
        sum(i >= th for i in ai) / len(ai), sum(i >= th for i in ai),
        len(ai)))
    print("VerifyFace ms p50=%.2f p99=%.2f; IdentifyFace (%d templates) "
          "ms p50=%.2f p99=%.2f; GetPatient ms p50=%.2f; "
          "VerifyFace/GetPatient p50 ratio %.1f" % (
              pct(r["lv"], .5), pct(r["lv"], .99), 40 * len(enrol) - len(fte),
              pct(r["li"], .5), pct(r["li"], .99), pct(lg, .5),
              pct(r["lv"], .5) / pct(lg, .5)))
    print("key id %s, token ttl %d s" % (thr.key_id, thr.token_ttl_s))


if __name__ == "__main__":
    main()
