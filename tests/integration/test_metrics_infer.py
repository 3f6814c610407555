"""Inference metrics over a real scrape: the diagnosis service runs its
model through the inference host (libmed), and its /metrics shows
smartmed_inference_* series labelled with the model, the backend and the
device actually used - also when a GPU was asked for and the host fell
back to the CPU, where the response and the audit details say the same -
with counts that move with the calls, and no patient identifier anywhere
in the exposition."""

import os
import sys
import uuid

import pytest

from harness import Stack, metrics, protos
from harness.fixtures import running
from harness.checks import poll
from harness.metrics import series, value

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "contract", "diagnosis"))
import dximages  # noqa: E402

SVC = "diagnosis"
MODEL = dximages.MODEL_ID
# Model runs per AnalyzeImage: one.  The shipped model's Grad-CAM output
# comes out of the finding's own run (the occlusion map, for a model
# without one, would add 14 x 14).  The guard's run is counted under its
# own model label.
RUNS = 1


def scrape(st):
    return metrics.scrape(st, SVC)


def analyze(st, pb, pid):
    img = dximages.chest_png(1)  # the guard refuses synthetic images
    return st.call(SVC, "AnalyzeImage", pb.AnalyzeImageRequest(
        patient_id=pid, image=img), role="clinician", timeout=10)


def test_model_calls_counted_with_the_device_used(stack):
    pb = protos.module(SVC)
    pid = str(uuid.uuid4())
    lbl = {"model": MODEL, "backend": "cpu"}
    before, _ = scrape(stack)
    f = analyze(stack, pb, pid)
    for _ in range(2):
        analyze(stack, pb, pid)
    after, text = scrape(stack)
    # The label is the device the finding reports (the one used).
    lbl["device"] = f.device
    assert f.device == "cpu" and not f.device_fallback

    def delta(name, **more):
        want = dict(lbl, **more)
        was = series(before, name, **want)
        return value(after, name, **want) - sum(was.values())

    assert delta("smartmed_inference_requests_total",
                 outcome="ok") == 3 * RUNS
    assert delta("smartmed_inference_requests_total", outcome="error") == 0
    assert delta("smartmed_inference_duration_seconds_count") == 3 * RUNS
    assert delta("smartmed_inference_duration_seconds_sum") > 0
    # No batching partner for sequential calls: runs of one item each.
    assert delta("smartmed_inference_batch_size_bucket", le="1") == 3 * RUNS
    assert delta("smartmed_inference_batch_size_sum") == 3 * RUNS
    assert value(after, "smartmed_inference_model_loaded", **lbl,
                 fallback="false") == 1
    # Each finding's overlay was made by Grad-CAM.
    assert value(after, "smartmed_diagnosis_overlays_total",
                 method="grad-cam") - sum(series(
                     before, "smartmed_diagnosis_overlays_total",
                     method="grad-cam").values()) == 3
    # The guard ran once per upload, under its own label.
    assert delta("smartmed_inference_requests_total", outcome="ok",
                 model="chest_guard_v1") == 3
    # Labels come from the model, never from the request.
    assert pid not in text
    assert not series(after, "smartmed_inference_requests_total",
                      device="gpu")


def audit_details(st, pid):
    """The details of the AnalyzeImage audit event of patient pid."""
    apb = protos.module("audit")

    def got():
        recs = st.call("audit", "Query", apb.QueryRequest(patient_id=pid),
                       role="auditor", timeout=10)
        return [r.event for r in recs if r.event.service == SVC and
                r.event.action.endswith("/AnalyzeImage")]
    ev = poll(got, timeout=10, what="the AnalyzeImage audit event")
    return {d.key: d.value for d in ev[0].details}


def test_gpu_fallback_is_labelled_cpu():
    with running(Stack(services=("audit", SVC),
                       extra_env={"MED_INFER_DEVICE": "gpu"})) as st:
        pb = protos.module(SVC)
        pid = str(uuid.uuid4())
        f = analyze(st, pb, pid)
        if f.device == "gpu":
            pytest.skip("a GPU backend is present here")
        # The caller, the audit trail and the metrics name the same device.
        assert (f.device, f.device_fallback) == ("cpu", True)
        a = audit_details(st, pid)
        assert (a["device"], a["device_fallback"]) == ("cpu", "true")
        s, _ = scrape(st)
        lbl = {"model": MODEL, "backend": "cpu", "device": "cpu"}
        assert value(s, "smartmed_inference_model_loaded", **lbl,
                     fallback="true") == 1
        assert value(s, "smartmed_inference_requests_total", **lbl,
                     outcome="ok") == RUNS
        assert not series(s, "smartmed_inference_requests_total",
                          device="gpu")
