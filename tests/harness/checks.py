"""Small assertion helpers shared by the suites."""

import json
import os
import subprocess
import time

import grpc

from . import paths


def rpc_error(fn, *args, **kwargs):
    """Call fn and return the grpc.RpcError it raises (fail if none)."""
    try:
        resp = fn(*args, **kwargs)
    except grpc.RpcError as e:
        return e
    raise AssertionError("expected an RPC error, got a response: %r" % (resp,))


def expect_status(code, fn, *args, details_prefix=None, details_contains=None,
                  **kwargs):
    """Assert fn(...) fails with code (and details); returns the error."""
    e = rpc_error(fn, *args, **kwargs)
    assert e.code() == code, "expected %s, got %s: %r" % (
        code, e.code(), e.details())
    d = e.details() or ""
    if details_prefix is not None:
        assert d.startswith(details_prefix), (
            "details %r should start with %r" % (d, details_prefix))
    if details_contains is not None:
        assert details_contains in d, (
            "details %r should contain %r" % (d, details_contains))
    return e


def poll(fn, timeout=10.0, interval=0.2, what="condition", seen=None):
    """Call fn until it returns a truthy value; return it or fail, with
    what seen() says of the state then when seen is given."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = fn()
            if v:
                return v
        except grpc.RpcError as e:  # keep polling through transient errors
            last_exc = e
        if time.monotonic() > deadline:
            extra = ""
            if last_exc is not None:
                extra = " (last error %s: %s)" % (last_exc.code(),
                                                 last_exc.details())
            if seen is not None:
                extra += "; " + seen()
            raise AssertionError("timed out after %.0f s waiting for %s%s" % (
                timeout, what, extra))
        time.sleep(interval)


def field_bytes(number, value):
    """Hand-encode one length-delimited protobuf field (raw bytes value)."""
    return _varint((number << 3) | 2) + _varint(len(value)) + value


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def now_ms():
    """Wall-clock time in milliseconds, as the services stamp it."""
    return int(time.time() * 1000)


class TableLock:
    """A table of one service's database locked for writing by a client
    session of its own (LOCK TABLES ... WRITE), so that the service's
    statements on it wait until release(): tests decide how long a
    handler is held, instead of the machine's speed."""

    def __init__(self, st, database, table):
        self.p = subprocess.Popen(
            ["sh", paths.mariadb_sh(), "client", st.db_dir, "-n", "-N",
             "-B", database], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)
        self.p.stdin.write("LOCK TABLES %s WRITE; SELECT 'locked';\n"
                           % table)
        self.p.stdin.flush()
        assert self.p.stdout.readline().strip() == "locked"

    def release(self):
        if self.p.poll() is None:
            self.p.stdin.write("UNLOCK TABLES;\n")
            self.p.stdin.close()
            self.p.wait(timeout=30)


class RowLock:
    """Rows locked by a client session of its own on the MariaDB server
    (or Galera node) whose directory is db_dir: START TRANSACTION and a
    locking read (SELECT ... FOR UPDATE), held until release() rolls it
    back.  A service's statement that needs those rows, or the gaps such
    a read locks, waits meanwhile: tests order two transactions by a lock
    instead of by the machine's speed.  On Galera the lock holds on that
    node only, and a write set of another node that needs it aborts the
    session (release() then finds it gone)."""

    def __init__(self, db_dir, database, locking_read):
        self.p = subprocess.Popen(
            ["sh", paths.mariadb_sh(), "client", db_dir, "-n", "-N", "-B",
             database], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        self.p.stdin.write("START TRANSACTION; %s; SELECT 'locked';\n"
                           % locking_read)
        self.p.stdin.flush()
        seen = []
        while True:
            line = self.p.stdout.readline()
            assert line, "the locking session ended: %s" % "".join(seen)
            if line.strip() == "locked":
                return
            seen.append(line)

    def release(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.write("ROLLBACK;\n")
                self.p.stdin.close()
            except BrokenPipeError:
                pass
        self.p.stdout.read()
        self.p.wait(timeout=30)


def audit_version_event(st, since, method, version, key="version"):
    """The actor and details ({key: value}) of the successful audit event
    of method (a knowledge import or approval) whose detail key (its
    "version", a catalogue import's "import_id") is version, since since
    (Unix ms), polled until audit has it."""
    from . import protos

    apb = protos.module("audit")

    def event():
        for r in st.call("audit", "Query", apb.QueryRequest(
                since_ms=since, limit=10000), role="auditor", timeout=10):
            ev = r.event
            if not ev.action.endswith("/" + method) or ev.outcome != 0:
                continue
            d = {x.key: x.value for x in ev.details}
            if d.get(key) == version:
                return ev.actor, d
        return None

    return poll(event, timeout=20, what="the %s audit event" % method)


def dosage_medctl(st, token, *args):
    """medctl dosage ARGS with token, as an operator types it: the reply's
    JSON, or (exit status, stderr) when it fails."""
    env = {k: v for k, v in os.environ.items() if k != "MED_TOKEN"}
    env.update(st.client_tls_env())
    r = subprocess.run([paths.bin_path("medctl"), "--addr", st.addr("dosage"),
                        "--token", token, "dosage"] + list(args), env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    if r.returncode != 0:
        return r.returncode, r.stderr.decode()
    return json.loads(r.stdout.decode())
