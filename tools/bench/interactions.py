#!/usr/bin/python3
"""Interaction check benchmark (tools/bench/interactions.py; issue 47,
"Speed").

Starts a private stack (audit, identity, records, dosage) with the test
harness, charts one patient with 40 orders in force and a week of doses
(two a day of each), then times CreateOrder and RecordAdministration on
that chart under three knowledge bases, imported in turn in every round
so that all three see the same machine:

  baseline  one rule: the check runs, reads the chart and evaluates
            one rule (the closest to "no check")
  starter   the shipped starter set (services/dosage/knowledge/)
  10k       10,000 rules over the substance table: pairs, ATC classes,
            groups and cumulative rules

Each round imports a knowledge base, warms up, then times N CreateOrder
calls (each new order discontinued after, untimed) and N
RecordAdministration calls (each marked entered in error after, untimed,
so the chart stays a week of doses).  Every base holds one rule that the
timed order meets, so each call does the same work (a stop, an
override) but for the number of rules.
The summary prints each base's p50 (median of the rounds' p50s) and its
ratio to the baseline (the median of the rounds' ratios: each round
starts with another base); the issue's goal is at most 1.2.

Knobs (environment): BUILD (build), ROUNDS (6), N (60).
"""

import os
import random
import re
import statistics
import sys
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

from harness import Stack, protos  # noqa: E402
from harness.fixtures import write_user_tokens  # noqa: E402

HOUR = 3600 * 1000
# The second pharmacist who approves a base that drops rules.
SECOND = "pharm.second"
DAY = 24 * HOUR
# Members of a duplicate-therapy class (two on one chart stop as
# duplicates, not as interactions) and products with their own rules.
SKIP_ATC = ("M01A", "N02A", "R05DA04", "N01AH", "B01A", "N02BE01",
            "A10A", "A12BA01", "L01", "C01AA05")


def table():
    """(substance, ATC) of the substance table, from classes.c."""
    with open(os.path.join(REPO, "services", "dosage", "catalogue",
                           "classes.c")) as f:
        return re.findall(r'^\t\{"([a-z -]+)", "([A-Z][0-9]{2}[A-Z]{2}'
                          r'[0-9]{2})"\}', f.read(), re.M)


def kb_10k(subs, rnd, firing):
    """10,000 rules over the table: mostly pairs of substances, some by
    ATC class and group, some cumulative; and the firing rule."""
    names = [s for s, _ in subs]
    classes = sorted({a[:5] for _, a in subs} | {a[:4] for _, a in subs})
    lines = []
    for g in range(20):
        members = rnd.sample(names, 8) + rnd.sample(classes, 2)
        lines.append("group,g%d,%s,bench group %d" % (g, ";".join(members),
                                                     g))
    seen = {("p",) + tuple(sorted(firing))}
    sev = ("contraindicated", "major", "moderate")
    i = -1
    while len(lines) < 20 + 10000:
        i += 1
        if i % 50 == 0:
            g = i // 50 % 20
            n = 2 + i // 50 // 20 % 9
            key = ("c", g, n)
            terms = "g%d >= %d" % (g, n)
            kind = "cumulative"
        else:
            pool = names if i % 10 else classes + ["g%d" % (i % 20)]
            a, b = rnd.sample(pool, 2) if i % 10 else (
                rnd.choice(pool), rnd.choice(names))
            key = ("p",) + tuple(sorted((a, b)))
            terms = "%s + %s" % (a, b)
            kind = "interaction"
        if key in seen or terms.split(" + ")[0] == terms.split(" + ")[-1]:
            continue
        seen.add(key)
        lines.append('%s,B-%05d,%s,%s,"bench mechanism %d","bench action",'
                     '"bench source %d"' % (kind, i, terms,
                                            sev[i % 3], i, i))
    return "\n".join(lines) + "\n" + firing_rule(firing)


def firing_rule(pair):
    """The rule every base holds, so that the timed order stops (and is
    overridden) under each: the same work but for the rules' number."""
    return "interaction,X-1,%s + %s,major,m,a,bench\n" % pair


def starter_text():
    with open(os.path.join(REPO, "services", "dosage", "knowledge",
                           "interactions.csv")) as f:
        return "".join(l for l in f if not l.startswith("version,"))


class Bench:
    def __init__(self, st):
        self.st = st
        self.pb = protos.module("dosage")

    def call(self, method, req, role):
        return self.st.call("dosage", method, req, role=role, timeout=30)

    def override(self):
        pb = self.pb
        return pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                           text="benchmark")

    def drug(self, code, substance):
        pb = self.pb
        self.call("UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
            code=code, name="bench " + substance, substance=substance,
            unit="mg", routes=["oral"], max_single_dose=1000,
            max_daily_dose=100000)), "pharmacist")

    def patient(self):
        ipb = protos.module("identity")
        pb = self.pb
        p = self.st.call("identity", "CreatePatient",
                         ipb.CreatePatientRequest(
                             mrn="BI-" + uuid.uuid4().hex[:12].upper(),
                             family_name="Bench", given_name="Case",
                             birth_date="1950-01-01",
                             sex=ipb.ADMINISTRATIVE_SEX_MALE),
                         role="registrar").patient_id
        self.call("SetPatientContext", pb.SetPatientContextRequest(
            context=pb.PatientContext(patient_id=p, weight_kg=70,
                                      height_cm=170, crcl_ml_min=90,
                                      allergies_known=True)), "nurse")
        return p

    def order(self, p, code, start, verify=True):
        pb = self.pb
        o = self.call("CreateOrder", pb.CreateOrderRequest(
            order=pb.Order(patient_id=p, drug_code=code, dose=10, unit="mg",
                           route="oral", frequency="q12h", start_ms=start),
            dose_override=self.override()), "clinician")
        if verify and o.status == pb.ORDER_STATUS_PENDING_VERIFICATION:
            o = self.call("VerifyOrder", pb.VerifyOrderRequest(
                order_id=o.id, note="bench",
                dose_override=self.override()), "pharmacist")
        return o

    def give(self, o, at):
        pb = self.pb
        return self.call("RecordAdministration",
                         pb.RecordAdministrationRequest(
                             order_id=o.id, dose=10, unit="mg",
                             effective_ms=at,
                             identity_override=pb.Override(
                                 reason=pb.OVERRIDE_REASON_EMERGENCY,
                                 text="wristband"),
                             dose_override=self.override()), "clinician")

    def import_kb(self, text, version):
        pb = self.pb
        t = time.monotonic()
        kb = self.call("ImportInteractions", pb.ImportInteractionsRequest(
            csv=text.encode(), version=version), "pharmacist")
        if kb.state == "pending":
            # A base that drops rules waits for a second pharmacist
            # (docs/dose-safety.md, "How a pharmacy maintains it").
            kb = self.st.call("dosage", "ApproveInteractions",
                              pb.ApproveInteractionsRequest(version=version),
                              token=self.st.user_tokens[SECOND], timeout=30)
        return kb.rules, time.monotonic() - t


def timed(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out)


def main():
    rounds = int(os.environ.get("ROUNDS", "6"))
    n = int(os.environ.get("N", "60"))
    rnd = random.Random(47)
    subs = table()
    chart = [(s, a) for s, a in subs
             if not any(a.startswith(x) for x in SKIP_ATC)]
    rnd.shuffle(chart)
    chart = chart[:41]
    firing = (chart[40][0], chart[0][0])
    bases = {
        "baseline": firing_rule(firing),
        "starter": starter_text() + firing_rule(firing),
        "10k": kb_10k(subs, rnd, firing),
    }
    results = {k: {"CreateOrder": [], "RecordAdministration": []}
               for k in bases}
    stack = Stack(services=("audit", "identity", "records", "dosage"),
                  patient_checks=True)
    stack.user_tokens = write_user_tokens(stack.tokens_path,
                                          {SECOND: ("pharmacist", None)})
    with stack as st:
        b = Bench(st)
        for i, (s, _) in enumerate(chart):
            b.drug("B%02d" % i, s)
        p = b.patient()
        now = int(time.time() * 1000)
        start = now - 7 * DAY + 2 * HOUR
        print("charting 40 orders and a week of doses ...", flush=True)
        orders = [b.order(p, "B%02d" % i, start) for i in range(40)]
        for d in range(14):
            for o in orders:
                b.give(o, start + d * 12 * HOUR)
        extra = "B40"  # the drug the timed orders prescribe
        subject = orders[0]
        names = list(bases)
        for r in range(rounds):
            # The chart's tables grow a little with every timed call and
            # the machine's load drifts: each round starts with another
            # base, and ratios are taken within a round.
            for name in names[r % 3:] + names[:r % 3]:
                text = bases[name]
                rules, secs = b.import_kb(text, "bench-%s-%d" % (name, r))
                made, given = [], []

                def create():
                    made.append(b.order(p, extra, now, verify=False))

                def give():
                    given.append(b.give(subject, 0))

                for _ in range(5):  # warm up: the copy is compiled
                    create()
                    give()
                c = timed(create, n)
                g = timed(give, n)
                # The chart as it was: the timed orders stopped, the
                # timed doses marked entered in error (not counted).
                for o in made:
                    b.call("DiscontinueOrder", b.pb.DiscontinueOrderRequest(
                        order_id=o.id, reason="bench"), "clinician")
                for m in given:
                    b.call("MarkAdministrationEnteredInError",
                           b.pb.MarkAdministrationEnteredInErrorRequest(
                               administration_id=m.id, reason="bench"),
                           "pharmacist")
                results[name]["CreateOrder"].append(c)
                results[name]["RecordAdministration"].append(g)
                print("round %d %-8s (%5d rules, import %.1f s): "
                      "CreateOrder p50 %.2f ms, RecordAdministration p50 "
                      "%.2f ms" % (r + 1, name, rules, secs, c, g),
                      flush=True)
    print("\nmedians of %d rounds (p50 of %d calls each; the ratio is the "
          "median of each round's ratio to that round's baseline):" % (
              rounds, n))
    for name in bases:
        for m, v in results[name].items():
            ratios = [x / y for x, y in zip(v, results["baseline"][m])]
            print("  %-8s %-21s p50 %6.2f ms  ratio to baseline %.2f "
                  "(rounds %s)" % (name, m, statistics.median(v),
                                   statistics.median(ratios),
                                   " ".join("%.2f" % x for x in ratios)))


if __name__ == "__main__":
    main()
