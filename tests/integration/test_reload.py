"""Rotated certificates and JWKS taken without a restart (issue 32).

cert-manager renews a Secret in place and the kubelet swaps the files of
the mounted volume atomically: the files are links through a ..data link
to a timestamped folder, and a new folder is linked in by renaming a new
..data link over the old one.  These tests lay the service's certificate,
key, CA and JWKS out the same way, swap them the same way, and check that
the running process (the same pid, never restarted) serves the new
certificate on new connections and accepts tokens of the new key, and that
a bad new file keeps the old ones working.  See docs/operations.md
"Rotate keys"."""

import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import uuid

import grpc
import pytest
from cryptography import x509

from harness import Stack, paths, pki, protos
from harness import metrics as m
from harness.checks import poll
from harness.fixtures import running

ISSUER = "https://idp.hospital.test/realms/smartmed"
AUDIENCE = "smartmed-api"
UNAUTH = grpc.StatusCode.UNAUTHENTICATED


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def kube_swap(folder, files):
    """Publish files ({name: bytes}) in folder as the kubelet publishes a
    Secret: a new timestamped folder, a ..data link renamed over the old
    one, and per-file links through ..data (made once)."""
    os.makedirs(folder, exist_ok=True)
    stamp = "..%s_%s" % (time.strftime("%Y_%m_%d_%H_%M_%S"),
                         uuid.uuid4().hex[:8])
    os.mkdir(os.path.join(folder, stamp))
    for name, data in files.items():
        pki.write(os.path.join(folder, stamp, name), data, 0o644)
    tmp = os.path.join(folder, "..data_tmp")
    os.symlink(stamp, tmp)
    os.rename(tmp, os.path.join(folder, "..data"))
    for name in files:
        link = os.path.join(folder, name)
        if not os.path.lexists(link):
            os.symlink(os.path.join("..data", name), link)


def _serial(pem):
    return x509.load_pem_x509_certificate(pem).serial_number


def _new_identity_cert(st, folder):
    """(cert_pem, key_pem) of a new certificate for identity from the
    stack's own development CA (tools/dev/devca.sh with the CA copied in,
    so that it signs rather than makes a new CA)."""
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for f in ("ca.pem", "ca.key"):
        shutil.copy(os.path.join(st.pki_dir, f), folder)
    subprocess.run(["sh", paths.devca_sh(), folder, "identity"], check=True,
                   stdout=subprocess.DEVNULL, timeout=60)
    return (_read(os.path.join(folder, "identity.pem")),
            _read(os.path.join(folder, "identity.key")))


@pytest.fixture(scope="module")
def rl(tmp_path_factory):
    d = tmp_path_factory.mktemp("reload")
    secret, jwks_dir = str(d / "tls"), str(d / "jwks")
    key_a = pki.JwtKey("ES256", "key-a")
    env = {"MED_TLS_CERT": os.path.join(secret, "tls.crt"),
           "MED_TLS_KEY": os.path.join(secret, "tls.key"),
           "MED_TLS_CA": os.path.join(secret, "ca.crt"),
           "MED_JWT_JWKS": os.path.join(jwks_dir, "jwks.json"),
           "MED_JWT_ISSUER": ISSUER, "MED_JWT_AUDIENCE": AUDIENCE,
           # An hour: the new key must be found through its unknown kid.
           "MED_JWT_JWKS_RELOAD_S": "3600",
           # The facade needs a records address; these tests never read.
           "MED_RECORDS_URL": "127.0.0.1:9"}
    # The FHIR facade (HTTPS through libmicrohttpd) takes the same files.
    st = Stack(services=["identity"], extra_env=env, fhir=True,
               pki_dir=str(d / "pki"))
    st.make_pki()
    cert, key = st.pki("identity")
    kube_swap(secret, {"tls.crt": _read(cert), "tls.key": _read(key),
                       "ca.crt": _read(st.ca_path)})
    kube_swap(jwks_dir, {"jwks.json": json.dumps(
        {"keys": [key_a.jwk()]}).encode()})
    with running(st):
        st.secret, st.jwks_dir, st.key_a = secret, jwks_dir, key_a
        st.tmp = str(d)
        st.pid = st.proc("identity").pid
        st.fhir_pid = st.proc("fhir").pid
        yield st


def served_serial(st, svc="identity"):
    """The serial of the certificate svc (identity's gRPC port, or the FHIR
    facade's HTTPS port) presents on a new TLS connection (a fresh
    handshake, as a client connecting now sees it), or None when the
    handshake fails."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(st.ca_path)
    ctx.load_cert_chain(*st.pki("operator"))
    ctx.set_alpn_protocols(["h2" if svc == "identity" else "http/1.1"])
    try:
        with socket.create_connection(
                ("127.0.0.1", st.grpc_port(svc)), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname="identity") as t:
                der = t.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError):
        return None
    return x509.load_der_x509_certificate(der).serial_number


def _fresh_health(st):
    """Health/Check over a new gRPC channel (a new handshake)."""
    h = protos.health()
    with st.new_channel("identity") as ch:
        call = ch.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=h.HealthCheckRequest.SerializeToString,
            response_deserializer=h.HealthCheckResponse.FromString)
        return call(h.HealthCheckRequest(service=""), timeout=10).status


def _metric(st, name, result, svc="identity"):
    samples, _ = m.scrape(st, svc)
    got = m.series(samples, name, result=result)
    return next(iter(got.values()), 0.0)


def _same_process(st):
    for svc, pid in (("identity", st.pid), ("fhir", st.fhir_pid)):
        assert st.proc(svc).poll() is None, st.log_tail(svc)
        assert st.proc(svc).pid == pid
        with open(st.log_path(svc), "rb") as f:
            assert f.read().count(b"--- start " + svc.encode()) == 1


def _status(st, token):
    """The status of GetPatient (unknown id) with token: NOT_FOUND means
    the token was accepted."""
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


def _token(key, user="dr.rotate"):
    now = int(time.time())
    return pki.jwt(key, {"iss": ISSUER, "aud": AUDIENCE, "sub": "uid-" + user,
                         "preferred_username": user, "iat": now,
                         "nbf": now - 1, "exp": now + 300,
                         "roles": ["clinician"]})


def test_renewed_certificate_served_without_restart(rl):
    first = _serial(_read(rl.pki("identity")[0]))
    assert served_serial(rl) == first
    assert served_serial(rl, "fhir") == first
    ok_before = _metric(rl, "smartmed_tls_reloads_total", "ok")
    fhir_ok_before = _metric(rl, "smartmed_tls_reloads_total", "ok", "fhir")
    cert, key = _new_identity_cert(rl, os.path.join(rl.tmp, "renewed"))
    assert _serial(cert) != first
    kube_swap(rl.secret, {"tls.crt": cert, "tls.key": key,
                          "ca.crt": _read(rl.ca_path)})
    poll(lambda: served_serial(rl) == _serial(cert), timeout=15,
         what="the renewed certificate on a new connection")
    poll(lambda: served_serial(rl, "fhir") == _serial(cert), timeout=15,
         what="the FHIR facade's renewed certificate on a new connection")
    assert _fresh_health(rl) == protos.health().HealthCheckResponse.SERVING
    assert _metric(rl, "smartmed_tls_reloads_total", "ok") == ok_before + 1
    assert _metric(rl, "smartmed_tls_reloads_total", "ok",
                   "fhir") == fhir_ok_before + 1
    _same_process(rl)


def test_bad_certificate_files_keep_the_old_one(rl):
    served = served_serial(rl)
    assert served is not None
    assert served_serial(rl, "fhir") == served
    failed_before = _metric(rl, "smartmed_tls_reloads_total", "failed")
    fhir_failed = _metric(rl, "smartmed_tls_reloads_total", "failed", "fhir")
    # A renewed certificate published with a key that is not its own (a
    # half-finished manual rotation): refused, the old pair keeps serving.
    cert, _key = _new_identity_cert(rl, os.path.join(rl.tmp, "mismatch"))
    _c, other_key = _new_identity_cert(rl, os.path.join(rl.tmp, "other"))
    kube_swap(rl.secret, {"tls.crt": cert, "tls.key": other_key,
                          "ca.crt": _read(rl.ca_path)})
    poll(lambda: served_serial(rl) is not None and _metric(
        rl, "smartmed_tls_reloads_total", "failed") == failed_before + 1,
        timeout=15, what="the mismatched pair counted as failed")
    assert served_serial(rl) == served
    # Then files that are not PEM at all.
    kube_swap(rl.secret, {"tls.crt": b"garbage", "tls.key": b"garbage",
                          "ca.crt": _read(rl.ca_path)})
    poll(lambda: served_serial(rl) is not None and _metric(
        rl, "smartmed_tls_reloads_total", "failed") == failed_before + 2,
        timeout=15, what="the unreadable files counted as failed")
    assert served_serial(rl) == served
    # The facade looks at the files on a handshake: it sees the last ones.
    poll(lambda: served_serial(rl, "fhir") is not None and _metric(
        rl, "smartmed_tls_reloads_total", "failed", "fhir") >= fhir_failed + 1,
        timeout=15, what="the FHIR facade counting the bad files")
    assert served_serial(rl, "fhir") == served
    assert _fresh_health(rl) == protos.health().HealthCheckResponse.SERVING
    _same_process(rl)


def test_rotated_jwks_accepts_the_new_key(rl):
    key_b = pki.JwtKey("RS256", "key-b")
    assert _status(rl, _token(rl.key_a)) == grpc.StatusCode.NOT_FOUND
    assert _status(rl, _token(key_b)) == UNAUTH
    ok_before = _metric(rl, "smartmed_jwks_reloads_total", "ok")
    # The identity provider adds its next key to the JWKS, then signs
    # with it.
    kube_swap(rl.jwks_dir, {"jwks.json": json.dumps(
        {"keys": [rl.key_a.jwk(), key_b.jwk()]}).encode()})
    poll(lambda: _status(rl, _token(key_b)) == grpc.StatusCode.NOT_FOUND,
         timeout=15, what="a token of the new key accepted")
    assert _status(rl, _token(rl.key_a)) == grpc.StatusCode.NOT_FOUND
    assert _metric(rl, "smartmed_jwks_reloads_total", "ok") == ok_before + 1
    rl.key_b = key_b
    _same_process(rl)


def test_bad_jwks_keeps_the_old_keys(rl):
    key_b = getattr(rl, "key_b", None)
    if key_b is None:
        pytest.skip("needs test_rotated_jwks_accepts_the_new_key")
    failed_before = _metric(rl, "smartmed_jwks_reloads_total", "failed")
    kube_swap(rl.jwks_dir, {"jwks.json": b'{"keys": [ truncated'})
    # A token with a kid the keys lack makes the service look at the file.
    stranger = pki.JwtKey("ES256", "key-c")
    poll(lambda: _status(rl, _token(stranger)) == UNAUTH and _metric(
        rl, "smartmed_jwks_reloads_total", "failed") == failed_before + 1,
        timeout=15, what="the bad JWKS counted as failed")
    assert _status(rl, _token(key_b)) == grpc.StatusCode.NOT_FOUND
    assert _status(rl, _token(rl.key_a)) == grpc.StatusCode.NOT_FOUND
    _same_process(rl)
