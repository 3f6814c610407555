"""Each make target installs the toolchain it needs and no more (issue
50, item 2): make run the run group, make deploy-check the chart
checker's on top, the image and kube targets podman's on top of that,
make test everything.  Read from tools/dev/install-deps.sh --list and
the Makefile; nothing is installed."""

import os
import re
import shutil
import subprocess

import pytest

from harness import paths

INSTALL = os.path.join(paths.REPO_ROOT, "tools", "dev", "install-deps.sh")
CHAIN = ("run", "deploy", "images", "all")


def group(name):
    r = subprocess.run([INSTALL, "--list", name], stdout=subprocess.PIPE,
                       universal_newlines=True, check=True, timeout=30)
    return set(r.stdout.split())


def test_each_group_holds_the_one_below():
    groups = [group(g) for g in CHAIN]
    for lower, upper, names in zip(groups, groups[1:], zip(CHAIN, CHAIN[1:])):
        assert lower < upper, (names, sorted(lower - upper))


def test_the_browser_and_galera_come_only_with_make_test():
    for g in ("run", "deploy", "images"):
        assert not {"chromium", "galera-4"} & group(g), g
    assert {"chromium", "galera-4"} <= group("all")


def test_deploy_check_finds_every_tool_it_needs_in_its_group():
    with open(os.path.join(paths.REPO_ROOT, "deploy", "k8s", "check",
                           "deploy-check.sh")) as f:
        needs = re.findall(r"^need (\S+) (\S+)$", f.read(), re.M)
    assert needs
    deploy = group("deploy")
    for cmd, pkg in needs:
        if pkg == "npm" and shutil.which("npm"):
            continue  # a NodeSource nodejs brings its own npm
        assert pkg in deploy, (cmd, pkg)


def test_images_group_has_podman_and_what_it_runs_with():
    assert {"podman", "runc", "mmdebstrap", "catatonit"} <= group("images")


@pytest.mark.parametrize("target,deps", [
    ("run", "deps-run"), ("deploy-check", "deps-deploy"),
    ("images", "deps-images"), ("image-test", "deps-images"),
    ("kube-test", "deps-images"), ("test", "deps")])
def test_each_target_installs_its_own_group(target, deps):
    with open(os.path.join(paths.REPO_ROOT, "Makefile")) as f:
        text = f.read()
    assert re.search(r"^%s: %s$" % (re.escape(target), re.escape(deps)),
                     text, re.M), (target, deps)


def test_an_unknown_group_is_refused():
    r = subprocess.run([INSTALL, "--list", "everything"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=30)
    assert r.returncode == 2 and "run|deploy|images|all|train" in r.stderr
