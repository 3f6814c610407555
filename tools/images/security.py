"""security.py ROOT - the Debian packages installed in the root file system
ROOT for which Debian's security archive has a newer version, one
"package:installed<fixed" a line, from the host's apt lists of
bookworm-security (no network: Debian ships no offline copy of the
security tracker; debsecan downloads its data).  Exits 2 when the host has
no such lists, so that a missing scan is not taken for a clean one."""

import glob
import os
import subprocess
import sys


def read_text(path):
    """The text of a dpkg status file or of an apt list, which apt may
    keep compressed (.lz4, .gz, ...): apt-helper reads them all."""
    if os.path.basename(path).endswith("_Packages*"):
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    if path.endswith("/status"):
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    return subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path],
                          check=True, stdout=subprocess.PIPE).stdout.decode(
                              "utf-8", "replace")


def read_stanzas(path):
    for block in read_text(path).split("\n\n"):
        fields = {}
        for line in block.splitlines():
            if line and not line[0].isspace() and ":" in line:
                k, _, v = line.partition(":")
                fields[k] = v.strip()
        if "Package" in fields:
            yield fields


def installed(root):
    pkgs = {}
    for st in read_stanzas(os.path.join(root, "var/lib/dpkg/status")):
        if st.get("Status", "").endswith(" installed"):
            pkgs[st["Package"]] = (st.get("Version", ""),
                                   st.get("Source", st["Package"]))
    return pkgs


def security_versions():
    lists = glob.glob("/var/lib/apt/lists/*security*bookworm-security*"
                      "_Packages*")
    if not lists:
        return None
    newest = {}
    for path in lists:
        for st in read_stanzas(path):
            name, ver = st["Package"], st.get("Version", "")
            old = newest.get(name)
            if old is None or newer(ver, old):
                newest[name] = ver
    return newest


def newer(a, b):
    return subprocess.run(["dpkg", "--compare-versions", a, "gt", b],
                          check=False).returncode == 0


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        print("usage: security.py ROOT (an image's root file system)",
              file=sys.stderr)
        return 1
    fixed = security_versions()
    if fixed is None:
        print("security.py: no bookworm-security apt lists on this host "
              "(run apt-get update with the security archive in the "
              "sources)", file=sys.stderr)
        return 2
    for name, (ver, _src) in sorted(installed(argv[1]).items()):
        if name in fixed and newer(fixed[name], ver):
            print("%s:%s<%s" % (name, ver, fixed[name]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
