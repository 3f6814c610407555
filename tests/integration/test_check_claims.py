"""tools/dev/check_claims.py (make check, section claims): a sentence of
docs/architecture.md or docs/internals/*.md that says "only", "never",
"before", "after" or "always" is a claim of order or exclusivity, so it carries a
marker <!-- claim: ID --> whose row in docs/internals/claims.tsv proves it
against the tree.  An unmarked one fails, named with its page and line; a
marked one whose proof passes passes, and one whose proof fails is named;
code, "append-only" and other words pass.  The tree itself passes."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "tools", "dev", "check_claims.py")
HEAD = "# id\tpage\tproof\n"


def _check(root):
    return subprocess.run(["/usr/bin/python3", CHECK, "--root", str(root)],
                          capture_output=True, text=True, timeout=120)


def _tree(tmp_path, page, rows=""):
    """A tree with one mechanism page (docs/internals/ward.md), an empty
    architecture page, the claims table and a store that holds no call."""
    internals = tmp_path / "docs" / "internals"
    internals.mkdir(parents=True)
    (tmp_path / "docs" / "architecture.md").write_text("# architecture\n")
    (internals / "ward.md").write_text(page)
    (internals / "claims.tsv").write_text(HEAD + rows)
    store = tmp_path / "services" / "ward"
    store.mkdir(parents=True)
    (store / "store.c").write_text("int store_beds(int n) { return n; }\n")


PROOF = "! grep -q med_call services/ward/store.c"


def test_an_unmarked_never_fails_named_with_page_and_line(tmp_path):
    _tree(tmp_path, "# ward\n\nBeds are counted per ward.\nThe store\n"
          "never sees the call. Nurses chart doses.\n")
    r = _check(tmp_path)
    assert r.returncode == 1, r.stdout
    assert r.stdout.startswith("docs/internals/ward.md:5: 'never' in a "
                               "sentence with no <!-- claim: ID -->"), \
        r.stdout
    assert len(r.stdout.splitlines()) == 1, r.stdout


def test_a_marked_never_whose_proof_passes_passes(tmp_path):
    _tree(tmp_path, "# ward\n\nThe store never sees the call"
          "<!-- claim: ward-store -->. Nurses chart doses.\n",
          "ward-store\tdocs/internals/ward.md\t%s\n" % PROOF)
    r = _check(tmp_path)
    assert r.returncode == 0, r.stdout
    assert r.stdout.startswith("1 checked claims hold; every only, never, "
                               "before, after and always is one of "
                               "them"), r.stdout


def test_the_proof_fails_when_the_code_changes_under_it(tmp_path):
    _tree(tmp_path, "# ward\n\nThe store never sees the call.\n"
          "<!-- claim: ward-store -->\n",
          "ward-store\tdocs/internals/ward.md\t%s\n" % PROOF)
    (tmp_path / "services" / "ward" / "store.c").write_text(
        "typedef struct med_call med_call;\n"
        "int store_beds(med_call *call) { return call != 0; }\n")
    r = _check(tmp_path)
    assert r.returncode == 1, r.stdout
    assert "docs/internals/claims.tsv:2: claim ward-store no longer " \
        "holds" in r.stdout, r.stdout
    # The marker just after the sentence's end is the sentence's.
    assert "ward.md:3" not in r.stdout, r.stdout


def test_code_compounds_and_other_words_pass(tmp_path):
    _tree(tmp_path, "# ward\n\nThe log is append-only and read-only to "
          "nurses. A call to `only_service` names\n"
          "`med_call_never_twice` across a line. Ask\n"
          "first, then commit.\n\n```\nnever in a code block\n```\n\n"
          "| file | what |\n|---|---|\n| `only.c` | the beds |\n")
    r = _check(tmp_path)
    assert r.returncode == 0, r.stdout


def test_each_word_in_any_case_in_a_list_or_table_fails(tmp_path):
    _tree(tmp_path, "# ward\n\n- Only a nurse charts.\n"
          "- A dose is checked BEFORE it is charted.\n\n"
          "| step | rule |\n|---|---|\n| scan | always the wristband |\n")
    r = _check(tmp_path)
    assert r.returncode == 1, r.stdout
    named = [line.split(" in a sentence")[0]
             for line in r.stdout.splitlines()]
    assert named == ["docs/internals/ward.md:3: 'Only'",
                     "docs/internals/ward.md:4: 'BEFORE'",
                     "docs/internals/ward.md:8: 'always'"], r.stdout


def test_an_unmarked_after_fails_and_a_marked_one_passes(tmp_path):
    """"after" states an order as "before" does: "the dose is charted after
    the scan" is a claim; "after-care" names a thing."""
    _tree(tmp_path, "# ward\n\nThe after-care list is printed.\n"
          "A dose is charted\nAFTER the wristband scan. Nurses sign.\n")
    r = _check(tmp_path)
    assert r.returncode == 1, r.stdout
    assert r.stdout.splitlines() == [
        "docs/internals/ward.md:5: 'AFTER' in a sentence with no "
        "<!-- claim: ID -->: prove it in docs/internals/claims.tsv or say "
        "it without the word"], r.stdout
    (tmp_path / "docs" / "internals" / "ward.md").write_text(
        "# ward\n\nA dose is charted after the scan"
        "<!-- claim: ward-store -->.\n")
    (tmp_path / "docs" / "internals" / "claims.tsv").write_text(
        HEAD + "ward-store\tdocs/internals/ward.md\t%s\n" % PROOF)
    r = _check(tmp_path)
    assert r.returncode == 0, r.stdout


def test_the_tree_passes():
    r = subprocess.run(["/usr/bin/python3", CHECK], capture_output=True,
                       text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stdout
