"""The localisation figure of the chest model's card (MODEL_CARD.md,
"Where it looked") comes from tools/xraycal/camloc.py: it runs on the
test split's normal films with drawn opacities and reports the map's mass
inside them, the area above half its peak and where its peak falls.
Skipped without ../shared's films (the script exits 77)."""

import json
import os
import subprocess

import pytest

from harness import paths

SCRIPT = os.path.join(paths.REPO_ROOT, "tools", "xraycal", "camloc.py")
SHARED = os.path.join(paths.REPO_ROOT, "..", "shared")


def test_camloc_reports_the_three_figures():
    r = subprocess.run(["/usr/bin/python3", SCRIPT, "--shared", SHARED,
                        "--n", "60", "--json"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=600)
    if r.returncode == 77:
        pytest.skip("../shared's chest films are absent")
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    out = json.loads(r.stdout.decode())
    fig = out["new"]
    assert out["films"] == 60 and out["counted"] <= out["negative_before"]
    for key in ("mass_inside_median", "area_half_peak_median", "peak_inside"):
        assert 0.0 <= fig[key] <= 1.0, (key, fig)
