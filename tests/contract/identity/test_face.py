"""Contract of the face RPCs of smartmed.identity.v1.Identity: enrolment,
verification with a signed token, identification, erasure and the
verification key.  Bad input is synthetic (always runs); the real-face
flows use ORL photographs from ../shared/data/faces/orl and skip cleanly
when they are absent."""

import base64
import os
import struct
import subprocess
import uuid
import zlib

import grpc
import pytest

from harness import paths, protos
from harness.checks import expect_status, poll
from harness.faces import orl_png

SVC = "identity"
INVALID = grpc.StatusCode.INVALID_ARGUMENT
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION


def patient(st, pb):
    p = st.call(SVC, "CreatePatient", pb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:16].upper(), family_name="Face",
        given_name="Test", birth_date="1975-05-06",
        sex=pb.ADMINISTRATIVE_SEX_FEMALE), role="registrar")
    return p.patient_id


def enroll(st, pb, pid, images, role="registrar"):
    return st.call(SVC, "EnrollFace", pb.EnrollFaceRequest(
        patient_id=pid, images=images), role=role, timeout=30)


def verify(st, pb, pid, image, terminal=""):
    return st.call(SVC, "VerifyFace", pb.VerifyFaceRequest(
        patient_id=pid, image=image, terminal=terminal), role="nurse",
        timeout=30)


def identify(st, pb, image, top_k=5):
    return st.call(SVC, "IdentifyFace", pb.IdentifyFaceRequest(
        image=image, top_k=top_k), role="clinician", timeout=30)


def delete(st, pb, pid):
    return st.call(SVC, "DeleteFaceTemplates", pb.DeleteFaceTemplatesRequest(
        patient_id=pid), role="registrar")


# ---- synthetic images (no PIL: zlib and struct, or cv2) ----------------

def _chunk(kind, data):
    c = kind + data
    return struct.pack(">I", len(data)) + c + struct.pack(
        ">I", zlib.crc32(c) & 0xffffffff)


def png(width, height, depth=8, colour=0, rows=None, plte=None):
    """A PNG with the given IHDR; rows are raw scanlines (filter 0)."""
    if rows is None:
        bpp = max(1, depth // 8) * (3 if colour == 2 else 1)
        rows = [b"\x00" + b"\x80" * (width * bpp)] * height
    out = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(
        ">IIBBBBB", width, height, depth, colour, 0, 0, 0))
    if plte is not None:
        out += _chunk(b"PLTE", plte)
    return out + _chunk(b"IDAT", zlib.compress(b"".join(rows))) + _chunk(
        b"IEND", b"")


def noise_png(w=200, h=200):
    import numpy as np
    import cv2
    rng = np.random.default_rng(7)
    img = rng.integers(0, 256, (h, w), dtype=np.uint8)
    return cv2.imencode(".png", img)[1].tobytes()


def jpeg(w=200, h=200):
    import numpy as np
    import cv2
    img = np.tile(np.arange(w, dtype=np.uint8), (h, 1))
    return cv2.imencode(".jpg", img)[1].tobytes()


BAD = {
    "not_an_image": (b"hello, this is text and no photograph" * 4,
                     "images[0]:"),
    "empty": (b"", "images[0]: must not be empty"),
    "truncated_jpeg": (None, "images[0]:"),
    "zero_by_zero": (png(0, 0, rows=[]), "images[0]:"),
    "huge_declared": (png(100000, 100000, rows=[b"\x00"]), "images[0]:"),
    "palette": (png(64, 64, colour=3, plte=b"\x00\x00\x00\xff\xff\xff",
                    rows=[b"\x00" + b"\x01" * 64] * 64),
                "images[0]: palette PNG is not accepted"),
    "sixteen_bit": (png(64, 64, depth=16),
                    "images[0]: 16-bit PNG is not accepted"),
    "too_small": (png(20, 20), "images[0]: 20x20 is too small"),
    "no_face": (None, "images[0]: no face found"),
}


def bad_image(name):
    data, prefix = BAD[name]
    if name == "truncated_jpeg":
        j = jpeg()
        data = j[:len(j) // 2]
    elif name == "no_face":
        data = noise_png()
    return data, prefix


# ---- always on -----------------------------------------------------------

def test_face_rpcs_off_without_keys(stack, pb):
    """The shared stack sets no keys: the patient index serves, the face
    RPCs say what is missing."""
    for method, req in (
            ("EnrollFace", pb.EnrollFaceRequest(
                patient_id=str(uuid.uuid4()), images=[b"x"])),
            ("VerifyFace", pb.VerifyFaceRequest(
                patient_id=str(uuid.uuid4()), image=b"x")),
            ("IdentifyFace", pb.IdentifyFaceRequest(image=b"x")),
            ("GetVerificationKey", pb.GetVerificationKeyRequest())):
        expect_status(PRECONDITION, stack.call, SVC, method, req,
                      role="admin", details_prefix="face recognition is not "
                      "configured: MED_IDENTITY_SIGNING_KEY_FILE")


def test_verification_key_is_the_configured_one(fstack, pb, face_keys):
    res = fstack.call(SVC, "GetVerificationKey",
                      pb.GetVerificationKeyRequest(), role="service")
    with open(face_keys.pub) as f:
        want = base64.b64decode(f.read().strip())
    assert base64.b64decode(res.public_key) == want
    assert len(res.key_id) == 16 and int(res.key_id, 16) >= 0
    assert res.token_ttl_s == 120


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_image_refused_and_nothing_written(fstack, pb, name):
    pid = patient(fstack, pb)
    data, prefix = bad_image(name)
    e = expect_status(INVALID, enroll, fstack, pb, pid, [data],
                      details_prefix=prefix)
    assert "Traceback" not in e.details()
    assert delete(fstack, pb, pid).deleted == 0


def test_bad_image_among_good_ones_names_its_index(fstack, pb):
    pid = patient(fstack, pb)
    expect_status(INVALID, enroll, fstack, pb, pid,
                  [noise_png(), png(20, 20)],
                  details_prefix="images[0]: no face found")


def test_probe_refusals(fstack, pb):
    pid = patient(fstack, pb)
    expect_status(INVALID, verify, fstack, pb, pid, b"GIF89a....",
                  details_prefix="image:")
    expect_status(INVALID, identify, fstack, pb, jpeg()[:300],
                  details_prefix="image:")
    expect_status(INVALID, identify, fstack, pb, noise_png(), top_k=51,
                  details_prefix="top_k")


def test_request_validation(fstack, pb):
    pid = patient(fstack, pb)
    expect_status(INVALID, enroll, fstack, pb, "nope", [b"x"],
                  details_prefix="patient_id")
    expect_status(INVALID, enroll, fstack, pb, pid, [],
                  details_prefix="images")
    expect_status(INVALID, enroll, fstack, pb, pid, [b"x"] * 11,
                  details_prefix="images")
    expect_status(INVALID, verify, fstack, pb, pid, b"x",
                  terminal="t" * 65, details_prefix="terminal")
    expect_status(INVALID, delete, fstack, pb, "x" * 36,
                  details_prefix="patient_id")


# ---- real faces (ORL) ------------------------------------------------------

def mosaic(a, b):
    """Two photographs side by side, as PNG."""
    import numpy as np
    import cv2
    ia = cv2.imdecode(np.frombuffer(a, np.uint8), cv2.IMREAD_GRAYSCALE)
    ib = cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_GRAYSCALE)
    return cv2.imencode(".png", np.hstack([ia, ib]))[1].tobytes()


def test_two_faces_refused(fstack, pb):
    pid = patient(fstack, pb)
    two = mosaic(orl_png(7, 1), orl_png(8, 1))
    expect_status(INVALID, enroll, fstack, pb, pid, [two],
                  details_prefix="images[0]: 2 faces found")
    assert delete(fstack, pb, pid).deleted == 0


def test_face_filling_the_frame_is_found(fstack, pb):
    """ORL s26/4 and s26/5: the face touches the edges of the 92x112 frame,
    where the Haar window does not fit (both were refused with "no face
    found"); the detector's second look (a replicated border) finds it,
    and the two photographs match."""
    pid = patient(fstack, pb)
    assert enroll(fstack, pb, pid, [orl_png(26, 4)]).total_templates == 1
    v = verify(fstack, pb, pid, orl_png(26, 5))
    assert v.match and v.score >= v.threshold
    delete(fstack, pb, pid)


def test_one_face_in_overlapping_boxes_is_one_face(fstack, pb):
    """ORL s34/6 and s34/10: the cascade's first look gives two boxes, one
    mostly inside the other (one face in pieces, which two people's faces
    cannot be); the second look, with a border, finds the one face.  Two
    faces side by side are still refused (test_two_faces_refused)."""
    pid = patient(fstack, pb)
    assert enroll(fstack, pb, pid, [orl_png(34, 6)]).total_templates == 1
    v = verify(fstack, pb, pid, orl_png(34, 10))
    assert v.match and v.score >= v.threshold
    delete(fstack, pb, pid)


def test_unknown_patient(fstack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, enroll, fstack, pb,
                  str(uuid.uuid4()), [orl_png(7, 1)],
                  details_prefix="patient_id")


def _vtoken_verify(pubkey_b64, token):
    d = paths.scratch_dir("smartmed-face-pub-")
    pub = os.path.join(d, "identity.pub")
    with open(pub, "w") as f:
        f.write(pubkey_b64 + "\n")
    r = subprocess.run([paths.bin_path("vtoken"), "verify", "--pub", pub,
                        token], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return r.returncode, dict(line.split("=", 1) for line in
                              r.stdout.splitlines() if "=" in line)


def test_enrol_verify_identify_delete_reenrol(fstack, pb, face_model):
    model = face_model[0]
    a, b = patient(fstack, pb), patient(fstack, pb)
    res = enroll(fstack, pb, a, [orl_png(7, n) for n in (1, 2, 3)])
    assert len(res.templates) == 3 and res.total_templates == 3
    assert all(t.model == model and 0 < t.quality <= 1 and
               t.other_faces == 0 for t in res.templates)
    enroll(fstack, pb, b, [orl_png(8, n) for n in (1, 2, 3)])

    same = verify(fstack, pb, a, orl_png(7, 6), terminal="ward3-bed7")
    assert same.match and same.score >= same.threshold
    assert same.model == model and same.device == "cpu"
    assert same.other_faces == 0
    assert same.verification_token and same.expires_ms > 0
    other = verify(fstack, pb, a, orl_png(8, 6))
    assert not other.match and other.score < other.threshold
    assert other.verification_token == "" and other.expires_ms == 0

    key = fstack.call(SVC, "GetVerificationKey",
                      pb.GetVerificationKeyRequest(), role="pharmacist")
    rc, claims = _vtoken_verify(key.public_key, same.verification_token)
    assert rc == 0, claims
    assert claims["patient_id"] == a
    assert claims["model"] == model
    assert claims["device"] == "ward3-bed7"
    assert claims["key_id"] == key.key_id
    assert abs(float(claims["score"]) - same.score) < 1e-9
    assert abs(float(claims["threshold"]) - same.threshold) < 1e-9

    got = identify(fstack, pb, orl_png(7, 7), top_k=2)
    assert got.candidates[0].patient_id == a
    assert got.searched >= 6
    assert got.candidates[0].score >= got.candidates[-1].score

    assert delete(fstack, pb, a).deleted == 3
    expect_status(PRECONDITION, verify, fstack, pb, a, orl_png(7, 6),
                  details_prefix="patient_id: no face templates")
    after = identify(fstack, pb, orl_png(7, 7), top_k=50)
    assert a not in [c.patient_id for c in after.candidates]

    # Two photographs again: with photograph 2 alone, s7/6 scores 0.956,
    # under the shipped threshold (0.9673 then; 0.9668 on flip-averaged
    # chips with a 30 % margin since issue 48, item 2).
    assert enroll(fstack, pb, a, [orl_png(7, 1), orl_png(7, 2)]
                  ).total_templates == 2
    assert verify(fstack, pb, a, orl_png(7, 6)).match
    # Leave no s7/s8 templates behind for the other tests' searches.
    delete(fstack, pb, a)
    delete(fstack, pb, b)


def test_templates_are_encrypted_and_bound_to_the_patient(fstack, pb,
                                                         face_model):
    """The stored row is ciphertext; moved to another patient it no longer
    decrypts (DATA_LOSS), so a template cannot be re-assigned in SQL."""
    a, b = patient(fstack, pb), patient(fstack, pb)
    enroll(fstack, pb, a, [orl_png(9, 1)])
    out = fstack.sql("SELECT LENGTH(ciphertext), LENGTH(nonce), model FROM "
                     "smartmed_identity.face_templates WHERE patient_id = "
                     "'%s'" % a)
    model, dim = face_model
    # dim floats and the 16-byte tag; a 24-byte nonce
    assert "%d\t24\t%s" % (4 * dim + 16, model) in out, out
    fstack.sql("UPDATE smartmed_identity.face_templates SET patient_id = "
               "'%s' WHERE patient_id = '%s'" % (b, a))
    expect_status(grpc.StatusCode.DATA_LOSS, verify, fstack, pb, b,
                  orl_png(9, 2))
    assert delete(fstack, pb, b).deleted == 1


def test_face_calls_are_audited_with_score_and_threshold(fstack, pb,
                                                        face_model):
    apb = protos.module("audit")
    a = patient(fstack, pb)
    enroll(fstack, pb, a, [orl_png(10, 1)])
    v = verify(fstack, pb, a, orl_png(10, 2))

    def face_events():
        recs = fstack.call("audit", "Query", apb.QueryRequest(patient_id=a),
                           role="auditor", timeout=10)
        evs = [r.event for r in recs if r.event.service == "identity" and
               r.event.action.endswith(("/EnrollFace", "/VerifyFace"))]
        return evs if len(evs) >= 2 else None
    evs = poll(face_events, what="the face audit events")
    byact = {e.action.rsplit("/", 1)[1]: {d.key: d.value for d in e.details}
             for e in evs}
    assert byact["EnrollFace"]["threshold"] == "%.4f" % v.threshold
    assert "duplicate_score" in byact["EnrollFace"]
    assert byact["VerifyFace"]["score"] == "%.4f" % v.score
    assert byact["VerifyFace"]["model"] == face_model[0]
    assert byact["VerifyFace"]["other_faces"] == "0"
    assert byact["VerifyFace"]["device"] == "cpu"
    assert byact["VerifyFace"]["match"] == ("true" if v.match else "false")
    # One event per call: the facts ride on the RPC layer's own event.
    assert len(evs) == 2, evs


def test_enrolling_the_same_face_twice_reports_a_possible_duplicate(
        fstack, pb):
    """A second registration of the same person is enrolled, and the first
    is named for review; a different person is not."""
    a, b, c = patient(fstack, pb), patient(fstack, pb), patient(fstack, pb)
    enroll(fstack, pb, a, [orl_png(7, n) for n in (1, 2, 3)])
    again = enroll(fstack, pb, b, [orl_png(7, 6)])
    assert again.total_templates == 1
    dups = [d.patient_id for d in again.possible_duplicates]
    assert a in dups
    thr = verify(fstack, pb, a, orl_png(7, 6)).threshold
    assert all(d.score >= thr and d.above_threshold
               for d in again.possible_duplicates)
    other = enroll(fstack, pb, c, [orl_png(8, 1)])
    assert a not in [d.patient_id for d in other.possible_duplicates]
    for p in (a, b, c):
        delete(fstack, pb, p)
