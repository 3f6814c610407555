"""The FHIR facade's HTTPS edge against hostile clients (issue 35, item 5),
over real sockets on loopback: idle and slow clients must not starve
honest requests, a request head cannot be trickled past its deadline, one
address holds only so many connections, old TLS and CBC suites are refused,
pipelined requests are answered in order, encoded separators and NULs in
the target are refused, and /healthz fails while the API port does not
serve.

Linux routes all of 127.0.0.0/8 to loopback, so the attackers bind
127.0.0.2 and up while the honest client (and the facade's own liveness
probe) come from 127.0.0.1: the per-address limit then limits each
attacker address as it would a remote host.  The honest latency bound is
the issue's (p99 under 1 s) and is a check, not a benchmark: an honest
request alone takes a few milliseconds."""

import json
import select
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request

import pytest

from harness import Stack
from harness.checks import poll
from harness.fixtures import running
from harness.metrics import scrape, series

from test_fhir_facade import get, outcome

PER_CLIENT = 32
MAX_CONNS = 330
HEADER_TIMEOUT_S = 15
PROBE_MS = 500


@pytest.fixture(scope="module")
def estack():
    env = {"MED_FHIR_MAX_CONNS": str(MAX_CONNS),
           "MED_FHIR_MAX_CONNS_PER_CLIENT": str(PER_CLIENT),
           "MED_FHIR_HEADER_TIMEOUT_MS": str(HEADER_TIMEOUT_S * 1000),
           "MED_FHIR_LIVENESS_PROBE_MS": str(PROBE_MS)}
    with running(Stack(services=("audit", "identity", "records"),
                       fhir=True, extra_env=env)) as st:
        yield st


def _port(st):
    return st.services["fhir"].grpc_port


def _tls_ctx(st, **kw):
    ctx = ssl.create_default_context(cafile=st.ca_path)
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


def _tcp(st, source, timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", _port(st)))
    return s


def _tls(st, source="127.0.0.1", ctx=None, timeout=10):
    raw = _tcp(st, source, timeout)
    try:
        return (ctx or _tls_ctx(st)).wrap_socket(raw,
                                                 server_hostname="localhost")
    except BaseException:
        raw.close()
        raise


def _read_answers(s, want, timeout=20):
    """Reads up to want HTTP/1.1 answers (Content-Length bodies) from s;
    returns [(status, headers, body)] as far as they came."""
    buf, answers = b"", []
    end = time.monotonic() + timeout
    while len(answers) < want and time.monotonic() < end:
        head_end = buf.find(b"\r\n\r\n")
        if head_end >= 0:
            lines = buf[:head_end].decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, v in
                       (line.split(":", 1) for line in lines[1:])}
            n = int(headers.get("content-length", "0"))
            if len(buf) >= head_end + 4 + n:
                body = buf[head_end + 4:head_end + 4 + n]
                answers.append((int(lines[0].split()[1]), headers, body))
                buf = buf[head_end + 4 + n:]
                if headers.get("connection", "").lower() == "close":
                    break
                continue
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ssl.SSLError, OSError):
            break
        if not chunk:
            break
        buf += chunk
    return answers


def _honest(st, n=40):
    """Latencies (s) of n honest requests, each on a new TLS connection
    from 127.0.0.1, alternating the CapabilityStatement and SMART
    discovery; every one must succeed."""
    times = []
    for i in range(n):
        path = "metadata" if i % 2 == 0 else ".well-known/smart-configuration"
        t0 = time.monotonic()
        status, _, body = get(st, path, role=None)
        times.append(time.monotonic() - t0)
        assert status == 200, body
    return times


def _p99(times):
    times = sorted(times)
    return times[min(len(times) - 1, int(len(times) * 0.99))]


def _hold_idle(st, sources, per_source):
    """Opens per_source idle TCP connections from each source address
    (nothing sent); returns the sockets the facade took."""
    socks = []
    for src in sources:
        for _ in range(per_source):
            try:
                socks.append(_tcp(st, src, timeout=5))
            except OSError:
                pass
    return socks


def _close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


def test_idle_connections_do_not_starve_honest_requests(estack):
    """300 idle TCP connections (10 addresses x 30, each under the
    per-address cap) cost the pool nothing: honest requests still answer,
    p99 under 1 s."""
    socks = _hold_idle(estack, ["127.0.0.%d" % i for i in range(2, 12)], 30)
    try:
        assert len(socks) == 300
        times = _honest(estack)
    finally:
        _close_all(socks)
    print("honest p99 with 300 idle connections: %.3f s" % _p99(times))
    assert _p99(times) < 1.0, sorted(times)[-5:]


def test_one_address_holds_at_most_its_cap(estack):
    """300 connections from one address: the facade keeps PER_CLIENT and
    closes the rest at once, and honest requests from another address are
    served meanwhile."""
    socks = _hold_idle(estack, ["127.0.0.40"], 300)
    try:
        still_open, closed = list(socks), 0
        deadline = time.monotonic() + 20
        while closed < 300 - PER_CLIENT and time.monotonic() < deadline:
            time.sleep(0.2)
            left = []
            for s in still_open:
                s.settimeout(0.01)
                try:
                    if s.recv(1) == b"":
                        closed += 1
                    else:
                        left.append(s)
                except socket.timeout:
                    left.append(s)
                except OSError:
                    closed += 1
            still_open = left
        assert closed >= 300 - PER_CLIENT, closed
        times = _honest(estack, 10)
    finally:
        _close_all(socks)
    assert _p99(times) < 1.0, times


class _Trickler(threading.Thread):
    """A slow TLS client: handshake, a request line, then one header byte
    a second for ever.  Records when the server closed the connection."""

    def __init__(self, st, source):
        super().__init__(daemon=True)
        self.st, self.source = st, source
        # closed_after counts from before the connect (the accept is
        # later: a lower bound of the cut); held from the handshake's end
        # (an upper bound).
        self.start_t = self.closed_after = self.held = None
        self.connected = False
        self.stop = threading.Event()

    def run(self):
        self.start_t = time.monotonic()
        try:
            s = _tls(self.st, self.source, timeout=30)
        except OSError:
            return
        self.connected = True
        connected_t = time.monotonic()
        try:
            s.sendall(b"GET /fhir/metadata HTTP/1.1\r\nHost: localhost\r\n")
            while not self.stop.is_set():
                s.sendall(b"X")
                time.sleep(1)
        except OSError:
            self.closed_after = time.monotonic() - self.start_t
            self.held = time.monotonic() - connected_t
        finally:
            s.close()


def test_slow_tls_clients_do_not_starve_honest_requests(estack):
    """256 TLS clients trickling their request heads (8 addresses x 32):
    honest requests still answer, p99 under 1 s; and every trickler is cut
    at the head deadline, which its bytes cannot renew."""
    ts = [_Trickler(estack, "127.0.0.%d" % (50 + i // 32))
          for i in range(256)]
    for t in ts:
        t.start()
    try:
        poll(lambda: sum(t.connected for t in ts) == 256 or None,
             timeout=60, what="256 slow TLS clients connected")
        times = _honest(estack)
        for t in ts:
            t.join(timeout=HEADER_TIMEOUT_S + 20)
    finally:
        for t in ts:
            t.stop.set()
    print("honest p99 with 256 slow TLS clients: %.3f s" % _p99(times))
    assert _p99(times) < 1.0, sorted(times)[-5:]
    cut = [t.closed_after for t in ts]
    assert all(c is not None for c in cut), "a trickler outlived the deadline"
    # Cut at the deadline (the sweeper looks every 100 ms, a trickler
    # sees it at its next byte), not later and not renewed by the trickle.
    assert max(t.held for t in ts) < HEADER_TIMEOUT_S + 3
    assert min(cut) >= HEADER_TIMEOUT_S - 1, min(cut)


def test_pipelined_gets_are_all_answered_in_order(estack):
    s = _tls(estack)
    try:
        reqs = b"".join(b"GET /fhir/metadata HTTP/1.1\r\n"
                        b"Host: localhost\r\nX-Request-ID: p%d\r\n\r\n" % i
                        for i in range(50))
        s.sendall(reqs)
        answers = _read_answers(s, 50)
    finally:
        s.close()
    assert len(answers) == 50, [a[0] for a in answers]
    for status, headers, body in answers:
        assert status == 200
        assert json.loads(body)["resourceType"] == "CapabilityStatement"


@pytest.mark.parametrize("target", [
    "/fhir/Patient%2Fx",
    "/fhir/Patient/x%00",
    "/fhir//metadata",
    "/fhir/../fhir/metadata",
    "/fhir/./metadata",
    "/fhir/Patient/%2e%2e/metadata",
    "/fhir/Patient/x%5c",
    "/fhir/metadata?_format=json%00",
    "fhir/metadata",
])
def test_odd_targets_are_refused(estack, validator, target):
    s = _tls(estack)
    try:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n"
                  % target.encode())
        answers = _read_answers(s, 1)
    finally:
        s.close()
    assert answers, target
    status, headers, body = answers[0]
    # An absolute path is the edge's to refuse; a target that is no path
    # at all libmicrohttpd itself may refuse before the edge sees it.
    assert status == 400, (target, status, body)
    if headers.get("content-type", "").startswith("application/fhir+json"):
        outcome(validator, status, json.loads(body), 400, "invalid")
    else:
        assert not target.startswith("/"), (target, headers)


def _handshake(st, ctx):
    try:
        with _tls(st, ctx=ctx, timeout=5) as s:
            return s.version(), s.cipher()[0]
    except (ssl.SSLError, OSError) as e:
        return None, str(e)


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
def test_tls_versions_and_suites(estack):
    def ctx(lo, hi, ciphers):
        c = _tls_ctx(estack)
        c.minimum_version, c.maximum_version = lo, hi
        c.set_ciphers(ciphers + ":@SECLEVEL=0")
        return c
    V = ssl.TLSVersion
    for hi in (V.TLSv1, V.TLSv1_1):
        version, why = _handshake(estack, ctx(V.TLSv1, hi, "ALL"))
        assert version is None, (hi, version, why)
    version, why = _handshake(estack, ctx(V.TLSv1_2, V.TLSv1_2,
                                          "ECDHE-ECDSA-AES128-SHA"))
    assert version is None, ("CBC-SHA1 accepted", why)
    version, cipher = _handshake(estack, ctx(V.TLSv1_2, V.TLSv1_2,
                                             "ECDHE-ECDSA-AES128-GCM-SHA256"))
    assert version == "TLSv1.2", cipher
    version, cipher = _handshake(estack, _tls_ctx(estack))
    assert version == "TLSv1.3", cipher


def _healthz(st):
    url = "http://127.0.0.1:%d/healthz" % st.services["fhir"].http_port
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _log_count(st, text):
    with open(st.log_path("fhir"), errors="replace") as f:
        return f.read().count(text)


class _Busy(threading.Thread):
    """A TLS client from `source` whose request is being read for ever: a
    POST head, then its body a byte every 2 s (within the facade's idle
    timeout), opened again when the facade closes it if `again`."""

    BODY = 200
    HEAD = (b"POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/fhir+json\r\n"
            b"Content-Length: %d\r\n\r\n" % BODY)

    def __init__(self, st, source, again):
        super().__init__(daemon=True)
        self.st, self.source, self.again = st, source, again
        self.ready = threading.Event()  # a head sent on the connection
        self.stop = threading.Event()
        self.sock, self.sent, self.closed = None, 0, 0

    def _one(self):
        s = _tls(self.st, self.source, timeout=10)
        try:
            s.sendall(self.HEAD)
            self.sock, self.sent = s, 0
            self.ready.set()
            while not self.stop.wait(2):
                s.sendall(b"x")
                self.sent += 1
        except BaseException:
            self.ready.clear()
            s.close()
            raise

    def run(self):
        while not self.stop.is_set():
            try:
                self._one()
                return
            except OSError:
                self.closed += 1
                if not self.again:
                    return
                self.stop.wait(0.2)

    def finish(self):
        """Stops the trickle and sends the rest of the body: the answer's
        status, or None when the connection was closed."""
        self.stop.set()
        self.join(timeout=10)
        if self.sock is None or not self.ready.is_set():
            return None
        try:
            self.sock.sendall(b"x" * (self.BODY - self.sent))
            answers = _read_answers(self.sock, 1)
        except OSError:
            answers = []
        finally:
            self.sock.close()
        return answers[0][0] if answers else None


def _busy(st, source, n, again):
    """n _Busy clients from source, each with its head sent."""
    clients = [_Busy(st, source, again) for _ in range(n)]
    for c in clients:
        c.start()
    poll(lambda: all(c.ready.is_set() for c in clients) or None,
         timeout=60, what="%d requests being read from %s" % (n, source))
    return clients


def _refusals(st, reason):
    samples, _ = scrape(st, "fhir")
    return sum(series(samples, "smartmed_fhir_edge_refusals_total",
                      reason=reason).values())


def test_healthz_fails_while_the_api_port_does_not_serve(estack):
    """The facade probes its own API port every 500 ms from 127.0.0.1;
    with that address's PER_CLIENT places held by requests being read
    (bodies trickling) the port refuses the probe, and /healthz says so
    until they are gone.  (Idle connections from 127.0.0.1, or a port full
    of other addresses' connections, still serve: a newcomer closes the
    oldest idle connection of its own address, or of the address holding
    the most.)  The requests are opened again as they are closed, so that
    a place freed goes to them rather than to the probe."""
    assert _healthz(estack) == 200
    failed = "liveness: the FHIR port did not serve"
    failed_before = _log_count(estack, failed)
    busy = _busy(estack, "127.0.0.1", PER_CLIENT, again=True)
    try:
        # 503 from /healthz, or the line the facade logs as it turns to
        # 503 (on a busy machine a poll may miss the 503 itself)
        poll(lambda: _healthz(estack) == 503 or
             _log_count(estack, failed) > failed_before or None,
             timeout=HEADER_TIMEOUT_S + 10,
             what="/healthz 503 while the API port refuses the probe")
    finally:
        for b in busy:
            b.finish()
    poll(lambda: _healthz(estack) == 200 or None, timeout=20,
         what="/healthz 200 again")


class _Flood:
    """A flood in a thread until stopped: silent TCP connections (nothing
    ever sent, not even a TLS hello) from `addresses`, up to per_address
    of each (the per-address cap), each replaced as soon as the facade
    closes it.  From 40 addresses that is more than MED_FHIR_MAX_CONNS."""

    def __init__(self, st, addresses, per_address):
        self.st, self.addresses = st, addresses
        self.per_address = per_address
        self.stop = threading.Event()
        self.socks = {}  # fd -> (socket, address)
        self.held = dict.fromkeys(addresses, 0)
        self.opened = self.closed_by_peer = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _open(self, src):
        try:
            s = _tcp(self.st, src, timeout=1)
        except OSError:
            return  # a full backlog is also what an attacker meets
        s.setblocking(False)
        self.socks[s.fileno()] = (s, src)
        self.held[src] += 1
        self.opened += 1

    def _reap(self):
        """Drops the connections the facade has closed (poll: more than
        FD_SETSIZE sockets)."""
        p = select.poll()
        for fd in self.socks:
            p.register(fd, select.POLLIN)
        for fd, _ev in p.poll(0):
            s, src = self.socks[fd]
            try:
                gone = s.recv(1024) == b""
            except BlockingIOError:
                gone = False
            except OSError:
                gone = True
            if gone:
                self.closed_by_peer += 1
                self.held[src] -= 1
                del self.socks[fd]
                s.close()

    def _run(self):
        while not self.stop.is_set():
            for src in self.addresses:
                while self.held[src] < self.per_address and \
                        not self.stop.is_set():
                    self._open(src)
                self._reap()
            self.stop.wait(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)
        _close_all(s for s, _src in self.socks.values())


def test_a_flood_from_forty_addresses_costs_an_honest_client_no_try(estack):
    """40 addresses each hold their PER_CLIENT share of silent
    connections, replaced as the facade closes them: 1280 wanted, more
    than the MAX_CONNS the port takes.  Each of 16 honest requests from
    127.0.0.1, on a new TLS connection, is answered on its first try and
    without waiting for a flooder's head deadline (before, the port was
    full and the honest connection waited in the backlog until the
    sweeper cut a flooder, or was not answered at all)."""
    addresses = ["127.0.3.%d" % i for i in range(1, 41)]
    with _Flood(estack, addresses, PER_CLIENT) as flood:
        poll(lambda: flood.opened >= MAX_CONNS + 100 or None, timeout=60,
             what="the flood past MAX_CONNS connections")
        times = []
        for i in range(16):
            path = "metadata" if i % 2 == 0 else \
                ".well-known/smart-configuration"
            t0 = time.monotonic()
            status, _, body = get(estack, path, role=None)
            times.append(time.monotonic() - t0)
            assert status == 200, (i, body)
        still = len(flood.socks)
    print("honest times under a 40-address flood: %s" %
          ", ".join("%.2f" % t for t in times))
    assert still >= MAX_CONNS // 2, still  # the flood still ran
    # Well under the head deadline a flooder waits for (a busy machine
    # makes an answer slow, never that slow).
    assert max(times) < HEADER_TIMEOUT_S / 2, times


def test_a_flood_from_the_clients_own_address_costs_it_no_try(estack):
    """A flooder on the honest client's own address (a shared proxy or
    NAT: 127.0.0.1 here) holds its PER_CLIENT share of silent
    connections, replaced as the facade closes them.  Each of 16 honest
    requests from 127.0.0.1, on a new TLS connection, is answered on its
    first try: it closes the address's oldest connection still waiting
    for a request head (before, the address's cap refused it at accept
    until a flooder's head deadline freed a place)."""
    before = _refusals(estack, "room_for_a_newer_connection")
    with _Flood(estack, ["127.0.0.1"], PER_CLIENT) as flood:
        poll(lambda: flood.opened >= PER_CLIENT or None, timeout=60,
             what="the flood's PER_CLIENT connections from 127.0.0.1")
        times = []
        for i in range(16):
            path = "metadata" if i % 2 == 0 else \
                ".well-known/smart-configuration"
            t0 = time.monotonic()
            status, _, body = get(estack, path, role=None)
            times.append(time.monotonic() - t0)
            assert status == 200, (i, body)
        still = len(flood.socks)
    print("honest times under a flood from their own address: %s" %
          ", ".join("%.2f" % t for t in times))
    assert still >= PER_CLIENT // 2, still  # the flood still ran
    assert max(times) < HEADER_TIMEOUT_S / 2, times
    assert _refusals(estack, "room_for_a_newer_connection") > before


def test_an_address_whose_share_is_all_busy_gets_no_more(estack):
    """An address whose PER_CLIENT connections all carry a request being
    read (bodies trickling in) is still capped: a further connection from
    it is closed at once, none of the requests is closed for it (each is
    answered once its body is complete), and other addresses are
    served."""
    src = "127.0.0.61"
    before = _refusals(estack, "address_share_busy")
    busy = _busy(estack, src, PER_CLIENT, again=False)
    try:
        time.sleep(2)  # the facade has read every head
        s = _tcp(estack, src)
        try:
            gone = s.recv(1) == b""
        except socket.timeout:
            gone = False
        except OSError:
            gone = True
        finally:
            s.close()
        times = _honest(estack, 4)
    finally:
        answers = [b.finish() for b in busy]
    assert gone, "a connection past a busy share was taken"
    assert [b.closed for b in busy] == [0] * PER_CLIENT
    assert None not in answers, answers
    assert _refusals(estack, "address_share_busy") > before
    assert _p99(times) < 1.0, times
