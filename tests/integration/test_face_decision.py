"""VerifyFace's decision (issue 29, item 2): the score against every
template of the patient (the best one, or with MED_FACE_FUSION=mean their
mean), and a third answer besides match and no match: RETAKE, "take
another photograph", for a score just short of the threshold or a
photograph of low quality; never a token then.  The photograph after a
near miss must clear the threshold plus the band.  The reply and the
audit event say why a photograph did not match.

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


def test_a_match_is_scored_against_every_enrolment_photograph(st, pb):
    pid = _patient(st, pb, [orl_png(4, n) for n in (1, 2, 3)])
    r = _verify(st, pb, pid, orl_png(4, 6))
    assert r.match and r.verification_token
    assert r.decision == pb.FACE_DECISION_MATCH and r.reason == ""
    assert r.templates == 3
    assert r.score == pytest.approx(r.best_template_score, abs=1e-6)
    assert 0.0 < r.quality <= 1.0
    assert r.retake_from == pytest.approx(r.threshold - 0.02)


def test_another_persons_face_is_no_match_and_says_why(st, pb):
    pid = _patient(st, pb, [orl_png(4, n) for n in (1, 2, 3)])
    r = _verify(st, pb, pid, orl_png(9, 6))
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
        assert "raised bar 1.199" in again.reason, again.reason
        third = _verify(s, pb, pid, orl_png(4, 8))
        assert third.decision == pb.FACE_DECISION_RETAKE, third.reason


def test_a_poor_photograph_that_does_not_match_asks_for_another(pb):
    """A quality floor over any photograph's quality: a non-match is
    answered RETAKE for quality, and a match still matches."""
    with _stack(MED_FACE_RETAKE_QUALITY_PCT="100") as s:
        pid = _patient(s, pb, [orl_png(4, 1), orl_png(4, 2)])
        r = _verify(s, pb, pid, orl_png(9, 6))
        assert r.decision == pb.FACE_DECISION_RETAKE, (r.score, r.reason)
        assert "quality is low" in r.reason and not r.verification_token
        assert _verify(s, pb, pid, orl_png(4, 6)).match
