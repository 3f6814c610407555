"""medctl, the operator CLI, against a running stack.

    medctl [--addr HOST:PORT] [--token TOKEN] [--timeout-ms N] SERVICE COMMAND
           [--field value ...]

The stack runs identity with the face keys make run makes (run.face_keys),
so the face commands make run prints are tried here as a user types them:
bytes fields from @FILE.  The ORL part skips when ../shared is absent.
"""

import base64
import hashlib
import json
import os
import stat
import struct
import subprocess
import uuid
import zlib

import pytest

from harness import Stack, paths, run
from harness.fixtures import running
from harness.faces import orl_png

MEDCTL = paths.bin_path("medctl")
# MED_TLS_* of the module's stack: every call is mutual TLS.
_TLS_ENV = {}
# The face keys the module's stack runs with, as make run makes them.
_FACES = []


def _face_keys_and_tls(stack):
    """make run's face keys for the stack (in _FACES); its MED_TLS_* in
    _TLS_ENV."""
    if not os.access(MEDCTL, os.X_OK):
        pytest.fail("%s is missing: run `make all` first" % MEDCTL,
                    pytrace=False)
    keys, env = run.face_keys(os.path.join(stack.workdir, "face-keys"))
    _FACES.append(keys)
    stack.extra_env.update(env)
    _TLS_ENV.update(stack.client_tls_env())


pytestmark = pytest.mark.stack(services=["identity", "records", "dosage"],
                               prepare=_face_keys_and_tls)


def medctl(*args, env=None, timeout=30, stdin=None):
    e = {k: v for k, v in os.environ.items() if k != "MED_TOKEN"}
    e.update(_TLS_ENV)
    e.update(env or {})
    r = subprocess.run([MEDCTL] + [str(a) for a in args], env=e,
                       input=stdin,
                       stdin=subprocess.DEVNULL if stdin is None else None,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return (r.returncode, r.stdout.decode("utf-8", "replace"),
            r.stderr.decode("utf-8", "replace"))


def ok_json(rc_out_err):
    rc, out, err = rc_out_err
    assert rc == 0, "exit %d\nstdout: %s\nstderr: %s" % (rc, out, err)
    try:
        return json.loads(out)
    except ValueError:
        raise AssertionError("stdout is not JSON: %r (stderr %r)" % (out,
                                                                     err))


def conn(st, svc, role):
    return ["--addr", st.addr(svc), "--token", st.token(role)]


def _create(st, mrn, family="Doe"):
    return ok_json(medctl(*conn(st, "identity", "registrar"), "identity",
                          "create-patient", "--mrn", mrn, "--family-name",
                          family, "--given-name", "Jane", "--birth-date",
                          "1980-02-03", "--sex", "ADMINISTRATIVE_SEX_FEMALE"))


def test_create_and_get_round_trip(st):
    mrn = "CLI-" + uuid.uuid4().hex[:12]
    p = _create(st, mrn)
    assert p["patient_id"]
    assert p["mrn"] == mrn
    assert p["sex"] == "ADMINISTRATIVE_SEX_FEMALE"
    # int64 as strings (proto3 JSON mapping)
    assert isinstance(p["created_ms"], str) and int(p["created_ms"]) > 0

    g = ok_json(medctl(*conn(st, "identity", "clinician"), "identity",
                       "get-patient", "--patient-id", p["patient_id"]))
    assert g["mrn"] == mrn and g["patient_id"] == p["patient_id"]
    assert g["family_name"] == "Doe" and g["birth_date"] == "1980-02-03"
    g2 = ok_json(medctl(*conn(st, "identity", "nurse"), "identity",
                        "get-patient", "--mrn", mrn))
    assert g2["patient_id"] == p["patient_id"]


def test_repeat_with_request_id_returns_first_result(st):
    """An operator whose create timed out repeats it with the same
    --request-id: the first result comes back; without the id the repeat
    is a second create, refused for its taken MRN."""
    mrn = "CLI-" + uuid.uuid4().hex[:12]
    args = [*conn(st, "identity", "registrar"), "--request-id",
            "cli-" + uuid.uuid4().hex, "identity", "create-patient",
            "--mrn", mrn, "--family-name", "Doe", "--given-name", "Jane",
            "--birth-date", "1980-02-03", "--sex",
            "ADMINISTRATIVE_SEX_FEMALE"]
    first = ok_json(medctl(*args))
    again = ok_json(medctl(*args))
    assert again == first
    rc, _out, err = medctl(*[a for a in args[:4]] + args[6:])
    assert rc != 0 and "ALREADY_EXISTS" in err, err


def test_token_from_environment(st):
    mrn = "CLI-" + uuid.uuid4().hex[:12]
    p = _create(st, mrn)
    g = ok_json(medctl("--addr", st.addr("identity"), "identity",
                       "get-patient", "--patient-id", p["patient_id"],
                       env={"MED_TOKEN": st.token("clinician")}))
    assert g["mrn"] == mrn


def test_search_with_nested_page_field(st):
    fam = "Cli" + "".join(c for c in uuid.uuid4().hex if c.isalpha())[:8]
    fam = fam + "x" * (10 - len(fam))
    ids = {_create(st, "CLI-" + uuid.uuid4().hex[:12], fam)["patient_id"]
           for _ in range(2)}
    r = ok_json(medctl(*conn(st, "identity", "clinician"), "identity",
                       "search-patients", "--family-name-prefix", fam,
                       "--page.page-size", "10"))
    assert {p["patient_id"] for p in r["patients"]} == ids


def test_nested_message_and_double_fields(st):
    code = "CLI-" + uuid.uuid4().hex[:8]
    args = conn(st, "dosage", "pharmacist") + [
        "dosage", "upsert-drug", "--drug.code", code, "--drug.name",
        "Ibuprofen 400 mg", "--drug.unit", "mg", "--drug.max-single-dose",
        "800", "--drug.max-daily-dose", "2400"]
    d = ok_json(medctl(*args))
    assert d["code"] == code and d["revision"] == 1
    assert float(d["max_single_dose"]) == 800.0
    d2 = ok_json(medctl(*args))
    assert d2["revision"] == 2


def test_not_found_exit_code_and_stderr(st):
    rc, out, err = medctl(*conn(st, "identity", "clinician"), "identity",
                          "get-patient", "--patient-id", str(uuid.uuid4()))
    assert rc == 5, (rc, out, err)
    assert "NOT_FOUND" in err, err


def test_invalid_argument_names_field(st):
    rc, out, err = medctl(*conn(st, "identity", "registrar"), "identity",
                          "create-patient", "--mrn", "", "--family-name",
                          "Doe", "--birth-date", "1980-02-03", "--sex",
                          "ADMINISTRATIVE_SEX_MALE")
    assert rc == 3, (rc, out, err)
    assert "INVALID_ARGUMENT" in err and "mrn" in err, err


def test_wrong_token_unauthenticated(st):
    rc, out, err = medctl("--addr", st.addr("identity"), "--token", "nope",
                          "identity", "get-patient", "--mrn", "X")
    assert rc == 16, (rc, out, err)
    assert "UNAUTHENTICATED" in err, err


def test_unreachable_server_unavailable(st):
    from harness import free_port
    rc, out, err = medctl("--addr", "127.0.0.1:%d" % free_port(), "--token",
                          st.token("clinician"), "--timeout-ms", "2000",
                          "identity", "get-patient", "--mrn", "X", timeout=20)
    assert rc in (4, 14), (rc, out, err)  # DEADLINE_EXCEEDED or UNAVAILABLE


def test_bad_usage_nonzero(st):
    rc, _out, err = medctl(*conn(st, "identity", "clinician"), "identity",
                           "no-such-command")
    assert rc != 0 and err.strip(), err
    rc, _out, err = medctl(*conn(st, "identity", "registrar"), "identity",
                           "create-patient", "--sex", "NOT_A_SEX")
    assert rc != 0 and err.strip(), err


def test_help_lists_services(st):
    rc, out, err = medctl("--help")
    assert rc == 0, (rc, err)
    text = out + err
    for svc in ("identity", "records", "dosage", "diagnosis", "audit"):
        assert svc in text, text


def test_service_help_lists_commands_and_fields(st):
    rc, out, err = medctl("identity", "--help")
    assert rc == 0, (rc, err)
    text = out + err
    for cmd in ("create-patient", "get-patient", "search-patients"):
        assert cmd in text, text
    for field in ("--mrn", "--family-name", "--birth-date", "--sex"):
        assert field in text, text


# --- bytes fields: @FILE, @- and @@ -----------------------------------------

# Not UTF-8 and with NULs, so that only a byte-exact read round-trips.
PDF = b"%PDF-1.4\n\x00\xff\xfe binary \x00\x01\x02\n%%EOF\n"


def _document(st, data_arg, ctype="application/pdf", stdin=None):
    return medctl(*conn(st, "records", "clinician"), "records",
                  "create-entry", "--patient-id", str(uuid.uuid4()),
                  "--kind", "ENTRY_KIND_DOCUMENT", "--title", "CLI scan",
                  "--document.content-type", ctype, "--document.data",
                  data_arg, stdin=stdin)


def _attachment(st, entry_id):
    a = ok_json(medctl(*conn(st, "records", "nurse"), "records",
                       "get-attachment", "--entry-id", entry_id))
    return a, base64.b64decode(a["data"], validate=True)


def test_bytes_field_from_file_round_trip(st, tmp_path):
    f = tmp_path / "scan.pdf"
    f.write_bytes(PDF)
    e = ok_json(_document(st, "@%s" % f))
    want = hashlib.sha256(PDF).hexdigest()
    assert e["document"]["sha256"] == want, e
    assert int(e["document"]["size"]) == len(PDF), e
    a, data = _attachment(st, e["entry_id"])
    # JSON output of bytes stays standard base64.
    assert data == PDF and a["sha256"] == want, a


def test_bytes_field_from_stdin(st):
    text = "vitals by phone\n".encode() * 3
    e = ok_json(_document(st, "@-", ctype="text/plain", stdin=text))
    assert e["document"]["sha256"] == hashlib.sha256(text).hexdigest()
    assert _attachment(st, e["entry_id"])[1] == text


def test_bytes_field_double_at_is_literal(st):
    e = ok_json(_document(st, "@@home/scan.txt", ctype="text/plain"))
    assert _attachment(st, e["entry_id"])[1] == b"@home/scan.txt"
    e = ok_json(_document(st, "plain words", ctype="text/plain"))
    assert _attachment(st, e["entry_id"])[1] == b"plain words"


@pytest.mark.parametrize("name, reason", [
    ("missing.pdf", "No such file or directory"),
    ("", "Is a directory"),
])
def test_bytes_field_unreadable_file(st, tmp_path, name, reason):
    path = str(tmp_path / name) if name else str(tmp_path)
    rc, out, err = _document(st, "@" + path)
    assert rc == 64 and out == "", (rc, out, err)
    assert "--document.data" in err and path in err and reason in err, err


def test_bytes_field_file_over_cap_refused(st, tmp_path):
    f = tmp_path / "huge.pdf"
    with open(f, "wb") as fh:  # sparse: 64 MiB + 1 without writing it
        fh.truncate((64 << 20) + 1)
    rc, out, err = _document(st, "@%s" % f)
    assert rc == 64 and out == "", (rc, out, err)
    assert "--document.data" in err and "64 MiB" in err, err


def test_bytes_field_bare_at_and_stdin_twice_refused(st):
    rc, _out, err = _document(st, "@")
    assert rc == 64 and "--document.data" in err and "@@" in err, err
    rc, _out, err = medctl(*conn(st, "identity", "registrar"), "identity",
                           "enroll-face", "--patient-id", "x", "--images",
                           "@-", "--images", "@-", stdin=b"img")
    assert rc == 64 and "--images" in err and "once" in err, err


def _png_header(bit_depth, colour_type):
    ihdr = struct.pack(">IIBBBBB", 64, 64, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + b"IHDR"
            + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)))


def _patient_id(st):
    return _create(st, "CLI-" + uuid.uuid4().hex[:12])["patient_id"]


def test_face_image_bytes_reach_identity(st, tmp_path):
    """Runs without ORL: identity (face keys from run.face_keys) reads
    the IHDR of the file sent, so its refusal proves the bytes arrived."""
    f = tmp_path / "deep.png"
    f.write_bytes(_png_header(16, 0))
    rc, _out, err = medctl(*conn(st, "identity", "registrar"), "identity",
                           "enroll-face", "--patient-id", _patient_id(st),
                           "--images", "@%s" % f)
    assert rc == 3, (rc, err)
    assert "images[0]: 16-bit PNG" in err, err
    f.write_bytes(_png_header(8, 3))
    rc, _out, err = medctl(*conn(st, "identity", "nurse"), "identity",
                           "verify-face", "--patient-id", _patient_id(st),
                           "--image", "@%s" % f)
    assert rc == 3 and "image: palette PNG" in err, (rc, err)


def test_face_enroll_and_verify_from_files(st, tmp_path):
    """make run's face example end to end with ORL photographs."""
    files = []
    for n in (1, 2, 3):
        f = tmp_path / ("s7-%d.png" % n)
        f.write_bytes(orl_png(7, n))
        files.append(f)
    pid = _patient_id(st)
    r = ok_json(medctl(*conn(st, "identity", "registrar"), "identity",
                       "enroll-face", "--patient-id", pid,
                       "--images", "@%s" % files[0],
                       "--images", "@%s" % files[1], timeout=60))
    assert len(r["templates"]) == 2 and r["total_templates"] == 2, r
    v = ok_json(medctl(*conn(st, "identity", "nurse"), "identity",
                       "verify-face", "--patient-id", pid, "--image",
                       "@%s" % files[2], "--terminal", "cli-test",
                       timeout=60))
    assert v["match"] is True and v["verification_token"], v


def test_help_explains_bytes_fields(st):
    rc, out, _err = medctl("--help")
    assert rc == 0 and "@PATH" in out and "@@" in out, out
    assert "base64" in out, out
    rc, out, _err = medctl("identity", "--help")
    assert rc == 0 and "--images bytes (text or @FILE)" in out, out


# --- make run's face keys ----------------------------------------------------

def test_make_run_summary_shows_face_keys_and_example(st, stack):
    # The session's five-service stack: the summary lists every service.
    text = run.summary(stack, _FACES[0])
    assert "face keys: %s" % _FACES[0].dir in text, text
    assert "face models: %s" % run.face_models_line() in text, text
    assert "development only" in text
    # Without photographs the walk-through still reaches a dose: the
    # wristband scanned and the patient's stated name and date of birth
    # confirmed against it, a token, not an override (issue 73).
    assert "enroll-face" not in text and "verify-face" not in text, text
    assert "identity confirm-stated-identifiers --wristband " in text, text
    assert "identity-override" not in text, text
    assert "--ward %s" % run.DEV_WARD in text, text
    # With the sample photographs, the commands name them.
    text = run.summary(stack, _FACES[0], "/x/faces")
    assert ("identity enroll-face --patient-id PATIENT_ID --images @"
            in text), text
    assert "identity verify-face --patient-id PATIENT_ID --image @" in text
    assert "--images @/x/faces/face1.jpg --images @/x/faces/face2.jpg" \
        in text, text
    assert "--image @/x/faces/probe1.jpg" in text, text


def test_make_run_uses_the_deep_face_models_when_built():
    env = run.face_models_env()
    deep = paths.deep_face_models()
    if deep is None:
        assert env == {}
    else:
        det = paths.deep_face_detector()
        assert det is not None and det.endswith("tiny-detector-v1.onnx")
        want = {"MED_FACE_EMBEDDER": deep[0], "MED_FACE_LANDMARKS": deep[1],
                "MED_FACE_DETECTOR": det}
        # The presentation-attack stage's model, when the build made it
        # (identity runs it in MED_FACE_PAD's default, warn).
        pad = paths.deep_face_pad()
        if pad is not None:
            want["MED_FACE_PAD_MODEL"] = pad
        assert env == want
        assert deep[0].endswith("dlib-resnet-v1.onnx")
        # make run enforces the stage with MiniFASNet when it was built
        # (issue 48), else keeps the deep stacks' warn; the face is the
        # second identifier, so no retake band (issue 73, docs/face.md).
        made = run.make_run_face_env()
        mini = paths.minifasnet_pad()
        want["MED_FACE_RETAKE_BAND_MILLI"] = "0"
        if mini is not None:
            assert made == dict(want, MED_FACE_PAD_MODEL=mini,
                                MED_FACE_PAD="enforce")
            stage = "; presentation-attack stage enforce with " \
                "minifasnet-fused-v1.onnx"
        else:
            assert made == want
            stage = ("; presentation-attack stage warn with "
                     "human-liveness-v1.onnx" if pad is not None
                     else "; no presentation-attack stage")
        assert run.face_models_line() == (
            "deep (face-api-tiny-detector-v1.onnx, face-landmarks-68-v1.onnx,"
            " dlib-resnet-v1.onnx)" + stage)


def test_make_run_face_keys_made_once_and_reused(tmp_path):
    rundir = str(tmp_path)
    keys, env = run.face_keys(rundir)
    assert keys.created and keys.dir == os.path.join(rundir, "face")
    assert env == {"MED_IDENTITY_SIGNING_KEY_FILE": keys.priv,
                   "MED_IDENTITY_TEMPLATE_KEY_FILE": keys.template,
                   "MED_IDENTITY_PUBLIC_KEY_FILE": keys.pub}
    for p in (keys.priv, keys.template):
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o600, p
    assert os.path.getsize(keys.template) == 32
    before = {p: open(p, "rb").read() for p in env.values()}

    again, env2 = run.face_keys(rundir)
    assert not again.created and env2 == env
    assert {p: open(p, "rb").read() for p in env.values()} == before

    # A set left half-made is made again as a whole.
    os.unlink(keys.template)
    fresh, _env = run.face_keys(rundir)
    assert fresh.created
    assert open(keys.priv, "rb").read() != before[keys.priv]
    assert os.path.getsize(keys.template) == 32


# --- make run's first enrolment, as printed ----------------------------------

@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory):
    """identity as make run starts it: face keys and models, care checks
    on, the development nurse and clinician on run.DEV_WARD."""
    rundir = str(tmp_path_factory.mktemp("devrun"))
    _keys, env = run.face_keys(rundir)
    env.update(run.face_models_env())
    with running(Stack(services=["identity"], extra_env=env,
                       care_checks=True, lookup_scope=True,
                       user_units=run.DEV_UNITS)) as s:
        yield s, rundir


def test_make_run_first_enrolment_works_as_printed(dev_stack):
    """The summary's steps in order, with the sample photographs it names:
    create, admit to the development ward, enrol two photographs, verify
    a third as the ward's nurse (a token), someone else (no match)."""
    s, rundir = dev_stack
    photos = run.sample_faces(rundir)
    if photos is None:
        pytest.skip("sample faces not present in ../shared")
    _TLS_ENV.update(s.client_tls_env())
    pid = ok_json(medctl(*conn(s, "identity", "registrar"), "identity",
                         "create-patient", "--mrn",
                         "RUN-%s" % uuid.uuid4().hex[:10], "--family-name",
                         "Doe", "--given-name", "Jane", "--birth-date",
                         "1980-02-03", "--sex",
                         "ADMINISTRATIVE_SEX_FEMALE"))["patient_id"]
    # Before the admission the ward's nurse cannot see the patient.
    rc, _out, _err = medctl(*conn(s, "identity", "nurse"), "identity",
                            "get-patient", "--patient-id", pid)
    assert rc != 0
    ok_json(medctl(*conn(s, "identity", "registrar"), "identity", "admit",
                   "--patient-id", pid, "--encounter-class",
                   "ENCOUNTER_CLASS_INPATIENT", "--ward", run.DEV_WARD,
                   "--bed", "7", "--attending", s.user("clinician")))
    ok_json(medctl(*conn(s, "identity", "registrar"), "identity",
                   "enroll-face", "--patient-id", pid, "--images",
                   "@" + os.path.join(photos, "face1.jpg"), "--images",
                   "@" + os.path.join(photos, "face2.jpg"), timeout=60))
    v = ok_json(medctl(*conn(s, "identity", "nurse"), "identity",
                       "verify-face", "--patient-id", pid, "--image",
                       "@" + os.path.join(photos, "probe1.jpg"),
                       "--terminal", "ward3-bed7", timeout=60))
    assert v["match"] is True and v["verification_token"], v
    other = ok_json(medctl(*conn(s, "identity", "nurse"), "identity",
                           "verify-face", "--patient-id", pid, "--image",
                           "@" + os.path.join(photos, "someone-else.jpg"),
                           "--terminal", "ward3-bed7", timeout=60))
    assert other.get("match") is not True, other
    assert not other.get("verification_token"), other
