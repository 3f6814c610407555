"""tools/dev/check_layers.py (make check): every service stacks in the
layers its LAYERS file declares.  An include or import of a layer above,
a file no layer names and a circle of files each fail, named; the tree
itself passes."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "tools", "dev", "check_layers.py")


def _check(top):
    return subprocess.run(["/usr/bin/python3", CHECK, str(top)],
                          capture_output=True, text=True, timeout=120)


def _write(folder, files):
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def test_an_upward_include_a_stray_file_and_a_circle_fail(tmp_path):
    demo = tmp_path / "demo"
    _write(demo, {
        "LAYERS": "# bottom to top\nbase: demo.h low.c a.h b.h\n"
                  "top: top.h top.c\n",
        "demo.h": "int low(void);\n",
        "low.c": '#include "demo.h"\n#include "top.h"\n',
        "top.h": '#include "demo.h"\nint top(void);\n',
        "top.c": '#include "top.h"\n',
        "a.h": '#include "b.h"\n',
        "b.h": '#include "a.h"\n',
        "stray.c": '#include "demo.h"\n',
    })
    r = _check(tmp_path)
    assert r.returncode == 1, r.stdout
    assert ("demo/low.c:2: base includes %s of top, a layer above it"
            % (demo / "top.h")) in r.stdout, r.stdout
    assert "demo/stray.c: in no layer of" in r.stdout, r.stdout
    assert ("a circle of files, each including or importing the next: "
            "%s, %s" % (demo / "a.h", demo / "b.h")) in r.stdout, r.stdout
    # The lawful includes are not named.
    assert "top.c:" not in r.stdout and "top.h:" not in r.stdout, r.stdout


def test_scripts_that_import_each_other_fail(tmp_path):
    # The console's shape before screen.js: the app imports a screen that
    # imports the app's helpers back.
    ui = tmp_path / "ui"
    _write(ui, {
        "LAYERS": "screens: audit.js\ntop: app.js\n",
        "app.js": "import { auditScreen } from './audit.js';\n"
                  "export function h() {}\n",
        "audit.js": "import { h } from './app.js';\n"
                    "export function auditScreen() { h(); }\n",
    })
    r = _check(tmp_path)
    assert r.returncode == 1, r.stdout
    assert ("ui/audit.js:1: screens includes %s of top, a layer above it"
            % (ui / "app.js")) in r.stdout, r.stdout
    assert ("a circle of files, each including or importing the next: "
            "%s, %s" % (ui / "app.js", ui / "audit.js")) in r.stdout, \
        r.stdout


def test_a_service_without_layers_fails(tmp_path):
    _write(tmp_path / "bare", {"main.c": "int main(void) { return 0; }\n"})
    r = _check(tmp_path)
    assert r.returncode == 1, r.stdout
    assert "bare: no LAYERS file" in r.stdout, r.stdout


def test_the_tree_stacks():
    r = _check(os.path.join(ROOT, "services"))
    assert r.returncode == 0, r.stdout + r.stderr
    for service in ("identity", "diagnosis", "audit", "hl7", "console",
                    "dosage", "fhir"):
        assert "services/%s: " % service in r.stdout, r.stdout
