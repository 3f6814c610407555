"""The operating point applied by the service (issue 52, item 2): the
threshold on p(pneumonia) comes from the model's machine-readable card
(services/diagnosis/models/pneumonia_cxr224_v4.card.json, chosen on
validation by a rule on the lower bound: sensitivity's 95 % Wilson lower
bound >= 0.95, issue 76), the service decides each finding with it
(OperatingPoint.positive) and reports it with the expected sensitivity,
specificity, PPV and NPV, each with its 95 % interval, measured on data
the threshold was not chosen on and named, stored with the finding.  Only
configuration changes it (MED_DIAGNOSIS_OPERATING_PERMILLE), and the
threshold in force is logged and audited at every start.

Images: the card's synthetic reference cases (all p(pneumonia) near 1) and
a few plain frames, with the guard off for uploads so that any image gets
a probability; the decision is checked against the reported probability
on each side of the threshold.
"""

import json
import os
import shutil
import sys
import time
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, poll

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "contract", "diagnosis"))
import dximages  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "fhir"))
import fhir_checks  # noqa: E402  (HL7's R4 schema, tests/fhir)

SVC = "diagnosis"
MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                      "services", "diagnosis", "models")
CARD = os.path.join(MODELS, "pneumonia_cxr224_v4.card.json")
V1 = os.path.join(MODELS, "pneumonia_cnn_v1.onnx")
OP_EXT = "https://smartmed.invalid/fhir/StructureDefinition/operating-point"

pytestmark = pytest.mark.stack(services=("audit", SVC))


@pytest.fixture(scope="module", autouse=True)
def defaults_after(st):
    yield
    dximages.restart(st)


@pytest.fixture(scope="module")
def card():
    with open(CARD) as f:
        return json.load(f)["operating_point"]


def _images():
    """PNGs whose p(pneumonia) lies on both sides of any threshold the
    tests set: the reference cases and plain frames (near 1 for the 4.0.0
    model, which calls anything unlike a radiograph pneumonia; the guard
    refuses them in service) and drawn chests, one under the card's 0.115."""
    out = [dximages.png_grey(dximages.case_rows(c))
           for c in dximages.ref_cases()["cases"][:2]]
    for v in (0, 40, 128, 220, 255):
        out.append(dximages.png_grey([[v] * 224 for _ in range(224)]))
    out.append(dximages.png_grey([[(x + y) % 256 for x in range(224)]
                                  for y in range(224)]))
    out.append(dximages.png_grey(dximages.chest_phantom_rows()))
    out.append(dximages.png_grey(dximages.chest_heart_phantom_rows()))
    return out


def _analyze(st, pb, png, pid=None):
    return st.call(SVC, "AnalyzeImage", pb.AnalyzeImageRequest(
        patient_id=pid or str(uuid.uuid4()), image=png), role="clinician",
        timeout=60)


def _p(f, label):
    return [p.probability for p in f.probabilities if p.label == label][0]


def _start_event(st, since_ms):
    ap = protos.module("audit")

    def find():
        for r in st.call("audit", "Query", ap.QueryRequest(
                actor="diagnosis", since_ms=since_ms, limit=100,
                newest_first=True), role="auditor", timeout=10):
            if r.event.action == "diagnosis/operating-point":
                return r.event
        return None
    return poll(find, timeout=30, what="the operating point's audit event")


def _details(ev):
    return {d.key: d.value for d in ev.details}


def _decisions(st, pb, thr):
    """Analyses every image; checks each decision against thr and returns
    the set of decisions seen."""
    seen = set()
    for png in _images():
        f = _analyze(st, pb, png)
        op = f.operating_point
        p = _p(f, "pneumonia")
        assert op.positive == (p >= thr), (p, thr)
        seen.add(op.positive)
    return seen


def test_card_operating_point_applied_and_reported(st, pb, card):
    """Default settings: the card's threshold, its figures and intervals
    in every finding, the decision made by the service, the same after a
    read back, and the start audited with source model-card."""
    t0 = int(time.time() * 1000)
    dximages.restart(st, MED_DIAGNOSIS_GUARD_UPLOADS="false")
    pid = str(uuid.uuid4())
    f = _analyze(st, pb, _images()[0], pid=pid)
    assert f.HasField("operating_point")
    op = f.operating_point
    assert op.label == card["label"] == "pneumonia"
    assert op.source == "model-card"
    assert op.chosen_on == "validation"
    assert op.threshold == pytest.approx(card["threshold"], abs=1e-6)
    assert op.target_sensitivity == pytest.approx(0.95, abs=1e-6)
    assert op.expected_sensitivity == pytest.approx(
        card["expected_sensitivity"], abs=1e-6)
    assert (op.sensitivity_ci_low, op.sensitivity_ci_high) == pytest.approx(
        tuple(card["sensitivity_ci95"]), abs=1e-6)
    assert op.expected_specificity == pytest.approx(
        card["expected_specificity"], abs=1e-6)
    assert (op.specificity_ci_low, op.specificity_ci_high) == pytest.approx(
        tuple(card["specificity_ci95"]), abs=1e-6)
    # Every figure is an interval from data the threshold was not chosen
    # on, with that data named (issue 76, item 2).
    assert op.expected_ppv == pytest.approx(card["expected_ppv"], abs=1e-6)
    assert (op.ppv_ci_low, op.ppv_ci_high) == pytest.approx(
        tuple(card["ppv_ci95"]), abs=1e-6)
    assert op.expected_npv == pytest.approx(card["expected_npv"], abs=1e-6)
    assert (op.npv_ci_low, op.npv_ci_high) == pytest.approx(
        tuple(card["npv_ci95"]), abs=1e-6)
    for lo, point, hi in (
            (op.sensitivity_ci_low, op.expected_sensitivity,
             op.sensitivity_ci_high),
            (op.specificity_ci_low, op.expected_specificity,
             op.specificity_ci_high),
            (op.ppv_ci_low, op.expected_ppv, op.ppv_ci_high),
            (op.npv_ci_low, op.expected_npv, op.npv_ci_high)):
        assert 0 < lo <= point <= hi <= 1
    assert op.measured_on == card["measured_on"]
    assert "Kermany 2018 test split, n=624, paediatric" in op.measured_on
    assert op.positive == (_p(f, "pneumonia") >= op.threshold)
    stored = st.call(SVC, "ListFindings", pb.ListFindingsRequest(
        patient_id=pid), role="clinician").findings
    assert len(stored) == 1
    assert stored[0].operating_point == op
    # The DiagnosticReport carries it too, and stays valid R4.
    res = json.loads(st.call(SVC, "ReadFhir", pb.ReadFhirRequest(
        type="DiagnosticReport", id=f.finding_id),
        role="clinician").resource_json)
    ext, = [e for e in res["extension"] if e["url"] == OP_EXT]
    parts = {e["url"]: [v for k, v in e.items() if k.startswith("value")][0]
             for e in ext["extension"]}
    assert parts["label"] == "pneumonia" and parts["source"] == "model-card"
    assert parts["threshold"] == pytest.approx(card["threshold"])
    assert parts["positive"] is op.positive
    assert parts["sensitivityLow"] == pytest.approx(
        card["sensitivity_ci95"][0])
    assert parts["specificity"] == pytest.approx(
        card["expected_specificity"])
    assert parts["ppvLow"] == pytest.approx(card["ppv_ci95"][0])
    assert parts["npvHigh"] == pytest.approx(card["npv_ci95"][1])
    assert parts["measuredOn"] == card["measured_on"]
    validator = fhir_checks.r4_validator()
    for bundle in fhir_checks.export_pages(st, SVC, pid):
        fhir_checks.assert_valid(validator, bundle)
    ev = _start_event(st, t0)
    d = _details(ev)
    assert d["source"] == "model-card"
    assert d["threshold"] == "%.3f" % card["threshold"]
    assert d["model"] == "pneumonia_cxr224_v4"


def test_decision_on_both_sides_of_the_card_threshold(st, pb, card):
    dximages.restart(st, MED_DIAGNOSIS_GUARD_UPLOADS="false")
    assert _decisions(st, pb, card["threshold"]) == {True, False}


def test_configured_threshold_is_applied_logged_and_audited(st, pb, card):
    """MED_DIAGNOSIS_OPERATING_PERMILLE overrides the card: applied to
    every finding, the card's expected figures dropped (measured at its
    own threshold), a warning logged and the start audited with both
    thresholds."""
    t0 = int(time.time() * 1000)
    dximages.restart(st, MED_DIAGNOSIS_GUARD_UPLOADS="false",
                     MED_DIAGNOSIS_OPERATING_PERMILLE="5")
    f = _analyze(st, pb, _images()[0])
    op = f.operating_point
    assert op.source == "configuration"
    assert op.threshold == pytest.approx(0.005, abs=1e-6)
    assert op.expected_sensitivity == 0 and op.expected_specificity == 0
    assert op.sensitivity_ci_high == 0 and op.measured_on == ""
    assert op.expected_ppv == 0 and op.npv_ci_high == 0
    assert op.label == "pneumonia" and op.chosen_on == "validation"
    seen = _decisions(st, pb, 0.005)
    assert True in seen
    d = _details(_start_event(st, t0))
    assert d["source"] == "configuration"
    assert d["threshold"] == "0.005"
    assert d["card_threshold"] == "%.3f" % card["threshold"]
    log = open(st.log_path(SVC)).read()
    assert "MED_DIAGNOSIS_OPERATING_PERMILLE" in log


def _other_model(card):
    card["sha256"] = "0" * 64


def _no_threshold(card):
    del card["operating_point"]["threshold"]


def _no_ppv_interval(card):
    del card["operating_point"]["ppv_ci95"]


def _no_source(card):
    card["operating_point"]["measured_on"] = ""


@pytest.mark.parametrize("spoil, reason", [
    (_other_model, "is the card of another model file"),
    (_no_threshold, "operating_point.threshold"),
    (_no_ppv_interval, "operating_point.ppv_ci95 missing"),
    (_no_source, "operating_point.measured_on missing"),
], ids=["another-models-card", "no-threshold", "no-ppv-interval",
        "no-source"])
def test_a_bad_card_is_refused(st, pb, tmp_path, spoil, reason):
    """A card whose sha256 is not the model file's, without a threshold,
    or with a figure lacking its interval or the data it was measured on
    named, is not applied: the model is not served (UNAVAILABLE naming
    the card's problem), never a finding decided at a threshold that is
    not this model's."""
    bad = json.load(open(CARD))
    spoil(bad)
    path = tmp_path / "bad.card.json"
    path.write_text(json.dumps(bad))
    dximages.restart(st, MED_DIAGNOSIS_GUARD_UPLOADS="false",
                     MED_DIAGNOSIS_MODEL_CARD=str(path))
    expect_status(grpc.StatusCode.UNAVAILABLE, _analyze, st, pb,
                  _images()[0], details_contains=reason)


def test_a_model_without_a_card(st, pb, tmp_path):
    """The 28 x 28 model has no card: its findings carry no operating
    point; a threshold configured for it is refused (no label to read)."""
    model = tmp_path / "pneumonia_cnn_v1.onnx"
    shutil.copy(V1, model)
    dximages.restart(st, MED_DIAGNOSIS_GUARD_UPLOADS="false",
                     MED_DIAGNOSIS_MODEL=str(model),
                     MED_DIAGNOSIS_MODEL_VERSION="1.1.0")
    f = _analyze(st, pb, _images()[0])
    assert not f.HasField("operating_point")
    dximages.restart(st, MED_DIAGNOSIS_GUARD_UPLOADS="false",
                     MED_DIAGNOSIS_MODEL=str(model),
                     MED_DIAGNOSIS_OPERATING_PERMILLE="500")
    expect_status(grpc.StatusCode.UNAVAILABLE, _analyze, st, pb,
                  _images()[0], details_contains="MED_DIAGNOSIS_OPERATING_PERMILLE")
