"""docs/operations.md spells out every Secret with a certificate that the
chart reads (issue 77, item 9): each service's and the facade's TLS
Secret by the name the default values make, the PACS's and MariaDB's CA,
each with its keys, in the table of the install's step 2.  Read from the
chart's values.yaml, so a service added to the chart without its row
fails here."""

import os
import re

import yaml

from harness import paths

CHART = os.path.join(paths.REPO_ROOT, "deploy", "k8s", "helm", "smartmed")


def values():
    with open(os.path.join(CHART, "values.yaml")) as f:
        return yaml.safe_load(f)


def table_rows():
    """The rows of the TLS Secrets table: {secret name: row text}."""
    with open(os.path.join(paths.REPO_ROOT, "docs", "operations.md")) as f:
        text = f.read()
    rows = re.findall(r"^   \| `([^`]+)`[^|]*\|([^\n]*)$", text, re.M)
    return dict(rows)


def test_every_service_tls_secret_has_its_row():
    v = values()
    tls = v["global"]["tls"]
    names = sorted(v["services"]) + ["fhir"]
    assert len(names) == 7, names
    rows = table_rows()
    for svc in names:
        secret = "%s%s%s" % (tls["secretPrefix"], svc, tls["secretSuffix"])
        assert secret in rows, secret
        for key in ("tls.crt", "tls.key", "ca.crt"):
            assert "`%s`" % key in rows[secret], (secret, key)


def test_the_pacs_and_mariadb_cas_have_their_rows():
    v = values()
    rows = table_rows()
    assert "`ca.crt`" in rows[v["global"]["mariadb"]["passwordSecret"]]
    pacs = rows[v["pacs"]["tls"]["secret"]]
    for key in ("tls.crt", "tls.key", "ca.crt"):
        assert "`%s`" % key in pacs, key
