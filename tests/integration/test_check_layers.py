"""tools/dev/check_layers.py (make check): every service stacks in the
layers its LAYERS file declares.  An include or import of a layer above,
a file no layer names and a circle of files each fail, named; the tree
itself passes.  tools/dev/check_symbols.py fails on a circle of objects
in any service."""
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


SYMBOLS = os.path.join(ROOT, "tools", "dev", "check_symbols.py")


def test_objects_that_use_each_other_fail_in_every_service(tmp_path):
    # check_symbols.py reads the circle from the objects: two files of
    # dosage's catalogue/ with no include between them, each calling the
    # other (drug.c's rules and route.c's conversion did).  No service is
    # exempt, dosage included.
    src = tmp_path / "services" / "dosage"
    _write(src / "catalogue", {
        "drug.c": "int route_ok(void);\n"
                  "int drug_ok(void) { return route_ok(); }\n",
        "route.c": "int drug_ok(void);\n"
                   "int route_ok(void) { return drug_ok(); }\n",
    })
    (src / "LAYERS").write_text("catalogue: catalogue/\n")
    obj = tmp_path / "build" / "obj" / "services" / "dosage" / "catalogue"
    obj.mkdir(parents=True)
    for name in ("drug", "route"):
        subprocess.run(["cc", "-c", "-o", str(obj / (name + ".o")),
                        str(src / "catalogue" / (name + ".c"))],
                       check=True, timeout=60)
    code = ("import sys; sys.path.insert(0, %r); import check_symbols; "
            "p, _ = check_symbols.service_stacks('build'); "
            "print('\\n'.join(p))" % os.path.dirname(SYMBOLS))
    r = subprocess.run(["/usr/bin/python3", "-c", code], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert ("services/dosage: a circle of files, each using the next: "
            "catalogue/drug.o, catalogue/route.o") in r.stdout, r.stdout
