"""The localisation figures of the chest model's card (MODEL_CARD.md,
"Where it looked") come from tools/xraycal/camloc.py, in two modes: on
films with marked opacities (--boxes; the team's set is
tools/xraycal/boxes-kermany224-test.csv) and on the proxy of drawn
opacities in the test split's normal films.  Each reports the map's mass
inside the marked region, the area above half its peak and where its
peak falls; the boxes mode adds its references (the box's share of the
image, the mirrored box, the other films' boxes).  Tests that need
../shared's films skip without them (the script exits 77)."""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from harness import paths

SCRIPT = os.path.join(paths.REPO_ROOT, "tools", "xraycal", "camloc.py")
BOXES = os.path.join(paths.REPO_ROOT, "tools", "xraycal",
                     "boxes-kermany224-test.csv")
SHARED = os.path.join(paths.REPO_ROOT, "..", "shared")
FILMS = os.path.join(SHARED, "data", "chest", "kermany224")
SHARES = ("mass_inside_median", "area_half_peak_median", "peak_inside")


def camloc(*args):
    r = subprocess.run(["/usr/bin/python3", SCRIPT, "--shared", SHARED,
                        "--json"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=600)
    if r.returncode == 77:
        pytest.skip("../shared's chest films are absent")
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    return json.loads(r.stdout.decode())


def box_rows(path):
    with open(path) as f:
        return list(csv.DictReader(ln for ln in f if not ln.startswith("#")))


def test_camloc_reports_the_three_figures():
    out = camloc("--n", "60")
    fig = out["new"]
    assert out["films"] == 60 and out["counted"] <= out["negative_before"]
    for key in SHARES:
        assert 0.0 <= fig[key] <= 1.0, (key, fig)


def test_camloc_counts_the_teams_boxes_and_their_references():
    rows = box_rows(BOXES)
    boxed = [r for r in rows if r["x0"]]
    assert len(boxed) >= 40 and all(r["confidence"] in (
        "low", "moderate", "high") for r in boxed)
    out = camloc("--boxes", BOXES)
    assert out["boxed"] == len(boxed)
    assert out["skipped"] == len(rows) - len(boxed)
    assert 0 < out["counted"] <= out["boxed"]
    fig = out["new"]
    for key in SHARES + ("box_area_median", "mass_inside_mirror_median",
                         "mass_inside_others_median",
                         "peak_inside_others_mean"):
        assert 0.0 <= fig[key] <= 1.0, (key, fig)
    high = camloc("--boxes", BOXES, "--min-confidence", "high")
    assert high["boxed"] == sum(r["confidence"] == "high" for r in boxed)
    # The patient's right is the image's left half.
    right = camloc("--boxes", BOXES, "--side", "right")
    assert right["boxed"] == sum(
        int(r["x0"]) + int(r["x1"]) < 224 for r in boxed) > 0


def write_boxes(path, rows):
    with open(path, "w") as f:
        f.write("# a site's own boxes\nfile,x0,y0,x1,y1\n")
        for name, box in rows:
            f.write("%s,%s\n" % (name, ",".join(str(v) for v in box)))
    return str(path)


def test_camloc_scales_a_sites_box_with_its_film(tmp_path):
    """A site's film at twice the size, its box at twice the pixels, gives
    the figures of the 224 x 224 film with its own box."""
    cv2 = pytest.importorskip("cv2")
    film = os.path.join(FILMS, "test", "pneumonia", "17.png")
    if not os.path.exists(film):
        pytest.skip("../shared's chest films are absent")
    g = cv2.imread(film, cv2.IMREAD_GRAYSCALE)
    cv2.imwrite(str(tmp_path / "own.png"), g)
    cv2.imwrite(str(tmp_path / "big.png"),
                np.repeat(np.repeat(g, 2, axis=0), 2, axis=1))
    box = (118, 40, 200, 185)
    own = camloc("--boxes", write_boxes(tmp_path / "own.csv",
                                        [("own.png", box)]),
                 "--films", str(tmp_path))
    big = camloc("--boxes", write_boxes(
        tmp_path / "big.csv", [("big.png", tuple(2 * v for v in box)),
                               ("skipped.png", ("", "", "", ""))]),
        "--films", str(tmp_path))
    assert (own["boxed"], own["skipped"]) == (1, 0)
    assert (big["boxed"], big["skipped"]) == (1, 1)
    assert own["counted"] == big["counted"] == 1, \
        "film 17 is no longer called positive"
    assert own["new"]["box_area_median"] == pytest.approx(82 * 145 / 224**2)
    for key, value in own["new"].items():
        assert big["new"][key] == pytest.approx(value, abs=1e-6), key
    # One film has no other films' boxes to be scored against.
    assert "mass_inside_others_median" not in own["new"]


def test_camloc_refuses_an_empty_box(tmp_path):
    bad = tmp_path / "boxes.csv"
    bad.write_text("file,x0,y0,x1,y1\nfilm.png,50,60,50,90\n")
    r = subprocess.run(["/usr/bin/python3", SCRIPT, "--boxes", str(bad),
                        "--films", str(tmp_path)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    assert r.returncode == 2 and b"empty box" in r.stderr, r.stderr


def test_camloc_measures_a_finer_layer_and_writes_each_film(tmp_path):
    """--layer adds Grad-CAM at an inner tensor (v4's last 14 x 14 one) on
    the same films; --per-film writes each counted film's figures."""
    rows = [r for r in box_rows(BOXES) if r["confidence"] == "high"][:2]
    per_film = tmp_path / "films.csv"
    out = camloc("--boxes", write_boxes(tmp_path / "two.csv", [
        (r["file"], tuple(int(r[k]) for k in ("x0", "y0", "x1", "y1")))
        for r in rows]), "--layer", "clip_166", "--per-film", str(per_film))
    assert out["counted"] == 2, "a high-confidence film is called negative"
    assert out["layer"]["box_area_mean"] == out["new"]["box_area_mean"]
    # The 14 x 14 map is finer: less of the image at half its peak.
    assert out["layer"]["area_half_peak_mean"] < \
        out["new"]["area_half_peak_mean"]
    written = box_rows(per_film)
    assert sorted((r["file"], r["map"]) for r in written) == sorted(
        (r["file"], k) for r in rows for k in ("new", "layer"))
    assert all(0 <= int(r[k]) < 224 for r in written
               for k in ("peak_x", "peak_y"))
    mean = np.mean([float(r["mass_inside"]) for r in written
                    if r["map"] == "layer"])
    assert mean == pytest.approx(out["layer"]["mass_inside_mean"], abs=1e-5)


def two_high_films(tmp_path):
    rows = [r for r in box_rows(BOXES) if r["confidence"] == "high"][:2]
    return rows, write_boxes(tmp_path / "two.csv", [
        (r["file"], tuple(int(r[k]) for k in ("x0", "y0", "x1", "y1")))
        for r in rows])


def test_camloc_measures_other_methods_on_the_same_films(tmp_path):
    """--method adds the contrast map (Grad-CAM less the validation
    positives' mean), the occlusion map at the service's squares (by
    p and by log-odds, from the same runs) and RISE, each scored with
    the shipped map's figures on the same films and boxes."""
    rows, boxes = two_high_films(tmp_path)
    per_film = tmp_path / "films.csv"
    methods = ("contrast", "occlusion", "occlusion-logodds", "rise")
    args = ["--boxes", boxes, "--per-film", str(per_film),
            "--rise-masks", "16"]
    for m in methods:
        args += ["--method", m]
    out = camloc(*args)
    assert out["counted"] == 2, "a high-confidence film is called negative"
    assert 0 < out["prior_films"] <= 300  # validation's films called positive
    for m in methods:
        fig = out[m]
        assert fig["box_area_mean"] == out["new"]["box_area_mean"]
        for key in SHARES + ("mass_inside_others_median",):
            assert 0.0 <= fig[key] <= 1.0, (m, key, fig)
        mean = np.mean([float(r["mass_inside"]) for r in box_rows(per_film)
                        if r["map"] == m])
        assert mean == pytest.approx(fig["mass_inside_mean"], abs=1e-5), m


def film_input(name):
    sys.path.insert(0, os.path.dirname(SCRIPT))
    from xraycal import model_input
    path = os.path.join(FILMS, name)
    if not os.path.exists(path):
        pytest.skip("../shared's chest films are absent")
    return model_input(path, 224)


def test_contrast_map_of_the_prior_itself_is_empty():
    """A film that is its own prior has nothing above the usual: the
    contrast map is all 0 while its Grad-CAM is not."""
    pytest.importorskip("cv2")
    x = film_input("test/pneumonia/17.png")
    import attrib
    import camloc as cl
    net = cl.Net(cl.MODEL)
    contrast = attrib.ContrastNet(net, [x], 0.0)
    assert contrast.n_prior == 1
    _, cam = net.run_input(x)
    _, diff = contrast.run_input(x)
    assert net.saliency(cam).max() == 1.0
    assert contrast.saliency(diff).max() == 0.0


def test_occlusion_lays_the_services_squares_and_shares_its_runs():
    """48-pixel squares every 16 at 224 x 224: 196 squares, one model run
    each plus the unmasked film, shared by the p and log-odds maps; a
    square credits its drop to its own pixels only."""
    pytest.importorskip("cv2")
    x = film_input("test/pneumonia/17.png")
    import attrib
    import camloc as cl
    net = cl.Net(cl.MODEL)
    occ = attrib.OcclusionNet(net, 48, 16, "grey", "p")
    assert len(occ.squares()) == 196
    assert max(y for y, _ in occ.squares()) == 208
    one = attrib.OcclusionNet(net, 112, 224, "grey", "p")
    both = attrib.OcclusionNet(net, 112, 224, "grey", "logodds", one.runs)
    p0, m = one.run_input(x)
    p_masked = one.runs[x.tobytes()][1]
    assert len(one.runs[x.tobytes()]) == 2  # the film, one square
    assert m[:112, :112] == pytest.approx(p0 - p_masked)
    assert not m[112:, :].any() and not m[:, 112:].any()
    _, lo = both.run_input(x)
    assert lo[0, 0] == pytest.approx(attrib.logodds(p0) -
                                     attrib.logodds(p_masked))
