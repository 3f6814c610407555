"""Issue 77 item 9: the identity provider's keys by JWKS URL
(MED_JWT_JWKS_URL), as Keycloak or Entra ID publish them.  A loopback
HTTP server plays the provider's JWKS endpoint.  The service fetches the
keys at start, keeps them for the answer's Cache-Control max-age (no fetch
per token), fetches again when a token names an unknown kid (at most once
a second, however many such tokens come) and when the max-age ran out, and
keeps the last good keys when a fetch fails.  The process is never
restarted (docs/security.md, "Identity provider keys")."""

import http.server
import json
import threading
import time
import uuid

import grpc
import pytest

from harness import Stack, pki, protos
from harness import metrics as m
from harness.checks import poll
from harness.fixtures import running

ISSUER = "https://idp.hospital.test/realms/smartmed"
AUDIENCE = "smartmed-api"
OK = grpc.StatusCode.NOT_FOUND  # GetPatient of an unknown id: accepted
UNAUTH = grpc.StatusCode.UNAUTHENTICATED


class Provider:
    """The provider's JWKS endpoint: what it publishes, with what max-age,
    whether it fails (503), and how often it was asked."""

    def __init__(self, keys, max_age=3600):
        self.keys, self.max_age, self.fail, self.gets = keys, max_age, \
            False, 0
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                provider.gets += 1
                if provider.fail or self.path != "/certs":
                    self.send_response(503 if provider.fail else 404)
                    self.end_headers()
                    return
                body = json.dumps(
                    {"keys": [k.jwk() for k in provider.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control",
                                 "public, max-age=%d" % provider.max_age)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.url = "http://127.0.0.1:%d/certs" % self.server.server_port
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def idp():
    key_a = pki.JwtKey("ES256", "key-a")
    p = Provider([key_a])
    p.key_a = key_a
    env = {"MED_JWT_JWKS_URL": p.url, "MED_JWT_ISSUER": ISSUER,
           "MED_JWT_AUDIENCE": AUDIENCE,
           # An hour: a change must be found by its kid or the max-age.
           "MED_JWT_JWKS_RELOAD_S": "3600"}
    try:
        with running(Stack(services=["identity"], extra_env=env)) as st:
            p.st, p.pid = st, st.proc("identity").pid
            yield p
    finally:
        p.close()


def _token(key, user="dr.rotate"):
    now = int(time.time())
    return pki.jwt(key, {"iss": ISSUER, "aud": AUDIENCE, "sub": "uid-" + user,
                         "preferred_username": user, "iat": now,
                         "nbf": now - 1, "exp": now + 300,
                         "roles": ["clinician"]})


def _status(st, token):
    path, _req, resp, _ = protos.method("identity", "GetPatient")
    idpb = protos.module("identity")
    stub = st.channel("identity").unary_unary(
        path, request_serializer=lambda x: x.SerializeToString(),
        response_deserializer=resp.FromString)
    try:
        stub(idpb.GetPatientRequest(patient_id=str(uuid.uuid4())),
             metadata=st.metadata(token=token), timeout=10)
    except grpc.RpcError as e:
        return e.code()
    return grpc.StatusCode.OK


def _reloads(st, result):
    samples, _ = m.scrape(st, "identity")
    got = m.series(samples, "smartmed_jwks_reloads_total", result=result)
    return next(iter(got.values()), 0.0)


def _same_process(p):
    assert p.st.proc("identity").poll() is None, p.st.log_tail("identity")
    assert p.st.proc("identity").pid == p.pid


def test_keys_are_cached_for_their_max_age(idp):
    """Fetched once at start; a hundred tokens of a known key fetch
    nothing more within the max-age."""
    assert idp.gets >= 1
    before = idp.gets
    for _ in range(100):
        assert _status(idp.st, _token(idp.key_a)) == OK
    assert idp.gets == before


def test_key_rotation_is_picked_up_without_a_restart(idp):
    key_b = pki.JwtKey("RS256", "key-b")
    assert _status(idp.st, _token(key_b)) == UNAUTH
    ok_before = _reloads(idp.st, "ok")
    # The provider publishes its next key, then signs with it: the
    # unknown kid makes the service fetch the JWKS again.
    idp.keys = [idp.key_a, key_b]
    poll(lambda: _status(idp.st, _token(key_b)) == OK, timeout=15,
         what="a token of the new key accepted")
    assert _status(idp.st, _token(idp.key_a)) == OK
    assert _reloads(idp.st, "ok") >= ok_before + 1
    # The old key retired: once the (now short) max-age runs out, the
    # next token is checked against the keys fetched then.
    idp.max_age = 1
    idp.keys = [key_b]
    stranger = pki.JwtKey("ES256", "key-x")
    time.sleep(1.1)  # the kid recheck's second
    assert _status(idp.st, _token(stranger)) == UNAUTH  # fetches max-age 1
    before = idp.gets
    time.sleep(1.5)
    _status(idp.st, _token(key_b))  # the max-age ran out: fetched again
    assert idp.gets == before + 1, (before, idp.gets)
    poll(lambda: _status(idp.st, _token(idp.key_a)) == UNAUTH, timeout=10,
         what="the retired key refused")
    assert _status(idp.st, _token(key_b)) == OK
    idp.key_b = key_b
    idp.max_age = 3600
    _same_process(idp)


def test_unknown_kids_fetch_at_most_once_a_second(idp):
    time.sleep(1.1)
    before = idp.gets
    started = time.monotonic()
    for i in range(30):
        assert _status(idp.st, _token(pki.JwtKey(
            "ES256", "made-up-%d" % i))) == UNAUTH
    seconds = time.monotonic() - started
    assert idp.gets - before <= int(seconds) + 2, (idp.gets - before,
                                                   seconds)


def test_a_failed_fetch_keeps_the_last_good_keys(idp):
    key_b = getattr(idp, "key_b", None)
    if key_b is None:
        pytest.skip("needs test_key_rotation_is_picked_up_without_a_restart")
    idp.fail = True
    failed_before = _reloads(idp.st, "failed")
    stranger = pki.JwtKey("ES256", "key-c")
    time.sleep(1.1)
    poll(lambda: _status(idp.st, _token(stranger)) == UNAUTH and _reloads(
        idp.st, "failed") >= failed_before + 1, timeout=15,
        what="the failed fetch counted")
    assert _status(idp.st, _token(key_b)) == OK
    log = idp.st.log_tail("identity")
    assert "the last good keys stay in use" in log, log
    # The provider is back: a new key is found again.
    idp.fail = False
    key_d = pki.JwtKey("RS256", "key-d")
    idp.keys = [key_b, key_d]
    poll(lambda: _status(idp.st, _token(key_d)) == OK, timeout=30,
         what="the new key accepted once the provider answers again")
    _same_process(idp)
