"""Without a network to a registry (issue 50): make deps' apt and npm
steps stop with one line naming the cause (the registry unreachable, a
proxy, a CA) and pointing at the README's "Behind a proxy", with the
tools' own output kept in a log under the build folder that the line
names (tools/dev/net-cause.sh, install-deps.sh, npm-install.sh)."""

import os
import shutil
import subprocess

import pytest

from harness import paths

DEV = os.path.join(paths.REPO_ROOT, "tools", "dev")


def cause(tmp_path, text, what="the registry"):
    log = tmp_path / "out.log"
    log.write_text(text)
    return subprocess.run([os.path.join(DEV, "net-cause.sh"), str(log), what],
                          stdout=subprocess.PIPE, universal_newlines=True,
                          check=True, timeout=30).stdout.strip()


def failure_lines(argv, env):
    """The standard error lines of tools/dev/ARGV[0], which must fail
    with exit status 1 and exactly one line."""
    r = subprocess.run([os.path.join(DEV, argv[0])] + argv[1:], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    assert len(r.stderr.splitlines()) == 1, r.stderr
    return r.stderr.splitlines()


@pytest.mark.parametrize("text,words", [
    ("Err:1 http://deb.debian.org/debian bookworm InRelease\n"
     "  Temporary failure resolving 'deb.debian.org'\n", "does not resolve"),
    ("Err:1 http://deb.debian.org/debian bookworm InRelease\n"
     "  Could not connect to deb.debian.org:80 (151.101.2.132), connection "
     "timed out\n", "is unreachable"),
    ("E: Failed to fetch http://deb.debian.org/x.deb  407  Proxy "
     "Authentication Required [IP: 10.0.0.1 3128]\n", "the proxy"),
    ("Err:2 https://deb.debian.org/debian bookworm InRelease\n"
     "  Certificate verification failed: The certificate is NOT trusted.\n",
     "not trusted"),
    ("npm error code SELF_SIGNED_CERT_IN_CHAIN\n", "not trusted"),
    ("npm error code ENOTFOUND\n", "does not resolve"),
    ("npm error code ECONNREFUSED\n", "is unreachable"),
])
def test_each_network_cause_is_named(tmp_path, text, words):
    assert words in cause(tmp_path, text), text


def test_a_failure_that_is_not_the_network_names_none(tmp_path):
    assert cause(tmp_path, "npm error code EINTEGRITY\n") == ""


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm not installed")
def test_npm_without_its_registry_says_so_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.lower().startswith("npm_config_")}
    env.update(BUILD=str(tmp_path / "build"),
               npm_config_registry="http://127.0.0.1:9",
               npm_config_cache=str(tmp_path / "npm-cache"),
               npm_config_fetch_retries="0")
    lines = failure_lines(["npm-install.sh", "hl7client"], env)
    log = tmp_path / "build" / "npm" / "hl7client" / "npm.log"
    assert lines[0].startswith("hl7client: npm ci failed: the npm registry "
                               "http://127.0.0.1:9")
    assert "unreachable" in lines[0] and '"Behind a proxy"' in lines[0]
    assert str(log) in lines[0] and "ECONNREFUSED" in log.read_text()


FAKE_APT = """#!/bin/sh
case "$1" in
update) echo "Err:1 http://deb.debian.org/debian bookworm InRelease"
	echo "  Temporary failure resolving 'deb.debian.org'"
	echo "W: Some index files failed to download."; exit 0 ;;
*) echo "E: Unable to locate package $3"; exit 100 ;;
esac
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="install-deps.sh needs root")
def test_apt_without_its_mirror_says_so_in_one_line(tmp_path):
    """A stand-in apt-get that cannot reach the mirror, and dpkg-query
    that finds nothing installed: nothing is installed for real."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "apt-get").write_text(FAKE_APT)
    (fake / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")
    for f in ("apt-get", "dpkg-query"):
        os.chmod(fake / f, 0o755)
    env = dict(os.environ, PATH="%s:%s" % (fake, os.environ["PATH"]),
               BUILD=str(tmp_path / "build"))
    lines = failure_lines(["install-deps.sh", "run"], env)
    log = tmp_path / "build" / "deps-apt.log"
    assert "does not resolve" in lines[0] and "Behind a proxy" in lines[0]
    assert str(log) in lines[0] and "Unable to locate" in log.read_text()
