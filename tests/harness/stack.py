"""Stack: a private MariaDB plus the smartmed services, for tests and make run.

A Stack owns a work directory (a fresh temporary one unless told otherwise)
that holds the MariaDB data, the tokens file, the development PKI
(tools/dev/devca.sh: a CA, a certificate per service and one for the
operator, the break-glass key pair), each service's log and audit spool.
Every gRPC port speaks mutual TLS only; each service also has a plaintext
port that serves grpc.health.v1.Health alone.  Everything it starts is stopped by close(), which also runs at
interpreter exit (atexit) and on SIGTERM, so a failing or interrupted test
run leaves nothing behind.
"""

import atexit
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import grpc

from . import paths, protos

ROLES = ("clinician", "nurse", "pharmacist", "registrar", "admin", "auditor",
         "service", "researcher")
USERS = {
    "clinician": "dr.test",
    "nurse": "nurse.test",
    "pharmacist": "pharm.test",
    "registrar": "reg.test",
    "admin": "admin.test",
    "auditor": "auditor.test",
    "service": "svc.test",
    "researcher": "researcher.test",
}
# The roles a development token may carry.  A service is known by its
# certificate alone (libmed refuses a token file that grants "service"), so
# role="service" calls present SERVICE_CALLER's certificate and no token.
TOKEN_ROLES = tuple(r for r in ROLES if r != "service")
SERVICE_CALLER = "audit"
DATABASES = tuple("smartmed_" + s for s in protos.SERVICES)
# The services that check a written patient id against identity.
PATIENT_WRITERS = ("records", "dosage", "diagnosis")

SERVING = 1
NOT_SERVING = 2

_live = set()
_live_lock = threading.Lock()


class StackError(RuntimeError):
    """A part of the stack failed to start or stop."""


_handed_ports = set()


def free_port():
    """A port that was free on 127.0.0.1 a moment ago, and not handed out
    by this process before (the kernel may offer a just-closed port again,
    and a service takes three of them)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with _live_lock:
            if port not in _handed_ports:
                _handed_ports.add(port)
                return port
    return port


def port_is_free(port):
    """True if nothing listens on 127.0.0.1:port (and we may bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pdeathsig():
    # A service must not outlive a test runner killed with SIGKILL.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _lines(path, last_bytes=None):
    """The lines of a text file, or of its last last_bytes ([] if
    absent)."""
    try:
        with open(path, "rb") as f:
            if last_bytes is not None:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - last_bytes))
            return f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []


def tail(path, n=40):
    """The last n lines of a text file ("" if absent)."""
    return "\n".join(_lines(path, 64 * 1024)[-n:])


def loud_lines(path, n=10):
    """The last n lines of a service log above info level: a busy log's
    tail is all info lines, and hides the one error that explains."""
    loud = [ln for ln in _lines(path) if '"level":"info"' not in ln]
    return "\n".join(loud[-n:])


class Service:
    """One service process and its fixed settings (ports, env, log)."""

    def __init__(self, name, grpc_port, http_port, env, log_path, spool_dir,
                 health_port=None):
        self.name = name
        self.grpc_port = grpc_port
        self.http_port = http_port
        self.health_port = health_port
        self.env = env
        self.log_path = log_path
        self.spool_dir = spool_dir
        self.proc = None

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None


class Stack:
    """A private MariaDB and a set of smartmed services.

    Stack(services=SERVICES) with fresh temporary dirs and free ports, or,
    for make run, Stack(workdir=..., db_port=3406, ports={...},
    keep_workdir=True).  Use as a context manager or call start()/close().
    """

    def __init__(self, services=protos.SERVICES, workdir=None, db_port=None,
                 ports=None, audit_port=None, keep_workdir=False,
                 tokens_path=None, log_level="info", extra_env=None,
                 health_timeout=20.0, pid_dir=None, pki_dir=None,
                 patient_checks=False, db_encrypted=False,
                 care_checks=False, db_nodes=None, fhir=False,
                 lookup_scope=None, user_units=None, hl7=False):
        self.names = tuple(services)
        # hl7: also start the HL7 interface (tests/harness/hl7.py).
        self.hl7 = hl7
        # user_units: {role: "ward-a,ward-b"}, the units claim of that
        # role's development token (make run puts its nurse and clinician
        # on a ward, so that care checks are on as in a real install).
        self.user_units = dict(user_units or {})
        # fhir: also start the FHIR facade (services/fhir) in front of
        # identity, records and diagnosis, whichever of them run.
        self.fhir = fhir
        for n in self.names:
            if n not in protos.SERVICES:
                raise ValueError("unknown service %r" % n)
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="smartmed-test-")
        os.makedirs(self.workdir, exist_ok=True)
        self.keep_workdir = keep_workdir or not self._own_workdir
        self.db_dir = os.path.join(self.workdir, "mariadb")
        self.db_port = db_port or free_port()
        self.audit_port = audit_port or free_port()
        self.tokens_path = tokens_path or os.path.join(self.workdir, "tokens")
        self.pki_dir = pki_dir or os.path.join(self.workdir, "pki")
        self.log_dir = os.path.join(self.workdir, "logs")
        self.spool_root = os.path.join(self.workdir, "spool")
        self.pid_dir = pid_dir
        self.log_level = log_level
        self.extra_env = dict(extra_env or {})
        self.health_timeout = health_timeout
        # patient_checks: records, dosage and diagnosis ask identity about
        # the patient of every write (MED_IDENTITY_URL).  Off by default:
        # most suites write made-up patient ids and test one service.
        self.patient_checks = patient_checks
        # care_checks: with patient_checks, clinicians and nurses are held
        # to the care relationship (MED_CARE_ENFORCE, on in a real
        # install).  Off unless asked: the other suites' users have no
        # encounters, and their subject is not access.
        self.care_checks = care_checks
        # lookup_scope: identity shows clinicians and nurses only their
        # own patients in searches, reads and face identification
        # (identity's MED_CARE_ENFORCE, on in a real install).  Follows
        # care_checks unless given: the other suites' nurses look up
        # patients they have no encounter with.
        self.lookup_scope = care_checks if lookup_scope is None \
            else lookup_scope
        # db_encrypted: MariaDB encrypts its files at rest
        # (tools/dev/mariadb.sh; make run and the encryption tests).  Off
        # by default: it doubles the time a fresh test database takes.
        self.db_encrypted = db_encrypted
        # db_nodes: a Galera cluster of that many nodes instead of one
        # server (tests/harness/galera.py); services use node 0 unless
        # given another's port (db_node_port).
        self.cluster = None
        if db_nodes:
            from .galera import GaleraCluster
            self.cluster = GaleraCluster(os.path.join(self.workdir,
                                                      "galera"),
                                         db_nodes, free_port)
            self.db_port = self.cluster.nodes[0].sql_port
        self._fixed_ports = ports or {}
        self.tokens = {}
        self.services = {}
        self._channels = {}
        self._db_started = False
        self._closed = False
        self.db_users = {}

    # --- lifecycle ---------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        """Start MariaDB, create the databases, start every service."""
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
                hl7.start(self)
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        """Stop every service and MariaDB; remove a temporary workdir."""
        if self._closed:
            return
        self._closed = True
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
                if not self.keep_workdir:
                    self._remove_workdir()

    def _stop_all_services(self):
        for ch in self._channels.values():
            ch.close()
        self._channels.clear()
        for svc in self.services.values():
            if svc.is_running():
                try:
                    svc.proc.send_signal(signal.SIGTERM)
                except OSError:
                    pass
        for n in self.services:
            self._reap(n, timeout=10.0)

    def _remove_workdir(self):
        for _ in range(10):
            shutil.rmtree(self.workdir, ignore_errors=True)
            if not os.path.exists(self.workdir):
                return
            time.sleep(0.2)

    # --- MariaDB -----------------------------------------------------------

    def _mariadb(self, *args, check=True):
        # Its own process group: if we are interrupted, the whole script
        # (mariadb-install-db included) goes, not just the shell.
        env = dict(os.environ,
                   SMARTMED_DB_ENCRYPT="1" if self.db_encrypted else "0")
        p = subprocess.Popen(["sh", paths.mariadb_sh()] + list(args),
                             stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT,
                             start_new_session=True, env=env)
        try:
            out, _ = p.communicate(timeout=120)
        except BaseException:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            p.wait()
            raise
        if check and p.returncode != 0:
            raise StackError("mariadb.sh %s failed (%d):\n%s" % (
                args[0], p.returncode, out.decode("utf-8", "replace")))
        return out

    def start_db(self, tls=True, cert=None, key=None):
        """Start (or restart) the private MariaDB on its fixed port.

        It offers TLS with the development CA's "mariadb" certificate
        (the services verify it: MED_DB_TLS_CA), or with cert and key;
        tls=False starts it without TLS (tests of the refusal)."""
        self._db_started = True
        if self.cluster is not None:
            dcert, dkey = self.pki("mariadb")
            self.cluster.start(cert or dcert, key or dkey, self.ca_path)
            return
        if not tls:
            self._mariadb("start", self.db_dir, str(self.db_port))
            return
        dcert, dkey = self.pki("mariadb")
        self._mariadb("start", self.db_dir, str(self.db_port),
                      cert or dcert, key or dkey, self.ca_path)

    def stop_db(self):
        """Stop the private MariaDB and wait until it is gone."""
        if self.cluster is not None:
            self.cluster.stop()
            return
        self._mariadb("stop", self.db_dir, check=False)

    def _stray_mariadb_pids(self):
        needle = os.path.join(self.db_dir, "data").encode()
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    args = f.read().split(b"\0")
            except OSError:
                continue
            name = os.path.basename(args[0]) if args else b""
            if (name.startswith((b"mariadbd", b"mysqld")) and
                    any(needle in a for a in args[1:])):
                pids.append(int(d))
        return pids

    def _kill_stray_mariadb(self):
        pids = self._stray_mariadb_pids()
        for sig, wait_s in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            if not pids:
                return
            for p in pids:
                try:
                    os.kill(p, sig)
                except OSError:
                    pass
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline:
                pids = self._stray_mariadb_pids()
                if not pids:
                    return
                time.sleep(0.1)

    def sql(self, statement):
        """Run SQL as root; returns the client's output as text."""
        if self.cluster is not None:
            return self.cluster.sql(statement)
        return self._mariadb("sql", self.db_dir, statement).decode(
            "utf-8", "replace")

    def db_node_port(self, i):
        """The SQL port of database node i (0 without a cluster)."""
        if self.cluster is None:
            if i != 0:
                raise StackError("no database node %d: one server" % i)
            return self.db_port
        return self.cluster.nodes[i].sql_port

    # --- PKI ---------------------------------------------------------------

    def make_pki(self):
        """Create (once) the CA, certificates and break-glass keys."""
        r = subprocess.run(["sh", paths.devca_sh(), self.pki_dir]
                           + list(protos.SERVICES) + ["mariadb", "fhir"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=60)
        if r.returncode != 0:
            raise StackError("devca.sh failed (%d):\n%s" % (
                r.returncode, r.stdout.decode("utf-8", "replace")))

    def pki(self, name):
        """(certificate, key) paths of a PKI identity: a service name or
        "operator"."""
        return (os.path.join(self.pki_dir, name + ".pem"),
                os.path.join(self.pki_dir, name + ".key"))

    @property
    def ca_path(self):
        return os.path.join(self.pki_dir, "ca.pem")

    def client_tls_env(self, identity="operator"):
        """MED_TLS_* for medctl: the CA and a client certificate."""
        cert, key = self.pki(identity)
        return {"MED_TLS_CA": self.ca_path, "MED_TLS_CERT": cert,
                "MED_TLS_KEY": key}

    def db_client_env(self, user):
        """MED_DB_USER, MED_DB_PASSWORD and MED_DB_TLS_CA of one service's
        own MariaDB user, for a tool that reaches the database over TCP
        (root answers only on the socket)."""
        return {"MED_DB_USER": user, "MED_DB_PASSWORD": self.db_users[user],
                "MED_DB_TLS_CA": self.ca_path}

    def credentials(self, identity="operator"):
        """grpc channel credentials presenting identity's certificate."""
        def rd(p):
            with open(p, "rb") as f:
                return f.read()
        cert, key = self.pki(identity)
        return grpc.ssl_channel_credentials(
            root_certificates=rd(self.ca_path), private_key=rd(key),
            certificate_chain=rd(cert))

    # --- tokens ------------------------------------------------------------

    def _load_or_write_db_users(self):
        """{user: password} of the services' database users, made once
        and kept in the workdir (make run's state lives across runs)."""
        path = os.path.join(self.workdir, "db-users")
        users = {}
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2:
                        users[parts[0]] = parts[1]
        if all(d in users for d in DATABASES):
            return users
        users = {d: secrets.token_hex(16) for d in DATABASES}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("# USER PASSWORD - MariaDB users of the services, "
                    "development only\n")
            for u, pw in users.items():
                f.write("%s %s\n" % (u, pw))
        return users

    def create_db_users(self):
        """One MariaDB user per service, named as its database, with
        rights on that database alone, over TLS only (least privilege: a
        service cannot read another's data)."""
        self.db_users = self._load_or_write_db_users()
        stmts = []
        for user, pw in self.db_users.items():
            who = "'%s'@'127.0.0.1'" % user
            stmts += ["CREATE USER IF NOT EXISTS %s IDENTIFIED BY '%s' "
                      "REQUIRE SSL" % (who, pw),
                      "ALTER USER %s IDENTIFIED BY '%s' REQUIRE SSL" % (
                          who, pw),
                      "GRANT ALL PRIVILEGES ON `%s`.* TO %s" % (user, who)]
        self.sql(";".join(stmts) + ";")

    def _load_or_write_tokens(self):
        if os.path.exists(self.tokens_path):
            units = {}
            with open(self.tokens_path) as f:
                for line in f:
                    parts = line.split()
                    # Only the harness's own users (USERS): a suite may
                    # add users of its own, with units, to the same file.
                    if (len(parts) in (3, 4) and parts[2] in ROLES
                            and parts[1] == USERS[parts[2]]):
                        self.tokens[parts[2]] = parts[0]
                        if len(parts) == 4:
                            units[parts[2]] = parts[3]
            # A file from before service tokens were refused, or with
            # other units, is rewritten.
            if (set(self.tokens) == set(TOKEN_ROLES)
                    and units == self.user_units):
                return
            self.tokens = {}
        self.tokens = {r: secrets.token_hex(24) for r in TOKEN_ROLES}
        fd = os.open(self.tokens_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)
        with os.fdopen(fd, "w") as f:
            f.write("# TOKEN USER ROLE[,ROLE] [UNITS] - generated for "
                    "development\n")
            for r in TOKEN_ROLES:
                f.write(" ".join(filter(None, (
                    self.tokens[r], USERS[r], r,
                    self.user_units.get(r)))) + "\n")
        os.chmod(self.tokens_path, 0o600)

    def token(self, role):
        """The bearer token of a role (not "service": services have none)."""
        return self.tokens[role]

    def user(self, role):
        """The user name the token of role maps to ("service:NAME" for
        the service role)."""
        if role == "service":
            return "service:" + SERVICE_CALLER
        return USERS[role]

    def metadata(self, role=None, request_id=None, token=None):
        """Call metadata: authorization for role (or token), x-request-id.
        The service role sends no token: use channel(n, role="service")."""
        md = []
        if token is None and role not in (None, "service"):
            token = self.tokens[role]
        if token is not None:
            md.append(("authorization", "Bearer " + token))
        if request_id is not None:
            md.append(("x-request-id", request_id))
        return md

    # --- services ----------------------------------------------------------

    def _make_service(self, n):
        fixed = tuple(self._fixed_ports.get(n, ())) + (None, None, None)
        gport = fixed[0] or free_port()
        hport = fixed[1] or free_port()
        health_port = fixed[2] or free_port()
        cert, key = self.pki(n)
        spool = os.path.join(self.spool_root, n)
        os.makedirs(spool, exist_ok=True)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("MED_")}
        env.update({
            "MED_LISTEN_HOST": "127.0.0.1",
            "MED_GRPC_PORT": str(gport),
            "MED_HTTP_PORT": str(hport),
            "MED_DB_HOST": "127.0.0.1",
            "MED_DB_PORT": str(self.db_port),
            "MED_DB_USER": "smartmed_" + n,
            "MED_DB_PASSWORD": self.db_users["smartmed_" + n],
            "MED_DB_NAME": "smartmed_" + n,
            "MED_DB_TLS_CA": self.ca_path,
            "MED_TOKENS_FILE": self.tokens_path,
            "MED_HEALTH_PORT": str(health_port),
            "MED_TLS_CERT": cert,
            "MED_TLS_KEY": key,
            "MED_TLS_CA": self.ca_path,
            # fhir: the facade reads research cohorts as itself.
            "MED_TLS_SERVICE_PEERS": ",".join(protos.SERVICES + ("fhir",)),
            "MED_BREAK_GLASS_PUBLIC_KEY": os.path.join(self.pki_dir,
                                                       "break-glass.pub"),
            "MED_BREAK_GLASS_KEY": os.path.join(self.pki_dir,
                                                "break-glass.key"),
            "MED_AUDIT_URL": "tls+tcp://127.0.0.1:%d" % self.audit_port,
            "MED_AUDIT_SPOOL_DIR": spool,
            "MED_LOG_LEVEL": self.log_level,
        })
        if n == "audit":
            env["MED_AUDIT_LISTEN"] = ("tls+tcp://127.0.0.1:%d"
                                     % self.audit_port)
        if n == "identity":
            env["MED_CARE_ENFORCE"] = ("true" if self.lookup_scope
                                       else "false")
        env.update(self.extra_env)
        log = os.path.join(self.log_dir, n + ".log")
        return Service(n, gport, hport, env, log, spool, health_port)

    def _start_fhir(self):
        """Start the FHIR facade; its HTTPS port is
        services["fhir"].grpc_port (fhir_url() gives the base URL)."""
        # make run fixes them: ports={"fhir": (https_port, http_port)}.
        fixed = tuple(self._fixed_ports.get("fhir", ())) + (None, None)
        port = fixed[0] or free_port()
        cert, key = self.pki("fhir")
        spool = os.path.join(self.spool_root, "fhir")
        os.makedirs(spool, exist_ok=True)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("MED_")}
        env.update({
            "MED_LISTEN_HOST": "127.0.0.1",
            "MED_FHIR_PORT": str(port),
            "MED_HTTP_PORT": str(fixed[1] or free_port()),
            "MED_FHIR_BASE_URL": "https://localhost:%d/fhir" % port,
            "MED_TLS_CERT": cert, "MED_TLS_KEY": key,
            "MED_TLS_CA": self.ca_path,
            "MED_TOKENS_FILE": self.tokens_path,
            "MED_AUDIT_URL": "tls+tcp://127.0.0.1:%d" % self.audit_port,
            "MED_AUDIT_SPOOL_DIR": spool,
            "MED_LOG_LEVEL": self.log_level,
            "MED_RESEARCH_KEY_FILE": self._research_key_file(),
        })
        for n, key_ in (("identity", "MED_IDENTITY_URL"),
                        ("audit", "MED_AUDIT_GRPC_URL"),
                        ("records", "MED_RECORDS_URL"),
                        ("diagnosis", "MED_DIAGNOSIS_URL"),
                        ("dosage", "MED_DOSAGE_URL")):
            if n in self.services:
                env[key_] = self.addr(n)
        env.update(self.extra_env)
        svc = Service("fhir", port, int(env["MED_HTTP_PORT"]), env,
                      os.path.join(self.log_dir, "fhir.log"), spool)
        self.services["fhir"] = svc
        self._spawn("fhir")
        deadline = time.time() + self.health_timeout
        while port_is_free(port):
            if not svc.is_running() or time.time() > deadline:
                raise StackError("fhir facade did not start:\n%s"
                                 % tail(svc.log_path))
            time.sleep(0.1)

    def _research_key_file(self):
        """A fresh research master key (64 hex digits) for the facade."""
        path = os.path.join(self.pki_dir, "research.key")
        if not os.path.exists(path):
            with open(path, "w", encoding="ascii") as f:
                f.write(os.urandom(32).hex() + "\n")
            os.chmod(path, 0o600)
        return path

    def fhir_url(self):
        """The FHIR facade's base URL (https, the stack's CA)."""
        return "https://localhost:%d/fhir" % self.services["fhir"].grpc_port

    def _wire_audit_witnesses(self):
        """Every other service witnesses the audit log's signed heads, at
        start and then every minute (test_audit_witness checks each
        second: every check is an audited access, and tests that count
        events would see them)."""
        if "audit" not in self.services:
            return
        url = "127.0.0.1:%d" % self.services["audit"].grpc_port
        for n, svc in self.services.items():
            if n != "audit":
                svc.env.setdefault("MED_AUDIT_WITNESS_URL", url)

    def _wire_patient_checks(self):
        if "identity" not in self.services:
            raise StackError("patient_checks needs identity in the stack")
        url = "127.0.0.1:%d" % self.services["identity"].grpc_port
        for n in PATIENT_WRITERS:
            if n in self.services:
                self.services[n].env["MED_IDENTITY_URL"] = url
                self.services[n].env.setdefault(
                    "MED_CARE_ENFORCE",
                    "true" if self.care_checks else "false")
        # The dose checks read the patient's facts from the record.
        if "dosage" in self.services and "records" in self.services:
            self.services["dosage"].env["MED_RECORDS_URL"] = (
                "127.0.0.1:%d" % self.services["records"].grpc_port)
        # ... and the liver's state from the problem list (hepatic bands).
        if "dosage" in self.services and "diagnosis" in self.services:
            self.services["dosage"].env["MED_DIAGNOSIS_URL"] = (
                "127.0.0.1:%d" % self.services["diagnosis"].grpc_port)

    def start_replica(self, n, key, env=None, wait=True):
        """Start one more process of service n, called key from then on
        (e.g. "identity-b"): its own ports, log and audit spool, the same
        database and settings (env overrides some).  Stopped by
        stop_service(key) or close()."""
        if key in self.services:
            raise StackError("%s already exists" % key)
        svc = self._make_service(n)
        svc.log_path = os.path.join(self.log_dir, key + ".log")
        svc.spool_dir = os.path.join(self.spool_root, key)
        os.makedirs(svc.spool_dir, exist_ok=True)
        svc.env["MED_AUDIT_SPOOL_DIR"] = svc.spool_dir
        svc.env.update(env or {})
        self.services[key] = svc
        self._spawn(key)
        if wait:
            self.wait_serving(key)

    def _spawn(self, n):
        svc = self.services[n]
        exe = paths.service_bin(svc.name)
        if not os.access(exe, os.X_OK):
            raise StackError("%s is missing: run `make all` first" % exe)
        with open(svc.log_path, "ab") as log:
            log.write(("--- start %s at %s\n" % (
                n, time.strftime("%H:%M:%S"))).encode())
            log.flush()
            svc.proc = subprocess.Popen(
                [exe], env=svc.env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, cwd=self.workdir,
                start_new_session=True, preexec_fn=_pdeathsig)
        if self.pid_dir:
            os.makedirs(self.pid_dir, exist_ok=True)
            with open(os.path.join(self.pid_dir, n + ".pid"), "w") as f:
                f.write("%d\n" % svc.proc.pid)

    def _reap(self, n, timeout):
        svc = self.services[n]
        if svc.proc is None:
            return None
        try:
            rc = svc.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            svc.proc.kill()
            rc = svc.proc.wait()
        if self.pid_dir:
            try:
                os.unlink(os.path.join(self.pid_dir, n + ".pid"))
            except OSError:
                pass
        return rc

    def start_service(self, n, wait=True):
        """(Re)start service n with its previous ports and env."""
        svc = self.services[n]
        if svc.is_running():
            raise StackError("%s is already running" % n)
        self._drop_channel(n)
        self._spawn(n)
        if wait:
            self.wait_serving(n)

    def stop_service(self, n, timeout=15.0, sig=signal.SIGTERM):
        """Signal service n (SIGTERM), wait, SIGKILL after timeout.

        Returns the exit status (negative for a signal, as Popen does)."""
        svc = self.services[n]
        self._drop_channel(n)
        if svc.proc is None:
            return None
        if svc.proc.poll() is None:
            svc.proc.send_signal(sig)
        return self._reap(n, timeout)

    def proc(self, n):
        """The Popen of service n."""
        return self.services[n].proc

    def grpc_port(self, n):
        return self.services[n].grpc_port

    def http_port(self, n):
        return self.services[n].http_port

    def addr(self, n):
        """"127.0.0.1:PORT" of service n's gRPC listener."""
        return "127.0.0.1:%d" % self.services[n].grpc_port

    def health_port(self, n):
        """The plaintext, Health-only port of service n."""
        return self.services[n].health_port

    def health_addr(self, n):
        return "127.0.0.1:%d" % self.services[n].health_port

    def spool_dir(self, n):
        return self.services[n].spool_dir

    def log_path(self, n):
        return self.services[n].log_path

    def log_tail(self, n, lines=40):
        return tail(self.services[n].log_path, lines)

    def logs_report(self, lines=30):
        """Every service's log tail, for a failure report."""
        out = []
        for n, svc in self.services.items():
            state = "running" if svc.is_running() else "exited %s" % (
                svc.proc.returncode if svc.proc else "never started")
            loud = loud_lines(svc.log_path)
            if loud:
                out.append("=== %s: warnings and errors\n%s" % (n, loud))
            out.append("=== %s (%s) %s\n%s" % (n, state, svc.log_path,
                                                tail(svc.log_path, lines)))
        return "\n".join(out)

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
                    n, svc.proc.returncode, self.log_tail(n)))
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
                                 % (n, timeout, last, self.log_tail(n)))
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
