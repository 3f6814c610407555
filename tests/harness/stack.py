"""Stack: a private MariaDB plus the smartmed services, for tests and make run.

A Stack owns a work directory (a fresh temporary one unless told otherwise)
that holds the MariaDB data, the tokens file, the development PKI
(tools/dev/devca.sh: a CA, a certificate per service and one for the
operator, the break-glass key pair), each service's log and audit spool.
Every gRPC port speaks mutual TLS only; each service also has a plaintext
port that serves grpc.health.v1.Health alone.  Everything it starts is
stopped by close(), which also runs at interpreter exit (atexit) and on
SIGTERM, so a failing or interrupted test run leaves nothing behind.

Stack is made of one part per concern, each in its own module:
stack_processes.py (the service processes), stack_db.py (MariaDB or a
Galera cluster), stack_pki.py (certificates and keys) and stack_tokens.py
(users and tokens).  This module joins them, starts and closes the whole,
and calls the services over gRPC; the names the parts define are exported
here too, as before the split.
"""

import atexit
import os
import shutil
import signal
import sys
import tempfile
import threading
import time

import grpc

from . import protos
from .stack_db import DATABASES, StackDatabase
from .stack_pki import StackPki
from .stack_processes import (PATIENT_WRITERS, Service, StackError,
                              StackProcesses, free_port, loud_lines,
                              port_is_free, tail)
from .stack_tokens import (ROLES, SERVICE_CALLER, TOKEN_ROLES, USERS,
                           StackTokens)

# What med_db_report_in_tx logs (common/src/db/db_tx_guard.c); the tests set
# STRICT_TX (tests/conftest.py), so that a stack that logged it fails its
# close; make run's stack only logs it.
IN_TX_SAYS = "inside a database transaction ("
# What libmed logs when a transaction body went on after a statement of
# its transaction failed with a conflict (common/src/db/db.c): the body
# dropped that error.  Failed on close the same way.
DROPPED_CONFLICT_SAYS = "the error was not passed back"
STRICT_TX = False

# Callers import these from here (harness.stack), as before the split.
__all__ = ["Stack", "StackError", "Service", "live_stacks",
           "install_sigterm_handler", "free_port", "port_is_free", "tail",
           "loud_lines", "DATABASES", "PATIENT_WRITERS", "ROLES", "USERS",
           "TOKEN_ROLES", "SERVICE_CALLER", "SERVING", "NOT_SERVING"]

SERVING = 1
NOT_SERVING = 2

_live = set()
_live_lock = threading.Lock()


class Stack(StackProcesses, StackDatabase, StackPki, StackTokens):
    """A private MariaDB and a set of smartmed services.

    Stack(services=SERVICES) with fresh temporary dirs and free ports, or,
    for make run, Stack(workdir=..., db_port=3406, ports={...},
    keep_workdir=True).  Use as a context manager or call start()/close().
    Each part reads its own options: the processes (ports, audit_port,
    log_level, extra_env, health_timeout, pid_dir, patient_checks,
    care_checks, lookup_scope, fhir), the database (db_port, db_encrypted,
    db_nodes), the PKI (pki_dir) and the tokens (tokens_path, user_units);
    hl7 also starts the HL7 interface (tests/harness/hl7.py).
    """

    def __init__(self, services=protos.SERVICES, workdir=None, db_port=None,
                 ports=None, audit_port=None, keep_workdir=False,
                 tokens_path=None, log_level="info", extra_env=None,
                 health_timeout=45.0, pid_dir=None, pki_dir=None,
                 patient_checks=False, db_encrypted=False,
                 care_checks=False, db_nodes=None, fhir=False,
                 lookup_scope=None, user_units=None, hl7=False):
        self.names = tuple(services)
        # hl7: also start the HL7 interface (tests/harness/hl7.py); a dict
        # gives its settings (make run fixes its MLLP port).
        self.hl7 = hl7
        for n in self.names:
            if n not in protos.SERVICES:
                raise ValueError("unknown service %r" % n)
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="smartmed-test-")
        os.makedirs(self.workdir, exist_ok=True)
        self.keep_workdir = keep_workdir or not self._own_workdir
        self._init_db(db_port, db_encrypted, db_nodes)
        self._init_processes(ports, audit_port, log_level, extra_env,
                             health_timeout, pid_dir, patient_checks,
                             care_checks, lookup_scope, fhir)
        self._init_tokens(tokens_path, user_units)
        self._init_pki(pki_dir)
        self._channels = {}
        self._closed = False

    # --- lifecycle ---------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def attach(self):
        """Use a stack that is already running with this Stack's settings
        (make run's: tests/harness/run.py, attach_run) instead of starting
        one: its tokens, certificates, ports and database, read from its
        work directory.  Nothing is started, and close() stops nothing:
        it only closes this process's channels."""
        if not os.path.exists(self.tokens_path):
            raise StackError("no tokens file %s: start the stack first"
                             % self.tokens_path)
        try:
            self._load_tokens()
        except ValueError as e:
            raise StackError(str(e))
        extra = (("fhir",) if self.fhir else ()) + (
            ("hl7",) if self.hl7 else ())
        self._attach_services(self.names + extra)
        self.attached = True
        return self

    def start(self):
        """Start MariaDB, create the databases, start every service (an
        attached Stack has nothing to start)."""
        if self.attached:
            return self
        with _live_lock:
            _live.add(self)
        try:
            for d in (self.log_dir, self.spool_root):
                os.makedirs(d, exist_ok=True)
            self._load_or_write_tokens()
            self.make_pki()
            self.start_db()
            self.sql("".join("CREATE DATABASE IF NOT EXISTS %s;" % d
                             for d in DATABASES))
            self.create_db_users()
            for n in self.names:
                self.services[n] = self._make_service(n)
            if self.patient_checks:
                self._wire_patient_checks()
            self._wire_audit_witnesses()
            if self.hl7:
                from . import hl7
                hl7.wire(self)
            # Audit first, so the others' emitters find it at once.
            order = sorted(self.names, key=lambda n: n != "audit")
            for n in order:
                self._spawn(n)
            for n in order:
                self.wait_serving(n)
            if self.fhir:
                self._start_fhir()
            if self.hl7:
                hl7.start(self, env=self.hl7 if isinstance(self.hl7, dict)
                          else None)
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        """Stop every service and MariaDB; remove a temporary workdir.
        Under pytest (STRICT_TX), a service that logged a care decision or
        an outbound call inside a database transaction fails the close."""
        if self._closed:
            return
        self._closed = True
        in_tx = []
        try:
            self._stop_all_services()
        finally:
            try:
                if self._db_started:
                    self.stop_db()
                    # An interrupted start_db can leave a server that has
                    # not yet written its pid file, which mariadb.sh stop
                    # cannot see.
                    self._kill_stray_mariadb()
            finally:
                with _live_lock:
                    _live.discard(self)
                in_tx = self.in_tx_lines()
                if not self.keep_workdir:
                    self._remove_workdir()
        if in_tx and STRICT_TX:
            raise AssertionError(
                "logged a care decision or an outbound call inside a "
                "database transaction, or a dropped conflict (each a bug, "
                "docs/internals/care-decisions.md, docs/internals/"
                "database.md):\n" + "\n".join(in_tx))

    def in_tx_lines(self):
        """The services' log lines that report a care decision or an
        outbound call made while a transaction held its locks
        (med_db_report_in_tx), or a body that went on after its transaction
        was aborted, at most 10."""
        found = []
        for n in sorted(self.services):
            path = self.services[n].log_path
            if not os.path.exists(path):
                continue
            with open(path, errors="replace") as f:
                found += [n + ": " + ln.strip() for ln in f
                          if IN_TX_SAYS in ln or
                          DROPPED_CONFLICT_SAYS in ln]
        return found[:10]

    def _remove_workdir(self):
        for _ in range(10):
            shutil.rmtree(self.workdir, ignore_errors=True)
            if not os.path.exists(self.workdir):
                return
            time.sleep(0.2)

    # --- gRPC --------------------------------------------------------------

    def _drop_channel(self, n):
        for key in (n, (n, "service")):
            ch = self._channels.pop(key, None)
            if ch is not None:
                ch.close()

    CHANNEL_OPTIONS = (
        ("grpc.initial_reconnect_backoff_ms", 100),
        ("grpc.min_reconnect_backoff_ms", 100),
        ("grpc.max_reconnect_backoff_ms", 500),
        ("grpc.enable_retries", 0),
        # A restarted service must not inherit a shared subchannel
        # stuck in backoff from its previous life.
        ("grpc.use_local_subchannel_pool", 1),
    )

    def new_channel(self, n, identity="operator"):
        """A new mutual-TLS channel to service n, presenting identity's
        certificate (a service name or "operator"); the caller closes it."""
        return grpc.secure_channel(self.addr(n), self.credentials(identity),
                                   options=list(self.CHANNEL_OPTIONS))

    def health_channel(self, n):
        """A new plaintext channel to service n's Health-only port."""
        return grpc.insecure_channel(self.health_addr(n),
                                     options=list(self.CHANNEL_OPTIONS))

    def channel(self, n, role=None):
        """A cached mutual-TLS channel to service n as the operator, or,
        for role "service", as the service SERVICE_CALLER."""
        key = (n, "service") if role == "service" else n
        ch = self._channels.get(key)
        if ch is None:
            ch = self.new_channel(n, identity=SERVICE_CALLER
                                  if role == "service" else "operator")
            self._channels[key] = ch
        return ch

    def health(self, n, service="", timeout=2.0):
        """Health/Check status of service n (raises grpc.RpcError)."""
        h = protos.health()
        call = self.channel(n).unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=h.HealthCheckRequest.SerializeToString,
            response_deserializer=h.HealthCheckResponse.FromString)
        return call(h.HealthCheckRequest(service=service),
                    timeout=timeout).status

    def wait_serving(self, n, timeout=None, service=""):
        """Wait until service n answers SERVING; StackError with its log."""
        timeout = self.health_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        svc = self.services[n]
        last = None
        while True:
            if not svc.is_running():
                raise StackError("%s exited with %s before serving:\n%s" % (
                    n, svc.proc.returncode, self.log_story(n)))
            try:
                st = self.health(n, service=service, timeout=1.0)
                if st == SERVING:
                    return
                last = "status %d" % st
            except grpc.RpcError as e:
                last = "%s %s" % (e.code(), e.details())
                if e.code() == grpc.StatusCode.UNAVAILABLE:
                    # A connection attempt made while the process was
                    # still binding can stall for seconds: start afresh.
                    self._drop_channel(n)
            if time.monotonic() > deadline:
                raise StackError("%s not SERVING after %.0f s (last: %s):\n%s"
                                 % (n, timeout, last, self.log_story(n)))
            time.sleep(0.1)

    def call(self, n, method, request, role=None, timeout=5.0,
             request_id=None, token=None, metadata=None):
        """Call a unary method of service n by name; returns the response.

        request may be a message or raw bytes.  Raises grpc.RpcError."""
        name = self.services[n].name if n in self.services else n
        path, _req, resp, streaming = protos.method(name, method)
        md = self.metadata(role, request_id=request_id, token=token)
        md += list(metadata or [])
        ch = self.channel(n, role=role if token is None else None)
        ser = (lambda b: b) if isinstance(request, bytes) else (
            lambda m: m.SerializeToString())
        if streaming:
            stub = ch.unary_stream(
                path, request_serializer=ser,
                response_deserializer=resp.FromString)
            return list(stub(request, metadata=md, timeout=timeout))
        stub = ch.unary_unary(
            path, request_serializer=ser,
            response_deserializer=resp.FromString)
        return stub(request, metadata=md, timeout=timeout)

    def raw_call(self, n, path, payload=b"", metadata=(), timeout=5.0):
        """Unary call by path with raw bytes in and out."""
        stub = self.channel(n).unary_unary(
            path, request_serializer=lambda b: b,
            response_deserializer=lambda b: b)
        return stub(payload, metadata=list(metadata), timeout=timeout)


def live_stacks():
    """Stacks started and not yet closed."""
    with _live_lock:
        return list(_live)


def _close_all():
    with _live_lock:
        live = list(_live)
    for s in live:
        try:
            s.close()
        except BaseException as e:  # noqa: BLE001 - best effort at exit
            print("harness: cleanup of %s failed: %r" % (s.workdir, e),
                  file=sys.stderr)


atexit.register(_close_all)


def install_sigterm_handler():
    """Turn SIGTERM into KeyboardInterrupt so that teardown runs."""
    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise KeyboardInterrupt("SIGTERM")
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)
