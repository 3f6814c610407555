"""The FHIR facade as two client libraries nobody here wrote see it
(issue 35, item 6): npm fhir-kit-client and SMART's fhirclient, pinned in
tools/fhirclients/package-lock.json and installed by make deps, driven by
tools/fhirclients/run.js over real HTTPS with the stack's CA; and SMART App
Launch: the discovery document and the scopes of the token (patient/,
user/, system/), enforced together with roles.

Every call the libraries make must succeed: read of every type by id,
POST _search and $everything, reference-form patient=, compartment
searches and _include included."""

import json
import os
import ssl
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest

from harness import Stack, paths, pki, protos
from harness.fixtures import assess_allergies, running

from test_fhir_facade import get, outcome, valid

ISSUER = "https://idp.hospital.test/realms/smartmed"
AUDIENCE = "smartmed-api"
AUTHORIZE = ISSUER + "/protocol/openid-connect/auth"
TOKEN = ISSUER + "/protocol/openid-connect/token"
N_OBS = 5


def _npm_dir():
    return os.path.join(paths.build_dir(), "npm", "fhirclients", "node_modules")


@pytest.fixture(scope="module")
def cstack(tmp_path_factory):
    if not os.path.isdir(os.path.join(_npm_dir(), "fhirclient")):
        pytest.fail("tools/fhirclients is not installed: run make deps",
                    pytrace=False)
    d = tmp_path_factory.mktemp("fhirsmart")
    key = pki.JwtKey("ES256", "ec-1")
    jwks = str(d / "jwks.json")
    pki.write_jwks(jwks, [key])
    env = {"MED_JWT_JWKS": jwks, "MED_JWT_ISSUER": ISSUER,
           "MED_JWT_AUDIENCE": AUDIENCE,
           "MED_SMART_AUTHORIZATION_ENDPOINT": AUTHORIZE,
           "MED_SMART_TOKEN_ENDPOINT": TOKEN}
    # Every service a ward runs: $everything reads each one's export.
    st = Stack(services=("audit", "identity", "records", "dosage",
                         "diagnosis"), fhir=True, extra_env=env)
    # System clients may present a certificate of the stack's CA.
    st.extra_env["MED_FHIR_CLIENT_CA"] = st.ca_path
    with running(st):
        st.jwt_key = key
        yield st


def _jwt(st, roles=("clinician",), user="dr.smart", **claims):
    now = int(time.time())
    c = {"iss": ISSUER, "aud": AUDIENCE, "sub": "uid-" + user,
         "preferred_username": user, "iat": now, "nbf": now - 1,
         "exp": now + 600, "roles": list(roles)}
    c.update(claims)
    return pki.jwt(st.jwt_key, c)


def _patient(st, family):
    ipb = protos.module("identity")
    return st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:8], family_name=family,
        given_name="Sam", birth_date="1966-06-06",
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar",
        timeout=30).patient_id


@pytest.fixture(scope="module")
def chart(cstack):
    """A patient with N_OBS heart rates and a medication order, and a
    second patient with nothing."""
    rpb, dpb = protos.module("records"), protos.module("dosage")
    pid = _patient(cstack, "Clientlib")
    for v in range(N_OBS):
        cstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
            patient_id=pid, kind=rpb.ENTRY_KIND_OBSERVATION, title="HR",
            observation=rpb.Observation(loinc_code="8867-4",
                                        numeric=60 + v, ucum_unit="/min")),
            role="clinician", timeout=30)
    code = "AMOX_" + uuid.uuid4().hex[:10]
    cstack.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code=code, name="Amoxicillin 500 mg capsule",
                      unit="capsule", routes=["oral"], max_single_dose=2.0,
                      max_daily_dose=6.0)), role="pharmacist", timeout=30)
    assess_allergies(cstack, pid)
    cstack.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=pid, drug_code=code, route="oral",
                        dose=1.0, unit="capsule", frequency="q8h")),
        role="clinician", timeout=30)
    return pid, _patient(cstack, "Otherlib")


@pytest.fixture(scope="module")
def runs(cstack, chart):
    """Every call of run.js, once, with a clinician's token scoped
    user/*.rs; {call: result line}."""
    pid, _ = chart
    token = _jwt(cstack, scope="openid fhirUser user/*.rs")
    status, _, body = get(cstack, "MedicationRequest?patient=" + pid,
                          token=token)
    assert status == 200, body
    mr = body["entry"][0]["resource"]["id"]
    plan = {"base": cstack.fhir_url(), "token": token, "patient": pid,
            "medicationRequest": mr, "calls": sorted(CALLS)}
    env = dict(os.environ, NODE_PATH=_npm_dir(),
               NODE_EXTRA_CA_CERTS=cstack.ca_path)
    script = os.path.join(paths.REPO_ROOT, "tools", "fhirclients", "run.js")
    p = subprocess.run(["node", script], input=json.dumps(plan).encode(),
                       capture_output=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr.decode()[-2000:]
    lines = [json.loads(x) for x in p.stdout.decode().splitlines()]
    return {x["call"]: x for x in lines}


def _ok(runs, name):
    r = runs[name]
    assert r["ok"], r
    return r["value"]


# The calls run.js makes; each has its test below.
CALLS = {
    "kit.metadata", "kit.smart", "kit.patient.read",
    "kit.observation.search", "kit.observation.pages",
    "kit.everything.get", "kit.everything.post",
    "kit.observation.postsearch", "kit.observation.reference",
    "kit.medicationrequest.read", "kit.medicationrequest.include",
    "smart.authorize", "smart.metadata", "smart.patient.read",
    "smart.observation.pages", "smart.everything",
    "smart.patient.compartment", "smart.medication.references",
    "kit.observation.prevpage", "kit.everything.prevpage",
    "kit.compartment.observation", "kit.compartment.medicationrequest",
    "smart.compartment.observation", "kit.compartment.postsearch",
}


def test_kit_metadata(runs):
    assert _ok(runs, "kit.metadata")["resourceType"] == \
        "CapabilityStatement"


def test_kit_smart_discovery(runs):
    auth = _ok(runs, "kit.smart")
    assert auth["authorizeUrl"] == AUTHORIZE, auth
    assert auth["tokenUrl"] == TOKEN, auth


def test_kit_patient_read(runs, chart):
    p = _ok(runs, "kit.patient.read")
    assert p == {"resourceType": "Patient", "id": chart[0]}


def test_kit_search_and_paging(runs):
    b = _ok(runs, "kit.observation.search")
    assert b["type"] == "searchset" and b["total"] == N_OBS
    pages = _ok(runs, "kit.observation.pages")
    assert pages["total"] == N_OBS
    assert pages["pages"] == (N_OBS + 1) // 2
    # Following next links neither repeats nor skips.
    assert len(pages["ids"]) == len(set(pages["ids"])) == N_OBS


def test_kit_everything_by_get(runs, chart):
    e = _ok(runs, "kit.everything.get")
    assert "Patient/" + chart[0] in e["ids"]
    kinds = {i.split("/")[0] for i in e["ids"]}
    assert {"Patient", "Observation", "MedicationRequest"} <= kinds
    assert len(e["ids"]) == len(set(e["ids"])) == e["total"]


def test_kit_everything_by_post(runs):
    assert _ok(runs, "kit.everything.post")["type"] == "searchset"


def test_kit_post_search(runs):
    assert _ok(runs, "kit.observation.postsearch")["total"] == N_OBS


def test_kit_reference_form(runs):
    assert _ok(runs, "kit.observation.reference")["total"] == N_OBS


def test_kit_medication_request_read(runs):
    assert _ok(runs, "kit.medicationrequest.read")["resourceType"] == \
        "MedicationRequest"


def test_kit_include(runs):
    kinds = {e.split("/")[0] for e in
             _ok(runs, "kit.medicationrequest.include")["entries"]}
    assert {"MedicationRequest", "Medication"} <= kinds


def test_smart_authorize_discovers_the_endpoints(runs, cstack):
    url = _ok(runs, "smart.authorize")
    assert url.startswith(AUTHORIZE + "?"), url
    assert "aud=" + __import__("urllib.parse").parse.quote(
        cstack.fhir_url(), safe="") in url, url
    assert "code_challenge_method=S256" in url, url


def test_smart_metadata_and_patient(runs, chart):
    assert _ok(runs, "smart.metadata")["resourceType"] == \
        "CapabilityStatement"
    assert _ok(runs, "smart.patient.read") == {"resourceType": "Patient",
                                                "id": chart[0]}


def test_smart_pages_to_the_end(runs):
    ids = _ok(runs, "smart.observation.pages")
    assert len(ids) == len(set(ids)) == N_OBS
    assert all(i.startswith("Observation/") for i in ids)


def test_smart_everything(runs, chart):
    ids = _ok(runs, "smart.everything")
    assert ids.count("Patient/" + chart[0]) == 1
    assert len(ids) == len(set(ids))


def test_smart_patient_scoped_request(runs):
    # patient.request searches the type with the launch patient.
    assert _ok(runs, "smart.patient.compartment")["total"] == N_OBS


def test_smart_resolves_medication_references(runs):
    assert _ok(runs, "smart.medication.references") == ["Medication"]


def _there_and_back(r, n_pages):
    """A kitThereAndBack run: n_pages pages of 2 forward, the same pages
    again backwards by prevPage (the first page has no previous link),
    none repeated, the total on the first page and carried to the last."""
    assert len(r["forward"]) == n_pages, r
    assert r["back"] == list(reversed(r["forward"])), r
    seen = [i for page in r["forward"] for i in page]
    assert len(seen) == len(set(seen)) == r["total"] == r["lastTotal"], r
    assert all(len(page) == 2 for page in r["forward"][:-1]), r
    return seen


def test_kit_prev_page_after_next_page(runs):
    """fhir-kit-client's prevPage (issue 77, item 8): before, a searchset
    had no previous link and prevPage came back empty."""
    seen = _there_and_back(_ok(runs, "kit.observation.prevpage"),
                           (N_OBS + 1) // 2)
    assert len(seen) == N_OBS


def test_kit_everything_total_and_prev_page(runs, chart):
    """$everything by pages of 2 has Bundle.total on its first page (before:
    none with diagnosis running: the count stopped at four export pages,
    one per service, and took the last service's last page for a cut) and
    pages back to its Patient."""
    r = _ok(runs, "kit.everything.prevpage")
    n = r["total"]
    assert isinstance(n, int) and n >= N_OBS + 2, r
    seen = _there_and_back(r, (n + 1) // 2)
    assert seen[0] == "Patient/" + chart[0]
    kinds = {i.split("/")[0] for i in seen}
    assert {"Patient", "Observation", "MedicationRequest"} <= kinds


def test_kit_compartment_search(runs):
    """compartmentSearch: GET Patient/{id}/Observation is
    Observation?patient={id}, paged both ways."""
    seen = _there_and_back(_ok(runs, "kit.compartment.observation"),
                           (N_OBS + 1) // 2)
    assert len(seen) == N_OBS
    assert all(i.startswith("Observation/") for i in seen)
    # POST Patient/{id}/Observation/_search, its parameters in the body.
    post = _ok(runs, "kit.compartment.postsearch")
    assert post["total"] == N_OBS and len(post["entries"]) == 2, post
    assert post["next"] and not post["previous"], post
    mr = _ok(runs, "kit.compartment.medicationrequest")
    assert mr["type"] == "searchset" and mr["total"] == 1, mr
    assert mr["entries"][0].startswith("MedicationRequest/"), mr


def test_smart_compartment_search(runs):
    ids = _ok(runs, "smart.compartment.observation")
    assert len(ids) == len(set(ids)) == N_OBS
    assert all(i.startswith("Observation/") for i in ids)


def test_compartment_search_is_refused_as_the_search_is(cstack, validator,
                                                         chart):
    """Patient/{id}/{type} passes the same scope and role checks as
    {type}?patient={id}: refused alike, with the same words."""
    pid, other = chart
    for tok in (_jwt(cstack, scope="launch/patient patient/Observation.rs",
                     patient=pid),
                _jwt(cstack, roles=("auditor",), user="aud.smart")):
        status, _, body = get(cstack, "Patient/%s/Observation" % other,
                              token=tok)
        diag = outcome(validator, status, body, 403, "forbidden")
        status, _, body = get(cstack, "Observation?patient=" + other,
                              token=tok)
        assert outcome(validator, status, body, 403, "forbidden") == diag
    tok = _jwt(cstack, scope="user/*.rs")
    status, _, body = get(cstack, "Patient/%s/Observation?patient=%s"
                          % (pid, other), token=tok)
    diag = outcome(validator, status, body, 400, "invalid")
    assert "one patient per search" in diag
    status, _, body = get(cstack, "Patient/%s/Observation?patient=Patient/%s"
                          % (pid, pid), token=tok)
    assert status == 200 and body["total"] == N_OBS, body
    # Its links keep the compartment's form.
    assert body["link"][0]["url"].startswith(
        "%s/Patient/%s/Observation?" % (cstack.fhir_url(), pid)), body
    status, _, body = get(cstack, "Patient/%s/Practitioner" % pid,
                          token=tok)
    diag = outcome(validator, status, body, 404, "not-found")
    assert "Patient compartment" in diag
    status, _, body = get(cstack, "metadata", role=None)
    assert body["rest"][0]["compartment"] == [
        "http://hl7.org/fhir/CompartmentDefinition/patient"]


# --- SMART discovery and scopes, over plain HTTPS -------------------------

def test_capability_statement_names_the_oauth_uris(cstack, validator):
    status, _, body = get(cstack, "metadata", role=None)
    assert status == 200
    valid(validator, dict(body, fhirVersion="4.0.0"))  # as test_fhir_facade
    ext = body["rest"][0]["security"]["extension"][0]
    assert ext["url"].endswith("/StructureDefinition/oauth-uris")
    assert {e["url"]: e["valueUri"] for e in ext["extension"]} == {
        "authorize": AUTHORIZE, "token": TOKEN}


def test_smart_configuration(cstack, chart):
    status, headers, body = get(cstack, ".well-known/smart-configuration",
                                role=None)
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert body["issuer"] == ISSUER
    assert body["authorization_endpoint"] == AUTHORIZE
    assert body["token_endpoint"] == TOKEN
    assert "S256" in body["code_challenge_methods_supported"]
    assert {"launch-ehr", "permission-v2", "permission-patient",
            "context-ehr-patient"} <= set(body["capabilities"])
    scopes = set(body["scopes_supported"])
    assert {"patient/*.rs", "user/*.rs", "system/*.rs",
            "patient/Observation.rs", "user/MedicationRequest.rs",
            "system/Patient.rs", "launch/patient"} <= scopes


def _status(st, url, token):
    return get(st, url, token=token)


def test_patient_scopes_reach_the_launch_patient_only(cstack, validator,
                                                      chart):
    pid, other = chart
    tok = _jwt(cstack, scope="launch/patient patient/Observation.rs",
               patient=pid)
    status, _, body = get(cstack, "Observation?patient=" + pid, token=tok)
    assert status == 200 and body["total"] == N_OBS, body
    # Another patient: the clinician's role would allow it, the scope not.
    status, _, body = get(cstack, "Observation?patient=" + other, token=tok)
    diag = outcome(validator, status, body, 403, "forbidden")
    assert "scope" in diag
    # No Patient scope: the patient's own demographics stay closed.
    status, _, body = get(cstack, "Patient/" + pid, token=tok)
    outcome(validator, status, body, 403, "forbidden")
    # patient/ scopes without a patient in the token reach no one.
    tok = _jwt(cstack, scope="patient/*.rs")
    status, _, body = get(cstack, "Patient/" + pid, token=tok)
    outcome(validator, status, body, 403, "forbidden")


def test_user_and_v1_scopes(cstack, validator, chart):
    pid, _ = chart
    tok = _jwt(cstack, scope="user/Observation.rs")
    status, _, _ = get(cstack, "Observation?patient=" + pid, token=tok)
    assert status == 200
    for url in ("Patient/" + pid, "MedicationRequest?patient=" + pid,
                "Patient/%s/$everything" % pid):
        status, _, body = get(cstack, url, token=tok)
        outcome(validator, status, body, 403, "forbidden")
    # .read is SMART v1 for .rs; "r" alone allows a read, not a search.
    tok = _jwt(cstack, scope="patient/*.read", patient=pid)
    status, _, body = get(cstack, "Patient/%s/$everything" % pid, token=tok)
    assert status == 200, body
    tok = _jwt(cstack, scope="user/Patient.r user/Observation.r")
    status, _, _ = get(cstack, "Patient/" + pid, token=tok)
    assert status == 200
    status, _, body = get(cstack, "Observation?patient=" + pid, token=tok)
    outcome(validator, status, body, 403, "forbidden")


def test_scopes_narrow_roles_never_widen_them(cstack, validator, chart):
    pid, _ = chart
    # An auditor may not read charts, whatever the token's scopes say.
    tok = _jwt(cstack, roles=("auditor",), user="aud.smart",
               scope="user/*.cruds system/*.rs")
    status, _, body = get(cstack, "Observation?patient=" + pid, token=tok)
    outcome(validator, status, body, 403, "forbidden")
    # Only OpenID scopes: no resource at all.
    tok = _jwt(cstack, scope="openid fhirUser")
    status, _, body = get(cstack, "Patient/" + pid, token=tok)
    outcome(validator, status, body, 403, "forbidden")
    # A granular scope (v2 "?category=") is not honoured: it grants nothing
    # rather than everything of the type.
    tok = _jwt(cstack, scope="user/Observation.rs?category=vital-signs")
    status, _, body = get(cstack, "Observation?patient=" + pid, token=tok)
    outcome(validator, status, body, 403, "forbidden")


def test_a_token_without_a_scope_claim_keeps_working(cstack, validator,
                                                     chart):
    """Backwards compatible: our own and older tokens carry no scope claim
    and are judged by roles and care alone (docs/security.md)."""
    pid, _ = chart
    status, _, body = get(cstack, "Patient/%s/$everything" % pid,
                          token=_jwt(cstack))
    assert status == 200, body
    valid(validator, body)
    status, _, _ = get(cstack, "Patient/" + pid, role="clinician")
    assert status == 200


def test_malformed_scope_claims_are_refused(cstack, validator, chart):
    pid, _ = chart
    for claim in (42, {"a": 1},
                  " ".join("user/Observation.r" for _ in range(33))):
        status, _, body = get(cstack, "Patient/" + pid,
                              token=_jwt(cstack, scope=claim))
        outcome(validator, status, body, 401, "login")


# --- system clients' certificates (MED_FHIR_CLIENT_CA) --------------------

def _get_with_cert(st, url, token, cert=None):
    """(status, body) of GET url presenting cert ((cert, key) paths)."""
    ctx = ssl.create_default_context(cafile=st.ca_path)
    if cert is not None:
        ctx.load_cert_chain(*cert)
    req = urllib.request.Request(st.fhir_url() + "/" + url)
    req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_system_scopes_need_a_client_certificate(cstack, validator, chart,
                                                 tmp_path):
    pid, _ = chart
    tok = _jwt(cstack, roles=("clinician",), user="ward-sync",
               scope="system/*.rs")
    url = "Observation?patient=" + pid
    status, body = _get_with_cert(cstack, url, tok)
    diag = outcome(validator, status, body, 403, "forbidden")
    assert "system" in diag
    # The stack's CA issued the operator's client certificate.
    status, body = _get_with_cert(cstack, url, tok, cstack.pki("operator"))
    assert status == 200 and body["total"] == N_OBS, body
    # A certificate from another CA is refused, whatever the token says.
    key_pem, cert_pem = pki.new_leaf(pki.new_ca(), "ward-sync")
    other = (pki.write(str(tmp_path / "o.pem"), cert_pem),
             pki.write(str(tmp_path / "o.key"), key_pem))
    status, body = _get_with_cert(cstack, url, _jwt(
        cstack, scope="user/*.rs"), other)
    diag = outcome(validator, status, body, 403, "forbidden")
    assert "client certificate" in diag
    # user/ scopes need none.
    status, body = _get_with_cert(cstack, url, _jwt(cstack,
                                                    scope="user/*.rs"))
    assert status == 200, body


# --- scopes on the writes (fhirwrite's POSTs) -------------------------------

def _post(st, url, body, token):
    req = urllib.request.Request(st.fhir_url() + "/" + url,
                                 data=json.dumps(body).encode(),
                                 method="POST")
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Content-Type", "application/fhir+json")
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_scopes_narrow_the_writes(cstack, validator, chart):
    from test_fhir_write import vital
    pid, _ = chart
    obs = vital(pid, "8867-4", 71, "/min")
    # Read scopes do not write.
    tok = _jwt(cstack, roles=("nurse",), user="nurse.smart",
               scope="user/Observation.rs")
    status, body = _post(cstack, "Observation", obs, tok)
    diag = outcome(validator, status, body, 403, "forbidden")
    assert "Observation.c" in diag
    # A create scope on the type does (the nurse's role allows it).
    tok = _jwt(cstack, roles=("nurse",), user="nurse.smart",
               scope="user/Observation.crs")
    status, body = _post(cstack, "Observation", obs, tok)
    assert status == 201, body


def test_patient_scopes_reach_a_read_by_id_of_the_launch_patient_only(
        cstack, validator, chart):
    """A read by id of any type names no patient until the resource is
    read: a patient/ scope lets it go on, and the facade serves it only
    when the resource proved to be the launch patient's (fails closed:
    another patient's, or a Medication of no patient, is 403, and nothing
    of it is in the answer)."""
    pid, other = chart
    rpb = protos.module("records")
    theirs = cstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=other, kind=rpb.ENTRY_KIND_OBSERVATION, title="HR",
        observation=rpb.Observation(loinc_code="8867-4", numeric=99,
                                    ucum_unit="/min")),
        role="clinician", timeout=30).entry_id
    user = _jwt(cstack, scope="user/*.rs")
    status, _, body = get(cstack, "MedicationRequest?patient=" + pid,
                          token=user)
    assert status == 200, body
    order = body["entry"][0]["resource"]
    med = order["medicationReference"]["reference"]
    status, _, body = get(cstack, "Observation?patient=" + pid, token=user)
    mine = body["entry"][0]["resource"]["id"]
    tok = _jwt(cstack, scope="launch/patient patient/Observation.rs "
               "patient/MedicationRequest.r patient/Medication.r",
               patient=pid)
    for url in ("Observation/" + mine, "Observation/%s/_history" % mine,
                "Observation/%s/_history/1" % mine,
                "MedicationRequest/" + order["id"]):
        status, _, body = get(cstack, url, token=tok)
        assert status == 200, (url, body)
        valid(validator, body)
    for url in ("Observation/" + theirs, "Observation/%s/_history" % theirs,
                "Observation/%s/_history/1" % theirs, med):
        status, _, body = get(cstack, url, token=tok)
        diag = outcome(validator, status, body, 403, "forbidden")
        assert "launch patient" in diag, (url, diag)
    # A type the token has no scope for stays closed, whoever's it is.
    status, _, body = get(cstack, "Observation/" + mine,
                          token=_jwt(cstack, scope="patient/Condition.rs",
                                     patient=pid))
    outcome(validator, status, body, 403, "forbidden")
    # No launch patient: a patient/ scope reaches no resource.
    status, _, body = get(cstack, "Observation/" + mine,
                          token=_jwt(cstack, scope="patient/Observation.rs"))
    outcome(validator, status, body, 403, "forbidden")
    # user/ scopes read any patient's, as roles and care allow.
    status, _, body = get(cstack, "Observation/" + theirs, token=user)
    assert status == 200, body
