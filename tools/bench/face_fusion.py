#!/usr/bin/python3
"""Template fusion, the retake band and quality on ORL, through the
identity service (tools/bench/face_fusion.py).

Starts a private MariaDB, audit and identity on the deep face models the
build makes (the classic ones when it made none; MED_FACE_COPY_CHECK=off,
since ORL's ten photographs of a person are one sitting's retakes),
enrols photographs ENROL (default 1-5) of each of ORL's 40 subjects in one
EnrollFace, and sends every other photograph to VerifyFace against its
own subject (a genuine attempt) and against OTHERS other subjects (an
impostor attempt; default all 39).  Each reply carries both scores: score
(with MED_FACE_FUSION=mean, set here: the photograph against the mean of
the patient's unit templates) and best_template_score (the best single
template, the service's default and its behaviour before issue 29), so
one run compares them on the same probes:

- FNMR and FMR at the shipped threshold (the reply's), for best and mean;
- the retake band (MED_FACE_RETAKE_BAND_MILLI): the genuine and impostor
  attempts that land in it, and FNMR and FMR once a score in the band is
  followed by a second photograph (the subject's next probe), as a nurse
  would: judged at the threshold (a free second try) and at the threshold
  plus the band (what the service does, identity_face_decide);
- the probes' quality, and how many were RETAKE for quality.

Skips (exit 0) without ../shared/data/faces/orl.

Knobs (environment): ENROL ("1,2,3,4,5"), OTHERS (39), the MED_FACE_*
knobs of identity_orl.py.
"""

import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

import grpc  # noqa: E402

from harness import Stack, paths, protos  # noqa: E402
from harness.faces import FaceKeys  # noqa: E402
from harness.run import face_models_env  # noqa: E402
from identity_orl import ORL, knob_env, pct, png  # noqa: E402


def enrol(st, pb, enrol_n):
    pids = {}
    for s in range(1, 41):
        pid = st.call("identity", "CreatePatient", pb.CreatePatientRequest(
            mrn="FUSE-%d-%d" % (s, time.time_ns()), family_name="Orl",
            given_name="S%d" % s, birth_date="1970-01-01",
            sex=pb.ADMINISTRATIVE_SEX_UNKNOWN), role="registrar").patient_id
        st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
            patient_id=pid, images=[png(s, n) for n in enrol_n]),
            role="registrar", timeout=60)
        pids[s] = pid
    return pids


def verify(st, pb, pid, img):
    """The reply, or None when the photograph was refused."""
    try:
        return st.call("identity", "VerifyFace", pb.VerifyFaceRequest(
            patient_id=pid, image=img), role="nurse", timeout=30)
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise
        return None


def attempts(st, pb, pids, enrol_n, others):
    """{(subject, probe, claimed): reply or None}."""
    out = {}
    probes = [n for n in range(1, 11) if n not in enrol_n]
    for s in range(1, 41):
        for n in probes:
            img = png(s, n)
            for k in range(others + 1):
                c = (s - 1 + k) % 40 + 1
                out[(s, n, c)] = verify(st, pb, pids[c], img)
    return out, probes


RETAKES = ((None, "one photograph"),
           ("free", "2nd photo at the threshold"),
           ("raised", "2nd photo at threshold+band"))


def rates(res, key, thr, band):
    """FNMR, FMR and their counts by retake policy (RETAKES) after a
    score in [thr - band, thr)."""
    gen = [(k, r) for k, r in res.items() if k[0] == k[2]]
    imp = [(k, r) for k, r in res.items() if k[0] != k[2]]

    def score(r):
        return getattr(r, key) if r is not None else -2.0

    def second(k):
        """The subject's next probe against the same claimed patient."""
        s, n, c = k
        nexts = sorted(p for (s2, p, c2) in res if s2 == s and c2 == c)
        i = nexts.index(n)
        return res[(s, nexts[(i + 1) % len(nexts)], c)]

    def ok(k, r, retake):
        x = score(r)
        if x >= thr:
            return True
        bar = thr + band if retake == "raised" else thr
        return bool(retake) and x >= thr - band and score(second(k)) >= bar
    out = {}
    for retake, _ in RETAKES:
        fn = sum(not ok(k, r, retake) for k, r in gen)
        fm = sum(ok(k, r, retake) for k, r in imp)
        out[retake] = (fn, len(gen), fm, len(imp))
    in_band = (sum(thr - band <= score(r) < thr for _, r in gen),
               sum(thr - band <= score(r) < thr for _, r in imp))
    return out, in_band


def main():
    if not os.path.isdir(ORL):
        print("face_fusion: skipped, no ORL at %s" % ORL)
        return
    enrol_n = [int(x) for x in os.environ.get("ENROL", "1,2,3,4,5").split(",")]
    others = int(os.environ.get("OTHERS", "39"))
    keys = FaceKeys(paths.scratch_dir("smartmed-face-fusion-"))
    # mean, so that score is the fused one beside best_template_score
    env = knob_env(dict(keys.env(), MED_FACE_COPY_CHECK="off",
                        MED_FACE_FUSION="mean", **face_models_env()))
    with Stack(services=("identity", "audit"), extra_env=env) as st:
        pb = protos.module("identity")
        pids = enrol(st, pb, enrol_n)
        res, probes = attempts(st, pb, pids, enrol_n, others)
    any_r = next(r for r in res.values() if r is not None)
    thr, band = any_r.threshold, any_r.threshold - any_r.retake_from
    print("ORL %s: enrolled %s in one EnrollFace each, probes %s, %d "
          "impostor claims per probe; threshold %.4f, retake band %.3f" % (
              ORL, enrol_n, probes, others, thr, band))
    refused = sum(r is None for k, r in res.items() if k[0] == k[2])
    print("genuine probes refused (no face, pose ...): %d" % refused)
    for key, name in (("best_template_score", "best single template "
                       "(default)"), ("score", "mean of unit templates "
                                     "(MED_FACE_FUSION=mean)")):
        r, in_band = rates(res, key, thr, band)
        for retake, what in RETAKES:
            fn, ng, fm, ni = r[retake]
            print("%-48s %-28s FNMR %5.2f %% (%d/%d)  FMR %.4f %% (%d/%d)"
                  % (name, what, 100.0 * fn / ng, fn, ng,
                     100.0 * fm / ni, fm, ni))
        print("%-48s in the retake band: %d genuine, %d impostor" % (
            "", in_band[0], in_band[1]))
        gen = sorted(getattr(r, key) for k, r in res.items()
                     if k[0] == k[2] and r is not None)
        imp = sorted(getattr(r, key) for k, r in res.items()
                     if k[0] != k[2] and r is not None)
        print("%-48s genuine p1/p5/p50 %.4f/%.4f/%.4f, impostor "
              "p99.9/max %.4f/%.4f" % ("", pct(gen, .01), pct(gen, .05),
                                        pct(gen, .5), pct(imp, .999),
                                        imp[-1]))
    qs = sorted(r.quality for k, r in res.items()
                if k[0] == k[2] and r is not None)
    dec = {}
    for k, r in res.items():
        if r is not None:
            d = pb.FaceDecision.Name(r.decision)
            g = "genuine" if k[0] == k[2] else "impostor"
            dec[(g, d)] = dec.get((g, d), 0) + 1
    print("probe quality p1/p5/p50: %.2f/%.2f/%.2f" % (
        pct(qs, .01), pct(qs, .05), pct(qs, .5)))
    if os.environ.get("DUMP"):
        import json
        with open(os.environ["DUMP"], "w") as f:
            json.dump([[k[0], k[1], k[2], r.score, r.best_template_score,
                        r.quality] for k, r in res.items() if r is not None],
                      f)
    print("decisions: %s" % ", ".join("%s %s %d" % (g, d, c) for (g, d), c
                                      in sorted(dec.items())))


if __name__ == "__main__":
    main()
