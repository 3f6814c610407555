"""tools/train/cv_select.py, the cross-validation that chooses a chest
X-ray candidate without the test split (issue 52): its folds keep every
patient's images together and give each fold both classes on the real
kermany224 train + val manifest, and its ranking prefers the higher
viral-vs-normal AUC, then the lower log-loss.  Skipped without Debian's
python3-torch (`make deps-train`) or the shared data set."""

import csv
import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "train"))

pytest.importorskip("torch")
import cv_select  # noqa: E402

MANIFEST = os.path.join(ROOT, "..", "shared", "data", "chest", "kermany224",
                        "manifest.csv")


def test_folds_are_patient_disjoint_and_hold_both_classes():
    if not os.path.exists(MANIFEST):
        pytest.skip("kermany224 not in ../shared")
    with open(MANIFEST, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] in ("train",
                                                                 "val")]
    pats = [r["patient_id"] for r in rows]
    labels = np.array([r["label"] for r in rows])
    fold = cv_select.folds_of(pats, 5)
    seen = {}
    for p, f in zip(pats, fold):
        assert seen.setdefault(p, f) == f, p
    for f in range(5):
        sel = fold == f
        assert 200 <= sel.sum() <= 400
        assert set(labels[sel]) == {"normal", "pneumonia"}


def test_ranking_uses_viral_auc_then_logloss():
    a = {"auc_virus": 0.9912, "logloss": 0.30}
    b = {"auc_virus": 0.9914, "logloss": 0.20}  # ties at 3 decimals
    c = {"auc_virus": 0.9950, "logloss": 0.90}
    assert max([a, b, c], key=cv_select.rank_key) is c
    assert max([a, b], key=cv_select.rank_key) is b


def test_scores_split_the_subtypes():
    y = np.array([0, 0, 1, 1, 1, 1])
    sub = np.array(["", "", "virus", "virus", "bacteria", "bacteria"])
    z = np.array([0.0, 1.0, 0.5, 2.0, 3.0, 4.0])
    s = cv_select.scores(y, sub, z)
    assert s["auc_bacteria"] == 1.0
    assert s["auc_virus"] == 0.75
