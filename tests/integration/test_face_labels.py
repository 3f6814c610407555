"""The labels a calibration set is read with (tools/facecal/calibrate.py,
NAME=DIR:KIND:LABELS) and the team's labels of Caltech Faces_easy: every
photograph named exists, none twice, no drawing is a person, and a label
naming a missing photograph stops the tool instead of shrinking the set."""

import importlib.util
import os

import pytest

from harness import paths
from harness.faces import CALTECH

FACECAL = os.path.join(paths.REPO_ROOT, "tools", "facecal")
LABELS = os.path.join(FACECAL, "caltech_faces_easy.people.csv")
DRAWINGS = {"image_0389.jpg", "image_0391.jpg", "image_0392.jpg"}


def calibrate():
    spec = importlib.util.spec_from_file_location(
        "calibrate", os.path.join(FACECAL, "calibrate.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def label_rows():
    with open(LABELS) as f:
        lines = [ln.strip() for ln in f if not ln.startswith("#")]
    assert lines[0] == "file,person", "labels start with a file,person header"
    return [tuple(ln.split(",")) for ln in lines[1:] if ln]


def test_caltech_labels_name_each_photograph_once():
    files = [f for f, _ in label_rows()]
    assert len(files) == len(set(files)), "a photograph labelled twice"
    assert not DRAWINGS & set(files), "the drawings are not people"
    assert len(files) == 432


def test_caltech_labels_people_are_consecutive():
    """The set keeps each person's photographs together: a label that
    jumps back to an earlier person is a slip of the labeller."""
    seen, last = set(), None
    for _, person in label_rows():
        if person != last:
            assert person not in seen, "%s appears in two runs" % person
            seen.add(person)
            last = person


def test_labelled_set_reads_people_from_the_csv(tmp_path):
    cal = calibrate()
    for n in ("a1.jpg", "a2.jpg", "b1.jpg", "c1.jpg", "c2.jpg"):
        (tmp_path / n).write_bytes(b"x")
    labels = tmp_path / "people.csv"
    labels.write_text("# a comment\nfile,person\na1.jpg,a\na2.jpg,a\n"
                      "b1.jpg,b\nc2.jpg,c\nc1.jpg,c\n")
    got = cal.people(str(tmp_path), str(labels), 10, 10)
    assert sorted(got) == ["a", "c"], "b has one photograph and is skipped"
    assert [os.path.basename(p) for p in got["c"]] == ["c1.jpg", "c2.jpg"]


def test_label_of_a_missing_photograph_stops_the_tool(tmp_path):
    cal = calibrate()
    labels = tmp_path / "people.csv"
    labels.write_text("file,person\nnot-there.jpg,a\n")
    with pytest.raises(SystemExit) as e:
        cal.people(str(tmp_path), str(labels), 10, 10)
    assert "not-there.jpg" in str(e.value)


def test_caltech_labels_match_the_shared_set():
    if not os.path.isdir(CALTECH):
        pytest.skip("Caltech faces not present at ../shared/data/faces")
    got = calibrate().people(CALTECH, LABELS, 200, 30)
    assert len(got) == 26
    assert sum(len(p) for p in got.values()) == 430
