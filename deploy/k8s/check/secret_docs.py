#!/usr/bin/python3
"""The Secrets the docs tell an installer to make are the ones the chart reads.

    secret_docs.py --src ROOT RENDERED.yaml...

From the chart rendered with each ci/ values file (make deploy-check's
$BUILD/deploy-check/rendered/*.yaml) it collects, per Secret, the keys a
pod reads: the items of a secret volume (or of a projected volume's secret
source) and, for a secret volume mounted whole (the kubernetes.io/tls
Secrets), the files under its mount that a setting names.  Per-service
names are folded: smartmed-identity-tls is smartmed-<service>-tls and
password-identity is password-<service>.  Then:

  1. the Secrets table of deploy/k8s/README.md ("| Secret (default name) |"):
     each row's first `name` in the first column and the `keys` of the
     second column are exactly the Secret and the keys the chart reads,
     and every Secret the chart reads has a row;
  2. the Secrets the chart makes itself (secrets.create: true) hold the
     keys its pods read;
  3. the numbered steps of docs/operations.md, "### Install": each
     `kubectl create secret` there makes exactly the keys the chart reads
     from that Secret, and every Secret the default chart
     (ci/default.yaml) reads is made by one of them.

Every difference is printed with where it is; the exit status is 1 if any.
"""

import argparse
import os
import re
import shlex
import sys

import yaml

SERVICES = ("identity", "records", "dosage", "diagnosis", "audit", "hl7",
            "fhir")
README = "deploy/k8s/README.md"
OPERATIONS = "docs/operations.md"


def fold(name):
    """A per-service Secret or key name with the service as <service>:
    the TLS Secrets <prefix><service>-tls and the database passwords
    password-<service>."""
    alt = "|".join(SERVICES)
    name = re.sub(r"^(smartmed-)(%s)(-tls)$" % alt, r"\1<service>\3", name)
    return re.sub(r"^(password-)(%s)$" % alt, r"\1<service>", name)


def _settings(doc_by_name, spec, container):
    """The values of a container's settings (env and envFrom ConfigMaps)."""
    vals = [e.get("value", "") for e in container.get("env") or []]
    for ef in container.get("envFrom") or []:
        cm = (ef.get("configMapRef") or {}).get("name")
        if cm and ("ConfigMap", cm) in doc_by_name:
            vals += [str(v) for v in
                     (doc_by_name[("ConfigMap", cm)].get("data") or {}).values()]
    return vals


def read_keys(paths):
    """{folded secret name: set of keys} read by the pods in paths."""
    out = {}
    for path in paths:
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        by_name = {(d.get("kind"), d["metadata"]["name"]): d for d in docs
                   if d.get("metadata", {}).get("name")}
        for d in docs:
            spec = ((d.get("spec") or {}).get("template") or {}).get("spec")
            if not spec:
                continue
            containers = (spec.get("containers") or []) + \
                (spec.get("initContainers") or [])
            for vol in spec.get("volumes") or []:
                sources = []
                if "secret" in vol:
                    sources.append((vol["secret"].get("secretName"),
                                    vol["secret"].get("items")))
                for src in (vol.get("projected") or {}).get("sources") or []:
                    if "secret" in src:
                        sources.append((src["secret"].get("name"),
                                        src["secret"].get("items")))
                for secret, items in sources:
                    keys = out.setdefault(fold(secret), set())
                    if items:
                        keys.update(i["key"] for i in items)
                        continue
                    for c in containers:
                        for m in c.get("volumeMounts") or []:
                            if m["name"] != vol["name"]:
                                continue
                            pre = m["mountPath"].rstrip("/") + "/"
                            for v in _settings(by_name, spec, c):
                                if v.startswith(pre) and "/" not in v[len(pre):]:
                                    keys.add(v[len(pre):])
    return out


def created_keys(paths):
    """{folded secret name: set of keys} of the Secrets the chart makes
    itself (secrets.create: true, test clusters)."""
    out = {}
    for path in paths:
        with open(path) as f:
            for d in yaml.safe_load_all(f):
                if d and d.get("kind") == "Secret":
                    out.setdefault(fold(d["metadata"]["name"]), set()).update(
                        (d.get("data") or {}).keys())
    return out


def table_keys(src):
    """{secret: (set of keys, line)} from the README's Secrets table."""
    out = {}
    in_table = False
    with open(os.path.join(src, README)) as f:
        for n, line in enumerate(f, 1):
            if line.startswith("| Secret (default name) |"):
                in_table = True
                continue
            if not in_table:
                continue
            if not line.startswith("|"):
                break
            cols = [c.strip() for c in line.strip().strip("|").split("|")]
            if set(cols[0]) <= set("-"):
                continue
            names = re.findall(r"`([^`]+)`", cols[0])
            keys = re.findall(r"`([^`]+)`", cols[1])
            if names:
                out[names[0]] = (set(keys), n)
    return out


def install_keys(src):
    """{secret: (set of keys, line)} of the kubectl create secret commands
    in docs/operations.md's "### Install" section."""
    out = {}
    with open(os.path.join(src, OPERATIONS)) as f:
        lines = f.readlines()
    start = next((i for i, l in enumerate(lines)
                  if l.strip() == "### Install"), None)
    if start is None:
        return out
    i = start + 1
    while i < len(lines) and not lines[i].startswith("### "):
        line, n = lines[i], i + 1
        cmd = line
        while cmd.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd = cmd.rstrip()[:-1] + " " + lines[i]
        i += 1
        if "create secret" not in cmd:
            continue
        words = shlex.split(cmd.split("#", 1)[0])
        at = words.index("secret")
        name = words[at + 2]
        keys = set()
        for w in words[at + 3:]:
            if w.startswith("--from-file="):
                spec = w[len("--from-file="):]
                keys.add(spec.split("=", 1)[0] if "=" in spec
                         else os.path.basename(spec))
            elif w.startswith("--from-literal="):
                keys.add(w[len("--from-literal="):].split("=", 1)[0])
        out[fold(name)] = (keys, n)
    return out


def check(src, rendered, default):
    errors = []
    raw = read_keys(rendered)
    read = {k: {fold(x) for x in v} for k, v in raw.items()}
    read_default = read_keys([default]) if default else {}
    table = table_keys(src)
    if not table:
        errors.append("%s: no Secrets table (a row starting "
                      "'| Secret (default name) |')" % README)
    for name, (keys, n) in sorted(table.items()):
        if name not in read:
            errors.append("%s:%d: the table names Secret %s, which no pod "
                          "of the chart reads" % (README, n, name))
        elif keys != read[name]:
            errors.append("%s:%d: Secret %s: the table says keys %s, the "
                          "chart reads %s" % (README, n, name, sorted(keys),
                                              sorted(read[name])))
    for name in sorted(set(read) - set(table)):
        errors.append("%s: the Secrets table has no row for %s (keys %s), "
                      "which the chart reads" % (README, name,
                                                 sorted(read[name])))
    for path in rendered:
        pods = read_keys([path])
        for name, keys in sorted(created_keys([path]).items()):
            if name in pods and keys != pods[name]:
                errors.append("%s: with secrets.create the chart makes "
                              "Secret %s with keys %s, its pods read %s" % (
                                  path, name, sorted(keys),
                                  sorted(pods[name])))
    made = install_keys(src)
    for name, (keys, n) in sorted(made.items()):
        if name in raw and keys != raw[name]:
            errors.append("%s:%d: the install step makes Secret %s with keys "
                          "%s, the chart reads %s" % (
                              OPERATIONS, n, name, sorted(keys),
                              sorted(raw[name])))
        elif name not in read:
            errors.append("%s:%d: the install step makes Secret %s, which no "
                          "pod of the chart reads" % (OPERATIONS, n, name))
    for name in sorted(set(read_default) - set(made)):
        errors.append("%s, ### Install: no numbered step makes Secret %s "
                      "(keys %s), which the default chart reads" % (
                          OPERATIONS, name, sorted(read_default[name])))
    return errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=".")
    ap.add_argument("--default", help="the chart rendered with ci/default.yaml")
    ap.add_argument("rendered", nargs="+")
    a = ap.parse_args()
    default = a.default or next(
        (p for p in a.rendered if os.path.basename(p) == "default.yaml"), None)
    errors = check(a.src, a.rendered, default)
    for e in errors:
        print("secret-docs: " + e)
    if errors:
        return 1
    print("secret-docs: the Secrets table and the install steps name the "
          "keys the chart reads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
