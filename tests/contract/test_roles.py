"""The role x method matrix of docs/security.md, checked against the live
services: every method of every service has a row; each role the row
names gets past authorization (any status but UNAUTHENTICATED or
PERMISSION_DENIED), every other role gets PERMISSION_DENIED, and a call
without credentials gets UNAUTHENTICATED.  Requests are empty, so allowed
calls end in INVALID_ARGUMENT or NOT_FOUND and write nothing."""

import os
import re

import grpc
import pytest

from harness import ROLES, paths, protos

DOC = os.path.join(paths.REPO_ROOT, "docs", "security.md")
ROW = re.compile(r"^\|\s*(\w+)\s*\|\s*(\w+)\s*\|\s*([^|]*?)\s*\|")


def doc_matrix():
    """{(service, Method): set of roles} from the marked table."""
    rows, inside = {}, False
    with open(DOC) as f:
        for line in f:
            if "<!-- roles:begin -->" in line:
                inside = True
            elif "<!-- roles:end -->" in line:
                inside = False
            elif inside:
                m = ROW.match(line)
                if m and m.group(1) in protos.SERVICES:
                    # "service:hl7" admits that one service; the test's
                    # service role is another service's certificate.
                    roles = {r.strip() for r in m.group(3).split(",")
                             if r.strip() and ":" not in r}
                    rows[(m.group(1), m.group(2))] = roles
    return rows


def all_methods():
    out = []
    for svc in protos.SERVICES:
        desc = protos.module(svc).DESCRIPTOR.services_by_name[
            protos.FULL_NAME[svc].split(".")[-1]]
        out += [(svc, m.name) for m in desc.methods]
    return out


MATRIX = doc_matrix()
METHODS = all_methods()


def test_matrix_covers_every_method_and_no_more():
    missing = [m for m in METHODS if m not in MATRIX]
    extra = [m for m in MATRIX if m not in METHODS]
    assert not missing, ("methods without a row in docs/security.md's "
                         "role matrix: %s" % missing)
    assert not extra, "rows for methods that do not exist: %s" % extra
    for key, roles in MATRIX.items():
        assert roles <= set(ROLES), (key, roles - set(ROLES))


def _code(stack, svc, method, role):
    path, _req, _resp, streaming = protos.method(svc, method)
    ch = stack.channel(svc, role=role)
    md = stack.metadata(role)
    try:
        if streaming:
            stub = ch.unary_stream(path, request_serializer=lambda b: b,
                                   response_deserializer=lambda b: b)
            for _ in stub(b"", metadata=md, timeout=10):
                break
        else:
            stub = ch.unary_unary(path, request_serializer=lambda b: b,
                                  response_deserializer=lambda b: b)
            stub(b"", metadata=md, timeout=10)
    except grpc.RpcError as e:
        return e.code()
    return grpc.StatusCode.OK


@pytest.mark.parametrize("svc,method", METHODS,
                         ids=["%s.%s" % m for m in METHODS])
def test_role_matrix(stack, svc, method):
    allowed = MATRIX.get((svc, method))
    if allowed is None:
        pytest.fail("no row for %s %s in docs/security.md" % (svc, method))
    got = {r: _code(stack, svc, method, r) for r in ROLES}
    got[None] = _code(stack, svc, method, None)
    bad = []
    for role, code in got.items():
        if role is None:
            want = "UNAUTHENTICATED"
            ok = code == grpc.StatusCode.UNAUTHENTICATED
        elif role in allowed:
            want = "past authorization"
            ok = code not in (grpc.StatusCode.UNAUTHENTICATED,
                              grpc.StatusCode.PERMISSION_DENIED)
        else:
            want = "PERMISSION_DENIED"
            ok = code == grpc.StatusCode.PERMISSION_DENIED
        if not ok:
            bad.append("%s: got %s, want %s" % (role or "no token",
                                                code.name, want))
    assert not bad, "%s %s: %s" % (svc, method, "; ".join(bad))


def test_one_service_methods_refused_by_the_table(stack):
    """A method that admits one service (med_method.only_service, shown as
    service:NAME in the matrix) refuses another service's certificate in
    libmed's authorization, before the handler runs: the refusal is the
    role check's, not the handler's own second check (diagnosis' says
    "only diagnosis' own PACS watcher")."""
    one_service = [(svc, m) for (svc, m) in METHODS
                   if any(r.startswith("service:") for r in _doc_roles(
                       svc, m))]
    assert ("diagnosis", "AnalyzeStudy") in one_service
    assert ("identity", "Admit") in one_service
    for svc, method in one_service:
        path, _req, _resp, _streaming = protos.method(svc, method)
        stub = stack.channel(svc, role="service").unary_unary(
            path, request_serializer=lambda b: b,
            response_deserializer=lambda b: b)
        try:
            stub(b"", metadata=stack.metadata("service"), timeout=10)
            raise AssertionError("%s %s let another service in" % (
                svc, method))
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.PERMISSION_DENIED, (
                svc, method, e.code())
            only = [r for r in _doc_roles(svc, method)
                    if r.startswith("service:")][0]
            assert e.details() == ("caller lacks a role for this method: "
                                   "of the services, only %s may call it"
                                   % only), (svc, method, e.details())


def _doc_roles(svc, method):
    """The roles of the row as written, service:NAME included."""
    with open(DOC) as f:
        for line in f:
            m = ROW.match(line)
            if m and (m.group(1), m.group(2)) == (svc, method):
                return [r.strip() for r in m.group(3).split(",")]
    return []
