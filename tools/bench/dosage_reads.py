#!/usr/bin/python3
"""Dosage's reads of a patient, one by one or at once
(tools/bench/dosage_reads.py).

Before every dose check dosage asks three services about the patient:
identity (the patient and merged records), records (allergies, weight,
labs: GetMedicationFacts) and diagnosis (the liver).  Each is an audited
call of its own.  This starts the five services with the test harness
(mutual TLS, as deployed), makes a patient with an order, and times
CheckDose on that order: its latency is mostly those reads
(docs/sizing.md, "Why dosage queues first").

The reference, in the same run: the same three reads made one by one by
this client, as dosage made them before they were run at once.  The
ratio is CheckDose p50 over their summed p50s; below 1 means the reads
overlap.  With BASELINE (another checkout's build directory) each round
runs that build, then this one, alternating, so both see the same
machine; compare their medians, not single rounds.

Knobs (environment): BUILD (build), BASELINE (none), ROUNDS (3),
N (200 timed calls of each kind per round), WARM (20 untimed first).
"""

import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

import rounds as rounds_of  # noqa: E402
from harness import Stack, protos  # noqa: E402
from harness.checks import now_ms  # noqa: E402
from harness.fixtures import (import_sample_catalogue,  # noqa: E402
                              new_patient)

SERVICES = ("audit", "identity", "records", "diagnosis", "dosage")
DAY = 24 * 3600 * 1000


def timed(fn, n, warm):
    """fn() called warm times, then n times timed; their ms, sorted."""
    for _ in range(warm):
        fn()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return sorted(out)


def pct(ms, q):
    return ms[min(len(ms) - 1, int(q * len(ms)))]


def order_of(st):
    """A patient with a paracetamol order; (patient id, order)."""
    pb = protos.module("dosage")
    p = new_patient(st, mrn_prefix="BENCH")
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=170,
                                  crcl_ml_min=90, allergies_known=True)),
        role="nurse")
    o = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code="161", dose=1000, unit="mg",
                       route="oral", frequency="q6h",
                       start_ms=now_ms() - DAY)), role="clinician")
    return p, o


def the_reads(st, p):
    """The three reads CheckDose makes, as this client's calls."""
    ipb, rpb = protos.module("identity"), protos.module("records")
    dpb = protos.module("diagnosis")
    return (
        lambda: st.call("identity", "GetPatient", ipb.GetPatientRequest(
            patient_id=p), role="clinician"),
        lambda: st.call("records", "GetMedicationFacts",
                        rpb.GetMedicationFactsRequest(patient_id=p),
                        role="pharmacist"),
        lambda: st.call("diagnosis", "GetHepaticFacts",
                        dpb.GetHepaticFactsRequest(patient_id=p),
                        role="pharmacist"))


def run_once(build, n, warm):
    os.environ["BUILD"] = build
    pb = protos.module("dosage")
    with Stack(services=SERVICES, patient_checks=True) as st:
        import_sample_catalogue(st)
        p, o = order_of(st)
        check = timed(lambda: st.call("dosage", "CheckDose",
                                      pb.CheckDoseRequest(order_id=o.id),
                                      role="clinician"), n, warm)
        reads = [timed(fn, n, warm) for fn in the_reads(st, p)]
    fig = {"check_p50": pct(check, 0.5), "check_p99": pct(check, 0.99),
           "reads_p50": sum(pct(r, 0.5) for r in reads)}
    fig["ratio"] = fig["check_p50"] / fig["reads_p50"]
    print("CheckDose p50 %.1f ms p99 %.1f ms; the three reads one by one:"
          " %s ms p50 (sum %.1f); ratio %.2f" % (
              fig["check_p50"], fig["check_p99"],
              " + ".join("%.1f" % pct(r, 0.5) for r in reads),
              fig["reads_p50"], fig["ratio"]))
    sys.stdout.flush()
    return fig


def main():
    rounds = int(os.environ.get("ROUNDS", "3"))
    n = int(os.environ.get("N", "200"))
    warm = int(os.environ.get("WARM", "20"))
    runs, names = rounds_of.alternate(rounds,
                                      lambda b: run_once(b, n, warm))
    print("--- medians of %d rounds, N=%d" % (rounds, n))
    for name in names:
        r = runs[name]
        print("%-9s CheckDose p50 %.1f ms (p99 %.1f), reads one by one"
              " %.1f ms, ratio %.2f" % (
                  name, statistics.median(x["check_p50"] for x in r),
                  statistics.median(x["check_p99"] for x in r),
                  statistics.median(x["reads_p50"] for x in r),
                  statistics.median(x["ratio"] for x in r)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
