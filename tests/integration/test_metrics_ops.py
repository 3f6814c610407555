"""Operations gauges over a real scrape: a service's audit spool depth and
lag grow while the audit service is down and drain when it returns, and
its database pool reports its size and connections."""

import time

import grpc
import pytest

from harness import metrics, protos

SVC = "identity"


def scrape(st):
    return metrics.scrape(st, SVC)[0]


def spool(st):
    s = scrape(st)
    return tuple(s[("smartmed_audit_spool_" + n, ())] for n in (
        "pending_events", "pending_bytes", "oldest_pending_age_seconds"))


def wait_until(fn, ok, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if ok(v):
            return v
        if time.monotonic() > deadline:
            pytest.fail("still %r after %.0f s" % (v, timeout))
        time.sleep(0.2)


def get_missing(st):
    _path, req, _resp, _s = protos.method(SVC, "GetPatient")
    with pytest.raises(grpc.RpcError) as e:
        st.call(SVC, "GetPatient", req(mrn="OPS-GAUGE-NONE"),
                role="clinician")
    assert e.value.code() == grpc.StatusCode.NOT_FOUND


pytestmark = pytest.mark.stack(services=("audit", SVC))


def delivered(st):
    return scrape(st)[("smartmed_audit_delivered_total", ())]


def test_audit_spool_gauges_follow_an_outage(st):
    get_missing(st)
    assert wait_until(lambda: spool(st), lambda v: v[0] == 0) == (0, 0, 0)
    before = delivered(st)
    st.stop_service("audit")
    try:
        for _ in range(3):
            get_missing(st)
        events, nbytes, age = wait_until(lambda: spool(st),
                                         lambda v: v[0] >= 3)
        assert nbytes > 100 * events
        time.sleep(1.2)
        # The lag is computed at scrape time, so it grows while waiting.
        assert spool(st)[2] >= age + 1.0
    finally:
        st.start_service("audit")
    assert wait_until(lambda: spool(st), lambda v: v[0] == 0) == (0, 0, 0)
    assert delivered(st) >= before + 3


def test_db_pool_gauges(st):
    get_missing(st)
    s = scrape(st)
    db = (("database", "smartmed_" + SVC),)
    size = s[("smartmed_db_pool_size", db)]
    in_use = s[("smartmed_db_pool_connections", db + (("state", "in_use"),))]
    idle = s[("smartmed_db_pool_connections", db + (("state", "idle"),))]
    assert size >= 1 and 0 <= in_use and 1 <= idle and in_use + idle <= size
    assert s[("smartmed_db_pool_waiters", db)] == 0
