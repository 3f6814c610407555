"""A site calibrates the face threshold on its own consented patients
(issue 73, item 4; docs/face.md, "Calibrating on the site's patients").

The test lays out a pilot's folder as a site would (person/photo.jpg and
a groups.csv) from twelve people of the London set, runs
tools/facecal/site_calibrate.py on it, which sends the photographs
through identity itself, and checks the report (FMR and FNMR per group
with bounds, people still needed, the recommended threshold) and the
calibration file.  identity started with MED_FACE_CALIBRATION naming
that file answers at its threshold, logs and exports which calibration
is in use, and refuses one written for another embedder by name.
Skips without ../shared's London photographs or the deep face models.
The target FMR is 5 % so that twelve people are enough to show it (a
real pilot uses 1e-3 and 56 or more people: docs/face.md)."""

import csv
import os
import shutil
import subprocess
import sys

import grpc
import pytest

from harness import metrics, paths, protos
from harness.checks import expect_status
from harness.faces import caltech_jpeg, deep_face_stack

LONDON = os.path.join(paths.REPO_ROOT, "..", "shared", "data", "faces",
                      "london")
TOOL = os.path.join(paths.REPO_ROOT, "tools", "facecal",
                    "site_calibrate.py")
CARD = os.path.join(paths.build_dir(), "models", "face",
                    "dlib-resnet-v1.card.md")
PEOPLE = ["%03d" % i for i in range(1, 13)]


@pytest.fixture(scope="module")
def pilot(tmp_path_factory):
    if not os.path.isdir(LONDON):
        pytest.skip("London faces not present at %s" % LONDON)
    if not os.path.exists(CARD):
        pytest.skip("the deep face models were not built (make deps, make)")
    d = tmp_path_factory.mktemp("pilot")
    photos = d / "photos"
    for p in PEOPLE:
        (photos / p).mkdir(parents=True)
        for n in ("neutral.jpg", "smiling.jpg"):
            shutil.copy(os.path.join(LONDON, p, n), photos / p / n)
    with open(os.path.join(LONDON, "info.csv")) as f:
        info = {r["face_id"]: r for r in csv.DictReader(f)}
    with open(d / "groups.csv", "w") as f:
        f.write("person,sex\n")
        for p in PEOPLE:
            f.write("%s,%s\n" % (p, info[p]["face_gender"]))
    out = d / "site.calibration.md"
    r = subprocess.run([sys.executable, TOOL, str(photos), "--groups",
                        str(d / "groups.csv"), "--target-fmr", "0.05",
                        "--name", "pilot-ward-7", "--out", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return dict(dir=d, out=out, report=r.stdout)


def fields(path):
    text = open(path).read().split("---")[1]
    return dict(line.split(": ", 1) for line in text.strip().splitlines())


def test_the_report_gives_rates_bounds_and_people_needed(pilot):
    lines = pilot["report"].splitlines()
    head = next(ln for ln in lines if ln.startswith("group "))
    for col in ("FMR", "FMR 95% up", "FNMR", "FNMR 95% up", "more people"):
        assert col in head, head
    rows = {ln.split()[0]: ln.split() for ln in lines[1:] if ln.strip()
            and ln.split()[0].startswith("site")}
    assert set(rows) >= {"site", "site/female", "site/male"}, rows
    # Twelve people, one probe each: 12 x 11 impostor pairs, enough for
    # 5 % (60); each group of about six has too few and needs more.
    assert rows["site"][1:3] == ["12", "132"], rows["site"]
    assert rows["site"][-1] == "0"
    assert int(rows["site/female"][-1]) > 0, rows["site/female"]
    assert "recommended threshold for FMR <= 0.05:" in pilot["report"]


def test_the_calibration_file_names_the_model_and_threshold(pilot):
    f = fields(pilot["out"])
    assert f["kind"] == "face-calibration"
    assert f["name"] == "pilot-ward-7"
    assert f["model"] == "dlib-resnet-v1"
    assert float(f["target_fmr"]) == 0.05
    t = float(f["threshold"])
    assert -1 <= t <= 1
    assert "recommended threshold for FMR <= 0.05: %.4f" % t \
        in pilot["report"]


def test_identity_runs_at_the_sites_calibration(pilot):
    t = float(fields(pilot["out"])["threshold"])
    pb = protos.module("identity")
    with deep_face_stack(MED_FACE_CALIBRATION=str(pilot["out"])) as st:
        r = st.call("identity", "IdentifyFace", pb.IdentifyFaceRequest(
            image=caltech_jpeg(1), top_k=1), role="registrar", timeout=60)
        samples, _ = metrics.scrape(st, "identity")
        log = open(st.log_path("identity")).read()
    assert r.threshold == pytest.approx(t, abs=1e-9)
    assert metrics.value(samples, "smartmed_face_threshold",
                         calibration="pilot-ward-7",
                         model="dlib-resnet-v1") == pytest.approx(t)
    assert "from calibration pilot-ward-7" in log


def test_a_calibration_of_another_model_is_refused(pilot, tmp_path):
    other = tmp_path / "other.calibration.md"
    other.write_text(open(pilot["out"]).read().replace(
        "model: dlib-resnet-v1", "model: sface-v1"))
    pb = protos.module("identity")
    with deep_face_stack(MED_FACE_CALIBRATION=str(other)) as st:
        expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call,
                      "identity", "IdentifyFace", pb.IdentifyFaceRequest(
                          image=caltech_jpeg(1), top_k=1), role="registrar",
                      details_contains="calibrated for model 'sface-v1'")


def test_a_missing_calibration_file_is_refused_by_name(tmp_path):
    if not os.path.exists(CARD):
        pytest.skip("the deep face models were not built (make deps, make)")
    missing = tmp_path / "nowhere.calibration.md"
    pb = protos.module("identity")
    with deep_face_stack(MED_FACE_CALIBRATION=str(missing)) as st:
        expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call,
                      "identity", "IdentifyFace", pb.IdentifyFaceRequest(
                          image=caltech_jpeg(1), top_k=1), role="registrar",
                      details_contains="MED_FACE_CALIBRATION: %s: no such "
                                       "file" % missing)
