"""The hospital's re-check of the operating point (issue 76, item 2):
tools/xraycal/xraycal.py takes a folder of labelled films (normal/ and
pneumonia/ subfolders, or a CSV manifest) and prints sensitivity,
specificity, PPV and NPV with 95 % Wilson intervals at the card's
threshold, a reliability table, and the threshold the lower-bound rule
chooses.

A hospital trusts the script only if it counts what the service decides:
the films here (the project's synthetic reference cases, plain frames and
a drawn chest, written as PNG files) go both through the script and
through AnalyzeImage (guard off for uploads, as the script applies no
guard), and the script's counts must equal the service's decisions.  The
manifest layout is replayed on a few of ../shared's Kermany films, and
skips without them.
"""

import csv
import json
import os
import subprocess
import sys
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "contract", "diagnosis"))
import dximages  # noqa: E402

SVC = "diagnosis"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SCRIPT = os.path.join(ROOT, "tools", "xraycal", "xraycal.py")
CARD = os.path.join(ROOT, "services", "diagnosis", "models",
                    "pneumonia_cxr224_v4.card.json")

pytestmark = pytest.mark.stack(services=("audit", SVC))


@pytest.fixture(scope="module", autouse=True)
def defaults_after(st):
    yield
    dximages.restart(st)


def _films():
    """{label: [png bytes]}: the reference cases (p(pneumonia) near 1)
    filed as pneumonia, plain frames and a drawn chest (under the card's
    point) as normal; the labels are the test's, the point is that the
    counts match, on both sides of the threshold."""
    pneu = [dximages.png_grey(dximages.case_rows(c))
            for c in dximages.ref_cases()["cases"][:3]]
    normal = [dximages.png_grey([[v] * 224 for _ in range(224)])
              for v in (0, 128, 255)]
    normal.append(dximages.png_grey(dximages.chest_heart_phantom_rows()))
    return {"normal": normal, "pneumonia": pneu}


def _run(*args):
    pytest.importorskip("cv2")
    pytest.importorskip("numpy")
    r = subprocess.run(["/usr/bin/python3", SCRIPT] + list(args),
                       capture_output=True, text=True, timeout=300)
    return r


def _check_figures(at):
    for k in ("sensitivity", "specificity", "ppv", "npv"):
        f = at[k]
        assert 0.0 <= f["low"] <= f["value"] <= f["high"] <= 1.0, (k, f)
        if f["n"]:
            assert f["value"] == pytest.approx(f["k"] / f["n"])


def test_script_counts_what_the_service_decides(st, pb, tmp_path):
    films = _films()
    for label, pngs in films.items():
        (tmp_path / label).mkdir()
        for i, png in enumerate(pngs):
            (tmp_path / label / ("%d.png" % i)).write_bytes(png)
    r = _run(str(tmp_path), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    with open(CARD) as f:
        thr = json.load(f)["operating_point"]["threshold"]
    at = out["at_operating_point"]
    assert at["threshold"] == pytest.approx(thr)
    _check_figures(at)
    assert out["n_normal"] == 4 and out["n_pneumonia"] == 3
    assert len(out["reliability"]["bins"]) == 10
    assert sum(b["n"] for b in out["reliability"]["bins"]) == 7
    dximages.restart(st, MED_DIAGNOSIS_GUARD_UPLOADS="false")
    positive = {}
    for label, pngs in films.items():
        positive[label] = sum(st.call(SVC, "AnalyzeImage",
                                      pb.AnalyzeImageRequest(
                                          patient_id=str(uuid.uuid4()),
                                          image=png), role="clinician",
                                      timeout=60).operating_point.positive
                              for png in pngs)
    assert at["sensitivity"]["k"] == positive["pneumonia"]
    assert at["specificity"]["k"] == 4 - positive["normal"]
    assert at["ppv"]["n"] == positive["pneumonia"] + positive["normal"]
    assert 0 < positive["normal"] < 4  # both decisions seen
    # The text report names every figure with its interval.
    r = _run(str(tmp_path))
    assert r.returncode == 0, r.stderr
    for word in ("sensitivity", "specificity", "ppv", "npv", "95 % CI",
                 "reliability", "rule: highest threshold"):
        assert word in r.stdout, word


def test_script_refuses_a_folder_without_both_classes(tmp_path):
    (tmp_path / "normal").mkdir()
    r = _run(str(tmp_path))
    assert r.returncode == 2
    assert "no pneumonia/ subfolder" in r.stderr
    (tmp_path / "pneumonia").mkdir()
    (tmp_path / "normal" / "0.png").write_bytes(
        dximages.png_grey([[0] * 224 for _ in range(224)]))
    r = _run(str(tmp_path))
    assert r.returncode == 2
    assert "need films of both classes" in r.stderr


def test_script_reads_a_manifest_of_kermany_films(tmp_path):
    """A CSV manifest (file, label, split) as ../shared's: a few test
    films of each class; skips without ../shared."""
    src = os.path.join(dximages.KERMANY, "manifest.csv")
    if not os.path.exists(src):
        pytest.skip("%s absent (../shared/data not available)" % src)
    rows = {"normal": [], "pneumonia": []}
    with open(src, newline="") as f:
        for r in csv.DictReader(f):
            if r["split"] == "test" and len(rows[r["label"]]) < 8:
                rows[r["label"]].append(r)
    man = tmp_path / "m.csv"
    with open(man, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["file", "label", "split"])
        w.writeheader()
        for r in rows["normal"] + rows["pneumonia"]:
            w.writerow({k: r[k] for k in ("file", "label", "split")})
        w.writerow({"file": "val/normal/1.png", "label": "normal",
                    "split": "val"})
    r = _run(dximages.KERMANY, "--manifest", str(man), "--split", "test",
             "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["n_normal"] == 8 and out["n_pneumonia"] == 8
    _check_figures(out["at_operating_point"])
