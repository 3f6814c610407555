"""A hospital's own ArcFace-family embedder, dropped in (docs/face.md,
"Plugging in a licensed embedder"): an ONNX file with its model card in a
folder, MED_FACE_EMBEDDER naming the file.  The model is the tests' own
one of SFace's shape (harness/face_embedder.py: a 112x112 five-point chip
in, 128 out, built from the chip's first colour plane), so these cases
test the card, the chip and the feed, never accuracy.

- identity starts with it; enrolment and verification through gRPC store
  and compare 128-d templates named by the card.
- The chip is the five-point alignment: a photograph turned, enlarged and
  moved on a bigger frame gives the same chip, so it verifies.
- channel_order says which colour plane is fed first.
- A card that does not fit the model, or says something identity does
  not know, is refused at start with the field named.

The cases skip without the built landmark model or ../shared's ORL."""

import uuid

import cv2
import grpc
import numpy as np
import pytest

from harness import Stack, paths
from harness.checks import expect_status
from harness.face_embedder import write_arcface_embedder
from harness.faces import FaceKeys, orl_png
from harness.fixtures import running

SVC = "identity"
NAME = "arcshape-test"
THRESHOLD = 0.9


def landmarks():
    deep = paths.deep_face_models()
    if deep is None:
        pytest.skip("the 68-point landmark model is not built")
    return deep[1]


def dropin_env(**kw):
    """identity on the drop-in embedder.  The enrolment photograph itself
    is verified below, which the copy check would refuse as a replay."""
    env = FaceKeys().env()
    env["MED_FACE_EMBEDDER"] = write_arcface_embedder(
        paths.scratch_dir("smartmed-arcface-"), threshold=THRESHOLD, **kw)
    env["MED_FACE_LANDMARKS"] = landmarks()
    env["MED_FACE_COPY_CHECK"] = "off"
    return env


def patient(st, pb):
    return st.call(SVC, "CreatePatient", pb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:16].upper(), family_name="Arc",
        birth_date="1968-05-06", sex=pb.ADMINISTRATIVE_SEX_MALE),
        role="registrar").patient_id


def enroll(st, pb, pid, image):
    return st.call(SVC, "EnrollFace", pb.EnrollFaceRequest(
        patient_id=pid, images=[image]), role="registrar", timeout=30)


def verify(st, pb, pid, image):
    return st.call(SVC, "VerifyFace", pb.VerifyFaceRequest(
        patient_id=pid, image=image), role="nurse", timeout=30)


def grey(subject, n):
    return cv2.imdecode(np.frombuffer(orl_png(subject, n), np.uint8),
                        cv2.IMREAD_GRAYSCALE)


def png(img):
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return buf.tobytes()


def moved(g):
    """g turned 10 degrees, enlarged 1.3 times and moved right and down on
    a frame half as big again: the face's five points land elsewhere in
    the photograph, never elsewhere on an ArcFace chip."""
    h, w = g.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 10, 1.3)
    m[:, 2] += (w * 0.35, h * 0.3)
    return cv2.warpAffine(g, m, (w * 3 // 2, h * 3 // 2),
                          flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)


def colour(red_green, blue):
    """A BGR photograph (cv2's order) whose red and green planes are one
    grey image and whose blue plane another."""
    return cv2.merge([blue, red_green, red_green])


@pytest.fixture(scope="module")
def dropin_stack():
    with running(Stack(services=(SVC,), extra_env=dropin_env())) as st:
        yield st


def test_enrol_and_verify_make_128_d_templates_of_the_card(dropin_stack,
                                                          pb):
    st = dropin_stack
    pid = patient(st, pb)
    got = enroll(st, pb, pid, png(grey(25, 1)))
    assert [t.model for t in got.templates] == [NAME]
    same = verify(st, pb, pid, png(grey(25, 1)))
    assert same.match and same.score > 0.999, same
    assert same.model == NAME and same.threshold == pytest.approx(THRESHOLD)
    out = st.sql("SELECT model, dim FROM smartmed_identity.face_templates "
                 "WHERE patient_id = '%s'" % pid)
    assert out.strip().splitlines()[1:] == ["%s\t128" % NAME], out


def test_the_chip_is_the_five_point_alignment(dropin_stack, pb):
    """The chip pixels themselves reach the model (the embedding is a
    projection of them), so a photograph moved, turned and enlarged
    scores as the original only when the chip is cut where the face's
    own points say, at the same size and angle (0.996 here; the same
    model on a box crop, alignment: box, scores this pair 0.897).
    Another subject's chip stays apart (0.63)."""
    st = dropin_stack
    pid = patient(st, pb)
    enroll(st, pb, pid, png(grey(25, 1)))
    same = verify(st, pb, pid, png(moved(grey(25, 1))))
    assert same.score > 0.97, same
    other = verify(st, pb, pid, png(grey(26, 1)))
    assert other.score < same.score - 0.1, (same.score, other.score)


@pytest.mark.parametrize("order,matches", [("rgb", True), ("bgr", False)])
def test_channel_order_says_which_plane_comes_first(order, matches, pb):
    """Enrolled in grey, verified with the blue plane inverted: a model
    fed R, G, B sees the same first plane (red) and matches; one fed
    B, G, R sees the inverted blue plane first and does not."""
    g = grey(25, 1)
    with running(Stack(services=(SVC,), extra_env=dropin_env(
            card_fields={"channel_order": order}))) as st:
        pid = patient(st, pb)
        enroll(st, pb, pid, png(colour(g, g)))
        r = verify(st, pb, pid, png(colour(g, 255 - g)))
        assert r.match == matches, r
        assert (r.score > 0.99) if matches else (r.score < 0.5), r


BAD_CARDS = [
    ({"input_width": "96", "input_height": "96"},
     "input is not [1, 3, 96, 96] as its card says (input_channels, "
     "input_height, input_width)"),
    ({"input_width": "120"}, "an aligned-chip embedder (arcface-5) takes a "
                             "square 3-channel chip"),
    ({"input_channels": "1"}, "takes a square 3-channel chip"),
    ({"output_dim": "512"}, "[1, 512] as its card says (output_dim)"),
    ({"channel_order": "grb"}, "channel_order 'grb' is not rgb or bgr"),
    ({"distance": "euclidean"}, "distance 'euclidean' is not cosine"),
    ({"alignment": "arcface-68"}, "alignment 'arcface-68' is not box"),
    ({"input_mean": None}, "'input_mean' is required"),
    ({"threshold": None}, "'threshold' is required"),
]


@pytest.mark.parametrize("fields,says", BAD_CARDS,
                         ids=[next(iter(f)) + str(i)
                              for i, (f, _) in enumerate(BAD_CARDS)])
def test_a_card_that_does_not_fit_is_refused_naming_the_field(fields, says,
                                                              pb):
    with running(Stack(services=(SVC,), extra_env=dropin_env(
            card_fields=fields))) as st:
        e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, verify, st,
                          pb, patient(st, pb), b"\x89PNG not read",
                          details_contains="MED_FACE_EMBEDDER")
        assert says in e.details(), e.details()
