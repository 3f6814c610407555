#!/usr/bin/python3
"""The bedside check, wristband and face, against VerifyFace alone, in one
run (tools/bench/bedside_check.py; issue 73, "Speed").

Starts a private MariaDB, audit and identity with the test harness (as
face_verify.py does: identity pinned to one core, the client on the
others), registers a patient with an MRN, enrols the first usable
caltech_faces_easy photograph and takes a second one of the same person as
the probe (640x480 JPEG).  Then, ROUNDS times and interleaved so that
drift in the machine's load falls on all three alike, it times:

  verify    VerifyFace with patient_id alone (no wristband): the face;
  bedside   VerifyFace with the wristband as the scanner types it (the MRN
            with its CR LF), the terminal and the camera: the wristband
            resolved and checked against the patient, the face, the
            bedside hold ended on MATCH and a token naming wristband+face;
  echo      grpc.health.v1.Health/Check on the same mutual-TLS channel:
            one round trip with no handler work (the echo).

The copy check is off (MED_FACE_COPY_CHECK=off) so that every call of the
same probe matches and signs its token, as a bedside call does.  Prints
each p50/p95, the ratio bedside/verify of the p50s and the difference of
the p50s against the echo's p50: the bedside check stays within
VerifyFace's p50 plus one round trip when the difference is at most the
echo.  Skips (exit 0) when ../shared/data is absent.

Knobs (environment): ROUNDS (200), CORE, FACES and identity_orl.py's
KNOBS, as face_verify.py.
"""

import glob
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Stack, paths, protos  # noqa: E402
from harness.faces import FaceKeys  # noqa: E402
from identity_orl import knob_env  # noqa: E402
from face_verify import (FACES, cpu_line, pct, pin_process,  # noqa: E402
                         timed, usable_pair)


def rounds_of(st, pb, pid, mrn, img, rounds):
    """{name: [ms]} of the three calls, interleaved."""
    lat = {"verify": [], "bedside": [], "echo": []}
    alone = pb.VerifyFaceRequest(patient_id=pid, image=img)
    bedside = pb.VerifyFaceRequest(wristband=mrn + "\r\n", image=img,
                                   terminal="bench-bed1",
                                   camera="bench-cam1")
    for _ in range(rounds):
        v = timed(lat["verify"], st.call, "identity", "VerifyFace", alone,
                  role="nurse", timeout=30)
        b = timed(lat["bedside"], st.call, "identity", "VerifyFace",
                  bedside, role="nurse", timeout=30)
        timed(lat["echo"], st.health, "identity")
        if not (v.match and b.match and
                b.identifiers_checked == "wristband+face"):
            sys.exit("bedside_check: a round did not match (%r, %r)"
                     % (v, b))
    return lat


def report(lat, rounds, core, cores, env):
    print("identity pinned to core %d of %s; %d rounds; %s" % (
        core, cores, rounds, cpu_line()))
    print("models: %s" % (", ".join(
        "%s=%s" % (k, os.path.basename(v)) for k, v in sorted(env.items())
        if k.startswith("MED_FACE_") and k != "MED_FACE_COPY_CHECK")
        or "classic (Haar, lbp-v2)"))
    for name in ("verify", "bedside", "echo"):
        xs = lat[name]
        print("%-8s ms p50=%.2f p95=%.2f mean=%.2f" % (
            name, pct(xs, .5), pct(xs, .95), statistics.mean(xs)))
    v, b, e = (pct(lat[n], .5) for n in ("verify", "bedside", "echo"))
    print("bedside/verify p50 ratio=%.3f; bedside - verify p50=%.2f ms "
          "against one round trip (echo p50) %.2f ms: %s" % (
              b / v, b - v, e,
              "within VerifyFace p50 + one round trip" if b - v <= e
              else "MORE than VerifyFace p50 + one round trip"))


def main():
    files = sorted(glob.glob(os.path.join(FACES, "*.jpg")))[:20]
    if not files:
        print("bedside_check: skipped, no faces at %s" % FACES)
        return
    rounds = int(os.environ.get("ROUNDS", "200"))
    cores = sorted(os.sched_getaffinity(0))
    core = int(os.environ.get("CORE", cores[-1]))
    keys = FaceKeys(paths.scratch_dir("smartmed-bedside-check-"))
    env = knob_env(dict(keys.env(), MED_FACE_COPY_CHECK="off"))
    with Stack(services=("identity", "audit"), extra_env=env) as st:
        pin_process(st.proc("identity").pid, core)
        rest = set(cores) - {core}
        if rest:
            os.sched_setaffinity(0, rest)
        pb = protos.module("identity")
        mrn = "BENCH-%d" % time.time_ns()
        p = st.call("identity", "CreatePatient", pb.CreatePatientRequest(
            mrn=mrn, family_name="Bench", given_name="Bedside",
            birth_date="1970-01-01", sex=pb.ADMINISTRATIVE_SEX_UNKNOWN),
            role="registrar")
        _, _, img, _ = usable_pair(st, pb, p.patient_id, files)
        lat = rounds_of(st, pb, p.patient_id, mrn, img, rounds)
    report(lat, rounds, core, cores, env)


if __name__ == "__main__":
    main()
