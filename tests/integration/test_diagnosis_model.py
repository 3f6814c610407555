"""The diagnosis service's image model end to end, on its own stack:

- with ../shared present, the model's own test split (Kermany et al.'s
  624 paediatric radiographs at 224 x 224, ../shared/data/chest/
  kermany224) goes through AnalyzeImage as its PNG files: the guard
  refuses as many of them as the model card says, and the measured
  accuracy and AUC over the whole split (the refused ones scored with the
  guard off for uploads) equal the figures in services/diagnosis/models/
  MODEL_CARD.md (skipped cleanly when ../shared is absent);
- a model that cannot load leaves the service up: the problem list works
  and AnalyzeImage answers UNAVAILABLE with the reason;
- MED_INFER_DEVICE=gpu without a GPU backend falls back to the CPU (and
  says so in the finding), and with MED_INFER_STRICT the model is refused.
"""

import os
import re
import sys
import uuid

import grpc
import pytest

from harness.checks import expect_status

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "contract", "diagnosis"))
import dximages  # noqa: E402

SVC = "diagnosis"
CARD = os.path.join(dximages.MODEL_DIR, "MODEL_CARD.md")


pytestmark = pytest.mark.stack(services=("audit", SVC))


def _restart(st, **env):
    st.stop_service(SVC)
    svc = st.services[SVC]
    for k in [k for k in svc.env if k.startswith(("MED_INFER_",
                                                  "MED_DIAGNOSIS_"))]:
        del svc.env[k]
    svc.env.update(env)
    st.start_service(SVC)


def _analyze(st, pb, img):
    return st.call(SVC, "AnalyzeImage", pb.AnalyzeImageRequest(
        patient_id=str(uuid.uuid4()), image=img), role="clinician",
        timeout=10)


def _auc(labels, scores):
    pos = [s for s, y in zip(scores, labels) if y == 1]
    neg = [s for s, y in zip(scores, labels) if y == 0]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def _card_figures():
    with open(CARD) as f:
        text = f.read()
    acc = re.search(r"test accuracy \(ACC\)\s*\|\s*([0-9.]+)", text)
    auc = re.search(r"test AUC\s*\|\s*([0-9.]+)", text)
    return float(acc.group(1)), float(auc.group(1))


def _card_guard_refusals():
    """The number of test radiographs the model card says the guard
    refuses."""
    with open(CARD) as f:
        text = f.read()
    return int(re.search(r"test radiographs the guard refuses\s*\|\s*"
                         r"(\d+)", text).group(1))


def _pneumonia_p(st, pb, png):
    """p(pneumonia) of the image, or None when the guard refuses it."""
    try:
        f = _analyze(st, pb, png)
    except grpc.RpcError as e:
        if (e.code() == grpc.StatusCode.INVALID_ARGUMENT and
                e.details() == dximages.REFUSED):
            return None
        raise
    assert f.probabilities[1].label == "pneumonia"
    # The map is for a positive finding only.
    assert f.has_overlay == f.operating_point.positive
    return f.probabilities[1].probability


def test_test_split_matches_model_card(st, pb):
    split = dximages.kermany_split("test")
    assert len(split) == 624
    labels = [y for _, y in split]
    scores = [_pneumonia_p(st, pb, png) for png, _ in split]
    refused = [i for i, s in enumerate(scores) if s is None]
    assert len(refused) == _card_guard_refusals(), refused
    # The classifier's card is over the whole split: the refused ones
    # scored with the guard off for uploads.
    _restart(st, MED_DIAGNOSIS_GUARD_UPLOADS="false")
    try:
        for i in refused:
            scores[i] = _pneumonia_p(st, pb, split[i][0])
    finally:
        _restart(st)
    acc = sum((s >= 0.5) == (y == 1) for s, y in zip(scores, labels)) / len(
        labels)
    auc = _auc(labels, scores)
    card_acc, card_auc = _card_figures()
    assert abs(acc - card_acc) < 0.003, (acc, card_acc)
    assert abs(auc - card_auc) < 0.002, (auc, card_auc)


def test_missing_model_unavailable_but_service_up(st, pb):
    _restart(st, MED_DIAGNOSIS_MODEL="/nonexistent/model.onnx")
    try:
        # The model is checked first: any image, even one the guard
        # would refuse, gets the model's reason.
        img = dximages.png_grey([[0] * 28] * 28)
        expect_status(grpc.StatusCode.UNAVAILABLE, _analyze, st, pb, img,
                      details_prefix="model: not loaded")
        c = st.call(SVC, "AddCondition", pb.AddConditionRequest(
            patient_id=str(uuid.uuid4()), code_system="ICD-10", code="I10",
            display="Hypertension",
            clinical_status=pb.CLINICAL_STATUS_ACTIVE,
            verification_status=pb.VERIFICATION_STATUS_CONFIRMED),
            role="clinician")
        assert c.version == 1
    finally:
        _restart(st)


def test_labels_must_fit_the_model(st, pb):
    _restart(st, MED_DIAGNOSIS_LABELS="a,b,c")
    try:
        expect_status(grpc.StatusCode.UNAVAILABLE, _analyze, st, pb,
                      dximages.png_grey([[0] * 28] * 28),
                      details_contains="2 outputs but 3 labels")
    finally:
        _restart(st)


def test_gpu_request_falls_back_or_strict_refuses(st, pb):
    img = dximages.chest_png(0)
    _restart(st, MED_INFER_DEVICE="gpu")
    try:
        f = _analyze(st, pb, img)
        if f.device == "gpu":
            pytest.skip("a GPU backend is present here")
        assert (f.device, f.device_fallback) == ("cpu", True)
        _restart(st, MED_INFER_DEVICE="gpu", MED_INFER_STRICT="true")
        expect_status(grpc.StatusCode.UNAVAILABLE, _analyze, st, pb, img,
                      details_prefix="model: not loaded")
    finally:
        _restart(st)
    assert not _analyze(st, pb, img).device_fallback
