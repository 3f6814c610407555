"""AnalyzeStudy end to end with a real PACS (issue 38): Orthanc with its
DICOMweb plugin (tests/harness/orthanc.py), identity for the patient's MRN,
diagnosis and the FHIR facade.

Each DICOM file is made here with pydicom from a chest X-ray, a
PneumoniaMNIST test image (../shared; tests that need one skip without it),
upscaled 8x to 224x224.  It is stored in Orthanc over
STOW-RS, diagnosis fetches and analyses it, and the finding is read back as
a DiagnosticReport through the facade.

The pixel path is checked by value: a 16-bit MONOCHROME1 file with 12 bits
stored, a rescale slope/intercept and a window chosen so that the PACS's
rendering gives back the original 8-bit pixels must score as AnalyzeImage
scores those pixels as a PNG.  Then the refusals: another patient's study,
a different accession, an unknown study, a study over the size cap, a frame
the PACS cannot decode, a lateral view alone, a PACS that is down; each
names its cause, is audited, and stores no finding.
"""

import base64
import json
import os
import ssl
import sys
import urllib.request
import uuid

import grpc
import pytest

from harness import Stack, ages, paths, protos
from harness import orthanc as orthanc_mod
from harness.checks import expect_status, poll
from harness.fixtures import running

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "contract", "diagnosis"))
import dximages  # noqa: E402

SVC = "diagnosis"
DATA = os.path.join(os.path.dirname(paths.REPO_ROOT), "shared", "data",
                    "medmnist", "pneumoniamnist.npz")
SCALE = 8  # 28 -> 224 pixels a side


@pytest.fixture(scope="module")
def pacs():
    orthanc_mod.skip_if_absent()
    pytest.importorskip("pydicom")
    with orthanc_mod.Orthanc() as o:
        yield o


@pytest.fixture(scope="module")
def st(pacs):
    env = {"MED_DIAGNOSIS_PACS_URL": pacs.dicomweb_url,
           "MED_DIAGNOSIS_STUDY_MAX_BYTES": str(4 << 20)}
    with running(Stack(services=("audit", "identity", "records", SVC),
                       patient_checks=True, fhir=True,
                       extra_env=env)) as s:
        yield s


@pytest.fixture(scope="module")
def pb():
    return protos.module(SVC)


def chest_pixels(real=True):
    """28x28 grey pixels (a list of 784 ints) of one chest X-ray from
    PneumoniaMNIST's test split.  Without ../shared, a test that needs the
    guard to take the image for a chest X-ray (real) is skipped; the
    others, refused before any pixel is read, use a synthetic reference
    case of the classifier."""
    if os.path.exists(DATA):
        np = pytest.importorskip("numpy")
        with np.load(DATA) as d:
            return [int(v) for v in d["test_images"][0].reshape(-1)]
    if real:
        pytest.skip("%s absent (../shared/data not available)" % DATA)
    return dximages.ref_cases()["cases"][0]["pixels"]


def rows_of(pixels):
    return dximages.case_rows({"pixels": pixels}, scale=SCALE)


def make_patient(st, birth_date=ages.CHILD):
    """A patient (id, MRN); a child inside the model's population unless
    birth_date says otherwise."""
    idp = protos.module("identity")
    mrn = "PACS-" + uuid.uuid4().hex[:10].upper()
    pid = st.call("identity", "CreatePatient", idp.CreatePatientRequest(
        mrn=mrn, family_name="Film", given_name="Test",
        birth_date=birth_date, sex=idp.ADMINISTRATIVE_SEX_FEMALE),
        role="registrar").patient_id
    return pid, mrn


def dicom(rows, mrn, accession="ACC1", study_uid=None, mono1=False,
          modality="DX", view="PA", n_frames=1, corrupt=False,
          study_date=None):
    """A DICOM file (bytes) of one grey image (dximages.dx_file)."""
    return dximages.dx_file(rows, mrn, accession, study_uid,
                            modality=modality, view=view, mono1=mono1,
                            n_frames=n_frames, corrupt=corrupt,
                            study_date=study_date)


def analyze(st, pb, pid, study, accession=""):
    return st.call(SVC, "AnalyzeStudy", pb.AnalyzeStudyRequest(
        patient_id=pid, study_instance_uid=study,
        accession_number=accession), role="clinician", timeout=30)


def n_findings(st, pb, pid):
    return len(st.call(SVC, "ListFindings", pb.ListFindingsRequest(
        patient_id=pid), role="clinician").findings)


def refused(st, pb, pid, study, code, words, accession=""):
    """The call fails with code and a message holding every word; no
    finding is stored for the patient."""
    before = n_findings(st, pb, pid)
    e = expect_status(code, analyze, st, pb, pid, study, accession)
    for w in words:
        assert w in e.details(), e.details()
    assert n_findings(st, pb, pid) == before
    return e.details()


def fhir_get(st, path):
    req = urllib.request.Request(st.fhir_url() + "/" + path)
    req.add_header("Authorization", "Bearer " + st.token("clinician"))
    ctx = ssl.create_default_context(cafile=st.ca_path)
    with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
        return json.loads(r.read())


def test_study_from_the_pacs_is_analysed_and_reported(st, pb, pacs):
    pid, mrn = make_patient(st)
    rows = rows_of(chest_pixels())
    study, data = dicom(rows, mrn, accession="ACC-1")
    stored = pacs.stow(data)
    assert "00081199" in stored, stored  # ReferencedSOPSequence: stored
    f = analyze(st, pb, pid, study, accession="ACC-1")
    assert f.status == pb.FINDING_STATUS_PRELIMINARY
    assert f.study_instance_uid == study
    assert f.accession_number == "ACC-1"
    assert f.sop_instance_uid and f.series_instance_uid
    assert (f.image_width, f.image_height) == (224, 224)
    assert f.image_format == "png"
    # The same pixels as a PNG give the same answer: the PACS's
    # rendering under the header's window is the identity here.
    direct = st.call(SVC, "AnalyzeImage", pb.AnalyzeImageRequest(
        patient_id=pid, image=dximages.png_grey(rows)), role="clinician",
        timeout=10)
    assert abs(f.top_probability - direct.top_probability) < 1e-4
    assert f.top_label == direct.top_label
    # An upload gets the overlay as a study does: the same model input,
    # the same map.
    assert direct.has_overlay and direct.overlay_png == f.overlay_png
    bundle = fhir_get(st, "DiagnosticReport?patient=%s" % pid)
    reports = [e["resource"] for e in bundle.get("entry", [])
               if e["resource"]["resourceType"] == "DiagnosticReport"]
    mine = [r for r in reports if r["id"] == f.finding_id]
    assert len(mine) == 1, bundle
    assert mine[0]["status"] == "preliminary"
    assert mine[0]["subject"]["reference"].endswith(pid)
    assert mine[0]["imagingStudy"][0]["identifier"] == {
        "system": "urn:dicom:uid", "value": "urn:oid:" + study}
    valid_r4(bundle)
    # Where the model looked: the overlay in the reply is the one stored
    # and presented by the report.
    assert f.has_overlay and f.overlay_png[:8] == b"\x89PNG\r\n\x1a\n"
    form = mine[0]["presentedForm"]
    assert form[0]["contentType"] == "image/png"
    # The model card measured that the map does not follow the lesion:
    # its title must not let a reader take the red for one.
    assert "not where a lesion is" in form[0]["title"]
    png = base64.b64decode(form[0]["data"])
    assert png == f.overlay_png
    check_overlay(png)


def valid_r4(bundle):
    """HL7's R4 JSON schema, as the FHIR suites check it."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "fhir"))
    from fhir_checks import assert_valid, r4_validator
    assert_valid(r4_validator(), bundle)


def check_overlay(png):
    """224x224 RGB, the X-ray in grey with red where it looked
    (dximages.check_overlay_structure)."""
    pytest.importorskip("cv2")
    pytest.importorskip("numpy")
    dximages.check_overlay_structure(png)


def test_twelve_bit_monochrome1_with_rescale_and_window(st, pb, pacs):
    pid, mrn = make_patient(st)
    rows = rows_of(chest_pixels())
    study, data = dicom(rows, mrn, mono1=True)
    pacs.stow(data)
    f = analyze(st, pb, pid, study)
    direct = st.call(SVC, "AnalyzeImage", pb.AnalyzeImageRequest(
        patient_id=pid, image=dximages.png_grey(rows)), role="clinician",
        timeout=10)
    # The PACS rounds once when it windows: within a grey level.
    assert abs(f.top_probability - direct.top_probability) < 0.02
    assert f.top_label == direct.top_label


def test_another_patients_study_is_refused(st, pb, pacs):
    pid, _ = make_patient(st)
    _, other_mrn = make_patient(st)
    study, data = dicom(rows_of(chest_pixels(real=False)), other_mrn)
    pacs.stow(data)
    msg = refused(st, pb, pid, study, grpc.StatusCode.FAILED_PRECONDITION,
                  ["study_instance_uid", "PatientID", "MRN"])
    assert other_mrn not in msg


def test_accession_mismatch_is_refused(st, pb, pacs):
    pid, mrn = make_patient(st)
    study, data = dicom(rows_of(chest_pixels(real=False)), mrn,
                        accession="ACC-7")
    pacs.stow(data)
    refused(st, pb, pid, study, grpc.StatusCode.FAILED_PRECONDITION,
            ["accession_number", "differs"], accession="ACC-8")


def test_unknown_study_is_not_found(st, pb):
    pid, _ = make_patient(st)
    refused(st, pb, pid, "1.2.826.0.1.3680043.99." + str(uuid.uuid4().int),
            grpc.StatusCode.NOT_FOUND, ["study_instance_uid", "no such"])


def test_bad_uid_is_invalid(st, pb):
    pid, _ = make_patient(st)
    refused(st, pb, pid, "1.2.x", grpc.StatusCode.INVALID_ARGUMENT,
            ["study_instance_uid", "DICOM UID"])


def test_oversized_study_is_refused_before_pixels(st, pb, pacs):
    pid, mrn = make_patient(st)
    # 224 x 224 x 2 bytes x 60 frames = 5.7 MiB > the 4 MiB cap set above.
    study, data = dicom(rows_of(chest_pixels(real=False)), mrn, mono1=True,
                        n_frames=60)
    pacs.stow(data)
    refused(st, pb, pid, study, grpc.StatusCode.INVALID_ARGUMENT,
            ["study_instance_uid", "MED_DIAGNOSIS_STUDY_MAX_BYTES"])


def test_corrupt_frame_is_refused(st, pb, pacs):
    pid, mrn = make_patient(st)
    study, data = dicom(rows_of(chest_pixels(real=False)), mrn, corrupt=True)
    pacs.store(data)
    refused(st, pb, pid, study, grpc.StatusCode.INVALID_ARGUMENT,
            ["study_instance_uid", "cannot render"])


def test_lateral_view_alone_is_refused(st, pb, pacs):
    pid, mrn = make_patient(st)
    study, data = dicom(rows_of(chest_pixels(real=False)), mrn, view="LL")
    pacs.stow(data)
    refused(st, pb, pid, study, grpc.StatusCode.FAILED_PRECONDITION,
            ["study_instance_uid", "frontal",
             "not read by the model: send for a radiologist's read"])


def test_refusal_is_audited(st, pb, pacs):
    pid, _ = make_patient(st)
    _, other = make_patient(st)
    study, data = dicom(rows_of(chest_pixels(real=False)), other)
    pacs.stow(data)
    refused(st, pb, pid, study, grpc.StatusCode.FAILED_PRECONDITION,
            ["PatientID"])
    ap = protos.module("audit")

    def refusal():
        for r in st.call("audit", "Query", ap.QueryRequest(
                patient_id=pid, limit=100), role="auditor", timeout=10):
            if (r.event.action.endswith("/AnalyzeStudy") and
                    r.event.outcome == grpc.StatusCode.FAILED_PRECONDITION
                    .value[0]):
                return r.event
        return None
    poll(refusal, timeout=20, what="the refused AnalyzeStudy in audit")


def test_pacs_down_is_unavailable(st, pb, pacs):
    pid, mrn = make_patient(st)
    study, data = dicom(rows_of(chest_pixels()), mrn)
    pacs.stow(data)
    pacs.stop()
    try:
        refused(st, pb, pid, study, grpc.StatusCode.UNAVAILABLE,
                ["pacs", "cannot be reached"])
    finally:
        pacs.start()
    assert analyze(st, pb, pid, study).study_instance_uid == study


# --- the out-of-distribution guard (services/diagnosis/models/
# CHEST_GUARD_CARD.md): what is not a frontal chest radiograph gets no
# probability.

def _gradient():
    return [[(x * 255) // 223 for x in range(224)] for _ in range(224)]


def _noise():
    rng = __import__("random").Random(38)
    return [[rng.randrange(256) for _ in range(224)] for _ in range(224)]


def _face():
    path = os.path.join(os.path.dirname(paths.REPO_ROOT), "shared", "data",
                        "faces", "orl", "s1", "1.pgm")
    if not os.path.exists(path):
        pytest.skip("%s absent (../shared/data not available)" % path)
    cv2 = pytest.importorskip("cv2")
    # 92 x 112 as stored: grown to 184 x 224 so that the guard, not the
    # minimum image side, is what refuses it.
    im = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    return cv2.resize(im, (184, 224), interpolation=cv2.INTER_CUBIC).tolist()


@pytest.mark.parametrize("kind", ["gradient", "blank", "noise", "upside down",
                                  "photograph", "CT slice", "MR slice"])
def test_not_a_chest_radiograph_is_refused(st, pb, pacs, kind):
    """Each image is sent in a study whose header says frontal chest DX
    (a mislabelled study, or a modality's wrong default): the header checks
    pass it, and the guard must refuse it on its pixels."""
    pid, mrn = make_patient(st)
    if kind in dximages.OTHER_MODALITY_FILES:
        rows = dximages.other_modality_rows(kind)
    else:
        rows = {"gradient": _gradient, "blank": lambda: [[128] * 224] * 224,
                "noise": _noise,
                "upside down": lambda: rows_of(chest_pixels())[::-1],
                "photograph": _face}[kind]()
    study, data = dicom(rows, mrn)
    pacs.stow(data)
    msg = refused(st, pb, pid, study, grpc.StatusCode.INVALID_ARGUMENT,
                  [dximages.REFUSED])
    assert not any(c.isdigit() for c in msg), msg  # no probability


def _restart(st, **env):
    """Restart diagnosis with env's settings; None removes one."""
    st.stop_service(SVC)
    for k, v in env.items():
        if v is None:
            st.services[SVC].env.pop(k, None)
        else:
            st.services[SVC].env[k] = v
    st.start_service(SVC)


def _upload(st, pb, pid, rows):
    return st.call(SVC, "AnalyzeImage", pb.AnalyzeImageRequest(
        patient_id=pid, image=dximages.png_grey(rows)), role="clinician",
        timeout=10)


def test_guard_on_uploads_and_a_guard_that_cannot_load(st, pb, pacs):
    """AnalyzeImage is guarded by default (MED_DIAGNOSIS_GUARD_UPLOADS);
    a guard file that cannot load leaves the service up and guarded
    analyses, studies and uploads, UNAVAILABLE, naming the guard; with
    MED_DIAGNOSIS_GUARD_UPLOADS=false uploads are not guarded."""
    pid, mrn = make_patient(st)
    rows = rows_of(chest_pixels())
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, _upload, st, pb,
                      pid, _gradient())
    assert e.details() == dximages.REFUSED
    assert _upload(st, pb, pid, rows).top_label
    absent = os.path.join(st.workdir, "absent.onnx")
    try:
        _restart(st, MED_DIAGNOSIS_GUARD_MODEL=absent)
        study, data = dicom(rows, mrn)
        pacs.stow(data)
        refused(st, pb, pid, study, grpc.StatusCode.UNAVAILABLE,
                ["guard: not loaded"])
        expect_status(grpc.StatusCode.UNAVAILABLE, _upload, st, pb, pid,
                      rows, details_prefix="guard: not loaded")
        _restart(st, MED_DIAGNOSIS_GUARD_MODEL=absent,
                 MED_DIAGNOSIS_GUARD_UPLOADS="false")
        assert _upload(st, pb, pid, _gradient()).top_label
    finally:
        _restart(st, MED_DIAGNOSIS_GUARD_MODEL=None,
                 MED_DIAGNOSIS_GUARD_UPLOADS=None)
    assert analyze(st, pb, pid, study).study_instance_uid == study


# --- the validated population (the model card's "population"): children
# aged 1-5, frontal CR/DX films.  Outside it a film is not read by the
# model (MED_DIAGNOSIS_OUTSIDE_POPULATION=refuse, the default) or, where
# the hospital chooses (mark), read and marked without the card's figures.

OUTSIDE = "not read by the model: send for a radiologist's read"


def test_an_adults_film_is_not_read_by_the_model(st, pb, pacs):
    """A 67-year-old's upload and study: refused before the model runs,
    naming the population and the age; nothing is stored."""
    pid, mrn = make_patient(st, birth_date=ages.ADULT)
    rows = rows_of(chest_pixels())
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, _upload, st, pb,
                      pid, rows)
    assert e.details() == (
        "patient_id: pneumonia_cxr224_v4 is validated for children aged "
        "1-5; this patient is 67: " + OUTSIDE), e.details()
    study, data = dicom(rows, mrn)
    pacs.stow(data)
    refused(st, pb, pid, study, grpc.StatusCode.FAILED_PRECONDITION,
            ["children aged 1-5; this patient is 67", OUTSIDE])


def test_a_childs_film_is_read_with_the_cards_figures(st, pb, pacs):
    """Inside the population the finding carries the card's expected
    figures and no mark."""
    pid, _ = make_patient(st)
    f = _upload(st, pb, pid, rows_of(chest_pixels()))
    op = f.operating_point
    assert op.source == "model-card" and op.outside_population == ""
    assert 0 < op.sensitivity_ci_low <= op.expected_sensitivity
    assert 0 < op.specificity_ci_low <= op.expected_specificity
    assert 0 < op.ppv_ci_low <= op.expected_ppv <= op.ppv_ci_high
    assert 0 < op.npv_ci_low <= op.expected_npv <= op.npv_ci_high
    assert op.measured_on


def test_the_age_is_taken_at_the_study_date(st, pb, pacs):
    """A patient seven now, whose study was taken at four (StudyDate),
    is read; the same film dated today is not."""
    pid, mrn = make_patient(st, birth_date=ages.birth_date(7))
    rows = rows_of(chest_pixels())
    then = ages.birth_date(3, days=0).replace("-", "")
    study, data = dicom(rows, mrn, study_date=then)
    pacs.stow(data)
    assert analyze(st, pb, pid, study).study_instance_uid == study
    study, data = dicom(rows, mrn)
    pacs.stow(data)
    refused(st, pb, pid, study, grpc.StatusCode.FAILED_PRECONDITION,
            ["this patient is 7", OUTSIDE])


def test_outside_the_population_marked_when_the_hospital_says_so(st, pb,
                                                                   pacs):
    """MED_DIAGNOSIS_OUTSIDE_POPULATION=mark: the adult's film is read, the
    finding marked "outside the validated population" with no expected
    figures, as stored (ListFindings) and as reported (FHIR)."""
    pid, _ = make_patient(st, birth_date=ages.ADULT)
    rows = rows_of(chest_pixels())
    try:
        _restart(st, MED_DIAGNOSIS_OUTSIDE_POPULATION="mark")
        f = _upload(st, pb, pid, rows)
    finally:
        _restart(st, MED_DIAGNOSIS_OUTSIDE_POPULATION=None)
    mark = ("outside the validated population: pneumonia_cxr224_v4 is "
            "validated for children aged 1-5; this patient is 67")
    for op in (f.operating_point, st.call(
            SVC, "ListFindings", pb.ListFindingsRequest(patient_id=pid),
            role="clinician").findings[0].operating_point):
        assert op.outside_population == mark
        assert (op.expected_sensitivity, op.sensitivity_ci_low,
                op.sensitivity_ci_high, op.expected_specificity,
                op.specificity_ci_low, op.specificity_ci_high) == (0,) * 6
        assert (op.expected_ppv, op.ppv_ci_low, op.ppv_ci_high,
                op.expected_npv, op.npv_ci_low, op.npv_ci_high) == (0,) * 6
        assert op.measured_on == ""
    report = fhir_get(st, "DiagnosticReport/%s" % f.finding_id)
    assert mark in json.dumps(report)
    assert "sensitivity\"" not in json.dumps(report)


def test_a_bad_population_setting_is_named(st, pb, pacs):
    pid, _ = make_patient(st)
    try:
        _restart(st, MED_DIAGNOSIS_OUTSIDE_POPULATION="ignore")
        expect_status(grpc.StatusCode.UNAVAILABLE, _upload, st, pb, pid,
                      rows_of(chest_pixels()),
                      details_prefix="model: not loaded "
                      "(MED_DIAGNOSIS_OUTSIDE_POPULATION: \"ignore\"")
    finally:
        _restart(st, MED_DIAGNOSIS_OUTSIDE_POPULATION=None)


def test_a_negative_finding_carries_no_map(st, pb, pacs):
    """Films of the model's own test split (224 x 224, ../shared): a
    negative finding has no overlay (reply, FHIR presentedForm); a
    positive one has its map."""
    pid, _ = make_patient(st)
    films = dximages.kermany_split("test")
    picked = [f for f in films if f[1] == 0][:3] + \
        [f for f in films if f[1] == 1][:2]
    seen = set()
    for png, _label in picked:
        f = st.call(SVC, "AnalyzeImage", pb.AnalyzeImageRequest(
            patient_id=pid, image=png), role="clinician", timeout=10)
        positive = f.operating_point.positive
        assert f.has_overlay == positive, f.operating_point
        assert (len(f.overlay_png) > 0) == positive
        report = fhir_get(st, "DiagnosticReport/%s" % f.finding_id)
        assert ("presentedForm" in report) == positive, report
        seen.add(positive)
    assert seen == {False, True}, seen
