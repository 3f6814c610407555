"""make run's printed walk-through, run as printed against a stack started
the way make run starts it (run.stack_options: face keys and models,
patient and care checks, the development ward): a patient created,
admitted, enrolled, allergies charted, a drug ordered, the face verified,
the dose recorded with the token, and the audit inclusion proof of that
administration checked by auditverify (issue 50, item 4).  The face
steps need the Caltech photographs in ../shared and skip when they are
absent; the walk-through without photographs (the wristband scanned and
the patient's stated name and date of birth confirmed against it, issue
73) runs either way."""

import os
import subprocess
import uuid

import pytest

from harness import Stack, paths, run, walkthrough
from harness.fixtures import running


@pytest.fixture(scope="module")
def made_run(tmp_path_factory):
    rundir = str(tmp_path_factory.mktemp("walkrun"))
    photos = walkthrough.sample_faces(rundir)
    keys, env = run.face_keys(rundir)
    env.update(run.make_run_face_env())
    with running(Stack(**run.stack_options(env))) as s:
        yield s, keys, photos


def _mrn():
    return "WALK-" + uuid.uuid4().hex[:10]


def _need(photos):
    if photos is None:
        pytest.skip("Caltech faces not present at %s" % walkthrough.CALTECH)


def test_without_photographs_a_dose_is_reached_by_the_stated_check(
        made_run):
    """A newcomer without ../shared still reaches a recorded dose and its
    verified audit proof: the ward's second check (name and date of birth
    stated, read against the wristband) gives a token naming
    wristband+stated, and the dose is charted on it, not on an override;
    no face step is printed."""
    s, keys, _photos = made_run
    fills, replies = walkthrough.run_steps(s, None, _mrn(),
                                           env=s.client_tls_env())
    plan = walkthrough.steps(s, None, "M")
    names = [st.what for st in plan]
    assert not [st.argv for st in plan
                if {"enroll-face", "verify-face"} & set(st.argv)], names
    by = dict(zip(names, replies))
    stated = [r for n, r in by.items() if n.startswith("no photographs")]
    assert len(stated) == 1 and stated[0]["confirmed"] is True, stated
    assert stated[0]["identifiers_checked"] == "wristband+stated", stated
    admin = by["record the dose with that token"]
    assert admin["identity"] == "verified", admin
    assert admin["verification_model"] == "stated-identifiers", admin
    assert "identity_override" not in admin, admin
    assert admin["patient_id"] == fills["PATIENT_ID"], admin
    assert "OK" in replies[-1]["text"], replies[-1]
    text = run.summary(s, keys, None)
    assert "confirm-stated-identifiers --wristband" in text, text
    assert "identity-override" not in text, text
    assert "enroll-face" not in text and "--photos DIR" in text, text


def test_walkthrough_reaches_a_dose_and_a_verified_proof(made_run):
    s, _keys, photos = made_run
    _need(photos)
    fills, replies = walkthrough.run_steps(s, photos, _mrn(),
                                           env=s.client_tls_env())
    names = [st.what for st in walkthrough.steps(s, photos, "M")]
    by = dict(zip(names, replies))
    v = by["scan the wristband and verify the face at the bedside "
           "(nurse): a token"]
    assert v["match"] is True and v["verification_token"], v
    assert v["identifiers_checked"] == "wristband+face", v
    # The sample genuine probe passes the liveness stage make run ships.
    if "MED_FACE_PAD_MODEL" in run.make_run_face_env():
        assert v.get("pad_decision") == "PAD_DECISION_BONA_FIDE", v
    admin = by["record the dose with that token"]
    assert admin["identity"] == "verified", admin
    assert float(admin["dose"]) == float(walkthrough.DOSE), admin
    assert admin["patient_id"] == fills["PATIENT_ID"], admin
    ok = by["check the proof against the signed root (prints OK)"]
    assert "OK" in ok["text"], ok
    other = replies[-1]
    assert other.get("match") is not True, other
    assert not other.get("verification_token"), other


def test_every_sample_probe_verifies_without_a_flag(made_run):
    """Several probes: the replay check refuses a photograph it has seen,
    so each bedside verification needs its own; none reads as an attack."""
    s, _keys, photos = made_run
    _need(photos)
    fills, _ = walkthrough.run_steps(s, photos, _mrn(),
                                     env=s.client_tls_env())
    pad = "MED_FACE_PAD_MODEL" in run.make_run_face_env()
    for probe in walkthrough.PROBES[1:]:
        r = subprocess.run(
            [paths.bin_path("medctl"), "--addr", s.addr("identity"),
             "--token", s.token("nurse"), "identity", "verify-face",
             "--patient-id", fills["PATIENT_ID"], "--image",
             "@" + os.path.join(photos, probe), "--terminal",
             walkthrough.TERMINAL],
            env=dict(os.environ, **s.client_tls_env()),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        assert r.returncode == 0, (probe, r.stderr)
        v = walkthrough._parse(r.stdout.decode())
        assert v["match"] is True and v["verification_token"], (probe, v)
        if pad:
            assert v.get("pad_decision") == "PAD_DECISION_BONA_FIDE", v


def test_summary_prints_the_walkthrough(made_run):
    s, keys, photos = made_run
    _need(photos)
    text = run.summary(s, keys, photos)
    lines = walkthrough.printed_lines(s, photos, "MRN-X")
    # The summary's own MRN is on the lines that name it (the patient
    # created, the wristband scanned), and its bed on the admission's.
    body = [ln for ln in lines if "MRN-X" not in ln and
            "--bed " + walkthrough.bed_of("MRN-X") not in ln]
    for ln in body:
        assert ln in text, ln
    assert "identity verify-face --patient-id PATIENT_ID" in text, text
    assert "--ward ward-3 --bed 7-" in text, text
    assert "--terminal %s --wristband " % walkthrough.TERMINAL in text
    for what in ("set-patient-context", "create-order",
                 "record-administration --order-id ORDER_ID",
                 "--verification-token VERIFICATION_TOKEN",
                 "inclusion-proof --event-id EVENT_ID",
                 "auditverify inclusion", "tools/dev/walkthrough.sh"):
        assert what in text, what


def test_walkthrough_script_runs_end_to_end(made_run):
    """The script runs as printed: with the sample photographs where
    ../shared is there, identified by wristband where it is not."""
    s, _keys, _photos = made_run
    script = os.path.join(paths.REPO_ROOT, "tools", "dev", "walkthrough.sh")
    args = [script, "--rundir", s.workdir]
    for svc in ("identity", "dosage", "audit"):
        args += ["--addr", "%s=%s" % (svc, s.addr(svc))]
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=300)
    out = r.stdout.decode()
    assert r.returncode == 0, (out, r.stderr.decode())
    assert "walkthrough: dose " in out and "proven in the signed tree" \
        in out, out
