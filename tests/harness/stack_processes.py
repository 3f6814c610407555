"""The processes of a Stack (tests/harness/stack.py): each service's
settings, ports, log and audit spool, starting and stopping them, the FHIR
facade, replicas; and the port and log helpers the harness shares."""

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import threading
import time

from . import paths, protos

# The services that check a written patient id against identity.
PATIENT_WRITERS = ("records", "dosage", "diagnosis")
# One service's calls to another (identity's patient and stay checks,
# records' and diagnosis' facts for the dose checks) wait 1 s in an
# install, which a peer answers in milliseconds.  A test machine that runs
# two suites and a browser on two cores stalls a peer for longer (a CI run
# failed on the console's ward list: "identity cannot say whether the stay
# is open (Deadline Exceeded)"), so the stacks here wait 10 s, the
# deadline of every other call; a test about a peer that hangs sets its
# own in extra_env or service_env.
PEER_DEADLINES = {"MED_IDENTITY_DEADLINE_MS": "10000",
                  "MED_RECORDS_DEADLINE_MS": "10000",
                  "MED_DIAGNOSIS_DEADLINE_MS": "10000"}


class StackError(RuntimeError):
    """A part of the stack failed to start or stop."""


_handed_ports = set()
_ports_lock = threading.Lock()

# Under pytest-xdist each worker process takes ports from its own block,
# below the kernel's ephemeral range (32768 on), so two workers never hand
# out one port and no client socket of either takes a port a service is
# about to bind.
_WORKER_PORTS_FIRST = 10000
_WORKER_PORTS_EACH = 5000
_WORKER_PORTS_MAX = 4
_worker_next = None
# Set by tests/conftest.py to the worker's own pid.
PORTS_OWNER_VAR = "SMARTMED_TEST_PORTS_PID"


def _worker_block():
    """(first, last + 1) of this xdist worker's ports; None outside
    pytest-xdist, in a process the worker started (a driver or a tool
    with its own stacks: the kernel's choice, never in a block) or past
    the fourth worker."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not name.startswith("gw") or not name[2:].isdigit():
        return None
    if os.environ.get(PORTS_OWNER_VAR) != str(os.getpid()):
        return None
    n = int(name[2:])
    if n >= _WORKER_PORTS_MAX:
        return None
    first = _WORKER_PORTS_FIRST + n * _WORKER_PORTS_EACH
    return first, first + _WORKER_PORTS_EACH


def _worker_port(block):
    """The next bindable port of the block, round and round: a run hands
    out more ports than a block holds, and a port is taken again only
    after the whole block has gone by (its stack long stopped)."""
    global _worker_next
    first, end = block
    with _ports_lock:
        if _worker_next is None:
            # two runs at once (a CI run beside a developer's) start
            # apart in the blocks
            run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
            _worker_next = first + int(run[:8] or "0", 16) % (end - first)
        for _ in range(end - first):
            if _worker_next >= end:
                _worker_next = first
            port = _worker_next
            _worker_next += 1
            if port_is_free(port):
                return port
    raise RuntimeError("no free port in %d..%d" % (first, end - 1))


def free_port():
    """A port that was free on 127.0.0.1 a moment ago, and not handed out
    by this process before (the kernel may offer a just-closed port again,
    and a service takes three of them); under pytest-xdist, one of this
    worker's own block."""
    block = _worker_block()
    if block is not None:
        return _worker_port(block)
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with _ports_lock:
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


@contextlib.contextmanager
def hold_port(port=0, wait_s=60):
    """A socket listening on 127.0.0.1:port (0: a free one) while the
    block runs, for tests of a port in use.  A fixed port another process
    holds is waited for up to wait_s (two test workers holding make run's
    port take turns); after that it stays held all the same.  Yields the
    port."""
    deadline = time.monotonic() + wait_s
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        while True:
            try:
                s.bind(("127.0.0.1", port))
                s.listen(1)
                port = s.getsockname()[1]
                break
            except OSError:
                if port == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        yield port


def run_script(argv, timeout, env=None):
    """Run argv to its end in its own process group, killed whole if we
    are interrupted or it outlasts timeout (a script's children, such as
    mariadb-install-db, go with it); returns (exit status, output)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True,
                         env=env)
    try:
        out, _ = p.communicate(timeout=timeout)
    except BaseException:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
        p.wait()
        raise
    return p.returncode, out


def process_args():
    """(pid, argv as a list of bytes) of every process whose command line
    can be read (a stray MariaDB is found by its arguments)."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                yield int(d), f.read().split(b"\0")
        except OSError:
            continue


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


# The harness asks for health ten times a second while it waits; each
# answer is a log line that pushes what the service said out of a tail.
HEALTH_LINE = "rpc /grpc.health.v1.Health/Check"


def story(path, n=40):
    """The last n lines of a service log without the harness's own health
    checks: what the service did while it was not serving."""
    lines = [ln for ln in _lines(path) if HEALTH_LINE not in ln]
    return "\n".join(lines[-n:])


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

    def pid(self):
        """The service process's pid on this host, or None."""
        return self.proc.pid if self.proc is not None else None


class RunningProcess:
    """A service process another program started (make run's, found by
    its pid file), seen as much of a Popen as an attached Stack needs:
    its pid, and poll() (None while it runs).  It is never signalled."""

    def __init__(self, pid):
        self.pid = pid
        self.returncode = None

    def environ(self):
        """The process's environment ({} where /proc does not show it)."""
        try:
            with open("/proc/%d/environ" % self.pid, "rb") as f:
                raw = f.read()
        except OSError:
            return {}
        out = {}
        for item in raw.split(b"\0"):
            key, eq, value = item.decode("utf-8", "replace").partition("=")
            if eq:
                out[key] = value
        return out

    def poll(self):
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            self.returncode = -1
        except PermissionError:
            pass
        return self.returncode


class StackProcesses:
    """The part of Stack that runs the service processes (not used
    alone: it reads the database, PKI and token settings of the Stack)."""

    def _init_processes(self, ports, audit_port, log_level, extra_env,
                        health_timeout, pid_dir, patient_checks,
                        care_checks, lookup_scope, fhir):
        """The constructor's process options (Stack's docstring)."""
        self.audit_port = audit_port or free_port()
        self.log_dir = os.path.join(self.workdir, "logs")
        self.spool_root = os.path.join(self.workdir, "spool")
        self.pid_dir = pid_dir
        self.log_level = log_level
        self.extra_env = dict(extra_env or {})
        # service_env: {service: {name: value}}, one service's settings
        # over extra_env (tools/load/ramp.py --service-env).
        self.service_env = {}
        self.health_timeout = health_timeout
        # fhir: also start the FHIR facade (services/fhir) in front of
        # identity, records and diagnosis, whichever of them run.
        self.fhir = fhir
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
        self._fixed_ports = ports or {}
        self.services = {}
        # attached: the processes are another program's (Stack.attach);
        # close() leaves them running.
        self.attached = False

    def _stop_all_services(self):
        for ch in self._channels.values():
            ch.close()
        self._channels.clear()
        if self.attached:
            return
        for svc in self.services.values():
            if svc.is_running():
                try:
                    svc.proc.send_signal(signal.SIGTERM)
                except OSError:
                    pass
        for n in self.services:
            self._reap(n, timeout=10.0)

    def _process_env(self, name, spool):
        """The settings every process of the stack (a service or the
        facade) starts with: the caller's environment without its MED_
        settings, then loopback, name's certificate, the tokens, the
        audit emitter with the spool (made here) and the log level."""
        cert, key = self.pki(name)
        os.makedirs(spool, exist_ok=True)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("MED_")}
        env.update({
            "MED_LISTEN_HOST": "127.0.0.1",
            "MED_TLS_CERT": cert,
            "MED_TLS_KEY": key,
            "MED_TLS_CA": self.ca_path,
            "MED_TOKENS_FILE": self.tokens_path,
            "MED_AUDIT_URL": "tls+tcp://127.0.0.1:%d" % self.audit_port,
            "MED_AUDIT_SPOOL_DIR": spool,
            "MED_LOG_LEVEL": self.log_level,
        })
        return env

    def _attach_services(self, names):
        """Services entries for a running stack's processes names (each
        found by its pid file in pid_dir, on its fixed ports); raises
        StackError naming a process that is not running."""
        for n in names:
            ports = tuple(self._fixed_ports.get(n, ())) + (None,) * 3
            env = dict(self.hl7) if n == "hl7" and isinstance(
                self.hl7, dict) else {}
            svc = Service(n, ports[0], ports[1], env,
                          os.path.join(self.log_dir, n + ".log"),
                          os.path.join(self.spool_root, n), ports[2])
            pid_file = os.path.join(self.pid_dir or "", n + ".pid")
            try:
                with open(pid_file, encoding="ascii") as f:
                    svc.proc = RunningProcess(int(f.read().strip()))
            except (OSError, ValueError):
                raise StackError("%s is not running: no pid file %s "
                                 "(start make run first)" % (n, pid_file))
            if svc.proc.poll() is not None:
                raise StackError("%s is not running: pid %d from %s is "
                                 "gone" % (n, svc.proc.pid, pid_file))
            # The settings it runs with, read from the process (e.g. make
            # run's HL7 listener on a trusted network, plain TCP), over
            # what this Stack would have given it.
            svc.env.update(svc.proc.environ())
            self.services[n] = svc

    def _make_service(self, n):
        fixed = tuple(self._fixed_ports.get(n, ())) + (None, None, None)
        gport = fixed[0] or free_port()
        hport = fixed[1] or free_port()
        health_port = fixed[2] or free_port()
        spool = os.path.join(self.spool_root, n)
        env = self._process_env(n, spool)
        env.update({
            "MED_GRPC_PORT": str(gport),
            "MED_HTTP_PORT": str(hport),
            "MED_DB_HOST": "127.0.0.1",
            "MED_DB_PORT": str(self.db_port),
            "MED_DB_USER": "smartmed_" + n,
            "MED_DB_PASSWORD": self.db_users["smartmed_" + n],
            "MED_DB_NAME": "smartmed_" + n,
            "MED_DB_TLS_CA": self.ca_path,
            "MED_HEALTH_PORT": str(health_port),
            # fhir: the facade reads research cohorts as itself.
            "MED_TLS_SERVICE_PEERS": ",".join(protos.SERVICES + ("fhir",)),
            "MED_BREAK_GLASS_PUBLIC_KEY": os.path.join(self.pki_dir,
                                                       "break-glass.pub"),
            "MED_BREAK_GLASS_KEY": os.path.join(self.pki_dir,
                                                "break-glass.key"),
        })
        if n == "audit":
            env["MED_AUDIT_LISTEN"] = ("tls+tcp://127.0.0.1:%d"
                                     % self.audit_port)
        if n == "identity":
            env["MED_CARE_ENFORCE"] = ("true" if self.lookup_scope
                                       else "false")
        if n in ("identity", "diagnosis"):
            # As the images and the chart: OpenBLAS's own threads would
            # only idle (the plugin runs it at one thread per caller).  A
            # caller's environment may still set another count.
            env.setdefault("OPENBLAS_NUM_THREADS", "1")
        env.update(PEER_DEADLINES)
        env.update(self.extra_env)
        env.update(self.service_env.get(n, {}))
        log = os.path.join(self.log_dir, n + ".log")
        return Service(n, gport, hport, env, log, spool, health_port)

    def _start_fhir(self):
        """Start the FHIR facade; its HTTPS port is
        services["fhir"].grpc_port (fhir_url() gives the base URL)."""
        # make run fixes them: ports={"fhir": (https_port, http_port)}.
        fixed = tuple(self._fixed_ports.get("fhir", ())) + (None, None)
        port = fixed[0] or free_port()
        spool = os.path.join(self.spool_root, "fhir")
        env = self._process_env("fhir", spool)
        env.update({
            "MED_FHIR_PORT": str(port),
            "MED_HTTP_PORT": str(fixed[1] or free_port()),
            "MED_FHIR_BASE_URL": self.fhir_url_at(port),
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

    @staticmethod
    def fhir_url_at(port):
        """The facade's base URL on port: the address it listens on, not
        "localhost", which an installed Debian also maps to ::1, where
        nothing listens, and which Node 18's fetch (the npm FHIR clients)
        tries alone (ECONNREFUSED ::1) where curl and browsers fall back."""
        return "https://127.0.0.1:%d/fhir" % port

    def fhir_url(self):
        """The FHIR facade's base URL (https, the stack's CA)."""
        return self.fhir_url_at(self.services["fhir"].grpc_port)

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

    def log_story(self, n, lines=40):
        return story(self.services[n].log_path, lines)

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
        if getattr(self, "cluster", None) is not None:
            out.append(self.cluster.report())
        return "\n".join(out)
