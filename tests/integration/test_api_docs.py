"""docs/api must match the protos: regenerate into a temp dir and compare.

When this fails, run tools/dev/gen-api-docs.py and commit docs/api.
"""

import filecmp
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, "tools", "dev", "gen-api-docs.py")
DOCS = os.path.join(ROOT, "docs", "api")
# The generator needs Debian's python3-protobuf, which a pyenv python lacks.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def test_api_docs_up_to_date(tmp_path):
    if shutil.which("protoc") is None:
        pytest.skip("protoc not installed")
    out = tmp_path / "api"
    subprocess.run([PYTHON, GEN, "--out", str(out)], check=True)
    fresh = sorted(os.listdir(out))
    committed = sorted(f for f in os.listdir(DOCS) if f.endswith(".md"))
    assert committed == fresh, (
        "docs/api files differ from the generator's; run tools/dev/gen-api-docs.py")
    stale = [f for f in fresh
             if not filecmp.cmp(out / f, os.path.join(DOCS, f), shallow=False)]
    assert not stale, (
        "docs/api out of date for %s; run tools/dev/gen-api-docs.py" % stale)
