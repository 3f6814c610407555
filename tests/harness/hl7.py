"""The HL7 interface (services/hl7) in a Stack: Stack(hl7=True) calls
wire() before the services start (identity, records and audit admit the
service principal service:hl7) and start() after them.  Also the helpers
the hl7 suites share: MLLP framing, a raw MLLP connection (plain or TLS),
and the message store's query."""

import importlib
import os
import secrets
import socket
import ssl

from . import paths, protos, stack_db
from .stack_processes import free_port

NAME = "hl7"
DATABASE = "smartmed_hl7"

# Who may send (MED_HL7_SENDERS, docs/hl7.md "Who may send"): hl7 refuses
# a peer not bound to a message's sender, so the stacks bind the senders
# (MSH-3@MSH-4) their clients send as.  make run (a trusted network, plain
# TCP from this machine) binds docs/hl7.md's PAS and laboratory and the
# load driver's (tools/load/driver.py, HL7_SENDERS), each to its message
# type.
RUN_SENDERS = ";".join("addr:127.0.0.1=%s@HOSP:%s" % s for s in (
    ("PAS", "ADT"), ("LAB", "ORU"), ("LOADPAS", "ADT"), ("LOADLIS", "ORU")))
# The test stacks also bind the suites' own sender EDGE, any type (the
# suites send ORU as the PAS too), from 127.0.0.1 and over TLS from the
# operator's certificate.
TEST_APPS = ("PAS", "LAB", "EDGE", "LOADPAS", "LOADLIS")
SENDERS = ";".join("%s=%s@HOSP" % (peer, app)
                   for peer in ("addr:127.0.0.1", "operator")
                   for app in TEST_APPS)


def wire(stack):
    """Every service admits service:hl7 (identity and records take its
    writes, audit its events)."""
    for svc in stack.services.values():
        peers = svc.env.get("MED_TLS_SERVICE_PEERS", "")
        if NAME not in peers.split(","):
            svc.env["MED_TLS_SERVICE_PEERS"] = peers + "," + NAME


def create_database(stack):
    """hl7's database and its MariaDB user (once), the password in
    stack.db_users as the other services' are."""
    if DATABASE in stack.db_users:
        return
    pw = secrets.token_hex(16)
    who = "'%s'@'127.0.0.1'" % DATABASE
    stack.sql("CREATE DATABASE IF NOT EXISTS %s;"
              "CREATE USER IF NOT EXISTS %s IDENTIFIED BY '%s' REQUIRE SSL;"
              "ALTER USER %s IDENTIFIED BY '%s' REQUIRE SSL;"
              % (DATABASE, who, pw, who, pw)
              + ";".join(stack_db.grant_stmts(DATABASE, who)) + ";")
    stack.db_users[DATABASE] = pw


def start(stack, trusted=True, env=None):
    """Start the hl7 service in stack: MLLP on a free port (plain TCP when
    trusted, else TLS), identity and records as its peers, the senders
    SENDERS bound unless env says otherwise."""
    stack.make_identities(NAME)
    create_database(stack)
    svc = stack._make_service(NAME)
    svc.env["MED_HL7_MLLP_PORT"] = str(free_port())
    svc.env["MED_HL7_TRUSTED_NETWORK"] = "true" if trusted else "false"
    svc.env["MED_HL7_SENDERS"] = SENDERS
    for peer, key in (("identity", "MED_IDENTITY_URL"),
                      ("records", "MED_RECORDS_URL")):
        if peer in stack.services:
            svc.env[key] = stack.addr(peer)
    svc.env.update(env or {})
    # A site's own bindings (make run's caller or settings.env) win.
    if "MED_HL7_SENDERS" in stack.extra_env:
        svc.env["MED_HL7_SENDERS"] = stack.extra_env["MED_HL7_SENDERS"]
    stack.services[NAME] = svc
    stack._spawn(NAME)
    stack.wait_serving(NAME)


def restart(stack, **env):
    """Restart hl7 with some settings changed (e.g. TLS on)."""
    svc = stack.services[NAME]
    stack.stop_service(NAME)
    svc.env.update({k: str(v) for k, v in env.items()})
    stack.start_service(NAME)


def mllp_port(stack):
    return int(stack.services[NAME].env["MED_HL7_MLLP_PORT"])


def over_tls(stack):
    """True when stack's MLLP listener takes TLS (the deployed default),
    False on a trusted network's plain TCP (make run's)."""
    return stack.services[NAME].env.get(
        "MED_HL7_TRUSTED_NETWORK", "false") != "true"


# --- MLLP ----------------------------------------------------------------

def frame(msg):
    """The MLLP frame of msg (str or bytes)."""
    if isinstance(msg, str):
        msg = msg.encode("utf-8")
    return b"\x0b" + msg + b"\x1c\r"


class Mllp:
    """One MLLP connection; send() returns the ACK's text."""

    def __init__(self, stack, tls_identity=None, timeout=20.0):
        sock = socket.create_connection(("127.0.0.1", mllp_port(stack)),
                                        timeout=timeout)
        if tls_identity is not None:
            ctx = ssl.create_default_context(cafile=stack.ca_path)
            ctx.check_hostname = False
            cert, key = stack.pki(tls_identity)
            ctx.load_cert_chain(cert, key)
            sock = ctx.wrap_socket(sock, server_hostname="hl7")
        self.sock = sock
        self.buf = b""

    def send_raw(self, data):
        self.sock.sendall(data)

    def read_ack(self):
        while b"\x1c\r" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed; got %r" % self.buf)
            self.buf += chunk
        end = self.buf.index(b"\x1c\r")
        start = self.buf.index(b"\x0b")
        ack, self.buf = self.buf[start + 1:end], self.buf[end + 2:]
        return ack.decode("utf-8")

    def send(self, msg):
        self.send_raw(frame(msg))
        return self.read_ack()

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def ack_fields(ack):
    """{segment: [fields]} of an ACK (first of each segment)."""
    out = {}
    for seg in ack.split("\r"):
        if seg:
            out.setdefault(seg[:3], seg.split("|"))
    return out


# --- the message store ---------------------------------------------------

def pb():
    """smartmed.hl7.v1.hl7_pb2."""
    protos.module("identity")  # puts the generated modules on sys.path
    return importlib.import_module("smartmed.hl7.v1.hl7_pb2")


def list_messages(stack, role="admin", **filters):
    """ListMessages as role; returns the response."""
    m = pb()
    call = stack.channel(NAME).unary_unary(
        "/smartmed.hl7.v1.Hl7/ListMessages",
        request_serializer=m.ListMessagesRequest.SerializeToString,
        response_deserializer=m.ListMessagesResponse.FromString)
    return call(m.ListMessagesRequest(**filters),
                metadata=stack.metadata(role), timeout=10)


def node_send(stack, messages, tls_identity=None, charset=None):
    """Send messages with simple-hl7 (tools/hl7client/send.js); returns the
    parsed ACK summaries.  messages: the list send.js reads as JSON, or
    plain HL7 text (one segment a line) as docs/hl7.md writes it.
    tls_identity: over TLS with that certificate of the stack's CA (the
    service's own verified as "hl7"), as Mllp does.  charset: the socket
    writes and reads that set (an iconv-lite name, "gb18030"), each ACK's
    bytes as they came in its "wire" (base64)."""
    import json
    import subprocess
    mods = os.path.join(paths.build_dir(), "npm", "hl7client", "node_modules")
    env = dict(os.environ, NODE_PATH=mods)
    if tls_identity is not None:
        cert, key = stack.pki(tls_identity)
        env.update(HL7_TLS_CA=stack.ca_path, HL7_TLS_CERT=cert,
                   HL7_TLS_KEY=key, HL7_TLS_SERVERNAME=NAME)
    if charset is not None:
        env["HL7_CHARSET"] = charset
    r = subprocess.run(
        ["node", os.path.join(paths.REPO_ROOT, "tools", "hl7client",
                              "send.js"),
         "127.0.0.1", str(mllp_port(stack))],
        input=(messages if isinstance(messages, str)
               else json.dumps(messages)).encode(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=env, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("send.js failed: %s" % r.stderr.decode())
    return json.loads(r.stdout)
