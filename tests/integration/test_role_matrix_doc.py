"""docs/security.md's role x method matrix is the services' own method
tables (issue 49, item 10): tools/dev/gen-role-matrix.py --check passes on
the committed page and fails on one whose rows drifted from the code.

When this fails, run tools/dev/gen-role-matrix.py (or make docs) and
commit docs/security.md."""

import os
import subprocess
import sys

from harness import paths

ROOT = paths.REPO_ROOT
GEN = os.path.join(ROOT, "tools", "dev", "gen-role-matrix.py")
DOC = os.path.join(ROOT, "docs", "security.md")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def _check(doc):
    return subprocess.run(
        [PYTHON, GEN, "--check", "--build", paths.build_dir(), "--doc", doc],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)


def test_role_matrix_is_the_method_tables():
    r = _check(DOC)
    assert r.returncode == 0, (
        "docs/security.md's role matrix differs from the method tables; "
        "run tools/dev/gen-role-matrix.py\n" + r.stdout.decode()
        + r.stderr.decode())


def test_service_binaries_print_their_tables():
    out = subprocess.run([paths.service_bin("identity"), "--roles"],
                         stdout=subprocess.PIPE, check=True,
                         timeout=60).stdout.decode()
    rows = dict(line.split("\t") for line in out.splitlines())
    assert rows["GetPatient"] == (
        "clinician,nurse,pharmacist,registrar,admin,service")
    # A write only the HL7 interface makes as a service.
    assert rows["Admit"] == "registrar,admin,service:hl7"


def test_a_drifted_row_fails_the_check(tmp_path):
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    row = "| audit | Query | admin, auditor |"
    assert row in text
    for bad in (text.replace(row, "| audit | Query | auditor, admin, nurse |"),
                text.replace(row + "\n", "")):
        doc = tmp_path / "security.md"
        doc.write_text(bad, encoding="utf-8")
        r = _check(str(doc))
        assert r.returncode == 1, r.stderr.decode()
        assert "| audit | Query | admin, auditor |" in r.stdout.decode()
        assert "gen-role-matrix.py" in r.stderr.decode()
    # Without the markers there is nowhere to put the matrix.
    doc.write_text(text.replace("<!-- roles:begin -->", ""), encoding="utf-8")
    assert _check(str(doc)).returncode == 2
