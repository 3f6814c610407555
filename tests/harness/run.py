"""make run: the whole stack on fixed local ports until Ctrl-C.

    BUILD=build /usr/bin/python3 -m harness.run     (PYTHONPATH=tests)

State lives in $BUILD/run: mariadb/ (data kept across runs), tokens (made
once, mode 0600), pki/ (development CA, certificates and break-glass keys
from tools/dev/devca.sh, made once), face/ (identity's development face
keys, made once: face_keys), logs/<svc>.log, spool/<svc>/, pids/<svc>.pid
(<svc> also hl7, and fhir: the FHIR facade on
https://127.0.0.1:8443/fhir),
faces/ (sample photographs for a first enrolment, made from ../shared's
Caltech faces when they are there: walkthrough.sample_faces).

Care checks are on, as the chart has them: the development nurse and
clinician work on DEV_WARD, where the printed example admits the patient.
"""

import json
import os
import signal
import subprocess
import sys
import time

from . import devidp, paths, protos, walkthrough
from .faces import FaceKeys
from .stack import TOKEN_ROLES, Stack, StackError, port_is_free

GRPC_PORTS = dict(zip(protos.SERVICES, range(50051, 50056)))
HTTP_PORTS = dict(zip(protos.SERVICES, range(9101, 9106)))
HEALTH_PORTS = dict(zip(protos.SERVICES, range(50151, 50156)))
DB_PORT = 3406
AUDIT_PORT = 50060
# The FHIR facade (services/fhir): HTTPS and its metrics port, the
# binary's defaults.
FHIR_PORT = 8443
FHIR_HTTP_PORT = 9096
# The development PACS (Orthanc with DICOMweb, tests/harness/orthanc.py):
# Orthanc's usual port; diagnosis' AnalyzeStudy reads from it.
PACS_PORT = 8042
# The HL7 v2 interface (tests/harness/hl7.py): gRPC, metrics, health, and
# MLLP on the port interface engines use by convention.
HL7_PORTS = (50057, 9107, 50157)
HL7_MLLP_PORT = 2575
# The development OpenID Connect provider the ward console signs in at
# (tests/harness/devidp.py): beside the facade's 8443.
IDP_PORT = 8444


# The ward of make run's development nurse and clinician (their tokens'
# units claim): the care relationship lets them reach the patients
# admitted there, as on a real ward.
DEV_WARD = "ward-3"
DEV_UNITS = {"nurse": DEV_WARD, "clinician": DEV_WARD}
def sample_faces(rundir):
    """The walk-through's sample photographs in rundir/faces
    (walkthrough.sample_faces), or None where ../shared is absent."""
    return walkthrough.sample_faces(rundir)


def stack_options(env):
    """The Stack options make run starts with, less its fixed ports and
    paths: face keys and models in env, patient and care checks on, the
    development nurse and clinician on DEV_WARD (the walk-through's test
    starts its stack with the same)."""
    return dict(extra_env=env, patient_checks=True, db_encrypted=True,
                care_checks=True, user_units=DEV_UNITS)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _our_service(pid, rundir):
    """True if pid is a smartmed service started in rundir."""
    try:
        exe = os.path.basename(os.readlink("/proc/%d/exe" % pid))
        cwd = os.readlink("/proc/%d/cwd" % pid)
    except OSError:
        return False
    exe = exe.replace(" (deleted)", "")
    return exe.startswith("smartmed-") and os.path.realpath(cwd) == rundir


def _stale_pids(rundir, pid_dir):
    pids = set()
    if os.path.isdir(pid_dir):
        for f in os.listdir(pid_dir):
            try:
                with open(os.path.join(pid_dir, f)) as fh:
                    pids.add(int(fh.read().strip()))
            except (OSError, ValueError):
                pass
            try:
                os.unlink(os.path.join(pid_dir, f))
            except OSError:
                pass
    for d in os.listdir("/proc"):
        if d.isdigit():
            pids.add(int(d))
    return [p for p in pids if p != os.getpid() and _our_service(p, rundir)]


def stop_stale(rundir, pid_dir):
    """Stop services a previous run left behind (SIGTERM, then SIGKILL)."""
    pids = _stale_pids(rundir, pid_dir)
    for p in pids:
        print("stopping leftover service pid %d" % p)
        try:
            os.kill(p, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for p in pids:
        if _alive(p):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass


def _db_running(db_dir):
    try:
        with open(os.path.join(db_dir, "mysqld.pid")) as f:
            return _alive(int(f.read().strip()))
    except (OSError, ValueError):
        return False


def busy_ports(db_dir):
    """Names of the fixed ports that something else holds."""
    busy = []
    for s in protos.SERVICES:
        if not port_is_free(GRPC_PORTS[s]):
            busy.append("%d (%s gRPC)" % (GRPC_PORTS[s], s))
        if not port_is_free(HTTP_PORTS[s]):
            busy.append("%d (%s HTTP)" % (HTTP_PORTS[s], s))
        if not port_is_free(HEALTH_PORTS[s]):
            busy.append("%d (%s health)" % (HEALTH_PORTS[s], s))
    if not port_is_free(AUDIT_PORT):
        busy.append("%d (audit ingest)" % AUDIT_PORT)
    if not port_is_free(FHIR_PORT):
        busy.append("%d (FHIR HTTPS)" % FHIR_PORT)
    if not port_is_free(FHIR_HTTP_PORT):
        busy.append("%d (FHIR HTTP)" % FHIR_HTTP_PORT)
    if devidp.is_available() and not port_is_free(IDP_PORT):
        busy.append("%d (development identity provider)" % IDP_PORT)
    for port, what in zip(HL7_PORTS + (HL7_MLLP_PORT,),
                          ("gRPC", "HTTP", "health", "MLLP")):
        if not port_is_free(port):
            busy.append("%d (hl7 %s)" % (port, what))
    if not _db_running(db_dir) and not port_is_free(DB_PORT):
        busy.append("%d (MariaDB)" % DB_PORT)
    return busy


def _listening_inodes(ports):
    """{socket inode: port} of the TCP sockets listening on one of ports
    (/proc/net/tcp and tcp6; state 0A is LISTEN)."""
    found = {}
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) < 10 or cols[3] != "0A":
                continue
            port = int(cols[1].rsplit(":", 1)[1], 16)
            if port in ports:
                found[cols[9]] = port
    return found


def port_holders(ports):
    """{port: pid} of the processes listening on ports, where /proc shows
    them (another user's processes may be hidden from a non-root one)."""
    inodes = _listening_inodes(set(ports))
    out = {}
    for d in os.listdir("/proc") if inodes else ():
        if not d.isdigit():
            continue
        try:
            fds = os.listdir("/proc/%s/fd" % d)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink("/proc/%s/fd/%s" % (d, fd))
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                out.setdefault(inodes[link[8:-1]], int(d))
    return out


def _holder(pid):
    """Who pid is, and how to stop it, in words."""
    try:
        with open("/proc/%d/comm" % pid) as f:
            comm = f.read().strip()
        cwd = os.readlink("/proc/%d/cwd" % pid)
    except OSError:
        return "pid %d, gone since: run make run again" % pid
    if comm.startswith("smartmed-"):
        return "the make run with its state in %s: Ctrl-C it there" % cwd
    return "pid %d (%s): stop that process" % (pid, comm)


def busy_line(busy):
    """The one line make run stops with when ports are in use (busy as
    busy_ports gives it): each port, who holds it and what to do."""
    holders = port_holders([int(b.split()[0]) for b in busy])
    groups = {}
    for b in busy:
        port = b.split()[0]
        pid = holders.get(int(port))
        who = _holder(pid) if pid else (
            "a process this user cannot see (ss -ltnp 'sport = :%s' "
            "names it): stop it" % port)
        groups.setdefault(who, []).append(b)
    return "port(s) in use: %s (make run's ports are fixed)" % "; ".join(
        "%s by %s" % (", ".join(ps), who) for who, ps in groups.items())


def face_keys(rundir):
    """identity's development face keys in rundir/face (made once, kept
    across runs like the tokens) and the settings that use them: signing
    and template keys for identity, the public key for dosage (which
    checks verification tokens).  Returns (FaceKeys, env)."""
    keys = FaceKeys.load_or_create(os.path.join(rundir, "face"))
    return keys, keys.env(public_key=True)


def face_models_env():
    """identity's face models for make run: the deep ones when the build
    made them (tools/facemodels: face-api's tiny CNN face detector, dlib's
    ResNet on landmark-aligned colour chips), else nothing, which leaves
    the Haar detector and the built-in lbp-v2."""
    deep = paths.deep_face_models()
    if deep is None:
        return {}
    env = {"MED_FACE_EMBEDDER": deep[0], "MED_FACE_LANDMARKS": deep[1]}
    det = paths.deep_face_detector()
    if det is not None:
        env["MED_FACE_DETECTOR"] = det
    pad = paths.deep_face_pad()
    if pad is not None:
        env["MED_FACE_PAD_MODEL"] = pad
    return env


def make_run_face_env():
    """identity's face settings for make run: the deep models, and the
    presentation-attack stage enforced with MiniFASNet when the build made
    it (issue 48: at its card's threshold the PAD bar, APCER <= 10 % at
    BPCER <= 5 %, holds on every colour bona fide set and on the attacks
    not tuned on; docs/face-pad.md, "The default").  Without MiniFASNet
    the stage stays warn with human-liveness-v1, which cannot be
    enforced.  The face is the second identifier after the wristband,
    so a score short of the threshold is no match at once, with no
    retake band (docs/face.md, "Threshold policy")."""
    env = face_models_env()
    if "MED_FACE_EMBEDDER" in env:
        env["MED_FACE_RETAKE_BAND_MILLI"] = "0"
    pad = paths.minifasnet_pad()
    if "MED_FACE_DETECTOR" in env and pad is not None:
        env["MED_FACE_PAD_MODEL"] = pad
        env["MED_FACE_PAD"] = "enforce"
    return env


def face_models_line():
    """What identity runs on, in words, for the summary."""
    env = make_run_face_env()
    if "MED_FACE_DETECTOR" not in env:
        return ("classic (Haar detector, lbp-v2 embedder); make builds the "
                "deep ones when npm could install @vladmandic/face-api")
    models = ", ".join(
        os.path.basename(env[k]) for k in
        ("MED_FACE_DETECTOR", "MED_FACE_LANDMARKS", "MED_FACE_EMBEDDER"))
    if "MED_FACE_PAD_MODEL" not in env:
        return "deep (%s); no presentation-attack stage" % models
    return "deep (%s); presentation-attack stage %s with %s" % (
        models, env.get("MED_FACE_PAD", "warn"),
        os.path.basename(env["MED_FACE_PAD_MODEL"]))


def fhir_lines(st):
    """How to call the FHIR facade: the CA and a user token, read and
    search (docs/api/fhir.md)."""
    curl = "  curl --cacert %s -H 'Authorization: Bearer %s' '%s%%s'" % (
        st.ca_path, st.token("clinician"), st.fhir_url())
    return [
        "", "FHIR R4 facade (reads and writes, HTTPS with the development "
        "CA): %s"
        % st.fhir_url(),
        "  metrics: http://127.0.0.1:%d/metrics" % st.http_port("fhir"),
        curl % "/metadata",
        curl % "/Patient/PATIENT_ID",
        curl % "/Observation?patient=PATIENT_ID&_count=10",
        curl % "/Patient/PATIENT_ID/$everything",
        "  (PATIENT_ID as below; any token of the list works, each sees "
        "what its role may)"]


def dev_idp(rundir):
    """The development identity provider for the ward console when make
    deps installed it: its users (made once, kept in rundir/devidp-users.json,
    mode 0600: the development nurse and clinician on DEV_WARD, an auditor
    and a pharmacist) and the settings that make the services trust it.
    Returns (DevIdp or None, env)."""
    if not devidp.is_available():
        return None, {}
    path = os.path.join(rundir, "devidp-users.json")
    users = None
    if os.path.exists(path):
        with open(path) as f:
            users = json.load(f)
    if not users:
        users = {"nurse.dev": devidp.user(roles=["nurse"], units=[DEV_WARD]),
                 "dr.dev": devidp.user(roles=["clinician"],
                                       units=[DEV_WARD]),
                 "auditor.dev": devidp.user(roles=["auditor"]),
                 "pharm.dev": devidp.user(roles=["pharmacist"])}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(users, f, indent=1)
    idp = devidp.DevIdp(users, workdir=os.path.join(rundir, "devidp"),
                        port=IDP_PORT)
    return idp, idp.env()


def console_lines(st, idp):
    """Where the ward console is and who may sign in."""
    base = st.fhir_url()[:-len("/fhir")]
    lines = ["", "ward console: %s/console/ (docs/console.md; sign in at the "
             "development identity provider %s, both with the development "
             "CA's certificates)" % (base, idp.issuer)]
    for name, u in idp.users.items():
        lines.append("  %-12s %-10s password %s" % (
            name, ",".join(u["roles"]), u["password"]))
    return lines


def hl7_lines(st):
    """Where the HL7 v2 interface listens and how to send it a message."""
    from . import hl7
    send = os.path.join(paths.REPO_ROOT, "tools", "hl7client", "send.js")
    return [
        "", "HL7 v2 interface: MLLP on 127.0.0.1:%d (plain TCP: the "
        "development network is trusted; TLS elsewhere), gRPC %s "
        "(ListMessages), metrics http://127.0.0.1:%d/metrics" % (
            hl7.mllp_port(st), st.addr("hl7"), st.http_port("hl7")),
        "  senders bound (MED_HL7_SENDERS; others are refused): %s" % (
            st.services["hl7"].env.get("MED_HL7_SENDERS", "none")),
        "  send messages with simple-hl7: plain HL7, one segment a line, "
        "as docs/hl7.md's examples are written (paste them into "
        "messages.hl7):",
        "  NODE_PATH=%s node %s 127.0.0.1 %d < messages.hl7" % (
            os.path.join(paths.build_dir(), "npm", "hl7client",
                         "node_modules"), send, hl7.mllp_port(st))]


def summary(st, faces=None, photos=None, idp=None, settings_info=None,
            pacs=None):
    """What make run prints once the stack serves.  pacs: the
    development PACS (start_pacs), or None when there is none."""
    medctl = paths.bin_path("medctl")
    t = st.token
    mrn = "MRN-%d" % (int(time.time()) % 1000000)
    lines = ["", "smartmed is running (state in %s)" % st.workdir, ""]
    lines.append("%-10s %-22s %-17s %s" % ("service", "gRPC (mutual TLS)",
                                           "health (plain)", "metrics"))
    for s in protos.SERVICES:
        lines.append("%-10s %-22s %-17s http://127.0.0.1:%d/metrics" % (
            s, st.addr(s), st.health_addr(s), st.http_port(s)))
    lines += ["", "MariaDB: 127.0.0.1:%d (socket %s/mysqld.sock)" % (
        st.db_port, st.db_dir),
        "MariaDB root: the socket only, password in %s/root.cnf "
        "(tools/dev/mariadb.sh client %s)" % (st.db_dir, st.db_dir),
        "audit ingest: tls+tcp://127.0.0.1:%d (mutual TLS)" % st.audit_port,
        "logs: %s/<service>.log" % st.log_dir,
        "development PKI: %s (CA, certificates, break-glass keys)" %
        st.pki_dir]
    lines += settings_info or []
    if faces is not None:
        lines.append("face keys: %s (signing and template keys, "
                     "development only)" % faces.dir)
        lines.append("face models: %s" % face_models_line())
    lines.append(pacs_line(pacs))
    if "fhir" in st.services:
        lines += fhir_lines(st)
    if "hl7" in st.services:
        lines += hl7_lines(st)
    if idp is not None:
        lines += console_lines(st, idp)
    lines += [
        "", "medctl speaks mutual TLS with the operator certificate:",
        "  export MED_TLS_CA=%s MED_TLS_CERT=%s MED_TLS_KEY=%s" % (
            st.ca_path, st.pki("operator")[0], st.pki("operator")[1]),
        "",
        "tokens (%s, development only):" % st.tokens_path]
    for r in TOKEN_ROLES:
        lines.append("  %-11s %-13s %s" % (r, st.user(r), t(r)))
    lines += ["", "try, in order (a walk-through to a recorded dose and "
              "its audit proof; each # -> line names the placeholders the "
              "reply fills, which later lines use; tools/dev/walkthrough.sh "
              "runs them all):"]
    if photos:
        lines += walkthrough.printed_lines(st, photos, mrn)
    else:
        lines.append("  (the sample photographs come from ../shared, "
                     "which is absent: this walk-through records the dose "
                     "with the wristband scanned and the patient's stated "
                     "name and date of birth confirmed against it; "
                     "tools/dev/walkthrough.sh --photos DIR adds the face "
                     "steps with photographs of your own, face1.jpg and "
                     "face2.jpg to enrol, probe1.jpg to verify)")
        lines += walkthrough.printed_lines(st, None, mrn)
    lines += ["", "more:",
              "  %s --addr %s --token %s identity search-patients "
              "--family-name-prefix Do --page.page-size 10" % (
                  medctl, st.addr("identity"), t("registrar")),
              "  %s --addr %s --token %s identity get-patient --mrn %s" % (
                  medctl, st.addr("identity"), t("clinician"), mrn),
              "  (care checks are on, as in the chart: clinicians and "
              "nurses reach only their own patients; %s and %s work on %s, "
              "registrars reach everyone)" % (
                  st.user("clinician"), st.user("nurse"), DEV_WARD),
              "  %s --addr %s --token %s audit query --limit 20" % (
                  medctl, st.addr("audit"), t("auditor")),
              "  %s --plaintext --addr %s health check" % (
                  medctl, st.health_addr("identity")),
              "", "Ctrl-C stops everything.", ""]
    return "\n".join(lines)


SETTINGS_FILE = "settings.env"


class SettingsError(Exception):
    """A setting make run cannot use; the message names it and the fix."""


def read_settings_file(path):
    """MED_* settings from path (KEY=VALUE lines, # comments, blank lines;
    a value may be quoted), {} when there is no such file."""
    out = {}
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return out
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if line.startswith("export "):
            key = key[len("export "):].strip()
        if not sep or not key.startswith("MED_") or not key.replace(
                "_", "").isalnum():
            raise SettingsError("%s:%d: not a MED_NAME=value line: %r"
                                % (path, n, line))
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key] = value
    return out


def caller_settings(rundir, environ=None):
    """The settings the caller gives make run: $BUILD/run/settings.env,
    then MED_* variables of the caller's environment over it.  Returns
    (settings, where each came from)."""
    environ = os.environ if environ is None else environ
    path = os.path.join(rundir, SETTINGS_FILE)
    settings = read_settings_file(path)
    origin = {k: path for k in settings}
    for k, v in environ.items():
        if k.startswith("MED_"):
            settings[k] = v
            origin[k] = "environment"
    return settings, origin


# Settings the stack sets for each process itself (Stack: each service's
# certificate, ports, database user, audit spool, the peers' addresses):
# one from the caller would reach every service over its own, so the
# operator certificate that the summary tells medctl's shell to export
# would become every service's.  make run drops them, saying so.
STACK_OWNED = (
    "MED_LISTEN_HOST", "MED_TLS_CA", "MED_TLS_CERT", "MED_TLS_KEY",
    "MED_TLS_SERVICE_PEERS", "MED_TOKENS_FILE",
    "MED_GRPC_PORT", "MED_HTTP_PORT", "MED_HEALTH_PORT", "MED_FHIR_PORT",
    "MED_FHIR_BASE_URL", "MED_HL7_MLLP_PORT",
    "MED_DB_HOST", "MED_DB_PORT", "MED_DB_USER",
    "MED_DB_PASSWORD", "MED_DB_NAME", "MED_DB_TLS_CA",
    "MED_AUDIT_URL", "MED_AUDIT_SPOOL_DIR", "MED_AUDIT_LISTEN",
    "MED_AUDIT_GRPC_URL", "MED_AUDIT_WITNESS_URL",
    "MED_IDENTITY_URL", "MED_RECORDS_URL", "MED_DOSAGE_URL",
    "MED_DIAGNOSIS_URL",
    "MED_BREAK_GLASS_KEY", "MED_BREAK_GLASS_PUBLIC_KEY",
    "MED_RESEARCH_KEY_FILE")


def drop_stack_owned(settings, origin):
    """Removes from settings (and origin) those the stack sets per
    service (STACK_OWNED); returns the one warning line naming them and
    where they came from, or None when there was none."""
    dropped = sorted(k for k in settings if k in STACK_OWNED)
    if not dropped:
        return None
    named = ", ".join("%s (%s)" % (k, origin.pop(k, "?")) for k in dropped)
    for k in dropped:
        del settings[k]
    return ("warning: ignoring %s: make run sets these per service itself "
            "(unset them, e.g. the operator's MED_TLS_* exported for "
            "medctl, to silence this)" % named)


def host_zone(environ=None, etc="/etc"):
    """The host's IANA time zone name: TZ when it names one, else
    /etc/timezone, else the target of /etc/localtime; "UTC" when none
    says."""
    environ = os.environ if environ is None else environ
    tz = environ.get("TZ", "").lstrip(":")
    if tz and "/" in tz and not tz.startswith("/"):
        return tz
    try:
        with open(os.path.join(etc, "timezone"), encoding="utf-8") as f:
            name = f.read().strip()
        if name:
            return name
    except OSError:
        pass
    target = os.path.realpath(os.path.join(etc, "localtime"))
    if "/zoneinfo/" in target:
        return target.split("/zoneinfo/", 1)[1]
    return "UTC"


def zone_exists(name, zoneinfo="/usr/share/zoneinfo"):
    """Is name a time zone the system's tz database holds?  Without a tz
    database (no tzdata) only UTC is known here; the services check the
    name again with ICU's own database."""
    if name == "UTC":
        return True
    if not name or name.startswith("/") or ".." in name.split("/"):
        return False
    if not os.path.isdir(zoneinfo):
        return True
    return os.path.isfile(os.path.join(zoneinfo, name))


def ward_zone(settings, origin, environ=None):
    """Sets MED_WARD_TIME_ZONE in settings to the host's zone unless the
    caller gave one, and checks it; returns the line the summary prints."""
    if "MED_WARD_TIME_ZONE" not in settings:
        settings["MED_WARD_TIME_ZONE"] = host_zone(environ)
        origin["MED_WARD_TIME_ZONE"] = "the host's zone"
    zone = settings["MED_WARD_TIME_ZONE"]
    if not zone_exists(zone):
        raise SettingsError(
            "MED_WARD_TIME_ZONE=%s (%s) is no time zone of this system: "
            "use an IANA name such as Europe/Berlin (ls /usr/share/zoneinfo)"
            % (zone, origin["MED_WARD_TIME_ZONE"]))
    return "ward time zone: %s (%s; set MED_WARD_TIME_ZONE to change it)" % (
        zone, origin["MED_WARD_TIME_ZONE"])


def settings_lines(origin, zone_line):
    """The summary's lines about where the settings came from."""
    given = sorted(k for k, v in origin.items()
                   if k != "MED_WARD_TIME_ZONE" or v != "the host's zone")
    lines = ["", zone_line]
    if given:
        lines.append("settings given: %s" % ", ".join(
            "%s (%s)" % (k, origin[k]) for k in given))
    lines.append("(MED_* variables of your environment, or KEY=value lines "
                 "in build/run/%s, reach every service, but for those "
                 "make run sets per service; docs/operations.md lists "
                 "them)" % SETTINGS_FILE)
    return lines


def preflight(rundir, settings, origin):
    """make doctor's checks of what would stop the stack half started:
    the MariaDB server's version, the files the settings name, the free
    disk under rundir.  Returns the problems, one line each with its fix
    ([] when none)."""
    from . import doctor  # doctor imports this module
    problems = []
    doctor.check_mariadb(settings, problems)
    doctor.check_keys(settings, origin, problems)
    doctor.check_disk(rundir, problems)
    return problems


def _raise_interrupt(signum, frame):
    """Ctrl-C (or SIGTERM): stop once.  Further signals are ignored from
    here on, so that a second Ctrl-C while the services drain cannot cut
    the stop short with a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt()


def start_pacs(rundir, env):
    """Orthanc for AnalyzeStudy when installed and its port is free
    (issue 38); returns it (or None) and sets MED_DIAGNOSIS_PACS_URL."""
    from . import orthanc
    if not orthanc.is_available() or not port_is_free(PACS_PORT):
        return None
    pacs = orthanc.Orthanc(os.path.join(rundir, "orthanc"), PACS_PORT)
    pacs.start()
    env["MED_DIAGNOSIS_PACS_URL"] = pacs.dicomweb_url
    return pacs


def pacs_line(pacs):
    """The summary's line about the development PACS (start_pacs)."""
    if pacs is None:
        return ("PACS: none (Orthanc is not installed or port %d is in "
                "use: AnalyzeStudy answers UNAVAILABLE)" % PACS_PORT)
    return ("PACS (Orthanc, DICOMweb, plain HTTP): %s (store studies: POST "
            "%s/instances)" % (pacs.dicomweb_url, pacs.http_url))


def main():
    """make run until Ctrl-C.  Ctrl-C at any point, while starting too,
    stops what was started and ends with one "stopped." line, exit 0."""
    # Explicit, and first: a shell that started us in the background left
    # SIGINT ignored, and Ctrl-C must stop everything, even mid-start.
    signal.signal(signal.SIGINT, _raise_interrupt)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    started = []  # what to stop, in the order it started
    try:
        return _run(started)
    except KeyboardInterrupt:
        print("\nstopping services and MariaDB...", flush=True)
        _stop(started)
        print("stopped.", flush=True)
        return 0
    finally:
        _stop(started)


def run_stack(rundir, env):
    """make run's Stack in rundir (not started): the fixed ports, the
    state kept across runs, identity's face settings and the caller's in
    env."""
    from . import hl7
    ports = {s: (GRPC_PORTS[s], HTTP_PORTS[s], HEALTH_PORTS[s])
             for s in protos.SERVICES}
    ports["fhir"] = (FHIR_PORT, FHIR_HTTP_PORT)
    ports["hl7"] = HL7_PORTS
    return Stack(workdir=rundir, db_port=DB_PORT, ports=ports,
                 audit_port=AUDIT_PORT, keep_workdir=True,
                 tokens_path=os.path.join(rundir, "tokens"),
                 pid_dir=os.path.join(rundir, "pids"), health_timeout=30.0,
                 fhir=True, **stack_options(env),
                 hl7={"MED_HL7_MLLP_PORT": str(HL7_MLLP_PORT),
                      "MED_HL7_SENDERS": hl7.RUN_SENDERS})


def attach_run():
    """The stack make run is running now, attached (Stack.attach): its
    tokens, certificates, ports, pids and database, for a tool that
    drives it (tools/load/ramp.py --against run).  Raises StackError when
    make run is not running.  The face settings are not known here
    (they are the running services'), so extra_env is empty."""
    rundir = os.path.realpath(os.path.join(paths.build_dir(), "run"))
    if not _db_running(os.path.join(rundir, "mariadb")):
        raise StackError("make run's MariaDB is not running (%s): start "
                         "make run first" % rundir)
    return run_stack(rundir, {}).attach()


def _stop(started):
    """Stop what started, newest first, with signals ignored (once)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while started:
        started.pop()()


def _run(started):
    rundir = os.path.realpath(os.path.join(paths.build_dir(), "run"))
    os.makedirs(rundir, exist_ok=True)
    pid_dir = os.path.join(rundir, "pids")
    db_dir = os.path.join(rundir, "mariadb")
    try:
        settings, origin = caller_settings(rundir)
        dropped = drop_stack_owned(settings, origin)
        settings_info = settings_lines(origin, ward_zone(settings, origin))
    except SettingsError as e:
        print("cannot start: %s" % e, file=sys.stderr)
        return 1
    if dropped:
        print(dropped, file=sys.stderr)
    problems = preflight(rundir, settings, origin)
    for p in problems:
        print("cannot start: %s" % p, file=sys.stderr)
    if problems:
        return 1
    stop_stale(rundir, pid_dir)
    busy = busy_ports(db_dir)
    if busy:
        print("cannot start: %s" % busy_line(busy), file=sys.stderr)
        return 1
    try:
        faces, env = face_keys(rundir)
    except (OSError, subprocess.CalledProcessError) as e:
        print("cannot make the face keys: %s" % e, file=sys.stderr)
        return 1
    env.update(make_run_face_env())
    idp, idp_env = dev_idp(rundir)
    env.update(idp_env)
    pacs = start_pacs(rundir, env)
    if pacs is not None:
        started.append(pacs.stop)
    # The caller's settings last: they win over make run's own.
    env.update(settings)
    st = run_stack(rundir, env)
    started.append(st.close)
    try:
        st.start()
        if idp is not None:
            started.append(idp.close)
            idp.start(st)
    except StackError as e:
        print("cannot start: %s" % e, file=sys.stderr)
        return 1
    print(summary(st, faces, sample_faces(rundir), idp, settings_info, pacs),
          flush=True)
    # SIGCHLD wakes pause() so that a service that dies is reported.
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    reported = set()
    while True:
        signal.pause()
        for s in list(protos.SERVICES) + ["fhir", "hl7"]:
            p = st.proc(s)
            if s not in reported and p.poll() is not None:
                reported.add(s)
                print("%s exited with %s; see %s" % (
                    s, p.returncode, st.log_path(s)), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
