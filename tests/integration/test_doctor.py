"""make doctor (issue 50, item 6): one line per problem naming the cause
and the fix, exit status 1 when there is any, before anything half
starts.  Each case runs tools/dev/doctor.sh on a BUILD folder of its own,
so make run's own state is not read."""

import os
import subprocess

from harness import paths, run
from harness.stack_processes import hold_port

DOCTOR = os.path.join(paths.REPO_ROOT, "tools", "dev", "doctor.sh")


def doctor(build, env=None, settings=None):
    rundir = os.path.join(build, "run")
    os.makedirs(rundir, exist_ok=True)
    if settings is not None:
        with open(os.path.join(rundir, run.SETTINGS_FILE), "w") as f:
            f.write(settings)
    e = {k: v for k, v in os.environ.items() if not k.startswith("MED_")}
    e.update(env or {}, BUILD=build)
    r = subprocess.run([DOCTOR], env=e, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    out = r.stdout.decode()
    lines = [ln for ln in out.splitlines() if ln.startswith("doctor: ")]
    return r.returncode, lines, out + r.stderr.decode()


def test_each_problem_is_one_line_naming_cause_and_fix(tmp_path):
    key = tmp_path / "signing.key"
    key.write_text("secret")
    os.chmod(key, 0o644)
    rc, lines, text = doctor(str(tmp_path), env={
        "MED_WARD_TIME_ZONE": "Mars/Olympus",
        "MED_DB_HOST": "db.hospital.example",
        "MED_IDENTITY_TEMPLATE_KEY_FILE": str(key),
    }, settings="MED_IDENTITY_SIGNING_KEY_FILE=/nonexistent/identity.key\n")
    assert rc == 1, text
    want = {
        "Mars/Olympus": "IANA name",
        "db.hospital.example": "MED_DB_TLS_CA",
        "/nonexistent/identity.key": "no such file",
        str(key): "chmod 600",
    }
    for cause, fix in want.items():
        hits = [ln for ln in lines if cause in ln]
        assert len(hits) == 1 and fix in hits[0], (cause, lines)


def test_a_port_in_use_is_named(tmp_path):
    port = run.HL7_MLLP_PORT
    with hold_port(port):
        rc, lines, text = doctor(str(tmp_path))
    assert rc == 1, text
    assert [ln for ln in lines if "port %d " % port in ln and "ss -ltnp"
            in ln], lines


def test_an_unreadable_settings_line_is_a_problem(tmp_path):
    rc, lines, text = doctor(str(tmp_path), settings="WARD=Berlin\n")
    assert rc == 1 and any("not a MED_NAME=value line" in ln
                           for ln in lines), text


def test_half_made_face_keys_and_open_tokens(tmp_path):
    rundir = tmp_path / "run"
    (rundir / "face").mkdir(parents=True)
    (rundir / "face" / "identity.key").write_text("k")
    os.chmod(rundir / "face" / "identity.key", 0o600)
    (rundir / "tokens").write_text("t")
    os.chmod(rundir / "tokens", 0o644)
    rc, lines, text = doctor(str(tmp_path))
    assert rc == 1, text
    assert any("half made" in ln and "template.key" in ln
               for ln in lines), lines
    assert any(str(rundir / "tokens") in ln and "chmod 600" in ln
               for ln in lines), lines


def test_the_host_checks_say_what_was_checked(tmp_path):
    """Where this machine is sound, doctor says ok and what it checked;
    where it is not (a busy shared machine), every line still names a
    cause and a fix."""
    rc, lines, text = doctor(str(tmp_path))
    if rc == 0:
        assert len(lines) == 1 and lines[0].startswith("doctor: ok: MariaDB")
        assert "ward zone" in lines[0] and "MiB free" in lines[0]
    else:
        assert all(":" in ln[len("doctor: "):] for ln in lines), lines
