"""Break-glass for one patient (issue 20): identity's StartBreakGlass,
ListBreakGlass and EndBreakGlass.  A ward-3 nurse is refused a ward-5
patient, starts a grant for that patient, reads and writes it (audited as
break-glass, purpose ETREAT, "break-glass grant=<id>"), is still refused
any other patient, ends the grant and is refused again once
MED_CARE_CACHE_TTL_MS has passed.  Another user's grant opens nothing; a
header grant (x-break-glass-start) no longer opens any patient; registrars
cannot break the glass; bad reasons and time boxes are refused naming the
field; one user starting grants in bulk (40 at once) gets at most
MED_BREAK_GLASS_MAX_PER_HOUR (default 20) and RESOURCE_EXHAUSTED naming the
limit for the rest, each refusal audited and counted (issue 31, finding
7).  Real services, real MariaDB, gRPC over loopback."""

import re
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, poll
from test_care_access import (CARE_USERS, as_user, audit_events, call,
                              entries, entry, on_ward, refused)

SERVICES = ("audit", "identity", "records", "dosage", "diagnosis")
TTL_MS = 300
INVALID = grpc.StatusCode.INVALID_ARGUMENT
DENIED = grpc.StatusCode.PERMISSION_DENIED
# MED_BREAK_GLASS_MAX_PER_HOUR's default (docs/operations.md).
PER_HOUR = 20


pytestmark = pytest.mark.stack(
    services=SERVICES, patient_checks=True, care_checks=True,
    # nurse.burst: a user of the rate-limit test alone, so the other
    # tests' grants do not count against it.
    users=dict(CARE_USERS, **{"nurse.burst": ("nurse", "ward-3")}),
    extra_env={"MED_CARE_CACHE_TTL_MS": str(TTL_MS)})


# The pb fixture (tests/conftest.py): {service: module}.
PROTOS = SERVICES


def start(st, idpb, user, pid, reason="LIFE_THREAT", **kw):
    return call(st, user, "identity", "StartBreakGlass",
                idpb.StartBreakGlassRequest(patient_id=pid, reason=reason,
                                            **kw))


def end(st, idpb, user, grant_id):
    return call(st, user, "identity", "EndBreakGlass",
                idpb.EndBreakGlassRequest(grant_id=grant_id))


def listed(st, idpb, user, **kw):
    return call(st, user, "identity", "ListBreakGlass",
                idpb.ListBreakGlassRequest(**kw)).grants


def past_ttl():
    time.sleep(2 * TTL_MS / 1000.0)


def test_grant_opens_one_patient_until_ended(st, pb, idpb):
    pid = on_ward(st, pb, "ward-5")
    other = on_ward(st, pb, "ward-5")
    refused(entries, st, pb, "nurse.w3", pid)
    g = start(st, idpb, "nurse.w3", pid, reason="UNCONSCIOUS", minutes=30,
              justification="found collapsed in the corridor")
    assert len(g.grant_id) == 32 and g.user == "nurse.w3"
    assert g.patient_id == pid and g.reason == "UNCONSCIOUS" and g.active
    assert 29 * 60000 <= g.expires_ms - g.start_ms <= 30 * 60000
    # The refusal was cached for at most the TTL; the grant opens it.
    past_ttl()
    entry(st, pb, "nurse.w3", pid)
    assert len(entries(st, pb, "nurse.w3", pid).entries) == 1
    refused(entries, st, pb, "nurse.w3", other)
    mine = listed(st, idpb, "nurse.w3")
    assert [x.grant_id for x in mine] == [g.grant_id]
    ended = end(st, idpb, "nurse.w3", g.grant_id)
    assert not ended.active and ended.ended_by == "nurse.w3"
    assert ended.ended_ms >= g.start_ms
    past_ttl()
    refused(entries, st, pb, "nurse.w3", pid)
    assert len(listed(st, idpb, "nurse.w3")) == 0
    kept = listed(st, idpb, "nurse.w3", include_ended=True)
    assert g.grant_id in [x.grant_id for x in kept]
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, end, st, idpb,
                  "nurse.w3", g.grant_id, details_contains="already ended")


def test_accesses_audited_and_reported(st, pb, idpb):
    pid = on_ward(st, pb, "ward-5")
    g = start(st, idpb, "nurse.w3", pid, reason="EMERGENCY_CARE")
    entries(st, pb, "nurse.w3", pid)
    evs = audit_events(st, "nurse.w3", lambda e: e.patient_id == pid and
                       e.action.endswith("/ListEntries") and e.break_glass)
    assert evs[0].purpose_of_use == "ETREAT"
    assert "break-glass grant=%s" % g.grant_id in evs[0].detail
    started = audit_events(st, "nurse.w3", lambda e: e.patient_id == pid and
                           e.action.endswith("/StartBreakGlass"))
    assert started[0].break_glass and started[0].purpose_of_use == "ETREAT"
    apb = protos.module("audit")

    def report():
        r = st.call("audit", "PatientAccessReport",
                    apb.PatientAccessReportRequest(patient_id=pid),
                    role="auditor")
        s = [a for a in r.accessors if a.actor == "nurse.w3"]
        return s if s and s[0].break_glass_accesses >= 2 else None
    assert "ETREAT" in poll(report, timeout=10,
                            what="break-glass in the report")[0].purposes
    # Auditors see everyone's grants and may end them.
    assert g.grant_id in [x.grant_id for x in st.call(
        "identity", "ListBreakGlass",
        idpb.ListBreakGlassRequest(patient_id=pid), role="auditor").grants]
    done = st.call("identity", "EndBreakGlass",
                   idpb.EndBreakGlassRequest(grant_id=g.grant_id),
                   role="auditor")
    assert not done.active and done.ended_by != "nurse.w3"


def test_grant_is_its_holders_only(st, pb, idpb):
    pid = on_ward(st, pb, "ward-5")
    g = start(st, idpb, "dr.team", pid)
    refused(entries, st, pb, "nurse.w3", pid)
    assert len(listed(st, idpb, "nurse.w3", patient_id=pid)) == 0
    expect_status(DENIED, end, st, idpb, "nurse.w3", g.grant_id,
                  details_contains="grant_id")
    end(st, idpb, "dr.team", g.grant_id)


def test_header_grant_opens_no_patient(st, pb):
    pid = on_ward(st, pb, "ward-5")
    # Any call of hers starts one; a search, since identity shows her
    # only her own patients (test_lookup_scope.py).
    _r, c = as_user(st, "nurse.w3", "identity", "SearchPatients",
                    pb["identity"].SearchPatientsRequest(
                        family_name_prefix="Care"),
                    md=[("x-break-glass-start", "LIFE_THREAT")])
    grant = dict(c.initial_metadata())["x-break-glass-grant"]
    refused(entries, st, pb, "nurse.w3", pid, [("x-break-glass", grant)])


def test_bad_requests_name_the_field(st, pb, idpb):
    pid = on_ward(st, pb, "ward-5")
    expect_status(INVALID, start, st, idpb, "nurse.w3", pid, reason="BORED",
                  details_prefix="reason:")
    expect_status(INVALID, start, st, idpb, "nurse.w3", pid, minutes=100000,
                  details_prefix="minutes:")
    expect_status(INVALID, start, st, idpb, "nurse.w3", "not-a-uuid",
                  details_prefix="patient_id:")
    expect_status(INVALID, start, st, idpb, "nurse.w3", pid,
                  justification="x" * 501, details_prefix="justification:")
    expect_status(INVALID, end, st, idpb, "nurse.w3", "zz",
                  details_prefix="grant_id:")
    expect_status(grpc.StatusCode.NOT_FOUND, end, st, idpb, "nurse.w3",
                  "0" * 32, details_prefix="grant_id:")
    expect_status(DENIED, st.call, "identity", "StartBreakGlass",
                  idpb.StartBreakGlassRequest(patient_id=pid,
                                              reason="LIFE_THREAT"),
                  role="registrar")


def test_grants_counted_in_metrics(st):
    url = "http://127.0.0.1:%d/metrics" % st.http_port("identity")
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    for event in ("start", "end"):
        m = re.search(r'smartmed_break_glass_grants_total\{event="%s"\} '
                      r'(\d+)' % event, text)
        assert m and int(m.group(1)) >= 1, event
    m = re.search(r'smartmed_care_checks_total\{outcome="break_glass"\} '
                  r'(\d+)', urllib.request.urlopen(
                      "http://127.0.0.1:%d/metrics" % st.http_port("records"),
                      timeout=5).read().decode())
    assert m and int(m.group(1)) >= 1


def metric(st, name):
    url = "http://127.0.0.1:%d/metrics" % st.http_port("identity")
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    m = re.search(r"^%s (\d+)$" % name, text, re.M)
    return int(m.group(1)) if m else None


def test_mass_grants_are_throttled_audited_and_counted(st, pb, idpb):
    """The attack: one nurse starts 40 grants in a fraction of a second."""
    pids = [on_ward(st, pb, "ward-5") for _ in range(4)]
    before = metric(st, "smartmed_break_glass_throttled_total") or 0

    def one(i):
        try:
            start(st, idpb, "nurse.burst", pids[i % len(pids)])
            return "ok", ""
        except grpc.RpcError as e:
            return e.code(), e.details()
    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(one, range(40)))
    codes = [c for c, _ in results]
    assert codes.count("ok") == PER_HOUR, results
    refusals = [d for c, d in results
                if c == grpc.StatusCode.RESOURCE_EXHAUSTED]
    assert len(refusals) == 40 - PER_HOUR, results
    assert all("MED_BREAK_GLASS_MAX_PER_HOUR=%d" % PER_HOUR in d
               for d in refusals), refusals
    assert len(listed(st, idpb, "nurse.burst")) == PER_HOUR
    # Still refused afterwards, whatever the patient.
    expect_status(grpc.StatusCode.RESOURCE_EXHAUSTED, start, st, idpb,
                  "nurse.burst", on_ward(st, pb, "ward-5"),
                  details_contains="MED_BREAK_GLASS_MAX_PER_HOUR")
    assert metric(st, "smartmed_break_glass_throttled_total") == \
        before + 40 - PER_HOUR + 1
    # Each refusal is audited, with its patient, not as emergency access.
    apb = protos.module("audit")

    def refusals_audited():
        recs = st.call("audit", "Query", apb.QueryRequest(
            actor="nurse.burst", limit=1000), role="auditor")
        evs = [r.event for r in recs
               if r.event.action.endswith("/StartBreakGlass") and
               r.event.outcome == exhausted]
        return evs if len(evs) == 40 - PER_HOUR + 1 else None
    exhausted = grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
    evs = poll(refusals_audited, timeout=10, what="the refusals' events")
    for e in evs:
        assert not e.break_glass and e.patient_id, e
        details = {d.key: d.value for d in e.details}
        assert details["rate_limit"] == "%d per hour" % PER_HOUR, e
    # Another user is not held by nurse.burst's grants.
    start(st, idpb, "nurse.w5", pids[0])
