"""MED_GRPC_MAX_CONNS_PER_CLIENT: one client address cannot hold more than
its share of a service's gRPC connections (issue 31: one client held 1,000
idle mutual-TLS connections).  The hog dials from 127.0.0.2 with real
mutual-TLS handshakes and the HTTP/2 preface, as an idle gRPC client does;
the normal client calls from 127.0.0.1 (on Linux every 127.x address is the
loopback interface, and to the server they are two clients)."""

import socket
import ssl
import subprocess
import time

import pytest

from harness import metrics, paths, protos

SVC = "identity"
CAP = 16
HOG = 40
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


pytestmark = pytest.mark.stack(services=(SVC,), extra_env={
    "MED_GRPC_MAX_CONNS_PER_CLIENT": str(CAP)})


def _context(st):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(st.ca_path)
    ctx.load_cert_chain(*st.pki("operator"))
    ctx.set_alpn_protocols(["h2"])
    return ctx


def _dial(st, ctx, src="127.0.0.2"):
    """A mutual-TLS connection that sent the HTTP/2 preface, or None when
    the server closed it during the handshake."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.bind((src, 0))
    raw.settimeout(5)
    raw.connect(("127.0.0.1", st.services[SVC].grpc_port))
    try:
        s = ctx.wrap_socket(raw, server_hostname=SVC)
        s.sendall(PREFACE)
        s.recv(9)  # the server's SETTINGS: the connection is served
        return s
    except (ssl.SSLError, OSError):
        raw.close()
        return None


def _alive(s):
    """True while the server keeps s open (never blocks long)."""
    s.settimeout(0.2)
    try:
        return s.recv(4096) != b""
    except socket.timeout:
        return True
    except (ssl.SSLError, OSError):
        return False


def _refused_total(st):
    samples, _ = metrics.scrape(st, SVC)
    got = metrics.series(samples, "smartmed_grpc_connections_closed_total",
                         reason="client_limit")
    return sum(got.values())


def _health(st):
    h = protos.health()
    call = st.channel(SVC).unary_unary(
        "/grpc.health.v1.Health/Check",
        request_serializer=h.HealthCheckRequest.SerializeToString,
        response_deserializer=h.HealthCheckResponse.FromString)
    return call(h.HealthCheckRequest(), timeout=5).status


def test_one_client_cannot_hold_more_than_its_share(st):
    ctx = _context(st)
    before = _refused_total(st)
    conns = [_dial(st, ctx) for _ in range(HOG)]
    try:
        held = [c for c in conns if c is not None]
        assert len(held) == CAP, (len(held), CAP)
        assert _refused_total(st) - before == HOG - CAP
        # The admitted ones stay open, idle.
        time.sleep(1)
        assert all(_alive(c) for c in held)
        # Another client is served meanwhile.
        assert _health(st) == protos.health().HealthCheckResponse.SERVING
        # A closed connection gives its place back, one for one.
        for c in held[:4]:
            c.close()
        held = held[4:]
        deadline = time.monotonic() + 10
        while len(held) < CAP and time.monotonic() < deadline:
            c = _dial(st, ctx)
            if c is None:
                time.sleep(0.1)
                continue
            held.append(c)
        assert len(held) == CAP
        assert _dial(st, ctx) is None
    finally:
        for c in conns:
            if c is not None:
                c.close()
        for c in held:
            c.close()


def test_cap_out_of_range_is_refused(st):
    svc = st.services[SVC]
    for bad in ("0", "4097"):
        env = dict(svc.env, MED_GRPC_MAX_CONNS_PER_CLIENT=bad)
        r = subprocess.run([paths.bin_path("smartmed-" + SVC)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=20)
        assert r.returncode == 2
        assert b"MED_GRPC_MAX_CONNS_PER_CLIENT" in r.stderr
