"""make doctor: what hospital IT gets wrong first, checked before make run
(or a deployment) half starts.

    BUILD=build /usr/bin/python3 -m harness.doctor     (PYTHONPATH=tests)

Reads the settings make run would use ($BUILD/run/settings.env, then MED_*
of the environment: run.caller_settings) and checks: the MariaDB server
(make run's own binary, 10.11 or later; a hospital's server over TCP needs
MED_DB_TLS_CA, and is connected to as the services would: its version and
the session's TLS, or the connection's failure with what to do), the
clock (synchronised, where timedatectl can say) and the ward's time
zone, free disk where the spools live, make run's fixed ports, and every
key, certificate or CA file a setting names (present, readable,
a private key not readable by others).  One line per problem, each with
what to do; exit status 1 when there is any, else 0 and one line saying
what was checked.
"""

import os
import re
import shutil
import stat
import subprocess
import sys
import time

from . import paths, run

MIN_MARIADB = (10, 11)
# Spools (audit events waiting for the audit service), logs and MariaDB's
# data all live under $BUILD/run in make run.
MIN_FREE_MB = 1024
LOCAL_HOSTS = ("", "127.0.0.1", "localhost", "::1")


def _version(text):
    m = re.search(r"(\d+)\.(\d+)\.(\d+)-MariaDB", text) or re.search(
        r"Ver (\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(x) for x in m.groups()) if m else None


# The MariaDB client's errors a first connection meets, and what to do.
CLIENT_ERRORS = (
    ((1045,), "the server refused user %(user)s's password: check "
     "MED_DB_USER and MED_DB_PASSWORD(_FILE) with the DBA"),
    ((1044, 1049), "user %(user)s may not use the database it named: the "
     "DBA grants each service its own database (docs/operations.md)"),
    ((1130,), "the server does not let %(user)s in from this host: the DBA "
     "grants the user from the services' addresses"),
    ((2005,), "host %(host)s is unknown: check MED_DB_HOST and DNS"),
    ((2002, 2003), "nothing answers at %(host)s:%(port)s: check MED_DB_HOST, "
     "MED_DB_PORT and the firewall"),
    ((2013,), "the connection to %(host)s:%(port)s was cut while opening "
     "(often TLS the server does not offer): ask the DBA for ssl_cert and "
     "ssl_key on the server"),
    ((2026,), "TLS to %(host)s:%(port)s failed: MED_DB_TLS_CA must be the CA "
     "that signed the server's certificate, and that certificate must name "
     "%(host)s"),
)


def _client_error(text, where):
    m = re.search(r"ERROR (\d+)", text)
    code = int(m.group(1)) if m else 0
    for codes, why in CLIENT_ERRORS:
        if code in codes:
            return "MariaDB at %s:%s: %s (%s)" % (
                where["host"], where["port"], why % where,
                text.strip().splitlines()[-1][:200])
    return "MariaDB at %s:%s refused the connection: %s" % (
        where["host"], where["port"], text.strip()[:300])


def _password(settings):
    path = settings.get("MED_DB_PASSWORD_FILE", "")
    if path:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    return settings.get("MED_DB_PASSWORD", "")


def _client_args(exe, settings, where):
    """The MariaDB client's command line that connects as the services do
    and asks for the server's version and the session's TLS protocol."""
    args = [exe, "--no-defaults", "--protocol=TCP", "--host", where["host"],
            "--port", where["port"], "--user", where["user"],
            "--connect-timeout=10", "--batch", "--skip-column-names",
            "-e", "SELECT VERSION(); SHOW SESSION STATUS LIKE 'Ssl_version'"]
    ca = settings.get("MED_DB_TLS_CA", "")
    if ca:
        args += ["--ssl", "--ssl-ca", ca, "--ssl-verify-server-cert"]
    if settings.get("MED_DB_TLS_CERT") and settings.get("MED_DB_TLS_KEY"):
        args += ["--ssl-cert", settings["MED_DB_TLS_CERT"],
                 "--ssl-key", settings["MED_DB_TLS_KEY"]]
    return args


def probe_server(settings, problems):
    """Connects to the server the settings name as the services would
    (TCP, TLS verified against MED_DB_TLS_CA, the same user) and reads its
    version and the TLS protocol the session got.  Returns what it found,
    in words; appends a problem when it cannot connect or the server is
    too old."""
    where = {"host": settings.get("MED_DB_HOST", ""),
             "port": settings.get("MED_DB_PORT", "") or "3306",
             "user": settings.get("MED_DB_USER", "") or "root"}
    exe = shutil.which("mariadb") or shutil.which("mysql")
    if exe is None:
        problems.append("no MariaDB client to reach %(host)s:%(port)s with: "
                        "apt-get install mariadb-client" % where)
        return "MariaDB at %(host)s (not reached)" % where
    try:
        env = dict(os.environ, MYSQL_PWD=_password(settings))
        r = subprocess.run(_client_args(exe, settings, where),
                           stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, env=env, timeout=60)
    except OSError as e:
        problems.append("MariaDB at %s:%s: cannot read the password file "
                        "(%s): check MED_DB_PASSWORD_FILE"
                        % (where["host"], where["port"], e))
        return "MariaDB at %(host)s (not reached)" % where
    except subprocess.SubprocessError:
        problems.append("MariaDB at %(host)s:%(port)s did not answer within "
                        "60 s: check the network path" % where)
        return "MariaDB at %(host)s (not reached)" % where
    text = r.stdout.decode("utf-8", "replace")
    if r.returncode != 0:
        problems.append(_client_error(text, where))
        return "MariaDB at %(host)s (not reached)" % where
    lines = text.strip().splitlines()
    v = _version(lines[0]) if lines else None
    tls = lines[1].split("\t")[-1] if len(lines) > 1 else ""
    if v is None:
        problems.append("the server at %s:%s is not MariaDB (%s): smartmed "
                        "needs MariaDB %d.%d or later" % (
                            (where["host"], where["port"],
                             lines[0] if lines else "?") + MIN_MARIADB))
        return "MariaDB at %(host)s unknown" % where
    if v[:2] < MIN_MARIADB:
        problems.append("MariaDB %d.%d.%d at %s:%s is older than %d.%d: the "
                        "DBA upgrades it (Debian 12: 10.11 from bookworm)"
                        % (v + (where["host"], where["port"]) + MIN_MARIADB))
    return "MariaDB %d.%d.%d at %s:%s over %s" % (
        v + (where["host"], where["port"], tls or "plain TCP"))


def _remote(settings):
    """True when the settings name a server other than make run's own:
    another host, or a port of the loopback that is not make run's."""
    host = settings.get("MED_DB_HOST", "")
    if host not in LOCAL_HOSTS:
        return True
    port = settings.get("MED_DB_PORT", "")
    return port != "" and port != str(run.DB_PORT)


def check_mariadb(settings, problems):
    host = settings.get("MED_DB_HOST", "")
    if _remote(settings):
        # A hospital's server, reached as the services would reach it.
        if settings.get("MED_DB_SOCKET"):
            return "MariaDB at %s (a socket: not checked here)" % host
        if not settings.get("MED_DB_TLS_CA") and settings.get(
                "MED_DB_ALLOW_PLAINTEXT") != "true":
            problems.append(
                "MariaDB at %s over TCP without MED_DB_TLS_CA: the services "
                "refuse to start; set MED_DB_TLS_CA to the CA file that "
                "signs the server's certificate" % host)
            return "MariaDB at %s" % host
        return probe_server(settings, problems)
    exe = shutil.which("mariadbd") or shutil.which("mysqld") or (
        "/usr/sbin/mariadbd" if os.path.exists("/usr/sbin/mariadbd") else
        None)
    if exe is None:
        problems.append("no MariaDB server (mariadbd) installed: run `make "
                        "deps-run` (installs mariadb-server)")
        return "MariaDB absent"
    try:
        out = subprocess.run([exe, "--version"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as e:
        problems.append("%s --version failed (%s): reinstall mariadb-server"
                        % (exe, e))
        return "MariaDB unreadable"
    text = out.decode("utf-8", "replace")
    v = _version(text)
    if v is None or "MariaDB" not in text:
        problems.append("%s is not MariaDB (%s): smartmed needs MariaDB "
                        "%d.%d or later" % ((exe, text.strip()) +
                                            MIN_MARIADB))
        return "MariaDB unknown"
    if v[:2] < MIN_MARIADB:
        problems.append("MariaDB %d.%d.%d at %s is older than %d.%d: install "
                        "Debian 12's mariadb-server (10.11)" % (
                            v + (exe,) + MIN_MARIADB))
    return "MariaDB %d.%d.%d" % v


def check_clock(settings, origin, problems, environ=None):
    """The ward's zone (as make run sets and checks it) and the clock."""
    try:
        line = run.ward_zone(settings, origin, environ)
    except run.SettingsError as e:
        problems.append(str(e))
        line = None
    if time.gmtime().tm_year < 2025:
        problems.append("the clock says %s: set the time (timedatectl "
                        "set-ntp true, or date -s) before anything signs or "
                        "expires" % time.strftime("%Y-%m-%d %H:%M UTC",
                                                  time.gmtime()))
    tdc = shutil.which("timedatectl")
    if tdc:
        try:
            r = subprocess.run([tdc, "show", "-p", "NTPSynchronized",
                                "--value"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, timeout=10)
            if r.returncode == 0 and r.stdout.strip() == b"no":
                problems.append("the clock is not synchronised (NTP): tokens "
                                "and doses are timed; run timedatectl "
                                "set-ntp true or point chrony at the "
                                "hospital's time server")
        except (OSError, subprocess.SubprocessError):
            pass
    return line and settings.get("MED_WARD_TIME_ZONE")


def check_disk(rundir, problems, min_free_mb=MIN_FREE_MB):
    where = rundir
    while not os.path.exists(where):
        where = os.path.dirname(where)
    free = shutil.disk_usage(where).free // (1 << 20)
    if free < min_free_mb:
        problems.append("only %d MiB free under %s (spools, logs, MariaDB's "
                        "data): free at least %d MiB or point BUILD "
                        "elsewhere" % (free, where, min_free_mb))
    return free


def _make_run_pids(rundir):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit() and run._our_service(int(d), rundir):
            out.append(int(d))
    return out


def check_ports(rundir, problems):
    ours = _make_run_pids(rundir)
    if ours:
        return "make run is running (its ports are its own)"
    busy = run.busy_ports(os.path.join(rundir, "mariadb"))
    for b in busy:
        port = b.split()[0]
        problems.append("port %s is in use: stop what holds it (ss -ltnp "
                        "'sport = :%s') before make run" % (b, port))
    return "ports free" if not busy else None


_FILE_SETTING = re.compile(r"^MED_\w*(_FILE|_CA|_CERT|_KEY|_PATH)$")


def check_keys(settings, origin, problems):
    """Every key, certificate or CA file a setting names."""
    n = 0
    for k in sorted(settings):
        v = settings[k]
        if not _FILE_SETTING.match(k) or not v or v.startswith(
                ("http:", "https:")):
            continue
        n += 1
        if not os.path.isfile(v):
            problems.append("%s=%s (%s): no such file: make it (docs/"
                            "operations.md lists each key and how) or fix "
                            "the path" % (k, v, origin.get(k, "?")))
            continue
        if not os.access(v, os.R_OK):
            problems.append("%s=%s: not readable by this user: chown or "
                            "chmod it for the user the services run as"
                            % (k, v))
            continue
        private = "KEY" in k and not k.endswith("PUBLIC_KEY_FILE")
        if private and os.stat(v).st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            problems.append("%s=%s: a private key others may read: chmod "
                            "600 %s" % (k, v, v))
    return n


def check_run_keys(rundir, problems):
    """make run's own keys, once made: the face keys whole (a half-made set
    is made again as a whole, which invalidates enrolled templates) and
    the private ones, the tokens and the PKI's keys not readable by
    others."""
    from .faces import FaceKeys
    face = os.path.join(rundir, "face")
    if os.path.isdir(face):
        missing = [n for n in FaceKeys.NAMES
                   if not os.path.isfile(os.path.join(face, n))]
        if missing and len(missing) < len(FaceKeys.NAMES):
            problems.append("face keys in %s are half made (%s missing): "
                            "make run makes the set again, and templates "
                            "enrolled under the old keys stop matching; "
                            "restore them from a backup if patients were "
                            "enrolled" % (face, ", ".join(missing)))
    private = [os.path.join(face, "identity.key"),
               os.path.join(face, "template.key"),
               os.path.join(rundir, "tokens")]
    pki = os.path.join(rundir, "pki")
    if os.path.isdir(pki):
        private += [os.path.join(pki, f) for f in sorted(os.listdir(pki))
                    if f.endswith(".key")]
    for f in private:
        if os.path.isfile(f) and os.stat(f).st_mode & (stat.S_IRWXG |
                                                       stat.S_IRWXO):
            problems.append("%s: a secret others may read: chmod 600 %s"
                            % (f, f))


def main(environ=None):
    environ = os.environ if environ is None else environ
    rundir = os.path.realpath(os.path.join(paths.build_dir(), "run"))
    problems = []
    try:
        settings, origin = run.caller_settings(rundir, environ)
    except run.SettingsError as e:
        problems.append(str(e))
        settings, origin = {}, {}
    db = check_mariadb(settings, problems)
    zone = check_clock(settings, origin, problems, environ)
    free = check_disk(rundir, problems)
    ports = check_ports(rundir, problems)
    keys = check_keys(settings, origin, problems)
    check_run_keys(rundir, problems)
    for p in problems:
        print("doctor: " + p)
    if problems:
        print("doctor: %d problem(s)" % len(problems), file=sys.stderr)
        return 1
    print("doctor: ok: %s; ward zone %s; %d MiB free for spools; %s; %d key "
          "file(s) named by settings" % (db, zone, free, ports, keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
