"""Security against real services: mutual TLS on the gRPC port, the
plaintext Health-only port, bearer JWTs from the identity provider, role
escalation attempts and break-glass.  See docs/security.md."""

import base64
import json
import subprocess
import time
import uuid

import grpc
import pytest

from harness import Stack, pki, protos
from harness.fixtures import running
from harness.checks import expect_status, poll

ISSUER = "https://idp.hospital.test/realms/smartmed"
AUDIENCE = "smartmed-api"
UNAUTH = grpc.StatusCode.UNAUTHENTICATED
DENIED = grpc.StatusCode.PERMISSION_DENIED


@pytest.fixture(scope="module")
def sec(tmp_path_factory):
    d = tmp_path_factory.mktemp("sec")
    keys = {"rsa": pki.JwtKey("RS256", "rsa-1"),
            "ec": pki.JwtKey("ES256", "ec-1")}
    jwks = str(d / "jwks.json")
    pki.write_jwks(jwks, keys.values())
    env = {"MED_JWT_JWKS": jwks, "MED_JWT_ISSUER": ISSUER,
           "MED_JWT_AUDIENCE": AUDIENCE, "MED_JWT_LEEWAY_S": "5"}
    with running(Stack(services=["identity", "audit"], extra_env=env)) as st:
        st.jwt_keys = keys
        st.tmp = d
        yield st


def _claims(roles=("clinician",), user="dr.jwt", **over):
    now = int(time.time())
    c = {"iss": ISSUER, "aud": AUDIENCE, "sub": "uid-" + user,
         "preferred_username": user, "iat": now, "nbf": now - 1,
         "exp": now + 300, "roles": list(roles)}
    c.update(over)
    return c


def _get(st, idpb, token=None, role=None, metadata=(), channel=None,
         with_call=False):
    """GetPatient of an unknown id: NOT_FOUND means the call got past
    authentication and roles."""
    path, _req, resp, _ = protos.method("identity", "GetPatient")
    md = st.metadata(role, token=token) + list(metadata)
    stub = (channel or st.channel("identity")).unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=resp.FromString)
    req = idpb.GetPatientRequest(patient_id=str(uuid.uuid4()))
    if with_call:
        return stub.with_call(req, metadata=md, timeout=5)
    return stub(req, metadata=md, timeout=5)


def _status(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except grpc.RpcError as e:
        return e.code()
    return grpc.StatusCode.OK


def _past_auth(code):
    return code not in (UNAUTH, DENIED, grpc.StatusCode.UNAVAILABLE)


def _ready(ch):
    """Wait until ch has connected (handshake done): on a loaded machine
    the first connection can take longer than a test call's deadline, and
    what these tests check is the answer on a connection, not its speed."""
    grpc.channel_ready_future(ch).result(timeout=30)
    return ch


def _health(ch, timeout=3):
    h = protos.health()
    call = ch.unary_unary(
        "/grpc.health.v1.Health/Check",
        request_serializer=h.HealthCheckRequest.SerializeToString,
        response_deserializer=h.HealthCheckResponse.FromString)
    return call(h.HealthCheckRequest(service=""), timeout=timeout).status


def _tls_channel(st, root, key=None, chain=None):
    creds = grpc.ssl_channel_credentials(root_certificates=root,
                                         private_key=key,
                                         certificate_chain=chain)
    return grpc.secure_channel(st.addr("identity"), creds)


def _ca_pem(st):
    with open(st.ca_path, "rb") as f:
        return f.read()


# --- mutual TLS ------------------------------------------------------------

def test_plaintext_client_refused(sec, idpb):
    with grpc.insecure_channel(sec.addr("identity")) as ch:
        assert _status(_health, ch) == grpc.StatusCode.UNAVAILABLE
        assert _status(_get, sec, idpb, role="clinician",
                       channel=ch) == grpc.StatusCode.UNAVAILABLE


def test_no_client_certificate_refused(sec):
    with _tls_channel(sec, _ca_pem(sec)) as ch:
        assert _status(_health, ch) == grpc.StatusCode.UNAVAILABLE


def test_client_certificate_from_wrong_ca_refused(sec):
    other = pki.new_ca("hostile CA")
    key, cert = pki.new_leaf(other, "operator")
    with _tls_channel(sec, _ca_pem(sec), key, cert) as ch:
        assert _status(_health, ch) == grpc.StatusCode.UNAVAILABLE


def test_expired_client_certificate_refused(sec):
    ca = pki.load_ca(sec.ca_path, sec.ca_path.replace(".pem", ".key"))
    key, cert = pki.new_leaf(ca, "operator", days_from=-30, days_to=-1)
    with _tls_channel(sec, _ca_pem(sec), key, cert) as ch:
        assert _status(_health, ch) == grpc.StatusCode.UNAVAILABLE
    # The same CA with a current validity is accepted: only time differs.
    key, cert = pki.new_leaf(ca, "operator")
    with _tls_channel(sec, _ca_pem(sec), key, cert) as ch:
        assert _health(ch) == 1


def test_client_refuses_server_from_unknown_ca(sec):
    other_key, other_cert = pki.new_ca("hostile CA")
    ca = pki.load_ca(sec.ca_path, sec.ca_path.replace(".pem", ".key"))
    key, cert = pki.new_leaf(ca, "operator")
    with _tls_channel(sec, pki.cert_pem(other_cert), key, cert) as ch:
        assert _status(_health, ch) == grpc.StatusCode.UNAVAILABLE


def test_health_port_serves_check_and_nothing_else(sec, idpb):
    with sec.health_channel("identity") as ch:
        assert _health(_ready(ch)) == 1
        e = expect_status(grpc.StatusCode.UNIMPLEMENTED, _get, sec, idpb,
                          role="clinician", channel=ch)
        assert "only grpc.health.v1.Health" in e.details()
        expect_status(grpc.StatusCode.UNIMPLEMENTED,
                      ch.unary_unary("/no.Such/Method",
                                     request_serializer=lambda b: b,
                                     response_deserializer=lambda b: b),
                      b"", timeout=5)


def test_service_certificate_is_a_service_not_a_user(sec, idpb):
    # A service's certificate without a token authenticates as that
    # service (role service): GetPatient accepts it (services check the
    # patient of a write), SearchPatients does not; the operator's
    # certificate alone authenticates nobody.
    with sec.new_channel("identity", identity="audit") as ch:
        expect_status(grpc.StatusCode.NOT_FOUND, _get, sec, idpb,
                      channel=_ready(ch))
        path, _req, resp, _ = protos.method("identity", "SearchPatients")
        search = ch.unary_unary(
            path, request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=resp.FromString)
        expect_status(DENIED, search, idpb.SearchPatientsRequest(
            family_name_prefix="Do"), timeout=5)
    expect_status(UNAUTH, _get, sec, idpb)


# --- bearer JWTs -------------------------------------------------------------

@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_valid_jwt_accepted(sec, idpb, kind):
    tok = pki.jwt(sec.jwt_keys[kind], _claims())
    assert _status(_get, sec, idpb, token=tok) == grpc.StatusCode.NOT_FOUND


def test_jwt_audience_list_and_role_string(sec, idpb):
    c = _claims(aud=["other", AUDIENCE])
    c["roles"] = "nurse"
    tok = pki.jwt(sec.jwt_keys["ec"], c)
    assert _status(_get, sec, idpb, token=tok) == grpc.StatusCode.NOT_FOUND


def _bad_tokens(sec):
    rsa, ec = sec.jwt_keys["rsa"], sec.jwt_keys["ec"]
    now = int(time.time())
    forger = pki.JwtKey("RS256", "rsa-1")  # same kid, other key
    good = pki.jwt(rsa, _claims())
    h, p, s = good.split(".")
    tampered_claims = pki.b64url(
        json.dumps(_claims(roles=("admin",))).encode())
    return {
        "expired": pki.jwt(rsa, _claims(exp=now - 60, nbf=now - 600,
                                        iat=now - 600)),
        "not_yet_valid": pki.jwt(ec, _claims(nbf=now + 600)),
        "no_exp": pki.jwt(ec, {k: v for k, v in _claims().items()
                               if k != "exp"}),
        "forged_key": pki.jwt(forger, _claims()),
        "tampered_payload": h + "." + tampered_claims + "." + s,
        "wrong_audience": pki.jwt(rsa, _claims(aud="another-api")),
        "wrong_issuer": pki.jwt(ec, _claims(iss="https://evil.test")),
        "alg_none": pki.jwt(None, _claims()),
        "hs256_with_public_key": pki.jwt(
            None, _claims(), alg="HS256", header={"kid": "rsa-1"},
            hmac_secret=rsa.public_pem()),
        "es256_header_on_rsa_sig": pki.jwt(rsa, _claims(), alg="ES256",
                                           header={"kid": "ec-1"}),
        "garbage_signature": h + "." + p + ".AAAA",
    }


BAD = ["expired", "not_yet_valid", "no_exp", "forged_key",
       "tampered_payload", "wrong_audience", "wrong_issuer", "alg_none",
       "hs256_with_public_key", "es256_header_on_rsa_sig",
       "garbage_signature"]


@pytest.mark.parametrize("case", BAD)
def test_bad_jwt_unauthenticated(sec, idpb, case):
    tok = _bad_tokens(sec)[case]
    expect_status(UNAUTH, _get, sec, idpb, token=tok)


def test_jwt_without_the_role_denied(sec, idpb):
    tok = pki.jwt(sec.jwt_keys["rsa"], _claims(roles=("auditor",)))
    expect_status(DENIED, _get, sec, idpb, token=tok)


@pytest.mark.parametrize("roles", [
    ["registrar,admin"], ["Admin"], [" admin"], ["admin "], ["service"],
    ["root"], [], [["admin"]], [{"role": "admin"}]])
def test_role_escalation_in_claim_refused(sec, idpb, roles):
    # CreatePatient needs registrar or admin: none of these grants it.
    path, req_t, _r, _ = protos.method("identity", "CreatePatient")
    tok = pki.jwt(sec.jwt_keys["ec"], _claims(roles=roles))
    expect_status(DENIED, sec.call, "identity", "CreatePatient",
                  req_t(mrn="ESC-" + uuid.uuid4().hex[:10]), token=tok)


def test_dev_token_cannot_claim_more_roles(sec, idpb):
    path, req_t, _r, _ = protos.method("identity", "CreatePatient")
    req = req_t(mrn="ESC-" + uuid.uuid4().hex[:10])
    expect_status(DENIED, sec.call, "identity", "CreatePatient", req,
                  role="nurse")
    for tok in (sec.token("nurse") + ",admin", sec.token("nurse") + " admin",
                sec.token("nurse")[:-1]):
        expect_status(UNAUTH, sec.call, "identity", "CreatePatient", req,
                      token=tok)


def test_jwt_user_is_audited(sec, idpb):
    user = "dr.audit." + uuid.uuid4().hex[:6]
    rid = str(uuid.uuid4())
    tok = pki.jwt(sec.jwt_keys["rsa"], _claims(user=user))
    _status(_get, sec, idpb, token=tok, metadata=[("x-request-id", rid)])
    ev = _audit_events(sec, user, lambda e: e.request_id == rid)
    assert ev[0].actor_roles == "clinician"


# --- break-glass ---------------------------------------------------------------

def _audit_events(st, actor, pred, timeout=10):
    apb = protos.module("audit")

    def find():
        recs = st.call("audit", "Query", apb.QueryRequest(actor=actor),
                       role="auditor")
        return [r.event for r in recs if pred(r.event)]
    return poll(find, timeout=timeout, what="audit events of %s" % actor)


def _create_patient(st, idpb):
    path, req_t, _r, _ = protos.method("identity", "CreatePatient")
    sex = req_t.DESCRIPTOR.fields_by_name["sex"].enum_type.values_by_name[
        "ADMINISTRATIVE_SEX_FEMALE"].number
    return st.call("identity", "CreatePatient", req_t(
        mrn="BG-" + uuid.uuid4().hex[:10], family_name="Glass",
        given_name="Break", birth_date="1970-01-01", sex=sex),
        role="registrar")


def _start(st, idpb, role="nurse", reason="LIFE_THREAT", extra=()):
    _resp, call = _get_with(st, idpb, role,
                            [("x-break-glass-start", reason)] + list(extra))
    md = dict(call.initial_metadata())
    return md["x-break-glass-grant"], int(md["x-break-glass-expires"])


def _get_with(st, idpb, role, md, patient_id=None):
    path, _req, resp, _ = protos.method("identity", "GetPatient")
    stub = st.channel("identity").unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=resp.FromString)
    if patient_id is None:
        patient_id = _create_patient(st, protos.module("identity")).patient_id
    return stub.with_call(idpb.GetPatientRequest(patient_id=patient_id),
                          metadata=st.metadata(role) + list(md), timeout=5)


def _grant_id(grant):
    payload = grant.split(".")[1]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return raw.decode().split("|")[0]


def test_break_glass_start_use_stop_audited(sec, idpb):
    t0 = int(time.time())
    grant, expires = _start(sec, idpb)
    assert grant.startswith("bg1.")
    assert t0 + 3500 <= expires <= t0 + 3700  # the default hour
    rid = str(uuid.uuid4())
    _get_with(sec, idpb, "nurse", [("x-break-glass", grant),
                                   ("x-request-id", rid)])
    nurse = sec.user("nurse")
    gid = _grant_id(grant)
    use = _audit_events(sec, nurse, lambda e: e.request_id == rid)[0]
    assert use.break_glass and use.purpose_of_use == "ETREAT"
    assert "grant=" + gid in use.detail
    start = _audit_events(sec, nurse, lambda e: e.action ==
                          "break-glass/start" and
                          e.resource == "break-glass/" + gid)
    assert start[0].break_glass and start[0].purpose_of_use == "ETREAT"
    assert "reason=LIFE_THREAT" in start[0].detail
    rid2 = str(uuid.uuid4())
    _get_with(sec, idpb, "nurse", [("x-break-glass-stop", grant),
                                   ("x-request-id", rid2)])
    stop = _audit_events(sec, nurse, lambda e: e.action ==
                         "break-glass/stop" and e.request_id == rid2)
    assert stop[0].resource == "break-glass/" + gid
    # The call that stops the session is itself an ordinary one.
    plain = _audit_events(sec, nurse, lambda e: e.request_id == rid2 and
                          e.action.endswith("/GetPatient"))
    assert not plain[0].break_glass


def test_break_glass_time_box(sec, idpb):
    t0 = int(time.time())
    _g, exp = _start(sec, idpb, extra=[("x-break-glass-minutes", "15")])
    assert t0 + 15 * 60 - 5 <= exp <= t0 + 15 * 60 + 5
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _start, sec, idpb,
                  extra=[("x-break-glass-minutes", "100000")])
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _start, sec, idpb,
                  extra=[("x-break-glass-minutes", "0")])


def test_break_glass_needs_a_known_reason(sec, idpb):
    for reason in ("", "because", "life_threat", "LIFE_THREAT "):
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, _start, sec, idpb,
                      reason=reason)


def test_break_glass_only_for_clinicians_and_nurses(sec, idpb):
    for role in ("pharmacist", "registrar", "admin"):
        expect_status(DENIED, _start, sec, idpb, role=role)


def test_break_glass_grant_is_bound_to_its_user(sec, idpb):
    grant, _ = _start(sec, idpb, role="nurse")
    expect_status(DENIED, _get_with, sec, idpb, "clinician",
                  [("x-break-glass", grant)])


def test_break_glass_never_widens_writes(sec, idpb):
    grant, _ = _start(sec, idpb, role="nurse")
    path, req_t, _r, _ = protos.method("identity", "CreatePatient")
    expect_status(DENIED, sec.call, "identity", "CreatePatient",
                  req_t(mrn="BGW-" + uuid.uuid4().hex[:8]), role="nurse",
                  metadata=[("x-break-glass", grant)])


def test_forged_or_expired_grant_refused(sec, idpb):
    key = sec.pki_dir + "/break-glass.key"
    nurse = sec.user("nurse")
    now = int(time.time())
    good = pki.break_glass_grant(key, nurse)
    # A grant made outside the service with the right key works...
    _get_with(sec, idpb, "nurse", [("x-break-glass", good)])
    other = pki.write(str(sec.tmp / "other.key"), subprocess.run(
        ["openssl", "genpkey", "-algorithm", "ed25519"],
        stdout=subprocess.PIPE, check=True).stdout)
    pre, payload, sig = good.split(".")
    bad = {
        "expired": pki.break_glass_grant(key, nurse, nbf=now - 7200,
                                         exp=now - 3600),
        "not_yet": pki.break_glass_grant(key, nurse, nbf=now + 600,
                                         exp=now + 1200),
        "wrong_key": pki.break_glass_grant(other, nurse),
        "bad_reason": pki.break_glass_grant(key, nurse, reason="BORED"),
        "swapped_payload": pre + "." + pki.break_glass_grant(
            key, sec.user("clinician")).split(".")[1] + "." + sig,
        "truncated": good[:-4],
        "garbage": "bg1.x.y",
    }
    for name, g in bad.items():
        e = expect_status(UNAUTH, _get_with, sec, idpb, "nurse",
                          [("x-break-glass", g)])
        assert "x-break-glass" in e.details(), name


def test_break_glass_headers_exclusive(sec, idpb):
    grant, _ = _start(sec, idpb)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _get_with, sec, idpb,
                  "nurse", [("x-break-glass", grant),
                            ("x-break-glass-start", "LIFE_THREAT")])
