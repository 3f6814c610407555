"""tools/facecal/projection.py: a learned projection of the face
embeddings measured on held-out people (docs/benchmarks.md, "What lowers
FNMR").

Without the service: every pair is scored with a projection trained on
neither of its people (people folds) or on no photograph of its set
(leave one set out); untransformed scores are the best template's
cosine; and on synthetic embeddings whose within-class variation lies
along one axis, WCCN separates what the raw cosine does not (the tool can
find a gain where there is one).  Through the service: the embeddings
`measure` decrypts from identity's database are the ones identity
matches with (their cosine is VerifyFace's score)."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from harness import Stack, paths, protos
from harness.faces import ORL, FaceKeys
from harness.run import face_models_env

TOOL = os.path.join(paths.REPO_ROOT, "tools", "facecal", "projection.py")


def load_tool():
    sys.path.insert(0, os.path.dirname(TOOL))
    spec = importlib.util.spec_from_file_location("projection", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def synthetic(seed, sets=("a", "b", "c"), people=10, photos=4, nuisance=5.0):
    """Unit embeddings: each person a random point in dimensions 1..7,
    every photograph moved a lot along dimension 0 (the nuisance) and a
    little elsewhere."""
    rng = np.random.default_rng(seed)
    out = {}
    for n in sets:
        person, emb = [], []
        for p in range(people):
            centre = np.concatenate([[0.0], rng.normal(size=7)])
            for _ in range(photos):
                x = centre + rng.normal(scale=0.3, size=8)
                x[0] = rng.normal(scale=nuisance)
                person.append("%s%d" % (n, p))
                emb.append(x / np.linalg.norm(x))
        out[n] = dict(person=person, emb=np.array(emb))
    return out


def spied_tool(monkeypatch):
    """The tool, and the list of label sets each projection is trained
    on."""
    tool = load_tool()
    trained = []
    fit = tool.fit

    def spy(method, x, y):
        trained.append(set(y))
        return fit(method, x, y)
    monkeypatch.setattr(tool, "fit", spy)
    return tool, trained


def test_people_folds_never_train_on_a_pairs_people(monkeypatch):
    tool, trained = spied_tool(monkeypatch)
    sets = synthetic(1)
    for n, s in sets.items():
        mf = tool.PeopleFolds(sets, "wccn-0", 5, 1, n)
        people = sorted(set(s["person"]))
        for a in people:
            for b in people:
                held = mf.key(a, b)
                assert mf.fold[n][a] in held and mf.fold[n][b] in held
                before = len(trained)
                mf(*held)
                if len(trained) > before:
                    seen = trained[-1]
                    assert n + "/" + a not in seen
                    assert n + "/" + b not in seen
                    # Every set's people of the held folds are left out.
                    for m, f in mf.fold.items():
                        for p, i in f.items():
                            if i in held:
                                assert m + "/" + p not in seen
        tool.score_set(s, 2, mf)
    assert trained


def test_leave_one_set_out_trains_on_the_other_sets(monkeypatch):
    tool, trained = spied_tool(monkeypatch)
    sets = synthetic(2)
    tool.score_set(sets["b"], 2, tool.LeaveSetOut(sets, "wccn-0.1", "b"))
    assert len(trained) == 1
    assert {label.split("/")[0] for label in trained[0]} == {"a", "c"}


def test_raw_scores_are_the_best_templates_cosine():
    tool = load_tool()
    sets = synthetic(3, sets=("a",), people=3, photos=3)
    s = sets["a"]
    s["emb"][4] = np.nan  # a refused photograph: a template fewer
    r = tool.score_set(s, 2, tool.PeopleFolds(sets, "raw", 5, 1, "a"))
    e = s["emb"]
    # Person a0: templates 0, 1, probe 2; a1: templates 3 (4 refused),
    # probe 5; a2: templates 6, 7, probe 8.
    tpl = {0: [0, 1], 1: [3], 2: [6, 7]}
    gen = [max(e[t] @ e[p] for t in tpl[i]) for i, p in ((0, 2), (1, 5),
                                                          (2, 8))]
    assert sorted(r["gen"]) == pytest.approx(sorted(gen))
    assert len(r["imp"]) == 6 and r["misses"] == 0 and r["probes"] == 3


def test_wccn_removes_a_within_class_axis():
    tool = load_tool()
    sets = synthetic(4, people=12)

    def overlap(method):
        worst = []
        for n, s in sets.items():
            r = tool.score_set(s, 2, tool.LeaveSetOut(sets, method, n))
            worst.append(np.mean(np.array(r["imp"]) >= np.median(r["gen"])))
        return np.mean(worst)
    raw, wccn = overlap("raw"), overlap("wccn-0")
    assert wccn < raw / 2, (raw, wccn)


def test_measured_embeddings_are_the_ones_identity_matches_with(tmp_path):
    if not os.path.isdir(ORL):
        pytest.skip("ORL faces not present at ../shared/data/faces/orl")
    tool = load_tool()
    root = str(tmp_path / "orl2")
    os.makedirs(root)
    for p in ("s1", "s2"):
        os.symlink(os.path.join(ORL, p), os.path.join(root, p))
    cache = str(tmp_path / "cache")
    run = subprocess.run(
        ["/usr/bin/python3", TOOL, "measure", "two=%s:grey" % root],
        env=dict(os.environ, CACHE=cache, MAX_PHOTOS="2"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=600)
    assert run.returncode == 0, run.stdout[-3000:]
    z = np.load(os.path.join(cache, "two.npz"))
    assert list(z["person"]) == ["s1", "s1", "s2", "s2"]
    e = z["emb"]
    assert not np.isnan(e).any()
    assert np.linalg.norm(e, axis=1) == pytest.approx(np.ones(4), abs=1e-5)
    # The same two photographs through the service: enrol the first,
    # verify the second.
    paths_ = [str(p) for p in z["paths"][:2]]
    keys = FaceKeys(paths.scratch_dir("smartmed-faceproj-test-"))
    env = dict(keys.env(), MED_FACE_COPY_CHECK="off", **face_models_env())
    with Stack(services=("identity", "audit"), extra_env=env) as st:
        pb = protos.module("identity")
        p = st.call("identity", "CreatePatient", pb.CreatePatientRequest(
            mrn="PROJ-TEST", family_name="Projection", given_name="Test",
            birth_date="1970-01-01", sex=pb.ADMINISTRATIVE_SEX_UNKNOWN),
            role="registrar")
        st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
            patient_id=p.patient_id,
            images=[tool.calibrate.photo_bytes(paths_[0])]),
            role="registrar", timeout=60)
        v = st.call("identity", "VerifyFace", pb.VerifyFaceRequest(
            patient_id=p.patient_id,
            image=tool.calibrate.photo_bytes(paths_[1])),
            role="nurse", timeout=60)
    assert v.score == pytest.approx(float(e[0] @ e[1]), abs=1e-4)
