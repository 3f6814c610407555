"""tools/dev/check_fnlen.py (make check): a C function longer than the
limit fails, named with its file and line; the tree itself passes."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "tools", "dev", "check_fnlen.py")


def _check(root):
    return subprocess.run(["/usr/bin/python3", CHECK, "--root", root],
                          capture_output=True, text=True, timeout=120)


def _function(name, body_lines):
    body = "".join("\tx += %d;\n" % i for i in range(body_lines))
    return "static int\n%s(int x)\n{\n%s\treturn x;\n}\n\n" % (name, body)


def test_a_long_function_fails_and_is_named(tmp_path):
    src = tmp_path / "services" / "demo"
    src.mkdir(parents=True)
    (src / "demo.c").write_text(
        "#include <stdio.h>\n\n" + _function("short_one", 10)
        + _function("long_one", 90))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    r = _check(str(tmp_path))
    assert r.returncode == 1, r.stdout
    assert "services/demo/demo.c:" in r.stdout, r.stdout
    assert "long_one is 94 lines, over 80" in r.stdout, r.stdout
    assert "short_one" not in r.stdout.split("limit 80)")[1], r.stdout
    assert "2 functions" in r.stdout, r.stdout


def test_the_tree_is_within_the_limit():
    r = _check(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "over 80" not in r.stdout, r.stdout
