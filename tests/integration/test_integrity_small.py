"""Issue 17's small integrity fixes, against real services: the audit
action code of reads whose names do not start with a read verb (finding 6),
JWT header and date claims (finding 7), and break-glass, the token file and
reserved user names (finding 9).  Unit tests of the same rules are in
tests/unit/test_jwt.c and test_auth.c; these show them at the RPC level."""

import base64
import json
import os
import time
import uuid

import grpc
import pytest

from harness import free_port, pki, protos
from harness.checks import expect_status, poll
from harness.fixtures import spawn_like

ISSUER = "https://idp.hospital.test/realms/smartmed"
AUDIENCE = "smartmed-api"
UNAUTH = grpc.StatusCode.UNAUTHENTICATED
DENIED = grpc.StatusCode.PERMISSION_DENIED
NOT_FOUND = grpc.StatusCode.NOT_FOUND
BG_MAX_MINUTES = 240  # MED_BREAK_GLASS_MAX_MINUTES's default


def _trust_a_jwt_key(stack):
    """The stack trusts a signing key of its own (stack.jwt_key) through
    a JWKS file in its workdir."""
    stack.jwt_key = pki.JwtKey("ES256", "ec-1")
    jwks = os.path.join(stack.workdir, "jwks.json")
    pki.write_jwks(jwks, [stack.jwt_key])
    stack.extra_env.update({
        "MED_JWT_JWKS": jwks, "MED_JWT_ISSUER": ISSUER,
        "MED_JWT_AUDIENCE": AUDIENCE, "MED_JWT_LEEWAY_S": "5"})


pytestmark = pytest.mark.stack(services=["identity", "diagnosis", "audit"],
                               prepare=_trust_a_jwt_key)


@pytest.fixture(scope="module")
def apb():
    return protos.module("audit")


def _create_patient(st, idpb):
    sex = idpb.CreatePatientRequest.DESCRIPTOR.fields_by_name[
        "sex"].enum_type.values_by_name["ADMINISTRATIVE_SEX_MALE"].number
    return st.call("identity", "CreatePatient", idpb.CreatePatientRequest(
        mrn="INT-" + uuid.uuid4().hex[:10], family_name="Small",
        given_name="Fix", birth_date="1960-05-06", sex=sex),
        role="registrar")


def _events(st, apb, rid, **query):
    """The audit events of request rid (of the last minute), once the
    audit service has them."""
    since_ms = int(time.time() * 1000) - 60000

    def find():
        recs = st.call("audit", "Query", apb.QueryRequest(
            limit=1000, since_ms=since_ms, **query), role="auditor")
        return [r.event for r in recs if r.event.request_id == rid]
    return poll(find, timeout=15, what="audit events of request %s" % rid)


def _get_patient(st, idpb, token=None, role=None, md=(), patient_id=None):
    """GetPatient with call metadata; returns (response, call)."""
    path, _req, resp, _ = protos.method("identity", "GetPatient")
    stub = st.channel("identity").unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=resp.FromString)
    req = idpb.GetPatientRequest(patient_id=patient_id or str(uuid.uuid4()))
    return stub.with_call(req, metadata=st.metadata(role, token=token) +
                          list(md), timeout=5)


# --- finding 6: reads are audited as reads ----------------------------------

def test_history_and_report_reads_are_audited_as_reads(st, idpb, apb):
    """PatientHistory, ConditionHistory and PatientAccessReport read; an
    auditor's Query(action_code=R) must find them."""
    dgpb = protos.module("diagnosis")
    p = _create_patient(st, idpb)
    cond = st.call("diagnosis", "AddCondition", dgpb.AddConditionRequest(
        patient_id=p.patient_id, code_system="ICD-10", code="E11.9",
        display="Type 2 diabetes", clinical_status=dgpb.CLINICAL_STATUS_ACTIVE,
        verification_status=dgpb.VERIFICATION_STATUS_CONFIRMED),
        role="clinician")
    reads = {
        "/smartmed.identity.v1.Identity/PatientHistory": lambda rid: st.call(
            "identity", "PatientHistory", idpb.PatientHistoryRequest(
                patient_id=p.patient_id), role="clinician", request_id=rid),
        "/smartmed.diagnosis.v1.Diagnosis/ConditionHistory":
            lambda rid: st.call("diagnosis", "ConditionHistory",
                                dgpb.ConditionHistoryRequest(
                                    condition_id=cond.condition_id),
                                role="nurse", request_id=rid),
        "/smartmed.audit.v1.Audit/PatientAccessReport": lambda rid: st.call(
            "audit", "PatientAccessReport", apb.PatientAccessReportRequest(
                patient_id=p.patient_id), role="auditor", request_id=rid),
    }
    for action, call in reads.items():
        rid = str(uuid.uuid4())
        call(rid)
        ev = _events(st, apb, rid, action_code="R")
        assert [e.action for e in ev] == [action]
        assert ev[0].action_code == "R" and ev[0].outcome == 0
    # A write keeps its own code: AddCondition is a create.
    creates = st.call("audit", "Query", apb.QueryRequest(
        patient_id=p.patient_id, action_code="C"), role="auditor")
    assert "/smartmed.diagnosis.v1.Diagnosis/AddCondition" in {
        r.event.action for r in creates}


# --- finding 7: JWT header and dates -------------------------------------------

def _claims(user="dr.small", **over):
    now = int(time.time())
    c = {"iss": ISSUER, "aud": AUDIENCE, "sub": "uid-" + user,
         "preferred_username": user, "iat": now, "nbf": now - 1,
         "exp": now + 300, "roles": ["clinician"]}
    c.update(over)
    return c


def _log(st):
    with open(st.services["identity"].log_path, errors="replace") as f:
        return f.read()


def _refused_because(st, tok, idpb, why):
    """tok is refused, and identity logs why (and not "bad signature")."""
    line = "jwt: token refused: " + why
    before = _log(st).count(line)
    expect_status(UNAUTH, _get_patient, st, idpb, token=tok)
    poll(lambda: _log(st).count(line) > before, timeout=5,
         what="the refusal %r in identity's log" % why)


@pytest.mark.parametrize("typ", ["at+jwt", "application/at+jwt", "JWT"])
def test_access_token_types_accepted(st, idpb, typ):
    tok = pki.jwt(st.jwt_key, _claims(), header={"typ": typ})
    expect_status(NOT_FOUND, _get_patient, st, idpb, token=tok)


def test_other_token_type_refused_with_its_reason(st, idpb):
    tok = pki.jwt(st.jwt_key, _claims(), header={"typ": "dpop+jwt"})
    _refused_because(st, tok, idpb, "header: typ is neither JWT nor at+jwt")


@pytest.mark.parametrize("claim,value", [
    ("nbf", 1e300), ("nbf", "yesterday"), ("iat", 1e300), ("iat", "0"),
    ("exp", 2 ** 63 - 1), ("exp", "2099-01-01")])
def test_dates_that_are_not_dates_refused(st, idpb, claim, value):
    tok = pki.jwt(st.jwt_key, _claims(**{claim: value}))
    _refused_because(st, tok, idpb, claim + " is not a NumericDate")


# --- finding 9: names and roles that belong to services -------------------------

@pytest.mark.parametrize("field", ["preferred_username", "sub"])
def test_jwt_user_named_as_a_service_refused(st, idpb, field):
    c = _claims()
    if field == "sub":
        del c["preferred_username"]
    c[field] = "service:records"
    _refused_because(st, pki.jwt(st.jwt_key, c), idpb,
                     "user name starts with")


def test_token_file_granting_service_refused_at_start(st, tmp_path):
    for text, why in [
            ("tok-1 nurse.x nurse\ntok-2 svc.x service\n",
             ":2: role \"service\" cannot come from a token"),
            ("# dev\ntok-3 service:records nurse\n",
             ":2: user name starts with \"service:\"")]:
        path = pki.write(str(tmp_path / "tokens"), text.encode())
        rc, out = spawn_like(st, "identity", MED_TOKENS_FILE=path,
                             MED_GRPC_PORT=free_port(),
                             MED_HTTP_PORT=free_port(),
                             MED_HEALTH_PORT=free_port())
        assert rc is not None and rc > 0, (rc, out)
        msgs = [json.loads(line)["msg"] for line in out.splitlines()
                if line.startswith("{")]
        assert any(path + why in m for m in msgs), out


def test_service_role_comes_from_the_certificate(st, idpb):
    """The harness's service calls carry no token: the certificate is the
    whole credential, and the audit names the service."""
    rid = str(uuid.uuid4())
    expect_status(NOT_FOUND, st.call, "identity", "GetPatient",
                  idpb.GetPatientRequest(patient_id=str(uuid.uuid4())),
                  role="service", request_id=rid)
    ev = _events(st, protos.module("audit"), rid)
    assert ev[0].actor == "service:audit" and ev[0].actor_roles == "service"


# --- finding 9: break-glass ----------------------------------------------------

def _grant_id(grant):
    payload = grant.split(".")[1]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return raw.decode().split("|")[0]


def test_denied_call_issues_no_grant(st, idpb, apb):
    """A nurse breaking the glass on a write she may not make is refused,
    gets no grant, and no session start is audited."""
    rid = str(uuid.uuid4())
    md = st.metadata("nurse", request_id=rid) + [
        ("x-break-glass-start", "LIFE_THREAT")]
    path, _req, resp, _ = protos.method("identity", "CreatePatient")
    stub = st.channel("identity").unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=resp.FromString)
    e = expect_status(DENIED, stub, idpb.CreatePatientRequest(
        mrn="BGD-" + uuid.uuid4().hex[:8]), metadata=md, timeout=5)
    headers = dict(e.initial_metadata() or ())
    assert "x-break-glass-grant" not in headers, headers
    # A start event is emitted before the call's own event, so once that
    # one is in the log, a start would be too.
    mine = _events(st, apb, rid, actor=st.user("nurse"))
    assert [x.action for x in mine] == [
        "/smartmed.identity.v1.Identity/CreatePatient"], mine
    assert mine[0].outcome == DENIED.value[0] and not mine[0].break_glass


def test_allowed_call_still_starts_a_session(st, idpb, apb):
    rid = str(uuid.uuid4())
    _resp, call = _get_patient(
        st, idpb, role="nurse", patient_id=_create_patient(
            st, idpb).patient_id,
        md=[("x-break-glass-start", "LIFE_THREAT"), ("x-request-id", rid)])
    grant = dict(call.initial_metadata())["x-break-glass-grant"]
    ev = _events(st, apb, rid, actor=st.user("nurse"))
    starts = [e for e in ev if e.action == "break-glass/start"]
    assert starts and starts[0].resource == "break-glass/" + _grant_id(grant)


def test_grant_longer_than_the_time_box_refused(st, idpb):
    key = os.path.join(st.pki_dir, "break-glass.key")
    nurse = st.user("nurse")
    now = int(time.time())
    box = BG_MAX_MINUTES * 60
    cases = {
        "ten_years": (False, now - 60, now + 10 * 365 * 86400),
        "box_plus_one": (False, now - 60, now - 60 + box + 1),
        "ends_before_start": (False, now - 60, now - 120),
        "exactly_the_box": (True, now - 60, now - 60 + box),
    }
    for name, (ok, nbf, exp) in cases.items():
        g = pki.break_glass_grant(key, nurse, nbf=nbf, exp=exp)
        md = [("x-break-glass", g)]
        if ok:
            expect_status(NOT_FOUND, _get_patient, st, idpb, role="nurse",
                          md=md)
        else:
            e = expect_status(UNAUTH, _get_patient, st, idpb, role="nurse",
                              md=md)
            assert "x-break-glass" in e.details(), name


def test_jwt_payload_is_not_logged(st, idpb):
    """Refusal lines give the reason only: the token never reaches the
    log (it is a credential)."""
    tok = pki.jwt(st.jwt_key, _claims(nbf="never"))
    _refused_because(st, tok, idpb, "nbf is not a NumericDate")
    assert tok.split(".")[1] not in _log(st)
