"""VerifyFace's decision (issue 29, item 2): the score against every
template of the patient (the best one, or with MED_FACE_FUSION=mean their
mean), and a third answer besides match and no match: RETAKE, "take
another photograph", for a score just short of the threshold or a
photograph of low quality; never a token then.  The photograph after a
near miss must clear the second photograph's bar: the card's calibrated
retake_threshold (issue 48, item 4), or the threshold plus the band.
The reply and the audit event say why a photograph did not match.

Before, the reply had no decision, reason, quality or template count, and
a score a hair under the threshold was a plain non-match.  The cases run on the deep pipeline and skip without it
or without ../shared (ORL)."""


import pytest

from harness.checks import poll
from harness.faces import (DEEP_FACE_SERVICES, deep_face_stack,
                           face_events, face_patient, orl_png, use_deep_faces,
                           verify_face)


# The service of the pb fixture (tests/conftest.py).
PROTOS = "identity"


def _stack(**extra):
    return deep_face_stack(**dict({"MED_FACE_COPY_CHECK": "off"}, **extra))


pytestmark = pytest.mark.stack(
    services=DEEP_FACE_SERVICES,
    prepare=lambda s: use_deep_faces(s, MED_FACE_COPY_CHECK="off"))


def _patient(st, pb, photos):
    return face_patient(st, pb, photos, family="Decide")


def _verify(st, pb, pid, image):
    return verify_face(st, pb, pid, image)


def _audited(st, pid, event):
    return face_events(st, pid, "event", event)


# ORL subject 30 matches at the shipped threshold (0.9673, issue 48; still
# at 0.9668 on flip-averaged chips with a 30 % margin, item 2) with
# a margin (0.987 or more with two photographs enrolled); subject 20 is
# another person well under it (0.85).  Subject 4, used before, scored
# 0.967 and subject 9 against it 0.965: too near the threshold now.
GENUINE, OTHER = 30, 20


def test_a_match_is_scored_against_every_enrolment_photograph(st, pb):
    pid = _patient(st, pb, [orl_png(GENUINE, n) for n in (1, 2, 3)])
    r = _verify(st, pb, pid, orl_png(GENUINE, 6))
    assert r.match and r.verification_token
    assert r.decision == pb.FACE_DECISION_MATCH and r.reason == ""
    assert r.templates == 3
    assert r.score == pytest.approx(r.best_template_score, abs=1e-6)
    assert 0.0 < r.quality <= 1.0
    assert r.retake_from == pytest.approx(r.threshold - 0.02)


def test_another_persons_face_is_no_match_and_says_why(st, pb):
    pid = _patient(st, pb, [orl_png(GENUINE, n) for n in (1, 2, 3)])
    r = _verify(st, pb, pid, orl_png(OTHER, 6))
    assert not r.match and not r.verification_token
    assert r.decision == pb.FACE_DECISION_NO_MATCH
    assert r.score < r.retake_from
    assert "not the patient's enrolled face" in r.reason, r.reason
    seen = poll(lambda: _audited(st, pid, "face not matched"), timeout=20,
                what="the non-match in the audit log")
    assert seen[0]["reason"] == r.reason
    assert seen[0]["best_template_score"] == "%.4f" % r.best_template_score


def test_a_score_just_short_asks_for_another_photograph(pb):
    """With the threshold raised over ORL's genuine scores and a wide band
    under it, the patient's own photograph lands in the band: RETAKE, no
    token, audited.  The next photograph must clear the threshold plus the
    band (here out of reach): no match, and the ask is used up.
    MED_FACE_FUSION=mean scores the mean of the templates."""
    with _stack(MED_FACE_THRESHOLD="0.999", MED_FACE_RETAKE_BAND_MILLI="200",
                MED_FACE_FUSION="mean") as s:
        pid = _patient(s, pb, [orl_png(4, 1), orl_png(4, 2)])
        r = _verify(s, pb, pid, orl_png(4, 6))
        assert r.decision == pb.FACE_DECISION_RETAKE, (r.score, r.reason)
        assert not r.match and not r.verification_token and not r.expires_ms
        assert "just short of the threshold 0.999" in r.reason, r.reason
        assert r.templates == 2
        assert r.score != pytest.approx(r.best_template_score, abs=1e-6)
        seen = poll(lambda: _audited(s, pid, "face retake asked"),
                    timeout=20, what="the retake in the audit log")
        assert seen[0]["match"] == "false"
        again = _verify(s, pb, pid, orl_png(4, 7))
        assert again.decision == pb.FACE_DECISION_NO_MATCH, again.reason
        assert "second photograph after a retake" in again.reason
        # The card's calibrated bar (retake_threshold) is under this
        # threshold, so the threshold plus the band stands.
        assert "under the bar 1.199" in again.reason, again.reason
        third = _verify(s, pb, pid, orl_png(4, 8))
        assert third.decision == pb.FACE_DECISION_RETAKE, third.reason


def test_a_poor_photograph_that_does_not_match_asks_for_another(pb):
    """A quality floor over any photograph's quality: a non-match is
    answered RETAKE for quality, and a match still matches."""
    with _stack(MED_FACE_RETAKE_QUALITY_PCT="100") as s:
        pid = _patient(s, pb, [orl_png(GENUINE, 1), orl_png(GENUINE, 2)])
        r = _verify(s, pb, pid, orl_png(OTHER, 6))
        assert r.decision == pb.FACE_DECISION_RETAKE, (r.score, r.reason)
        assert "quality is low" in r.reason and not r.verification_token
        assert _verify(s, pb, pid, orl_png(GENUINE, 6)).match


def test_the_second_photograph_is_judged_at_the_calibrated_bar(pb):
    """Issue 48, item 4: after a retake, the second photograph's bar is the
    embedder card's retake_threshold (tools/facecal/retake.py: the larger
    of the two scores at the FMR the threshold holds), not the threshold
    plus the band.  A wide band puts another person's photographs in it:
    the first asks for a retake, the second is refused under that bar."""
    card = _card_retake_threshold()
    with _stack(MED_FACE_RETAKE_BAND_MILLI="200") as s:
        pid = _patient(s, pb, [orl_png(GENUINE, 1), orl_png(GENUINE, 2)])
        r = _verify(s, pb, pid, orl_png(OTHER, 6))
        assert r.decision == pb.FACE_DECISION_RETAKE, (r.score, r.reason)
        again = _verify(s, pb, pid, orl_png(OTHER, 7))
        assert again.decision == pb.FACE_DECISION_NO_MATCH, again.reason
        assert "under the bar %.3f" % card in again.reason, again.reason
        assert not again.verification_token


def test_a_retake_bar_under_the_threshold_is_refused(pb):
    """MED_FACE_RETAKE_THRESHOLD under the threshold would make the second
    photograph easier than the first: the face RPCs are not configured
    and say why."""
    import grpc
    from harness.checks import expect_status
    with _stack(MED_FACE_THRESHOLD="0.95",
                MED_FACE_RETAKE_THRESHOLD="0.94") as s:
        expect_status(grpc.StatusCode.FAILED_PRECONDITION, s.call,
                      "identity", "IdentifyFace", pb.IdentifyFaceRequest(
                          image=orl_png(4, 1), top_k=1), role="registrar",
                      details_contains="MED_FACE_RETAKE_THRESHOLD: '0.94' "
                                       "is not a number from the threshold "
                                       "0.9500 to 1")


def _card_retake_threshold():
    """The retake_threshold of the embedder card the build wrote."""
    from harness import paths
    import os
    card = os.path.join(paths.build_dir(), "models", "face",
                        "dlib-resnet-v1.card.md")
    if not os.path.exists(card):
        pytest.skip("the deep face models were not built")
    with open(card) as f:
        for line in f:
            if line.startswith("retake_threshold:"):
                return float(line.split(":")[1])
    pytest.fail("the embedder's card has no retake_threshold "
                "(tools/facemodels/calibration.json has no retake rule)")
