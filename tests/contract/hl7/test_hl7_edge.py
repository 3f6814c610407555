"""The MLLP port against hostile connections (issue 49, item 1), over
real sockets and TLS on loopback: silent connections that never finish a
handshake, a message trickled byte by byte, and many connections from one
address must not take the port from an honest sender, who gets every
message answered.

Linux routes all of 127.0.0.0/8 to loopback, so the attackers bind
127.0.1.x while the honest sender comes from 127.0.0.1: the per-address
limit then treats each attacker address as it would a remote host."""

import socket
import time
import uuid

import pytest

from harness import hl7
from harness.checks import poll

FIRST_MESSAGE_MS = 3000
MESSAGE_MS = 2000
PER_ADDRESS = 8
SILENT = 1000


def _settings():
    return {"MED_HL7_TRUSTED_NETWORK": "false",
            "MED_HL7_FIRST_MESSAGE_MS": str(FIRST_MESSAGE_MS),
            "MED_HL7_MESSAGE_MS": str(MESSAGE_MS),
            "MED_HL7_MAX_CONNECTIONS_PER_ADDRESS": str(PER_ADDRESS)}


@pytest.fixture(scope="module")
def tls_hst(hst):
    """hl7 over TLS with short deadlines; the package's settings after."""
    env = hst.services["hl7"].env
    saved = {k: env.get(k) for k in _settings()}
    hl7.restart(hst, **_settings())
    try:
        yield hst
    finally:
        for k, v in saved.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        hl7.restart(hst)


def _raw(st, source, timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", hl7.mllp_port(st)))
    return s


def _closed_by_peer(s, within):
    """Does the server close s within `within` seconds?"""
    s.settimeout(within)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def _message(tag):
    return ("MSH|^~\\&|EDGE|HOSP|SMARTMED|HOSP|%s||ADT^A28|%s|P|2.5.1\r"
            "PID|1||%s-%s^^^HOSP^MR||Edge^Case||19700304|F\r" % (
                time.strftime("%Y%m%d%H%M%S", time.gmtime()),
                uuid.uuid4().hex[:20], tag, uuid.uuid4().hex[:8].upper()))


def test_silent_connections_do_not_starve_an_honest_sender(tls_hst):
    socks = []
    try:
        for i in range(SILENT):
            source = "127.0.1.%d" % (1 + i // PER_ADDRESS)
            try:
                socks.append(_raw(tls_hst, source))
            except OSError:
                pass  # the backlog was full: also what an attacker meets
        assert len(socks) >= SILENT // 2
        with hl7.Mllp(tls_hst, tls_identity="operator") as honest:
            acks = [hl7.ack_fields(honest.send(_message("HE")))["MSA"][1]
                    for _ in range(20)]
        assert acks == ["AA"] * 20
    finally:
        for s in socks:
            s.close()


def test_a_connection_silent_past_the_first_deadline_is_closed(tls_hst):
    with _raw(tls_hst, "127.0.2.1") as s:
        t0 = time.monotonic()
        assert _closed_by_peer(s, FIRST_MESSAGE_MS / 1000 + 15)
        assert time.monotonic() - t0 >= FIRST_MESSAGE_MS / 1000 - 0.5


def test_a_trickled_message_is_cut_off(tls_hst):
    with hl7.Mllp(tls_hst, tls_identity="operator") as conn:
        assert hl7.ack_fields(conn.send(_message("HT")))["MSA"][1] == "AA"
        body = hl7.frame(_message("HT").encode())
        conn.sock.settimeout(0.5)
        cut = False
        deadline = time.monotonic() + MESSAGE_MS / 1000 + 15
        for b in body:
            try:
                conn.sock.sendall(bytes([b]))
                if conn.sock.recv(1) == b"":
                    cut = True
                    break
            except socket.timeout:
                pass
            except OSError:
                cut = True
                break
            if time.monotonic() > deadline:
                break
        assert cut, "the trickled message was not cut off"


def test_one_address_holds_at_most_its_share(tls_hst):
    socks = [_raw(tls_hst, "127.0.3.1") for _ in range(PER_ADDRESS + 4)]
    try:
        refused = poll(lambda: [s for s in socks if _closed_by_peer(s, 0.2)]
                       or None, timeout=15, what="connections over the cap")
        assert len(refused) >= 4
        # The address is at its share; another address is not.
        with hl7.Mllp(tls_hst, tls_identity="operator") as honest:
            assert hl7.ack_fields(honest.send(_message("HP")))["MSA"][1] \
                == "AA"
    finally:
        for s in socks:
            s.close()


# --- a sender is who its certificate says (issue 49, item 2) -------------


def _as(msg, app, mtype="ADT^A28"):
    return msg.replace("|EDGE|HOSP|", "|%s|HOSP|" % app, 1).replace(
        "|ADT^A28|", "|%s|" % mtype, 1)


@pytest.fixture()
def bound(tls_hst):
    """hl7 with the operator's certificate bound to EDGE@HOSP for ADT."""
    hl7.restart(tls_hst, MED_HL7_SENDERS="operator=EDGE@HOSP:ADT")
    try:
        yield tls_hst
    finally:
        hl7.restart(tls_hst, MED_HL7_SENDERS="")


def test_a_certificate_speaks_only_for_its_sender(bound):
    from harness import protos
    from harness.checks import now_ms
    since = now_ms() - 1000
    with hl7.Mllp(bound, tls_identity="operator") as conn:
        assert hl7.ack_fields(conn.send(_message("HB")))["MSA"][1] == "AA"
    with hl7.Mllp(bound, tls_identity="operator") as conn:
        ack = hl7.ack_fields(conn.send(_as(_message("HB"), "PAS")))
    assert ack["MSA"][1] == "AR", ack
    assert "operator" in ack["MSA"][3] and \
        "not bound to the sender PAS@HOSP" in ack["MSA"][3]
    with hl7.Mllp(bound, tls_identity="operator") as conn:
        ack = hl7.ack_fields(conn.send(_as(_message("HB"), "EDGE",
                                           "ORU^R01")))
    assert ack["MSA"][1] == "AR" and "only ADT messages" in ack["MSA"][3]
    # The refusal is audited with the certificate that sent it.
    apb = protos.module("audit")

    def refused():
        return [r.event for r in bound.call(
            "audit", "Query", apb.QueryRequest(actor="hl7:PAS@HOSP",
                                              since_ms=since),
            role="auditor", timeout=10) if r.event.outcome != 0] or None

    ev = poll(refused, timeout=20, what="the refusal's audit event")[0]
    details = {d.key: d.value for d in ev.details}
    assert details["peer"].startswith("operator") and \
        "addr:127.0.0.1" in details["peer"], details


def test_on_a_trusted_network_the_address_is_bound(tls_hst):
    hl7.restart(tls_hst, MED_HL7_TRUSTED_NETWORK="true",
                MED_HL7_SENDERS="addr:127.0.0.1=EDGE@HOSP")
    try:
        with hl7.Mllp(tls_hst) as conn:
            assert hl7.ack_fields(conn.send(_message("HN")))["MSA"][1] == \
                "AA"
        s = _raw(tls_hst, "127.0.4.1")
        with hl7.Mllp.__new__(hl7.Mllp) as conn:
            conn.sock, conn.buf = s, b""
            ack = hl7.ack_fields(conn.send(_message("HN")))
        assert ack["MSA"][1] == "AR" and "addr:127.0.4.1" in ack["MSA"][3]
    finally:
        hl7.restart(tls_hst, MED_HL7_TRUSTED_NETWORK="false",
                    MED_HL7_SENDERS="")
