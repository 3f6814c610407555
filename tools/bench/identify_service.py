#!/usr/bin/python3
"""identify_service.py - 1:N through the running identity service at
N synthetic templates (docs/sizing.md, "1:N identification at group
scale", the service check).

Starts identity and audit on the deep face models (the test harness),
registers one real patient and enrols ORL photographs 1-3 of a subject
through EnrollFace, then writes N synthetic templates (random unit vectors
of the embedder's dimension, encrypted as the service encrypts them: the
same key, XChaCha20-Poly1305 with patient|template|model as associated
data) straight into identity's face_templates table, and restarts identity
so that its first IdentifyFace loads them all.  It prints identity's RSS
(and peak RSS) before and after that load, the load's time, and over
PROBES further photographs of the subject the median wall time of
IdentifyFace and identity's CPU per call, checking the enrolled patient
comes first.  Run it at two sizes: the difference of the RSS after the
load over the difference of N is the memory per template (fixed costs,
the face models and the pipeline's first call, cancel).

    PYTHONPATH=tests python3 tools/bench/identify_service.py [N] [PROBES]
"""
import os
import statistics
import sys
import time
import uuid

from harness import protos
from harness.faces import deep_face_stack, orl_png, plant_templates

SUBJECT = 11


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def wait_answering(st, name):
    """When service name's gRPC health first answers, SERVING or not."""
    while True:
        try:
            st.health(name, timeout=1.0)
            return time.monotonic()
        except Exception:  # not listening yet: a fresh channel next
            if not st.services[name].is_running():
                raise RuntimeError(st.log_tail(name))
            st._drop_channel(name)
            time.sleep(0.1)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    probes = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    pb = protos.module("identity")
    with deep_face_stack() as st:
        pid = st.call("identity", "CreatePatient", pb.CreatePatientRequest(
            mrn="SCALE-" + uuid.uuid4().hex[:12].upper(), family_name="Scale",
            birth_date="1960-01-02", sex=pb.ADMINISTRATIVE_SEX_MALE),
            role="registrar").patient_id
        st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
            patient_id=pid, images=[orl_png(SUBJECT, k) for k in (1, 2, 3)]),
            role="registrar", timeout=120)
        t0 = time.monotonic()
        model, dim = plant_templates(st, n)
        t2 = time.monotonic()
        print("%d synthetic templates of %s (%d-d): encrypted and "
              "inserted in %.1f s" % (n, model, dim, t2 - t0))
        st.stop_service("identity")
        w0 = time.monotonic()
        st.start_service("identity", wait=False)
        listen_w = wait_answering(st, "identity") - w0
        st.wait_serving("identity", timeout=900)
        ready_w = time.monotonic() - w0
        proc = st.services["identity"].proc.pid
        rss0, hwm0 = status_kib(proc, "VmRSS"), status_kib(proc, "VmHWM")
        c0 = 0.0
        first = st.call("identity", "IdentifyFace", pb.IdentifyFaceRequest(
            image=orl_png(SUBJECT, 4), top_k=5), role="registrar",
            timeout=600)
        load_w, load_c = time.monotonic() - w0, cpu_s(proc) - c0
        rss1, hwm1 = status_kib(proc, "VmRSS"), status_kib(proc, "VmHWM")
        print("identity RSS when serving %.1f MiB (peak %.1f), after the "
              "first IdentifyFace %.1f MiB (peak %.1f); templates searched "
              "%d" % (rss0 / 1024, hwm0 / 1024, rss1 / 1024, hwm1 / 1024,
                      first.searched))
        print("identity start to its health answering: %.1f s; to SERVING "
              "(the index loaded): %.1f s; to the first IdentifyFace "
              "answered: %.1f s; identity CPU until then %.1f s"
              % (listen_w, ready_w, load_w, load_c))
        walls, cpus, firsts = [], [], 0
        for k in range(probes):
            photo = orl_png(SUBJECT, 5 + k % 6)
            c0, w0 = cpu_s(proc), time.monotonic()
            got = st.call("identity", "IdentifyFace", pb.IdentifyFaceRequest(
                image=photo, top_k=5), role="registrar", timeout=120)
            walls.append((time.monotonic() - w0) * 1000)
            cpus.append((cpu_s(proc) - c0) * 1000)
            firsts += bool(got.candidates) and \
                got.candidates[0].patient_id == pid
        print("IdentifyFace over %d templates, %d probes: wall p50 %.1f ms "
              "(min %.1f, max %.1f), identity CPU p50 %.0f ms per call "
              "(clock ticks of %d ms); enrolled patient first in %d of %d"
              % (first.searched, probes, statistics.median(walls),
                 min(walls), max(walls), statistics.median(cpus),
                 1000 // os.sysconf("SC_CLK_TCK"), firsts, probes))
        print("load average %s" % open("/proc/loadavg").read().strip())


if __name__ == "__main__":
    main()
