"""make run stops before anything starts, with one line naming the cause
and the fix (issue 50): an old MariaDB server, a key file a setting names
that is missing, too little disk (make doctor's checks, run.preflight),
and a fixed port another process holds (run.busy_line names who).

The end-to-end cases run the harness (tests/harness/run.py) with BUILD
in a temporary folder; it stops at the check, before MariaDB or a
service starts, so make run's own state and ports are never touched."""

import os
import subprocess

from harness import paths, run
from harness.stack_processes import hold_port


def fake_mariadbd(tmp_path, version="10.5.23"):
    """A directory with a mariadbd that reports version, for PATH."""
    bindir = tmp_path / "fakebin"
    bindir.mkdir()
    exe = bindir / "mariadbd"
    exe.write_text("#!/bin/sh\necho \"mariadbd  Ver %s-MariaDB-0+deb11u1 "
                   "for debian-linux-gnu on x86_64 (Debian 11)\"\n" % version)
    os.chmod(exe, 0o755)
    return str(bindir)


def run_harness(build, env=None, timeout=60):
    e = {k: v for k, v in os.environ.items() if not k.startswith("MED_")}
    e.update(env or {}, BUILD=str(build),
             PYTHONPATH=os.path.join(paths.REPO_ROOT, "tests"))
    r = subprocess.run(["/usr/bin/python3", "-m", "harness.run"], env=e,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def test_an_old_mariadb_is_named_before_anything_starts(tmp_path):
    path = fake_mariadbd(tmp_path) + ":" + os.environ["PATH"]
    rc, out, err = run_harness(tmp_path / "build", {"PATH": path})
    assert rc == 1, out + err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cannot start: MariaDB 10.5.23 ")
    assert "older than 10.11" in lines[0] and "mariadb-server" in lines[0]
    # Nothing was started or made: no data directory, no PKI, no tokens.
    assert sorted(os.listdir(tmp_path / "build" / "run")) == []


def test_preflight_names_a_missing_key_file_and_the_old_server(tmp_path):
    old = os.environ["PATH"]
    os.environ["PATH"] = fake_mariadbd(tmp_path) + ":" + old
    try:
        problems = run.preflight(str(tmp_path), {
            "MED_IDENTITY_SIGNING_KEY_FILE": "/nonexistent/identity.key"},
            {"MED_IDENTITY_SIGNING_KEY_FILE": "environment"})
    finally:
        os.environ["PATH"] = old
    assert len(problems) == 2, problems
    assert "10.5.23" in problems[0] and "install" in problems[0]
    assert "/nonexistent/identity.key" in problems[1] and \
        "no such file" in problems[1]


def test_a_busy_port_names_the_process_that_holds_it():
    with hold_port() as port:
        line = run.busy_line(["%d (hl7 MLLP)" % port])
    assert "\n" not in line
    assert "%d (hl7 MLLP) by pid %d (" % (port, os.getpid()) in line, line
    assert "stop that process" in line and "fixed" in line


def test_a_port_nobody_visible_holds_says_how_to_find_it():
    # Port 1 listens nowhere here: who holds it cannot be read from /proc.
    line = run.busy_line(["1 (x)"])
    assert "ss -ltnp 'sport = :1'" in line, line


def test_make_run_stops_on_a_busy_port_with_one_line(tmp_path):
    port = run.HL7_MLLP_PORT
    with hold_port(port):
        rc, out, err = run_harness(tmp_path / "build")
    assert rc == 1, out + err
    lines = [ln for ln in err.splitlines() if ln.startswith("cannot start")]
    assert len(lines) == 1 and "%d (hl7 MLLP) by " % port in lines[0], err
    assert not os.path.exists(tmp_path / "build" / "run" / "mariadb")
