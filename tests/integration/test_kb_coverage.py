"""Issue 72, item 2: the starter knowledge base against the published
lists, replayed as a ward meets them.  For every pair of every source list
in tests/data/kb (the ONC high-priority interactions for EHRs, the classes
the issue names, the label interactions of common inpatient drugs) a
patient has an order of the first drug and a prescriber writes the second:
the order must be refused, or pass with a warning or without one, exactly
as tools/dev/kb-coverage.py predicts from the shipped files, and every ONC
pair must be refused.  So the coverage figures docs/dose-safety.md quotes
are what the running service does, and cannot drift from it: the last test
checks that the page's table is the script's output."""

import csv
import io
import os
import subprocess
import sys
import uuid

import grpc
import pytest

from harness import paths, protos
from harness.checks import now_ms

SERVICES = ("audit", "identity", "records", "dosage")
pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)
PROTOS = "dosage"

HOUR = 3600 * 1000
SCRIPT = os.path.join(paths.REPO_ROOT, "tools", "dev", "kb-coverage.py")
DOC = os.path.join(paths.REPO_ROOT, "docs", "dose-safety.md")


def coverage(*args):
    return subprocess.run([sys.executable, SCRIPT] + list(args), check=True,
                          capture_output=True, text=True,
                          cwd=paths.REPO_ROOT).stdout


PAIRS = list(csv.DictReader(io.StringIO(coverage("--pairs"))))


def product(substance):
    return "KB-" + substance.upper().replace(" ", "-")


@pytest.fixture(scope="module")
def catalogue(st, pb):
    subs = sorted({r[k] for r in PAIRS for k in ("object", "precipitant")})
    for s in subs:
        st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
            code=product(s), name="%s (coverage test)" % s, substance=s,
            unit="mg", routes=["iv"], max_single_dose=1000,
            max_daily_dose=10000, min_interval_minutes=60)),
            role="pharmacist")


def patient(st, pb):
    """A man of 46 with normal kidneys: no age, pregnancy or renal rule
    speaks, so what the order meets is the interaction knowledge."""
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="KB-" + uuid.uuid4().hex[:12].upper(), family_name="Coverage",
        given_name="Case", birth_date="1980-04-03",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=175,
                                  crcl_ml_min=90, allergies_known=True)),
        role="nurse")
    return p


def order(st, pb, p, substance):
    # A small regular dose: no dose limit, opioid sum or as-needed rule
    # has anything to say.
    o = pb.Order(patient_id=p, drug_code=product(substance), dose=0.01,
                 unit="mg", route="iv", frequency="q12h",
                 start_ms=now_ms() - HOUR)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(order=o),
                   role="clinician")


def knowledge_outcome(pb, checks):
    """What the interaction (150) and duplicate-therapy (140) checks say."""
    worst = "ok"
    for c in checks:
        if c.kind not in (140, 150):
            continue
        if c.status == pb.CHECK_STATUS_HARD_STOP:
            return "stop"
        if c.status == pb.CHECK_STATUS_WARN:
            worst = "warn"
    return worst


@pytest.mark.parametrize("row", PAIRS, ids=lambda r: "%s+%s" % (
    r["object"], r["precipitant"]))
def test_pair_does_what_the_coverage_says(st, pb, catalogue, row):
    p = patient(st, pb)
    first = order(st, pb, p, row["object"])
    assert knowledge_outcome(pb, first.checks) == "ok", first.checks
    try:
        second = order(st, pb, p, row["precipitant"])
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.FAILED_PRECONDITION, e.details()
        d = e.details()
        assert d.startswith("order: hard stop"), d
        assert row["outcome"] == "stop", (row, d)
        named = [r.split(" ")[0] for r in row["rules"].split("; ")]
        assert any(n in d for n in named), (row["rules"], d)
        return
    got = knowledge_outcome(pb, second.checks)
    assert got == row["outcome"], (row, [(c.kind, c.status, c.reason)
                                         for c in second.checks])


def test_every_onc_pair_stops():
    onc = [r for r in PAIRS if r["list"] == "onc_high_priority.csv"]
    assert len({r["pair"] for r in onc}) == 15
    assert [r for r in onc if r["outcome"] != "stop"] == []


def test_docs_show_the_scripts_table():
    table = coverage().strip()
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    assert table in doc, "docs/dose-safety.md lacks the table of " \
        "tools/dev/kb-coverage.py:\n" + table
