"""Behaviours every smartmed service shares: health, unknown methods,
authentication, metrics over HTTP."""

import time
import urllib.request

import grpc
import pytest

from harness import SERVING, protos
from harness.checks import expect_status, field_bytes, rpc_error

SERVICES = protos.SERVICES


def _health_stub(stack, svc, method="Check", stream=False):
    h = protos.health()
    ch = stack.channel(svc)
    mk = ch.unary_stream if stream else ch.unary_unary
    return h, mk("/grpc.health.v1.Health/" + method,
                 request_serializer=h.HealthCheckRequest.SerializeToString,
                 response_deserializer=h.HealthCheckResponse.FromString)


@pytest.mark.parametrize("svc", SERVICES)
def test_health_whole_server_serving(stack, svc):
    assert stack.health(svc, "") == SERVING


@pytest.mark.parametrize("svc", SERVICES)
def test_health_service_name_serving(stack, svc):
    assert stack.health(svc, protos.FULL_NAME[svc]) == SERVING


@pytest.mark.parametrize("svc", SERVICES)
def test_health_unknown_service_not_found(stack, svc):
    h, check = _health_stub(stack, svc)
    expect_status(grpc.StatusCode.NOT_FOUND, check,
                  h.HealthCheckRequest(service="no.such.v1.Service"),
                  timeout=5)


@pytest.mark.parametrize("svc", SERVICES)
def test_health_needs_no_token_and_ignores_bad_one(stack, svc):
    h, check = _health_stub(stack, svc)
    r = check(h.HealthCheckRequest(service=""), timeout=5,
              metadata=[("authorization", "Bearer wrong")])
    assert r.status == SERVING


@pytest.mark.parametrize("svc", SERVICES)
def test_health_watch_sends_status_at_once(stack, svc):
    h, watch = _health_stub(stack, svc, "Watch", stream=True)
    call = watch(h.HealthCheckRequest(service=""), timeout=10)
    try:
        first = next(call)
        assert first.status == SERVING
    finally:
        call.cancel()


@pytest.mark.parametrize("svc", SERVICES)
def test_unknown_method_unimplemented_fast(stack, svc):
    path = "/%s/NoSuchMethod" % protos.FULL_NAME[svc]
    t0 = time.monotonic()
    expect_status(grpc.StatusCode.UNIMPLEMENTED, stack.raw_call, svc, path,
                  b"", metadata=stack.metadata("admin"), timeout=5)
    assert time.monotonic() - t0 < 2.0, "UNIMPLEMENTED took too long"


@pytest.mark.parametrize("svc", SERVICES)
def test_unknown_service_unimplemented_fast(stack, svc):
    t0 = time.monotonic()
    expect_status(grpc.StatusCode.UNIMPLEMENTED, stack.raw_call, svc,
                  "/smartmed.nosuch.v1.Nothing/Do", b"",
                  metadata=stack.metadata("admin"), timeout=5)
    assert time.monotonic() - t0 < 2.0, "UNIMPLEMENTED took too long"


# A cheap read method of each service with a request that is valid apart
# from authentication.
READS = {
    "identity": ("GetPatient", lambda pb: pb.GetPatientRequest(
        patient_id="00000000-0000-4000-8000-000000000000")),
    "records": ("ListEntries", lambda pb: pb.ListEntriesRequest(
        patient_id="00000000-0000-4000-8000-000000000000")),
    "dosage": ("ListDrugs", lambda pb: pb.ListDrugsRequest()),
    "diagnosis": ("ListConditions", lambda pb: pb.ListConditionsRequest(
        patient_id="00000000-0000-4000-8000-000000000000")),
    "audit": ("Query", lambda pb: pb.QueryRequest(limit=1)),
}


def _read(svc):
    name, mk = READS[svc]
    return name, mk(protos.module(svc))


@pytest.mark.parametrize("svc", SERVICES)
def test_no_token_unauthenticated(stack, svc):
    name, req = _read(svc)
    expect_status(grpc.StatusCode.UNAUTHENTICATED, stack.call, svc, name,
                  req)


@pytest.mark.parametrize("svc", SERVICES)
def test_wrong_token_unauthenticated(stack, svc):
    name, req = _read(svc)
    expect_status(grpc.StatusCode.UNAUTHENTICATED, stack.call, svc, name,
                  req, token="not-a-valid-token-0123456789")


@pytest.mark.parametrize("svc", SERVICES)
def test_malformed_authorization_unauthenticated(stack, svc):
    name, req = _read(svc)
    expect_status(grpc.StatusCode.UNAUTHENTICATED, stack.call, svc, name,
                  req, metadata=[("authorization",
                                  "Basic " + stack.token("admin"))])


def _http_get(stack, svc, path):
    url = "http://127.0.0.1:%d%s" % (stack.http_port(svc), path)
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.read().decode("utf-8", "replace")


@pytest.mark.parametrize("svc", SERVICES)
def test_http_healthz_and_readyz(stack, svc):
    assert _http_get(stack, svc, "/healthz")[0] == 200
    assert _http_get(stack, svc, "/readyz")[0] == 200


@pytest.mark.parametrize("svc", SERVICES)
def test_http_metrics_count_grpc_calls(stack, svc):
    name, req = _read(svc)
    try:
        stack.call(svc, name, req)  # UNAUTHENTICATED, counted all the same
    except grpc.RpcError:
        pass
    status, body = _http_get(stack, svc, "/metrics")
    assert status == 200
    assert "grpc_server_started_total" in body
    assert "grpc_server_handled_total" in body
    assert "grpc_server_handling_seconds" in body


# One string field per service: (method, role, request without the field,
# field number, field name as it appears in an error).
def _string_field_case(svc):
    pb = protos.module(svc)
    pid = "00000000-0000-4000-8000-000000000000"
    if svc == "identity":
        return ("CreatePatient", "registrar", pb.CreatePatientRequest(
            mrn="NUL-1", birth_date="1980-01-01",
            sex=pb.ADMINISTRATIVE_SEX_MALE), 2, "family_name")
    if svc == "records":
        return ("CreateEntry", "clinician", pb.CreateEntryRequest(
            patient_id=pid, kind=pb.ENTRY_KIND_NOTE, body="x"), 3, "title")
    if svc == "dosage":
        return ("GetDrug", "pharmacist", pb.GetDrugRequest(), 1, "code")
    if svc == "diagnosis":
        return ("ListConditions", "clinician", pb.ListConditionsRequest(),
                1, "patient_id")
    return ("Query", "auditor", pb.QueryRequest(limit=1), 2, "actor")


@pytest.mark.parametrize("svc", SERVICES)
def test_embedded_nul_in_string_invalid(stack, svc):
    method, role, base, num, name = _string_field_case(svc)
    raw = base.SerializeToString() + field_bytes(num, b"Do\x00e")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, svc, method,
                  raw, role=role, details_prefix=name)


@pytest.mark.parametrize("svc", SERVICES)
def test_oversized_message_refused_and_service_survives(stack, svc):
    method, role, base, num, _name = _string_field_case(svc)
    raw = base.SerializeToString() + field_bytes(num, b"a" * (5 << 20))
    e = rpc_error(stack.call, svc, method, raw, role=role, timeout=20)
    assert e.code() in (grpc.StatusCode.RESOURCE_EXHAUSTED,
                        grpc.StatusCode.INVALID_ARGUMENT), (e.code(),
                                                            e.details())
    assert stack.health(svc) == SERVING


def _nested_unknown(depth):
    inner = b""
    for _ in range(depth):
        inner = field_bytes(1, inner)
    return field_bytes(99, inner)


@pytest.mark.parametrize("svc", SERVICES)
def test_deeply_nested_unknown_field_does_not_crash(stack, svc):
    method, role, base, num, _name = _string_field_case(svc)
    raw = base.SerializeToString() + _nested_unknown(20000)
    try:
        stack.call(svc, method, raw, role=role, timeout=10)
    except grpc.RpcError as e:
        assert e.code() not in (grpc.StatusCode.UNKNOWN,
                                grpc.StatusCode.INTERNAL,
                                grpc.StatusCode.UNAVAILABLE), (e.code(),
                                                               e.details())
    assert stack.proc(svc).poll() is None, "%s died" % svc
    assert stack.health(svc) == SERVING


@pytest.mark.parametrize("svc", SERVICES)
def test_truncated_message_invalid(stack, svc):
    method, role, base, num, _name = _string_field_case(svc)
    raw = base.SerializeToString() + bytes([(num << 3) | 2, 50]) + b"short"
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, svc, method,
                  raw, role=role)


@pytest.mark.parametrize("svc", SERVICES)
def test_request_id_metadata_accepted(stack, svc):
    name, req = _read(svc)
    role = {"identity": "clinician", "records": "clinician",
            "dosage": "nurse", "diagnosis": "nurse", "audit": "auditor"}[svc]
    try:
        stack.call(svc, name, req, role=role, request_id="rid-" + svc)
    except grpc.RpcError as e:  # GetPatient of an unknown id
        assert e.code() == grpc.StatusCode.NOT_FOUND, (e.code(),
                                                       e.details())


@pytest.mark.parametrize("svc", SERVICES)
def test_expired_deadline_and_service_survives(stack, svc):
    name, req = _read(svc)
    role = "auditor" if svc == "audit" else "nurse"
    # 1 us: expired before the server can answer (0.5 ms was not always
    # enough for a NOT_FOUND on loopback).
    e = rpc_error(stack.call, svc, name, req, role=role, timeout=1e-6)
    assert e.code() == grpc.StatusCode.DEADLINE_EXCEEDED, (e.code(),
                                                          e.details())
    assert stack.health(svc) == SERVING


@pytest.mark.parametrize("svc", SERVICES)
def test_huge_bogus_token_unauthenticated(stack, svc):
    name, req = _read(svc)
    expect_status(grpc.StatusCode.UNAUTHENTICATED, stack.call, svc, name,
                  req, token="x" * 6000)


# List methods with paging: (method, role, request factory).
def _list_case(svc):
    pb = protos.module(svc)
    pid = "00000000-0000-4000-8000-000000000000"
    if svc == "identity":
        return ("SearchPatients", "clinician",
                lambda **p: pb.SearchPatientsRequest(
                    family_name_prefix="Doe", page=protos.common()
                    .PageRequest(**p)))
    if svc == "records":
        return ("ListEntries", "clinician", lambda **p: pb.ListEntriesRequest(
            patient_id=pid, page=protos.common().PageRequest(**p)))
    if svc == "dosage":
        return ("ListDrugs", "nurse", lambda **p: pb.ListDrugsRequest(
            page=protos.common().PageRequest(**p)))
    return ("ListConditions", "nurse", lambda **p: pb.ListConditionsRequest(
        patient_id=pid, page=protos.common().PageRequest(**p)))


LISTING = ("identity", "records", "dosage", "diagnosis")


@pytest.mark.parametrize("svc", LISTING)
def test_page_size_over_limit_invalid(stack, svc):
    method, role, mk = _list_case(svc)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, svc, method,
                  mk(page_size=501), role=role, details_contains="page_size")


@pytest.mark.parametrize("svc", LISTING)
def test_garbage_page_token_invalid(stack, svc):
    method, role, mk = _list_case(svc)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, svc, method,
                  mk(page_token="not-a-token!"), role=role,
                  details_contains="page_token")
