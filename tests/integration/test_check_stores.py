"""tools/dev/check_stores.py (make check, make unit): "a store holds no
call".  A store object that uses a med_call_* symbol fails, named with the
symbols; the allow-list (tools/dev/store-call-allow.txt) passes a listed
store and fails an entry that no longer holds the call or is gone, so it
only shrinks; an empty list holds every store; a store whose opening
comment does not state the rule fails; the tree itself passes with no
store listed."""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "tools", "dev", "check_stores.py")

HEADER = "/*\n * store - a test store.  A store: it holds no call.\n */\n"
TAKES_CALL = HEADER + """typedef struct med_call med_call;
void *med_call_db(med_call *call);
void *store_db(med_call *call);
void *store_db(med_call *call) { return med_call_db(call); }
"""
NO_CALL = HEADER + \
    "int store_rows(int n);\nint store_rows(int n) { return n; }\n"


def _check(root):
    env = dict(os.environ, BUILD="build")
    return subprocess.run(["/usr/bin/python3", CHECK, "--root", root],
                          capture_output=True, text=True, timeout=120,
                          env=env)


def _file(root, rel, text):
    """Writes root/rel and compiles it to root/build/obj/rel's .o."""
    src = root / rel
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(text)
    obj = root / "build" / "obj" / (rel[:-2] + ".o")
    obj.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cc", "-c", "-o", str(obj), str(src)], check=True)


def _tree(tmp_path, allow=None):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _file(tmp_path, "services/ward/store.c", NO_CALL)
    _file(tmp_path, "services/ward/store_beds.c", TAKES_CALL)
    _file(tmp_path, "services/ward/handlers.c", TAKES_CALL)
    if allow is not None:
        (tmp_path / "tools" / "dev").mkdir(parents=True)
        (tmp_path / "tools" / "dev" / "store-call-allow.txt").write_text(
            "# the list only shrinks\n" + "".join(a + "\n" for a in allow))


def test_a_store_that_takes_the_call_fails_and_is_named(tmp_path):
    _tree(tmp_path)
    r = _check(str(tmp_path))
    assert r.returncode == 1, r.stdout
    assert "services/ward/store_beds.c uses med_call_db: a store holds " \
        "no call" in r.stdout, r.stdout
    # The handler may hold the call; the clean store is not named.
    assert "handlers.c" not in r.stdout, r.stdout
    assert "ward/store.c" not in r.stdout, r.stdout


def test_a_listed_store_passes(tmp_path):
    _tree(tmp_path, allow=["services/ward/store_beds.c"])
    r = _check(str(tmp_path))
    assert r.returncode == 0, r.stdout
    assert "2 store objects read; 1 still hold the call" in r.stdout


def test_the_list_only_shrinks(tmp_path):
    _tree(tmp_path, allow=["services/ward/store_beds.c",
                           "services/ward/store.c",
                           "services/ward/store_gone.c"])
    r = _check(str(tmp_path))
    assert r.returncode == 1, r.stdout
    assert "services/ward/store.c holds no call now: remove it from " \
        "tools/dev/store-call-allow.txt" in r.stdout, r.stdout
    assert "services/ward/store_gone.c is listed in " \
        "tools/dev/store-call-allow.txt but is gone" in r.stdout, r.stdout
    assert "store_beds.c" not in r.stdout.split("\n", 1)[1], r.stdout


def test_an_empty_list_still_holds_every_store(tmp_path):
    # The list with its header comment and no line: every store is held
    # to the rule, and one that takes the call fails, named.
    _tree(tmp_path, allow=[])
    r = _check(str(tmp_path))
    assert r.returncode == 1, r.stdout
    assert "2 store objects read; 0 still hold the call" in r.stdout
    assert "services/ward/store_beds.c uses med_call_db: a store holds " \
        "no call" in r.stdout, r.stdout


def test_an_empty_list_passes_stores_without_the_call(tmp_path):
    _tree(tmp_path, allow=[])
    _file(tmp_path, "services/ward/store_beds.c", NO_CALL)
    r = _check(str(tmp_path))
    assert r.returncode == 0, r.stdout
    assert "2 store objects read; 0 still hold the call" in r.stdout


def test_a_store_whose_comment_omits_the_rule_fails(tmp_path):
    # The rule stated where a reader of the store meets it: a store whose
    # opening comment does not say it holds no call is named.
    _tree(tmp_path, allow=["services/ward/store_beds.c"])
    _file(tmp_path, "services/ward/store.c",
          NO_CALL.replace("it holds no call", "it reads rows"))
    r = _check(str(tmp_path))
    assert r.returncode == 1, r.stdout
    assert "services/ward/store.c: its opening comment does not say the " \
        "store holds no call" in r.stdout, r.stdout


def test_no_store_of_the_tree_takes_the_call():
    # Every store of the tree is a vocabulary over a connection and an
    # arena: the allow-list has no line left.
    with open(os.path.join(ROOT, "tools", "dev", "store-call-allow.txt"),
              encoding="utf-8") as f:
        listed = [ln.split("#", 1)[0].strip() for ln in f]
    assert [ln for ln in listed if ln] == []


def test_the_tree_passes():
    r = _check(ROOT)
    if r.returncode == 2:
        pytest.skip("not built: " + r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
