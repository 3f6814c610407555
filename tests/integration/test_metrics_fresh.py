"""Every series the Grafana dashboard plots is on /metrics from start-up,
at zero where nothing happened yet, so that a new install's panels show 0
rather than "No data" (issue 50): the break-glass counters (identity) are
created when the service starts, not on the first grant."""

import json
import os
import re

import pytest

from harness import metrics, paths

# patient checks on (the chart's default) with the care relationship not
# enforced: its outcome counters exist all the same.
pytestmark = pytest.mark.stack(fhir=True, hl7=True, patient_checks=True)

DASHBOARD = os.path.join(paths.REPO_ROOT, "deploy", "k8s", "grafana",
                         "smartmed-dashboard.json")

# The break-glass series identity creates at start, each at 0.
BREAK_GLASS = (
    ("smartmed_break_glass_grants_total", (("event", "start"),)),
    ("smartmed_break_glass_grants_total", (("event", "end"),)),
    ("smartmed_break_glass_throttled_total", ()),
)


# Series whose label values come from the traffic itself (which FHIR
# interaction and status): there is no zero series to show before the
# first request.  (HL7's per-sender series exist from start for every
# bound sender, issue 77.)  The face gauges (one
# labelled with the active face model, the index's template count) exist
# where face recognition is on; the test stack runs without face keys.
FROM_TRAFFIC = {
    "smartmed_fhir_requests_total",
    "smartmed_identity_face_patients_without_active_model_template",
    "smartmed_identity_face_templates",
}
# Series a service reports only where it runs under a CPU quota (a pod's
# limits.cpu), which the test stack's processes do not: tests/kube
# checks them in the chart's pods.
UNDER_A_CPU_QUOTA = {
    "smartmed_cpu_quota_cores",
    "smartmed_cpu_periods_total",
    "smartmed_cpu_throttled_periods_total",
    "smartmed_cpu_throttled_seconds_total",
}


def dashboard_metrics():
    """The smartmed_* metric names the dashboard's queries read."""
    with open(DASHBOARD) as f:
        text = json.dumps(json.load(f))
    return set(re.findall(r"\bsmartmed_[a-z0-9_]+", text))


def test_break_glass_series_at_zero_before_any_grant(st):
    samples, text = metrics.scrape(st, "identity")
    for name, labels in BREAK_GLASS:
        assert samples.get((name, labels)) == 0, (name, labels, [
            l for l in text.splitlines() if "break_glass" in l])


def test_every_dashboard_series_is_scraped_from_start(st):
    seen = set()
    for svc in sorted(st.services):
        samples, _text = metrics.scrape(st, svc)
        for name, _labels in samples:
            seen.add(name)
            # a histogram's panels read _bucket, _sum, _count
            seen.add(re.sub(r"_(bucket|sum|count)$", "", name))
    want = dashboard_metrics()
    assert "smartmed_break_glass_grants_total" in want
    missing = sorted(want - FROM_TRAFFIC - UNDER_A_CPU_QUOTA - seen)
    assert not missing, "not on /metrics of a fresh stack: %s" % missing


def test_zero_series_of_the_care_and_hl7_panels(st):
    samples, _ = metrics.scrape(st, "records")
    for outcome in ("related", "break_glass", "refused", "unavailable"):
        assert metrics.value(samples, "smartmed_care_checks_total",
                             outcome=outcome) == 0, outcome
    samples, _ = metrics.scrape(st, "hl7")
    assert metrics.value(samples, "smartmed_hl7_connections") == 0
    # every bound sender (tests/harness/hl7.py) before its first message
    for sender in ("PAS_HOSP", "LAB_HOSP"):
        assert metrics.value(samples, "smartmed_hl7_messages_total",
                             sender=sender, type="ADT", trigger="A01",
                             outcome="AA") == 0, sender
        assert metrics.value(
            samples, "smartmed_hl7_sender_last_message_seconds",
            sender=sender) > 0, sender
