"""The FHIR facade with the hospital's identity provider: bearer JWTs
(RS256 and ES256 from a JWKS) checked exactly as the gRPC services check
them, the user's roles and name carried to the services and into the
audit log, and every refused token an OperationOutcome.  The development
token file is not used for any facade request here."""

import time
import uuid

import pytest

from harness import Stack, pki, protos
from harness.checks import poll
from harness.fixtures import running

from test_fhir_facade import get, outcome, valid

ISSUER = "https://idp.hospital.test/realms/smartmed"
AUDIENCE = "smartmed-api"


@pytest.fixture(scope="module")
def jstack(tmp_path_factory):
    d = tmp_path_factory.mktemp("fhirjwt")
    keys = {"rsa": pki.JwtKey("RS256", "rsa-1"),
            "ec": pki.JwtKey("ES256", "ec-1")}
    jwks = str(d / "jwks.json")
    pki.write_jwks(jwks, keys.values())
    env = {"MED_JWT_JWKS": jwks, "MED_JWT_ISSUER": ISSUER,
           "MED_JWT_AUDIENCE": AUDIENCE, "MED_JWT_LEEWAY_S": "5"}
    with running(Stack(services=("audit", "identity", "records"),
                       fhir=True, extra_env=env)) as st:
        st.jwt_keys = keys
        yield st


def _jwt(st, kind="rsa", roles=("clinician",), user="dr.fhir.jwt", **over):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "uid-" + user,
              "preferred_username": user, "iat": now, "nbf": now - 1,
              "exp": now + 300, "roles": list(roles)}
    claims.update(over)
    return pki.jwt(st.jwt_keys[kind], claims)


@pytest.fixture(scope="module")
def patient(jstack):
    ipb, rpb = protos.module("identity"), protos.module("records")
    p = jstack.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:8], family_name="Jwtchart",
        given_name="Ida", birth_date="1971-05-06",
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar", timeout=30)
    jstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p.patient_id, kind=rpb.ENTRY_KIND_OBSERVATION,
        title="HR", observation=rpb.Observation(
            loinc_code="8867-4", numeric=72, ucum_unit="/min")),
        role="clinician", timeout=30)
    return p


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_a_chart_read_and_searched_with_a_jwt(jstack, validator, patient,
                                              kind):
    tok = _jwt(jstack, kind)
    status, _, body = get(jstack, "Patient/" + patient.patient_id,
                          token=tok)
    assert status == 200, body
    valid(validator, body)
    assert body["name"][0]["family"] == "Jwtchart"
    status, _, body = get(jstack, "Observation?patient=" +
                          patient.patient_id, token=tok)
    assert status == 200 and body["total"] == 1, body
    valid(validator, body)
    status, _, body = get(jstack, "Patient/%s/$everything"
                          % patient.patient_id, token=tok)
    assert status == 200 and body["total"] == 2, body


def test_refused_tokens(jstack, validator, patient):
    url = "Patient/" + patient.patient_id
    now = int(time.time())
    forger = pki.JwtKey("RS256", "rsa-1")  # the same kid, another key
    bad = {
        "expired": _jwt(jstack, exp=now - 60, nbf=now - 600, iat=now - 600),
        "wrong audience": _jwt(jstack, aud="another-api"),
        "wrong issuer": _jwt(jstack, iss="https://evil.test/"),
        "forged": pki.jwt(forger, {"iss": ISSUER, "aud": AUDIENCE,
                                   "sub": "x", "preferred_username": "x",
                                   "nbf": now - 1, "exp": now + 300,
                                   "roles": ["clinician"]}),
        "alg none": pki.jwt(None, {"iss": ISSUER, "aud": AUDIENCE,
                                   "exp": now + 300,
                                   "roles": ["clinician"]}),
    }
    for why, tok in bad.items():
        status, headers, body = get(jstack, url, token=tok)
        assert status == 401, (why, body)
        outcome(validator, status, body, 401, "login")
        assert headers["WWW-Authenticate"].startswith("Bearer"), why


def test_roles_come_from_the_jwt(jstack, validator, patient):
    # An auditor's JWT may not read a chart; a registrar may read the
    # Patient (identity) but not the records.
    status, _, body = get(jstack, "Patient/" + patient.patient_id,
                          token=_jwt(jstack, roles=("auditor",)))
    outcome(validator, status, body, 403, "forbidden")
    reg = _jwt(jstack, roles=("registrar",), user="reg.fhir.jwt")
    status, _, body = get(jstack, "Patient/" + patient.patient_id, token=reg)
    assert status == 200, body
    status, _, body = get(jstack, "Observation?patient=" +
                          patient.patient_id, token=reg)
    outcome(validator, status, body, 403, "forbidden")


def test_the_jwt_user_is_audited(jstack, patient):
    apb = protos.module("audit")
    user = "nurse.jwt." + uuid.uuid4().hex[:6]
    status, _, _ = get(jstack, "Patient/" + patient.patient_id,
                       token=_jwt(jstack, roles=("nurse",), user=user))
    assert status == 200

    def seen():
        recs = jstack.call("audit", "Query", apb.QueryRequest(
            patient_id=patient.patient_id), role="auditor", timeout=10)
        evs = [r.event for r in recs if r.event.actor == user]
        return evs if {e.service for e in evs} >= {"fhir", "identity"} \
            else None
    evs = poll(seen, timeout=30, what="the facade's event for " + user)
    assert any(e.action == "fhir/read" and e.outcome == 0 for e in evs)
