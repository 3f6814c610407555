"""The out-of-distribution guard on intensive-care films (issue 76, item
4): a real chest film with an endotracheal tube, a nasogastric tube,
central lines and ECG leads drawn on (tools/train/icu_draw.py, as the
guard's card measures them) is read by the model, not refused; and
tools/train/chest_guard_eval.py, which makes the card's figures, runs.

Films: kermany224's test split from ../shared (skipped without it).
"""

import json
import os
import subprocess
import sys
import uuid

import pytest

from harness import paths

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "contract", "diagnosis"))
sys.path.insert(0, os.path.join(paths.REPO_ROOT, "tools", "train"))
import dximages  # noqa: E402

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

SVC = "diagnosis"
EVAL = os.path.join(paths.REPO_ROOT, "tools", "train", "chest_guard_eval.py")
N_FILMS = 8

pytestmark = pytest.mark.stack(services=("audit", SVC))


def _films():
    root = dximages.KERMANY
    if not os.path.exists(os.path.join(root, "manifest.csv")):
        pytest.skip("../shared/data/chest/kermany224 absent")
    out = []
    for label in ("normal", "pneumonia"):
        for i in range(1, N_FILMS // 2 + 1):
            out.append(cv2.imread(os.path.join(root, "test", label,
                                               "%d.png" % i),
                                  cv2.IMREAD_GRAYSCALE))
    return out


def _analyze(st, pb, img):
    ok, png = cv2.imencode(".png", img)
    assert ok
    return st.call(SVC, "AnalyzeImage", pb.AnalyzeImageRequest(
        patient_id=str(uuid.uuid4()), image=png.tobytes()),
        role="clinician", timeout=60)


def test_film_with_tubes_lines_and_leads_is_read(st, pb):
    import icu_draw
    rng = np.random.default_rng(76)
    for i, film in enumerate(_films()):
        plain = _analyze(st, pb, film)  # the guard takes the plain film
        icu = film.copy()
        for draw in (icu_draw.tubes, icu_draw.lines, icu_draw.leads):
            draw(icu, rng)
        assert (icu != film).mean() > 0.01, i
        f = _analyze(st, pb, icu)  # a refusal would raise, with REFUSED
        assert f.top_label in ("normal", "pneumonia"), i
        assert len(f.probabilities) == len(plain.probabilities) == 2


def test_guard_eval_runs_and_reports_each_set():
    _films()
    shared = os.path.dirname(os.path.dirname(os.path.dirname(
        dximages.KERMANY)))
    r = subprocess.run([sys.executable, EVAL, "--shared", shared],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout)
    assert res["chest"]["test"]["of"] == 624
    assert set(res["augmented"]) == {"tubes", "lines", "leads", "wires",
                                     "dense", "icu"}
    assert res["other"]["synthetic"]["of"] == 800
    for sec in ("chest", "augmented", "other"):
        for k, v in res[sec].items():
            assert 0 <= v["refused"] <= v["of"], (sec, k, v)
