"""Slow and hostile clients cannot hold a service's ports.

The HTTP port (/healthz, /readyz, /metrics) keeps answering probes while one
client holds hundreds of half-sent requests: a client address may keep
MED_HTTP_MAX_CONNS_PER_CLIENT connections, and a request head must be
complete MED_HTTP_HEADER_TIMEOUT_MS after the accept.  A connection to a
gRPC port that never completes its TLS handshake is closed after
MED_GRPC_HANDSHAKE_TIMEOUT_MS.

The slow client dials from 127.0.0.2, the probe from 127.0.0.1: on Linux
every 127.x address is the loopback interface, and to the server they are
two clients, as a kubelet and another pod are."""

import socket
import subprocess
import threading
import time
import urllib.request

import pytest

from harness import metrics, paths

SVC = "audit"
HEADER_TIMEOUT_MS = 2000
HANDSHAKE_TIMEOUT_MS = 1000
PER_CLIENT = 8
SLOW_CONNECTIONS = 300
PROBES = 60
HALF_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"


pytestmark = pytest.mark.stack(services=(SVC,), extra_env={
    "MED_HTTP_HEADER_TIMEOUT_MS": str(HEADER_TIMEOUT_MS),
    "MED_HTTP_MAX_CONNS_PER_CLIENT": str(PER_CLIENT),
    "MED_GRPC_HANDSHAKE_TIMEOUT_MS": str(HANDSHAKE_TIMEOUT_MS),
})


def _dial(port, src="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s


def _is_closed(s):
    """True once the server has closed s (EOF or reset); never blocks."""
    s.setblocking(False)
    try:
        return s.recv(1024) == b""
    except BlockingIOError:
        return False
    except ConnectionError:
        return True
    finally:
        s.setblocking(True)


def _seconds_until_closed(s, limit_s):
    """Seconds until the server closes s (None if it stays open)."""
    t0 = time.monotonic()
    s.settimeout(limit_s)
    try:
        while s.recv(1024):
            pass
    except socket.timeout:
        return None
    except ConnectionError:
        pass
    return time.monotonic() - t0


class SlowClient:
    """Keeps SLOW_CONNECTIONS half-sent requests open from 127.0.0.2,
    opening a new one whenever the server closes one."""

    def __init__(self, port):
        self.port = port
        self.socks = []
        self.opened = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _top_up(self):
        still_open = []
        for s in self.socks:
            if _is_closed(s):
                s.close()
            else:
                still_open.append(s)
        self.socks = still_open
        while len(self.socks) < SLOW_CONNECTIONS:
            s = _dial(self.port, "127.0.0.2")
            try:
                s.sendall(HALF_REQUEST)
            except ConnectionError:
                pass
            self.socks.append(s)
            self.opened += 1

    def _run(self):
        while not self.stop.is_set():
            # Twice a second: it keeps SLOW_CONNECTIONS open without
            # running the machine out of ephemeral ports.
            self.stop.wait(0.5)
            self._top_up()

    def __enter__(self):
        self._top_up()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)


def _healthz(port):
    url = "http://127.0.0.1:%d/healthz" % port
    t0 = time.monotonic()
    with urllib.request.urlopen(url, timeout=1) as r:
        return r.status, time.monotonic() - t0


def _closed_total(st, reason):
    samples, _ = metrics.scrape(st, SVC)
    return metrics.series(samples, "smartmed_http_connections_closed_total",
                          reason=reason).get((("reason", reason),), 0)


def test_healthz_answers_while_one_client_holds_half_sent_requests(st):
    port = st.http_port(SVC)
    refused_before = _closed_total(st, "client_limit")
    with SlowClient(port) as slow:
        results = []
        for _ in range(PROBES):
            results.append(_healthz(port))
            time.sleep(0.05)
    # It kept trying all along: every refused connection came back.
    assert slow.opened > 2 * SLOW_CONNECTIONS
    held = slow.socks
    assert all(code == 200 for code, _ in results), results
    assert max(t for _, t in results) < 1.0, results
    # Beyond PER_CLIENT its connections were closed as they came.
    assert _closed_total(st, "client_limit") >= (
        refused_before + SLOW_CONNECTIONS - PER_CLIENT)
    # The rest are closed by the header deadline: none stays open.
    deadline = time.monotonic() + HEADER_TIMEOUT_MS / 1000 + 3
    while time.monotonic() < deadline and not all(map(_is_closed, held)):
        time.sleep(0.1)
    assert all(map(_is_closed, held))
    for s in held:
        s.close()


def test_half_sent_request_is_closed_at_the_header_deadline(st):
    before = _closed_total(st, "header_timeout")
    dialled = time.monotonic()  # the server's deadline runs from after it
    s = _dial(st.http_port(SVC), "127.0.0.3")
    s.sendall(HALF_REQUEST[:10])
    time.sleep(0.5)
    # More bytes do not buy more time: the deadline runs from the accept.
    s.sendall(HALF_REQUEST[10:])
    took = _seconds_until_closed(s, HEADER_TIMEOUT_MS / 1000 + 5)
    open_for = time.monotonic() - dialled
    s.close()
    assert took is not None, "the half-sent request was never closed"
    assert open_for >= HEADER_TIMEOUT_MS / 1000 - 0.2, open_for
    assert took <= HEADER_TIMEOUT_MS / 1000 + 2, took
    assert _closed_total(st, "header_timeout") == before + 1


@pytest.mark.parametrize("port_of", ["grpc_port", "health_port"])
def test_silent_grpc_connection_is_closed_at_the_handshake_timeout(
        st, port_of):
    s = _dial(getattr(st, port_of)(SVC))
    took = _seconds_until_closed(s, HANDSHAKE_TIMEOUT_MS / 1000 + 10)
    s.close()
    assert took is not None, "the silent connection was never closed"
    assert took >= HANDSHAKE_TIMEOUT_MS / 1000 - 0.2, took
    assert took <= HANDSHAKE_TIMEOUT_MS / 1000 + 3, took
    # The port still serves well-behaved clients.
    st.wait_serving(SVC, timeout=10)


@pytest.mark.parametrize("key,value", [
    ("MED_HTTP_HEADER_TIMEOUT_MS", "0"),
    ("MED_HTTP_MAX_CONNS_PER_CLIENT", "0"),
    ("MED_HTTP_MAX_CONNS_PER_CLIENT", "257"),
    ("MED_GRPC_HANDSHAKE_TIMEOUT_MS", "50"),
])
def test_limits_out_of_range_are_refused(st, key, value):
    env = dict(st.services[SVC].env, **{key: value})
    r = subprocess.run([paths.service_bin(SVC)], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=20)
    assert r.returncode == 2
    assert key.encode() in r.stderr
