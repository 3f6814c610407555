"""Ctrl-C ends make run with a clean line (issue 50): no traceback, one
"stopped." line, exit 0, and nothing left running, whether it comes while
the stack starts or while it serves.

The run harness (tests/harness/run.py) runs in a subprocess of its own
session, and SIGINT goes to that process group as a terminal's Ctrl-C
does.  Its fixed ports and build/run are make run's, so the driver points
it at a temporary directory and, for the serving case, a small stack on
free ports (MariaDB and the audit service), with the summary cut to one
line; the signal handling and the stop are the harness's own."""

import os
import signal
import socket
import subprocess
import time

import pytest

from harness import paths

DRIVER = r'''
import os, sys, time, types
from harness import run, stack

mode, rundir = sys.argv[1], sys.argv[2]
# build/run in a temporary directory; the binaries stay the build's
run.paths = types.SimpleNamespace(**vars(run.paths))
run.paths.build_dir = lambda: rundir
run.stop_stale = lambda rundir, pid_dir: None
run.busy_ports = lambda db_dir: []
run.dev_idp = lambda rundir: (None, {})
run.start_pacs = lambda rundir, env: None

if mode == "starting":
    def slow_face_keys(rundir):
        print("starting", flush=True)
        time.sleep(60)
        raise AssertionError("not interrupted")
    run.face_keys = slow_face_keys
else:
    run.face_keys = lambda rundir: (None, {})
    real = stack.Stack

    def small(**kw):
        return real(services=("audit",), workdir=kw["workdir"],
                    keep_workdir=True, pid_dir=kw["pid_dir"])
    run.Stack = small

    def summary(st, *a, **kw):
        return "serving pid=%d db=%d" % (st.proc("audit").pid, st.db_port)
    run.summary = summary
sys.exit(run.main())
'''


def start(mode, tmp_path):
    env = dict(os.environ,
               PYTHONPATH=os.path.join(paths.REPO_ROOT, "tests"))
    return subprocess.Popen(
        ["/usr/bin/python3", "-c", DRIVER, mode, str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True, env=env, start_new_session=True)


def wait_line(p, word, timeout=180):
    """The first line of p's output that starts with word."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith(word):
            return line, seen
    p.kill()
    pytest.fail("no %r line from the run harness:\n%s"
                % (word, "".join(seen) + p.stdout.read()))


def interrupt(p, seen, times=1):
    for _ in range(times):
        os.killpg(p.pid, signal.SIGINT)
        time.sleep(0.2)
    try:
        rest, _ = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        pytest.fail("the run harness did not stop after Ctrl-C")
    return "".join(seen) + rest


def assert_clean(out, rc):
    assert "Traceback" not in out, out
    assert "KeyboardInterrupt" not in out, out
    lines = out.splitlines()
    assert lines.count("stopped.") == 1, out
    assert lines[-1] == "stopped.", out
    assert rc == 0, out


def test_ctrl_c_while_starting_stops_cleanly(tmp_path):
    p = start("starting", tmp_path)
    _line, seen = wait_line(p, "starting")
    out = interrupt(p, seen)
    assert_clean(out, p.returncode)


def test_ctrl_c_while_serving_stops_the_stack_cleanly(tmp_path):
    p = start("serving", tmp_path)
    line, seen = wait_line(p, "serving")
    fields = dict(f.split("=") for f in line.split()[1:])
    # a second Ctrl-C while the services drain changes nothing
    out = interrupt(p, seen, times=2)
    assert_clean(out, p.returncode)
    assert "stopping services and MariaDB..." in out
    with pytest.raises(ProcessLookupError):
        os.kill(int(fields["pid"]), 0)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(fields["db"])),
                                 timeout=2).close()
