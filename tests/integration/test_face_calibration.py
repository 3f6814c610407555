"""tools/facecal/calibrate.py through the running identity service: the
per-set table, the worst-set threshold and the model card's words.

ORL's 40 people are split into two sets of 20 (a set per population is
what the tool is for; the split stands in for two populations here).  The
target FMR is 2e-2 so that each half has enough impostor pairs to show it
(3 / 2e-2 = 150); a third set of two people is too small to show it and
must be reported but left out of the choice.  Set a's people are also
split into two groups by a CSV (groups=, as London is by ethnicity): each
group gets a row of its own over the pairs within it, and the table is
rebuilt from the stored scores without the service (FROM=)."""

import importlib.util
import json
import os
import subprocess

import pytest

from harness import paths
from harness.faces import ORL

TOOL = os.path.join(paths.REPO_ROOT, "tools", "facecal", "calibrate.py")
CONVERT = os.path.join(paths.REPO_ROOT, "tools", "facemodels", "convert.py")
TARGET = 0.02


def population(root, name, subjects):
    """A set folder holding links to the named ORL subjects' folders."""
    d = os.path.join(root, name)
    os.makedirs(d)
    for s in subjects:
        os.symlink(os.path.join(ORL, "s%d" % s), os.path.join(d, "s%d" % s))
    return d


@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    if not os.path.isdir(ORL):
        pytest.skip("ORL faces not present at ../shared/data/faces/orl")
    root = str(tmp_path_factory.mktemp("facecal"))
    # Set a's people in two groups (as London's by ethnicity): x is
    # s1..s10, y s11..s20.
    groups = os.path.join(root, "groups.csv")
    with open(groups, "w") as f:
        f.write("person,group\n" + "".join(
            "s%d,%s\n" % (n, "x" if n <= 10 else "y") for n in range(1, 21)))
    sets = [("a", population(root, "a", range(1, 21)), "first-half",
             ":groups=" + groups),
            ("b", population(root, "b", range(21, 41)), "second-half", ""),
            ("tiny", population(root, "tiny", (1, 2)), "too-small", "")]
    out = os.path.join(root, "out")
    env = dict(os.environ, OUT=out, TARGET_FMR=str(TARGET), ENROL_N="5",
               BUILD=os.environ.get("BUILD", "build"))
    args = ["%s=%s:%s:%s" % s if s[3] else "%s=%s:%s" % s[:3]
            for s in sets]
    run = subprocess.run(
        ["/usr/bin/python3", TOOL] + args,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:]
    with open(os.path.join(out, "calibration.json")) as f:
        return run.stdout, json.load(f), out, args, env


def test_threshold_is_the_worst_usable_sets(calibration):
    cal = calibration[1]
    by_name = {s["name"]: s for s in cal["sets"]}
    assert set(by_name) == {"a", "a/x", "a/y", "b", "tiny"}
    for name in ("a", "a/x", "a/y", "b"):
        assert by_name[name]["used"], name
    assert not by_name["tiny"]["used"]
    assert cal["threshold"] == pytest.approx(
        max(by_name[n]["own_threshold"] for n in ("a", "a/x", "a/y", "b")),
        abs=1e-4)


def test_group_rows_count_pairs_within_the_group(calibration):
    """A group's impostor pairs are those between two of its people (as
    NIST's demographic tables count them), its probes its people's."""
    cal = calibration[1]
    by_name = {s["name"]: s for s in cal["sets"]}
    whole = by_name["a"]
    assert whole["people"] == 20 and not whole["group"]
    probes = 0
    for g in ("a/x", "a/y"):
        row = by_name[g]
        assert row["people"] == 10 and row["group"]
        at = row["at_threshold"]
        assert at["impostor_pairs"] == (
            (row["genuine_probes"] - row["failures_to_acquire"]) * 9)
        # Pairs within a group are a subset of the set's pairs.
        assert at["false_matches"] <= whole["at_threshold"]["false_matches"]
        probes += row["genuine_probes"]
    assert probes == whole["genuine_probes"]


def test_the_table_again_from_stored_scores(calibration, tmp_path):
    """FROM= rebuilds the table and calibration.json from the per-set
    files without starting the service."""
    _, cal, out, args, env = calibration
    again = os.path.join(str(tmp_path), "again")
    run = subprocess.run(["/usr/bin/python3", TOOL] + args,
                         env=dict(env, FROM=out, OUT=again),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    with open(os.path.join(again, "calibration.json")) as f:
        cal2 = json.load(f)
    assert cal2["threshold"] == cal["threshold"]
    assert [s["name"] for s in cal2["sets"]] == [s["name"]
                                                 for s in cal["sets"]]


def test_target_fmr_holds_on_every_usable_set(calibration):
    cal = calibration[1]
    for s in cal["sets"]:
        at = s["at_threshold"]
        assert at["impostor_pairs"] > 0 and at["genuine_probes"] > 0, s
        assert 0.0 <= at["fnmr"] <= 1.0, s
        if s["used"]:
            assert at["fmr"] <= TARGET, s
            assert at["impostor_pairs"] >= 3 / TARGET, s


def test_per_set_files_hold_scores_and_curves(calibration):
    out = calibration[2]
    with open(os.path.join(out, "a.json")) as f:
        a = json.load(f)
    assert len(a["scores"]["genuine"]) > 0
    assert len(a["scores"]["impostor"]) > 0
    fmrs = [p["fmr"] for p in a["curve"]]
    fnmrs = [p["fnmr"] for p in a["curve"]]
    # Raising the threshold never adds a false match nor saves a miss.
    assert fmrs == sorted(fmrs, reverse=True)
    assert fnmrs == sorted(fnmrs)
    # Every scored probe keeps VerifyFace's quality (quality_gate.py
    # reads it).
    scored = [d for d in a["detail"] if d["genuine"] is not None]
    assert scored and all(0 < d["quality"] <= 1 for d in scored)


def test_report_names_small_set_and_table(calibration):
    stdout = calibration[0]
    assert "tiny has" in stdout and "not used for the threshold" in stdout
    assert "| a | first-half | 20 |" in stdout


def test_model_card_words_name_every_set(calibration):
    cal = calibration[1]
    spec = importlib.util.spec_from_file_location("convert", CONVERT)
    convert = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(convert)
    note = convert.calibration_note(cal)
    for name in ("a (first-half, 20 people)", "b (second-half, 20 people)",
                 "tiny (too-small, 2 people)", "not used"):
        assert name in note, note
