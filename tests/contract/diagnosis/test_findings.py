"""Contract of the AI findings: AnalyzeImage, ConfirmFinding, RejectFinding,
ListFindings.  Uploads are guarded (MED_DIAGNOSIS_GUARD_UPLOADS, on by
default): the findings are made from real chest X-rays (PneumoniaMNIST's
test split, ../shared; skipped cleanly without it), and what is not a
frontal chest radiograph is refused with no probability.  The outputs'
parity with torch and with OpenCV's DNN is tests/integration/
test_diagnosis_parity.py."""

import hashlib
import os
import uuid

import grpc
import pytest

import dximages
from harness import metrics, protos
from harness.checks import expect_status, poll

SVC = "diagnosis"
TOL = 1e-4


@pytest.fixture(scope="module")
def ref():
    return dximages.ref_cases()


def _analyze(stack, pb, image, patient=None, role="clinician", **kw):
    return stack.call(SVC, "AnalyzeImage", pb.AnalyzeImageRequest(
        patient_id=patient or str(uuid.uuid4()), image=image, **kw),
        role=role, timeout=10)


def _probs(f):
    return [(p.label, p.probability) for p in f.probabilities]


def _assert_matches(f, case):
    got = [p for _, p in _probs(f)]
    assert len(got) == len(case["probs"])
    for g, w in zip(got, case["probs"]):
        assert abs(g - w) <= TOL, (got, case["probs"])


def _without_overlay(f):
    """f as ListFindings returns it: has_overlay, but not the PNG."""
    g = type(f)()
    g.CopyFrom(f)
    g.overlay_png = b""
    return g


def test_analyze_png_is_preliminary_with_provenance(stack, pb):
    img = dximages.chest_png(3)
    pid = str(uuid.uuid4())
    f = _analyze(stack, pb, img, patient=pid)
    assert f.finding_id and f.patient_id == pid
    assert f.status == pb.FINDING_STATUS_PRELIMINARY
    assert f.model_id == dximages.MODEL_ID
    assert f.model_version == dximages.MODEL_VERSION
    with open(dximages.MODEL_PATH, "rb") as fh:
        assert f.model_sha256 == hashlib.sha256(fh.read()).hexdigest()
    # the cpu backend everywhere; a cuda backend, where built, runs on gpu
    assert (f.backend, f.device) in (("cpu", "cpu"), ("cuda", "gpu"))
    assert not f.device_fallback
    assert [lbl for lbl, _ in _probs(f)] == ["normal", "pneumonia"]
    assert abs(sum(p for _, p in _probs(f)) - 1.0) < 1e-5
    best = max(_probs(f), key=lambda x: x[1])
    assert (f.top_label, f.top_probability) == best
    assert f.image_sha256 == hashlib.sha256(img).hexdigest()
    assert (f.image_format, f.image_width, f.image_height) == ("png", 224,
                                                               224)
    assert f.requested_by == stack.user("clinician")
    assert f.created_ms > 0 and f.decided_by == "" and f.decided_ms == 0
    # Where the model looked, as for a PACS study: an overlay of the
    # model's 224 x 224 input, stored (ListFindings says so) and returned.
    assert f.has_overlay and f.overlay_png[:8] == b"\x89PNG\r\n\x1a\n"
    _check_overlay(f.overlay_png)
    lst = stack.call(SVC, "ListFindings", pb.ListFindingsRequest(
        patient_id=pid), role="nurse")
    assert list(lst.findings) == [_without_overlay(f)]


def _check_overlay(png):
    """224x224 RGB: the X-ray in grey with red where it looked."""
    pytest.importorskip("cv2")
    pytest.importorskip("numpy")
    dximages.check_overlay_structure(png)


def test_16bit_png_and_area_resize_give_the_same_input(stack, pb):
    want = _probs(_analyze(stack, pb, dximages.chest_png(5, scale=8)))
    rows16 = [[v * 257 for v in r] for r in dximages.chest_rows(5, scale=8)]
    f = _analyze(stack, pb, dximages.png_grey(rows16, depth=16))
    _assert_matches(f, {"probs": [p for _, p in want]})
    # 2x nearest upscaling of the 224 x 224 image: area averaging back to
    # the model's 224 x 224 restores it
    f = _analyze(stack, pb, dximages.chest_png(5, scale=16))
    assert (f.image_width, f.image_height) == (448, 448)
    _assert_matches(f, {"probs": [p for _, p in want]})


def test_jpeg(stack, pb):
    cv2 = pytest.importorskip("cv2")
    np = pytest.importorskip("numpy")
    px = cv2.resize(np.array(dximages.chest_rows(3), dtype=np.uint8),
                    (224, 224))
    png = _analyze(stack, pb, dximages.png_grey(px.tolist()))
    ok, buf = cv2.imencode(".jpg", px, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    f = _analyze(stack, pb, buf.tobytes(), role="nurse")
    assert (f.image_format, f.image_width) == ("jpeg", 224)
    assert f.status == pb.FINDING_STATUS_PRELIMINARY
    # a lossy round trip moves the answer a little, not the class
    assert f.top_label == png.top_label
    assert abs(f.top_probability - png.top_probability) < 0.05


# --- the out-of-distribution guard on uploads (services/diagnosis/models/
# CHEST_GUARD_CARD.md): no probability for what the model was not made for.

def _gradient():
    return [[(x * 255) // 223 for x in range(224)] for _ in range(224)]


def _noise():
    rng = __import__("random").Random(38)
    return [[rng.randrange(256) for _ in range(224)] for _ in range(224)]


def _photograph():
    path = os.path.join(os.path.dirname(dximages.MEDMNIST), "..", "faces",
                        "orl", "s40", "1.pgm")
    if not os.path.exists(path):
        pytest.skip("%s absent (../shared/data not available)" % path)
    cv2 = pytest.importorskip("cv2")
    # 92 x 112 as stored: grown to 184 x 224 so that the guard, not the
    # minimum image side, is what refuses it.
    im = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    return cv2.resize(im, (184, 224), interpolation=cv2.INTER_CUBIC).tolist()


def _refused_upload(stack, pb, image):
    """The upload is refused with the guard's words and no number; no
    finding is stored; the refusal is audited."""
    pid = str(uuid.uuid4())
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, _analyze, stack, pb,
                      image, patient=pid)
    assert e.details() == dximages.REFUSED
    assert not stack.call(SVC, "ListFindings", pb.ListFindingsRequest(
        patient_id=pid), role="clinician").findings
    return pid


@pytest.mark.parametrize("kind", ["gradient", "blank", "black", "noise",
                                  "photograph", "upside down", "CT slice",
                                  "MR slice"])
def test_not_a_chest_radiograph_is_refused(stack, pb, kind):
    if kind in dximages.OTHER_MODALITY_FILES:
        rows = dximages.other_modality_rows(kind)
    else:
        rows = {"gradient": _gradient, "blank": lambda: [[128] * 224] * 224,
                "black": lambda: [[0] * 224] * 224, "noise": _noise,
                "photograph": _photograph,
                "upside down": lambda: dximages.chest_rows(3, scale=8)[::-1],
                }[kind]()
    _refused_upload(stack, pb, dximages.png_grey(rows))


def test_synthetic_reference_cases_are_refused(stack, pb, ref):
    """The classifier's torch reference cases are synthetic frames: the
    guard refuses every one (their parity with torch is checked with the
    guard off for uploads, tests/integration/test_diagnosis_parity.py)."""
    for case in ref["cases"]:
        _refused_upload(stack, pb, dximages.png_grey(
            dximages.case_rows(case)))


def test_guard_refusal_is_audited(stack, pb):
    apb = protos.module("audit")
    pid = _refused_upload(stack, pb, dximages.png_grey(_gradient()))
    bad = grpc.StatusCode.INVALID_ARGUMENT.value[0]

    def got():
        for r in stack.call("audit", "Query", apb.QueryRequest(
                patient_id=pid), role="auditor", timeout=10):
            e = r.event
            if e.action.endswith("/AnalyzeImage") and e.outcome == bad:
                return e
        return None
    e = poll(got, timeout=10, what="the refused AnalyzeImage in audit")
    assert e.actor == stack.user("clinician")


@pytest.mark.parametrize("name,image,want", [
    ("empty", b"", "image: must not be empty"),
    ("garbage", b"GIF89a" + b"\x00" * 40, "image: not a PNG or JPEG"),
    ("truncated_png", None, "image: png: "),
    ("huge_declared", dximages.png_header_only(100000, 100000),
     "image: png: 100000x100000 exceeds"),
    ("zero_width", dximages.png_header_only(0, 28), "image: png: "),
    ("truncated_jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image: jpeg: "),
])
def test_corrupt_images_invalid(stack, pb, ref, name, image, want):
    if image is None:
        full = dximages.png_grey(dximages.case_rows(ref["cases"][4]))
        image = full[:len(full) // 2]
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _analyze, stack, pb,
                  image, details_prefix=want)


def test_image_too_small_is_refused(stack, pb):
    """An image under half the model's input side (112 px for the 224 px
    model) is refused with its size named, whatever the guard would say:
    grown to 224 a thumbnail reads as pneumonia (MODEL_CARD.md, "Intended
    use and limits").  No finding is stored; 112 px is taken."""
    pid = str(uuid.uuid4())
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, _analyze, stack, pb,
                      dximages.chest_png(3, scale=1), patient=pid,
                      details_prefix="image: 28x28 is too small: ")
    assert "at least 112 pixels on the shorter side" in e.details()
    assert dximages.MODEL_ID in e.details()
    # The shorter side counts: 896 wide does not make up for 100 high.
    wide = dximages.png_grey([r * 8 for r in dximages.chest_rows(3, 4)[:100]])
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _analyze, stack, pb,
                  wide, patient=pid, details_prefix="image: 896x100 is too ")
    assert not stack.call(SVC, "ListFindings", pb.ListFindingsRequest(
        patient_id=pid), role="clinician").findings
    f = _analyze(stack, pb, dximages.chest_png(3, scale=4))
    assert (f.image_width, f.image_height) == (112, 112)


def test_unknown_model_not_found(stack, pb):
    img = dximages.chest_png(0)
    expect_status(grpc.StatusCode.NOT_FOUND, _analyze, stack, pb, img,
                  model="resnet50", details_prefix="model")
    f = _analyze(stack, pb, img, model=dximages.MODEL_ID)
    assert f.model_id == dximages.MODEL_ID


def test_analyze_needs_patient(stack, pb, ref):
    img = dximages.png_grey(dximages.case_rows(ref["cases"][0]))
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "AnalyzeImage", pb.AnalyzeImageRequest(image=img),
                  role="clinician", details_prefix="patient_id")


def _finding(stack, pb, pid=None):
    """A finding made from a real chest X-ray."""
    return _analyze(stack, pb, dximages.chest_png(3), patient=pid)


def test_confirm_opens_condition_in_same_transaction(stack, pb):
    pid = str(uuid.uuid4())
    f = _finding(stack, pb, pid)
    res = stack.call(SVC, "ConfirmFinding", pb.ConfirmFindingRequest(
        finding_id=f.finding_id, note="Agree: RLL consolidation.",
        open_condition=True, code="J18.9", display="Pneumonia, unspecified",
        onset_date="2024-03-01"), role="clinician")
    assert res.finding.status == pb.FINDING_STATUS_FINAL
    assert res.finding.decided_by == stack.user("clinician")
    assert res.finding.decided_ms > 0
    assert res.finding.decision_note == "Agree: RLL consolidation."
    c = res.condition
    assert res.finding.condition_id == c.condition_id != ""
    assert (c.code_system, c.code, c.patient_id) == ("ICD-10", "J18.9", pid)
    assert c.clinical_status == pb.CLINICAL_STATUS_ACTIVE
    assert c.verification_status == pb.VERIFICATION_STATUS_CONFIRMED
    assert c.finding_id == f.finding_id and c.version == 1
    conds = stack.call(SVC, "ListConditions", pb.ListConditionsRequest(
        patient_id=pid), role="nurse").conditions
    assert list(conds) == [c]
    lst = stack.call(SVC, "ListFindings", pb.ListFindingsRequest(
        patient_id=pid), role="clinician").findings
    assert list(lst) == [res.finding]
    # decided once: no second confirmation or rejection
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, stack.call, SVC,
                  "ConfirmFinding", pb.ConfirmFindingRequest(
                      finding_id=f.finding_id), role="clinician",
                  details_prefix="finding_id")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, stack.call, SVC,
                  "RejectFinding", pb.RejectFindingRequest(
                      finding_id=f.finding_id, reason="x"),
                  role="clinician", details_prefix="finding_id")


def test_confirm_without_condition(stack, pb):
    pid = str(uuid.uuid4())
    f = _finding(stack, pb, pid)
    res = stack.call(SVC, "ConfirmFinding", pb.ConfirmFindingRequest(
        finding_id=f.finding_id), role="clinician")
    assert res.finding.status == pb.FINDING_STATUS_FINAL
    assert not res.HasField("condition") and res.finding.condition_id == ""
    assert list(stack.call(SVC, "ListConditions", pb.ListConditionsRequest(
        patient_id=pid), role="nurse").conditions) == []


@pytest.mark.parametrize("field,kw", [
    ("code", dict(open_condition=True, code="j18.9", display="P")),
    ("code", dict(open_condition=True, code="", display="P")),
    ("display", dict(open_condition=True, code="J18.9", display="")),
    ("onset_date", dict(open_condition=True, code="J18.9", display="P",
                        onset_date="2024-13-01")),
    ("code", dict(code="J18.9")),
])
def test_confirm_invalid_leaves_finding_preliminary(stack, pb, field, kw):
    pid = str(uuid.uuid4())
    f = _finding(stack, pb, pid)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "ConfirmFinding", pb.ConfirmFindingRequest(
                      finding_id=f.finding_id, **kw), role="clinician",
                  details_prefix=field)
    lst = stack.call(SVC, "ListFindings", pb.ListFindingsRequest(
        patient_id=pid), role="clinician").findings
    assert [x.status for x in lst] == [pb.FINDING_STATUS_PRELIMINARY]


@pytest.mark.parametrize("eie,status", [
    (False, "FINDING_STATUS_CANCELLED"),
    (True, "FINDING_STATUS_ENTERED_IN_ERROR"),
])
def test_reject(stack, pb, eie, status):
    f = _finding(stack, pb)
    r = stack.call(SVC, "RejectFinding", pb.RejectFindingRequest(
        finding_id=f.finding_id, reason="Artefact, not consolidation.",
        entered_in_error=eie), role="clinician")
    assert r.status == getattr(pb, status)
    assert r.decision_note == "Artefact, not consolidation."
    assert r.decided_by == stack.user("clinician") and r.condition_id == ""
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, stack.call, SVC,
                  "ConfirmFinding", pb.ConfirmFindingRequest(
                      finding_id=f.finding_id), role="clinician",
                  details_prefix="finding_id: the finding is already")
    # Both decisions asked about care before the finding's row lock.
    for method in ("RejectFinding", "ConfirmFinding"):
        assert metrics.care_decisions_in_tx(stack, SVC, method) == 0


def test_reject_needs_reason(stack, pb):
    f = _finding(stack, pb)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "RejectFinding", pb.RejectFindingRequest(
                      finding_id=f.finding_id), role="clinician",
                  details_prefix="reason")


@pytest.mark.parametrize("method,req", [
    ("ConfirmFinding", "ConfirmFindingRequest"),
    ("RejectFinding", "RejectFindingRequest"),
])
def test_decide_unknown_finding_not_found(stack, pb, method, req):
    kw = {"reason": "x"} if method == "RejectFinding" else {}
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, method,
                  getattr(pb, req)(finding_id=str(uuid.uuid4()), **kw),
                  role="clinician", details_prefix="finding_id")


@pytest.mark.parametrize("role", ["nurse", "pharmacist", "registrar",
                                  "auditor", "admin"])
def test_only_clinicians_decide(stack, pb, role):
    f = _finding(stack, pb)
    for method, req in (("ConfirmFinding", pb.ConfirmFindingRequest(
            finding_id=f.finding_id)), ("RejectFinding",
            pb.RejectFindingRequest(finding_id=f.finding_id, reason="x"))):
        expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                      method, req, role=role)


@pytest.mark.parametrize("role", ["pharmacist", "registrar", "auditor"])
def test_analyze_wrong_role_denied(stack, pb, ref, role):
    img = dximages.png_grey(dximages.case_rows(ref["cases"][0]))
    expect_status(grpc.StatusCode.PERMISSION_DENIED, _analyze, stack, pb,
                  img, role=role)


def test_analysis_and_decisions_are_audited(stack, pb):
    apb = protos.module("audit")
    pid = str(uuid.uuid4())
    f1 = _finding(stack, pb, pid)
    f2 = _finding(stack, pb, pid)
    stack.call(SVC, "ConfirmFinding", pb.ConfirmFindingRequest(
        finding_id=f1.finding_id), role="clinician")
    stack.call(SVC, "RejectFinding", pb.RejectFindingRequest(
        finding_id=f2.finding_id, reason="wrong side marker"),
        role="clinician")
    want = {"AnalyzeImage": 2, "ConfirmFinding": 1, "RejectFinding": 1}

    def got():
        recs = stack.call("audit", "Query", apb.QueryRequest(
            patient_id=pid), role="auditor", timeout=10)
        ev = [r.event for r in recs if r.event.service == SVC]
        seen = {}
        for e in ev:
            seen[e.action.rsplit("/", 1)[-1]] = seen.get(
                e.action.rsplit("/", 1)[-1], 0) + 1
        return ev if all(seen.get(k, 0) >= n for k, n in want.items()) \
            else None
    ev = poll(got, timeout=10, what="diagnosis audit events")
    for e in ev:
        if e.action.endswith(("AnalyzeImage", "ConfirmFinding",
                              "RejectFinding")):
            assert e.action_code == "E" and e.outcome == 0
            assert e.actor == stack.user("clinician")


def test_audit_events_carry_model_device_and_result(stack, pb):
    """An auditor sees what the AI said, with which model, on which device."""
    apb = protos.module("audit")
    pid = str(uuid.uuid4())
    f = _finding(stack, pb, pid)
    stack.call(SVC, "ConfirmFinding", pb.ConfirmFindingRequest(
        finding_id=f.finding_id), role="clinician")

    def got():
        recs = stack.call("audit", "Query", apb.QueryRequest(
            patient_id=pid), role="auditor", timeout=10)
        ev = {r.event.action.rsplit("/", 1)[-1]: r.event for r in recs
              if r.event.service == SVC}
        return ev if {"AnalyzeImage", "ConfirmFinding"} <= set(ev) else None
    ev = poll(got, timeout=10, what="AnalyzeImage and ConfirmFinding events")
    a = {d.key: d.value for d in ev["AnalyzeImage"].details}
    assert a["finding_id"] == f.finding_id
    assert a["model"] == f.model_id and a["device"] == f.device
    assert a["backend"] == f.backend and a["top_label"] == f.top_label
    assert abs(float(a["top_probability"]) - f.top_probability) < 1e-5
    assert a["status"] == "preliminary"
    c = {d.key: d.value for d in ev["ConfirmFinding"].details}
    assert c["finding_id"] == f.finding_id and c["status"] == "final"
