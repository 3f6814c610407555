"""The second annotations of tests/data/notes/agreement/ (issue 75,
docs/note-reader.md "Two annotators"): each is of notes its set holds, word
for word, so tools/notes/agreement.py compares two readings of the same
text; and the annotators' agreement is what docs/note-reader.md reports."""

import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, "tools", "notes"))
import agreement  # noqa: E402
import eval as note_eval  # noqa: E402

SECONDS = sorted(f[:-len(".notes")] for f in os.listdir(agreement.AGREEMENT)
                 if f.endswith(".notes"))
# docs/note-reader.md, "Two annotators": the second annotator against the
# first, all findings (kind, code and context)
REPORTED = {"en-dev12": 0.777, "zh-dev12": 0.769,
            "en-dev14": 0.798, "zh-dev14": 0.790,
            "en-dev15": 0.927, "zh-dev15": 0.944,
            "en-dev16": 0.871, "zh-dev16": 0.896,
            "en-dev17": 0.859, "zh-dev17": 0.868,
            "en-dev18": 0.741, "zh-dev18": 0.744,
            "en-dev19": 0.891, "zh-dev19": 0.819,
            "en-dev20": 0.728, "zh-dev20": 0.682,
            "en-dev21": 0.841, "zh-dev21": 0.779,
            "en-dev22": 0.849, "zh-dev22": 0.800,
            "en-dev23": 0.691, "zh-dev23": 0.672,
            "en-dev24": 0.821, "zh-dev24": 0.868,
            "en-dev25": 0.907, "zh-dev25": 0.871,
            "en-dev26": 0.903, "zh-dev26": 0.813,
            "en-dev27": 0.846, "zh-dev27": 0.566,
            "en-dev28": 0.514, "zh-dev28": 0.576,
            "en-dev29": 0.813, "zh-dev29": 0.758,
            "en-dev30": 0.839, "zh-dev30": 0.874,
            "en-dev31": 0.785, "zh-dev31": 0.801,
            "en-dev32": 0.822, "zh-dev32": 0.727,
            "en-dev33": 0.863, "zh-dev33": 0.851,
            "en-dev34": 0.871, "zh-dev34": 0.830,
            "en-dev35": 0.907, "zh-dev35": 0.900,
            "en-dev36": 0.774, "zh-dev36": 0.793,
            "en-dev37": 0.943, "zh-dev37": 0.949,
            "en-dev38": 0.925, "zh-dev38": 0.905,
            "en-dev39": 0.935, "zh-dev39": 0.882,
            "en-dev40": 0.832, "zh-dev40": 0.646,
            "en-dev41": 0.625, "zh-dev41": 0.811,
            "en-dev42": 0.700, "zh-dev42": 0.749,
            "en-dev43": 0.801, "zh-dev43": 0.826,
            "en-dev44": 0.692, "zh-dev44": 0.701,
            "en-dev45": 0.691, "zh-dev45": 0.752,
            "en-dev46": 0.740, "zh-dev46": 0.615,
            "en-dev47": 0.810, "zh-dev47": 0.765,
            "en-dev48": 0.701, "zh-dev48": 0.820,
            "en-dev49": 0.628, "zh-dev49": 0.858,
            "en-dev50": 0.888, "zh-dev50": 0.897,
            "en-dev51": 0.884, "zh-dev51": 0.921,
            "en-dev52": 0.947, "zh-dev52": 0.941,
            "en-dev53": 0.945, "zh-dev53": 0.822,
            "en-dev54": 0.880, "zh-dev54": 0.886,
            "en-dev55": 0.773, "zh-dev55": 0.880,
            "en-dev56": 0.916, "zh-dev56": 0.915,
            "en-dev57": 0.801, "zh-dev57": 0.849,
            "en-dev58": 0.754, "zh-dev58": 0.778,
            "en-dev59": 0.824, "zh-dev59": 0.885,
            "en-dev60": 0.935, "zh-dev60": 0.938,
            "en-dev61": 0.952, "zh-dev61": 0.880,
            "en-dev62": 0.816, "zh-dev62": 0.907,
            "en-dev63": 0.954, "zh-dev63": 0.662,
            "en-dev64": 0.949, "zh-dev64": 0.942,
            "en-dev65": 0.920, "zh-dev65": 0.902,
            "en-dev66": 0.935, "zh-dev66": 0.904,
            "en-dev67": 0.942, "zh-dev67": 0.932,
            "en-dev68": 0.970, "zh-dev68": 0.914,
            "en-dev69": 0.929, "zh-dev69": 0.981,
            "en-dev70": 0.943, "zh-dev70": 0.912,
            "en-dev71": 0.951, "zh-dev71": 0.931,
            "en-dev72": 0.942, "zh-dev72": 0.907,
            "en-dev73": 0.904, "zh-dev73": 0.877,
            "en-dev74": 0.930, "zh-dev74": 0.799,
            "en-dev75": 0.895, "zh-dev75": 0.899,
            "en-dev76": 0.912, "zh-dev76": 0.908,
            "en-dev77": 0.953, "zh-dev77": 0.903,
            "en-dev78": 0.949, "zh-dev78": 0.971,
            "en-dev79": 0.913, "zh-dev79": 0.915,
            "en-dev80": 0.952, "zh-dev80": 0.901,
            "en-dev81": 0.930, "zh-dev81": 0.893,
            "en-dev82": 0.925, "zh-dev82": 0.819,
            "en-dev83": 0.836, "zh-dev83": 0.863,
            "en-dev84": 0.877, "zh-dev84": 0.910,
            "en-dev85": 0.916, "zh-dev85": 0.843,
            "en-dev86": 0.873, "zh-dev86": 0.884,
            "en-dev87": 0.896, "zh-dev87": 0.862,
            "en-dev88": 0.914, "zh-dev88": 0.869,
            "en-dev89": 0.944, "zh-dev89": 0.867,
            "en-dev90": 0.943, "zh-dev90": 0.664,
            "en-dev91": 0.972, "zh-dev91": 0.858,
            "en-dev92": 0.927, "zh-dev92": 0.835,
            # held out still: reported in docs/note-reader.md, "The
            # current measure"
            "en-test93": 0.951, "zh-test93": 0.863}


def _pair(name):
    second = note_eval.parse(os.path.join(agreement.AGREEMENT,
                                          name + ".notes"))
    first = {n["id"]: n for n in note_eval.parse(note_eval.set_path(name))}
    return first, second


@pytest.mark.parametrize("name", SECONDS)
def test_second_annotation_is_of_the_sets_own_notes(name):
    first, second = _pair(name)
    assert len(second) >= 10
    for n in second:
        assert n["id"] in first, "%s: %s is no note of the set" % (
            name, n["id"])
        assert n["text"] == first[n["id"]]["text"], \
            "%s: %s's text differs from the set's" % (name, n["id"])


@pytest.mark.parametrize("name", SECONDS)
def test_agreement_is_what_the_docs_report(name):
    first, second = _pair(name)
    reference = [first[n["id"]] for n in second]
    got = {n["id"]: note_eval._no_known_allergies(n["expect"])
           for n in second}
    f1 = note_eval.score(reference, got)["all"]["f1"]
    assert round(f1, 3) == REPORTED[name]
