#!/usr/bin/python3
"""Dosage's writes on a full chart: CreateOrder and RecordAdministration
(tools/bench/dosage_writes.py).

Every new order and every dose charted runs the dose checks against the
patient's whole medication picture: the active orders, the doses of the
interaction and cumulative windows, the home list and the knowledge base
(docs/dose-safety.md).  This starts five services with the test harness
(mutual TLS, as deployed; dosage trusts a verification key made here),
imports the sample catalogue, adds one product for each of 40 substances
of the starter substance table, and makes a patient of 50 with:

- 40 active orders, one per substance, once to four times a day, among
  them four interacting pairs that warn and do not stop (clopidogrel and
  omeprazole, atorvastatin and clarithromycin, sertraline and
  mirtazapine, ramipril and trimethoprim);
- a week of doses charted on them (each RecordAdministration with a
  bedside verification token signed by build/bin/vtoken, as identity
  signs one after the face or stated-identifier check);
- a home list of 15 (AddHomeMedication: medicine, substance, dose text,
  source, status).

Then it times, N times each after WARM untimed calls:

- CreateOrder: a new dexamethasone order (a 41st substance), each one
  discontinued outside the timing so that 40 stay active;
- RecordAdministration: a dose on the paracetamol order, written every
  hour with a 30-minute interval: the week's doses are charted at even
  hours, each timed dose at an odd hour of the week that the interval
  allows (charted late, effective_ms in the past, as a nurse charts a
  dose given earlier in the shift).

With BASELINE (another checkout's build directory) each round runs that
build, then this one, alternating, so both see the same machine; the
ratio printed is this build's median p50 over the baseline's.  Only
fields that both builds know are sent (the home list carries no last
dose or amount).

PROFILE=1 times nothing: it prints, for each build, how many statements
N calls make per call (the server's general log), how many of them read
interaction_kb_active, and the five made most often, for CreateOrder
(with the DiscontinueOrder after it) and RecordAdministration.

With BEFORE as well (a build of this checkout before a change) the
rounds run baseline, before, this, and the ratios of this over before
are printed too.

Knobs (environment): BUILD (build), BASELINE (none), BEFORE (none),
ROUNDS (3), N (60 timed calls of each kind per round; N + WARM at most
78), WARM (5 untimed first), PROFILE (off).
"""

import os
import re
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

import rounds as rounds_of  # noqa: E402
from harness import Stack, paths, protos  # noqa: E402
from harness.checks import now_ms  # noqa: E402
from harness.vtokens import VerificationKeys  # noqa: E402
from harness.fixtures import (import_sample_catalogue,  # noqa: E402
                              new_patient)

SERVICES = ("audit", "identity", "records", "diagnosis", "dosage")
HOUR = 3600 * 1000
DAY = 24 * HOUR
WEEK_MS = 7 * DAY - 2 * HOUR  # inside dosage's 7-day back-charting limit

# (substance, dose in mg, doses a day): 40 orders, one per substance.
ORDERS = [
    ("paracetamol", 500, 12), ("amoxicillin", 500, 3),
    ("cefalexin", 500, 4), ("omeprazole", 20, 1), ("clopidogrel", 75, 1),
    ("atorvastatin", 40, 1), ("clarithromycin", 500, 2),
    ("sertraline", 50, 1), ("mirtazapine", 15, 1), ("ramipril", 5, 1),
    ("amlodipine", 5, 1), ("bisoprolol", 5, 1), ("furosemide", 40, 1),
    ("levothyroxine", 0.1, 1), ("prednisolone", 30, 1),
    ("salbutamol", 4, 3), ("metformin", 500, 2), ("gliclazide", 80, 1),
    ("allopurinol", 100, 1), ("gabapentin", 300, 3),
    ("levetiracetam", 500, 2), ("lamotrigine", 50, 1),
    ("tamsulosin", 0.4, 1), ("cyclizine", 50, 3),
    ("metoclopramide", 10, 3), ("isosorbide mononitrate", 20, 2),
    ("zopiclone", 7.5, 1), ("doxycycline", 100, 1),
    ("nitrofurantoin", 50, 4), ("indapamide", 2.5, 1),
    ("meropenem", 1000, 3), ("isoniazid", 300, 1),
    ("clindamycin", 300, 4), ("trimethoprim", 200, 2),
    ("tizanidine", 2, 3), ("metronidazole", 400, 3),
    ("aripiprazole", 10, 1), ("mycophenolate", 500, 2),
    ("teicoplanin", 400, 1), ("lidocaine", 100, 1),
]
FREQ = {1: "daily", 2: "bid", 3: "tid", 4: "qid", 12: "q1h"}
TIMED_DOSE = "paracetamol"  # q1h, charted every 2 h in the week
NEW_ORDER = ("dexamethasone", 4, "daily")
HOME = [s for s, _, _ in ORDERS[3:18]]  # 15 medicines taken at home


class Keys(VerificationKeys):
    """A pair made by vtoken keygen; a token for a patient as identity
    signs one after a bedside check, valid for the whole setup."""

    def __init__(self):
        super().__init__(paths.scratch_dir("smartmed-bench-vtoken-"))

    def token(self, patient_id):
        return super().token(patient_id, ttl_s=600)


def pct(ms, q):
    return ms[min(len(ms) - 1, int(q * len(ms)))]


def code(substance):
    return "BENCH-" + substance.replace(" ", "-")


def products(st, pb):
    """One oral product per substance (BENCH-<substance>), its limits
    twice the dose and twice the day's doses, a 30-minute interval."""
    for s, dose, per_day in ORDERS + [(NEW_ORDER[0], NEW_ORDER[1], 1)]:
        if s == TIMED_DOSE:
            per_day = 24  # the week's doses and the timed ones
        st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
            code=code(s), name=s.capitalize() + " (bench)",
            substance=s, unit="mg", routes=["oral"],
            max_single_dose=dose * 2, max_daily_dose=dose * per_day * 2,
            min_interval_minutes=30)), role="pharmacist")


def patient(st, pb):
    """A man of 50 with his weight, clearance and allergies assessed,
    and 15 medicines on his home list."""
    p = new_patient(st, mrn_prefix="BENCHW", birth_date="1976-05-01")
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=80, height_cm=178,
                                  crcl_ml_min=90, allergies_known=True)),
        role="nurse")
    for s in HOME:
        st.call("dosage", "AddHomeMedication", pb.AddHomeMedicationRequest(
            patient_id=p, medicine=s.capitalize() + " tablets",
            substance=s, dose_text="as before admission",
            information_source="patient",
            status=pb.HOME_MEDICATION_STATUS_ACTIVE), role="nurse")
    return p


def order(st, pb, p, s, dose, freq, start_ms):
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code=code(s), dose=dose,
                       unit="mg", route="oral", frequency=freq,
                       start_ms=start_ms)), role="clinician")


def give(st, pb, o, dose, at_ms, token):
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o, dose=dose, unit="mg", effective_ms=at_ms,
                       verification_token=token), role="nurse")


def chart_week(st, pb, keys, p, start):
    """The 40 orders, started at start (a week ago), with the week's
    doses charted; returns (the timed order, how many doses)."""
    n, timed_order = 0, None
    for s, dose, per_day in ORDERS:
        o = order(st, pb, p, s, dose, FREQ[per_day], start)
        if s == TIMED_DOSE:
            timed_order = o
        token = keys.token(p)  # one bedside check per order's round
        at = start + 2 * HOUR
        while at < now_ms() - HOUR:
            give(st, pb, o.id, dose, at, token)
            at += DAY // per_day
            n += 1
    return timed_order, n


def timed(fn, prepare, n, warm):
    """prepare() then fn(i, its result), warm times untimed, then n times
    with only fn timed; the ms, sorted."""
    out = []
    for i in range(warm + n):
        arg = prepare()
        t0 = time.perf_counter()
        fn(i, arg)
        if i >= warm:
            out.append((time.perf_counter() - t0) * 1000)
    return sorted(out)


def bench_create(st, pb, p, n, warm):
    """CreateOrder of NEW_ORDER; each discontinued after its timing so
    that 40 stay active."""
    last = []

    def prepare():
        for o in last:
            st.call("dosage", "DiscontinueOrder", pb.DiscontinueOrderRequest(
                order_id=o.id, reason="bench: keep 40 orders active"),
                role="clinician")
        last.clear()

    def fn(_, __):
        last.append(order(st, pb, p, NEW_ORDER[0], NEW_ORDER[1],
                          NEW_ORDER[2], now_ms()))
    ms = timed(fn, prepare, n, warm)
    prepare()
    return ms


def bench_give(st, pb, keys, p, o, start, n, warm):
    """RecordAdministration on the q1h order at the odd hours of the
    week (its even hours were charted), a fresh token for each dose."""
    dose = [d for s, d, _ in ORDERS if s == TIMED_DOSE][0]
    if start + (2 * (warm + n) + 3) * HOUR > now_ms() - HOUR:
        raise SystemExit("N + WARM: at most %d timed doses in the week"
                         % ((WEEK_MS // HOUR - 4) // 2))

    def fn(i, token):
        give(st, pb, o.id, dose, start + (2 * i + 3) * HOUR, token)
    return timed(fn, lambda: keys.token(p), n, warm)


def general_log(path):
    """The statements of a MariaDB general log (Query and Execute)."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.search(r"\d (Query|Execute)\t(.*)", line)
            if m:
                out.append(m.group(2).strip())
    return out


def profile(st, name, calls, k):
    """With PROFILE=1: the statements k calls() make per call (all
    services' and the harness's, from the server's general log), those
    that read interaction_kb_active, and the five made most often."""
    log = os.path.join(st.workdir, "general-%s.log" % name)
    st.sql("SET GLOBAL general_log_file = '%s'; SET GLOBAL general_log = 1"
           % log)
    calls(k)
    st.sql("SET GLOBAL general_log = 0")
    stmts = [q for q in general_log(log) if not q.startswith("SET GLOBAL")]
    kb = [q for q in stmts if "interaction_kb_active" in q]
    print("%s: %.1f statements per call, %.1f of them read "
          "interaction_kb_active" % (name, len(stmts) / k, len(kb) / k))
    count = {}
    for q in stmts:
        count[q[:100]] = count.get(q[:100], 0) + 1
    for q, c in sorted(count.items(), key=lambda x: -x[1])[:5]:
        print("  %4.1f per call: %s" % (c / k, q))
    sys.stdout.flush()


def run_profile(st, pb, keys, p, o, start, k):
    dose = [d for s, d, _ in ORDERS if s == TIMED_DOSE][0]

    def create(k):
        for _ in range(k):
            x = order(st, pb, p, NEW_ORDER[0], NEW_ORDER[1], NEW_ORDER[2],
                      now_ms())
            st.call("dosage", "DiscontinueOrder", pb.DiscontinueOrderRequest(
                order_id=x.id, reason="bench: keep 40 orders active"),
                role="clinician")

    def give_k(k):
        for i in range(k):
            give(st, pb, o.id, dose, start + (2 * i + 3) * HOUR,
                 keys.token(p))
    profile(st, "CreateOrder+DiscontinueOrder", create, k)
    profile(st, "RecordAdministration", give_k, k)


def run_once(build, n, warm):
    os.environ["BUILD"] = build
    pb = protos.module("dosage")
    keys = Keys()
    with Stack(services=SERVICES, patient_checks=True, extra_env={
            "MED_IDENTITY_PUBLIC_KEY_FILE": keys.pub}) as st:
        import_sample_catalogue(st)
        products(st, pb)
        p = patient(st, pb)
        start = now_ms() - WEEK_MS
        t0 = time.perf_counter()
        o, doses = chart_week(st, pb, keys, p, start)
        setup_s = time.perf_counter() - t0
        if os.environ.get("PROFILE"):
            run_profile(st, pb, keys, p, o, start, n)
            return None
        create = bench_create(st, pb, p, n, warm)
        given = bench_give(st, pb, keys, p, o, start, n, warm)
    fig = {"create_p50": pct(create, 0.5), "create_p90": pct(create, 0.9),
           "give_p50": pct(given, 0.5), "give_p90": pct(given, 0.9)}
    print("%d doses charted in %.0f s; CreateOrder p50 %.1f ms p90 %.1f; "
          "RecordAdministration p50 %.1f ms p90 %.1f" % (
              doses, setup_s, fig["create_p50"], fig["create_p90"],
              fig["give_p50"], fig["give_p90"]), flush=True)
    return fig


def builds():
    """rounds.builds() with BEFORE, when set, between the two: this
    checkout's build before a change, beside the baseline."""
    order = rounds_of.builds()
    before = os.environ.get("BEFORE", "")
    if before:
        order.insert(len(order) - 1, ("before", before))
    return order


def ratio(med, a, b):
    t, r = med[a], med[b]
    print("ratio %s/%s: CreateOrder p50 %.2f (p90 %.2f), "
          "RecordAdministration p50 %.2f (p90 %.2f)" % (
              a, b, t["create_p50"] / r["create_p50"],
              t["create_p90"] / r["create_p90"],
              t["give_p50"] / r["give_p50"], t["give_p90"] / r["give_p90"]))


def main():
    rounds = int(os.environ.get("ROUNDS", "3"))
    n = int(os.environ.get("N", "60"))
    warm = int(os.environ.get("WARM", "5"))
    order = builds()
    runs = dict((name, []) for name, _ in order)
    for i in range(rounds):  # in turn, as rounds.alternate does
        for name, b in order:
            print("--- round %d of %d: %s (%s)" % (i + 1, rounds, name, b),
                  flush=True)
            runs[name].append(run_once(b, n, warm))
    if os.environ.get("PROFILE"):
        return 0
    print("--- medians of %d rounds, N=%d, load average %s" % (
        rounds, n, " ".join("%.1f" % x for x in os.getloadavg())))
    med = {}
    for name, _ in order:
        r = runs[name]
        med[name] = dict((k, statistics.median(x[k] for x in r))
                         for k in r[0])
        print("%-9s CreateOrder p50 %.1f ms (p90 %.1f), "
              "RecordAdministration p50 %.1f ms (p90 %.1f)" % (
                  name, med[name]["create_p50"], med[name]["create_p90"],
                  med[name]["give_p50"], med[name]["give_p90"]))
    for name in [x for x, _ in order if x != "baseline"]:
        if "baseline" in med:
            ratio(med, name, "baseline")
    if "before" in med:
        ratio(med, "this", "before")
    return 0


if __name__ == "__main__":
    sys.exit(main())
