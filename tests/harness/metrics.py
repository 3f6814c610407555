"""Reading a service's /metrics in tests: one scrape parsed into samples,
and lookups by name and a subset of labels."""

import re
import urllib.request

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(st, svc):
    """(samples, text): samples as {(name, ((label, value), ...)): value},
    labels sorted by name."""
    url = "http://127.0.0.1:%d/metrics" % st.http_port(svc)
    with urllib.request.urlopen(url, timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m is None or line.startswith("#"):
            continue
        labels = tuple(sorted(LABEL.findall(m.group(2) or "")))
        out[(m.group(1), labels)] = float(m.group(3))
    return out, text


def series(samples, name, **labels):
    """{labels: value} of the samples of name whose labels include labels."""
    want = set(labels.items())
    return {k[1]: v for k, v in samples.items()
            if k[0] == name and want <= set(k[1])}


def value(samples, name, **labels):
    """The one sample of name with labels (an assertion if not one)."""
    got = series(samples, name, **labels)
    assert len(got) == 1, (name, labels, got)
    return next(iter(got.values()))


def read(st, svc, name, **labels):
    """svc's one sample of name with labels, scraped now."""
    samples, _ = scrape(st, svc)
    return value(samples, name, **labels)


CARE_IN_TX = "smartmed_care_decisions_in_transaction_total"


def care_decisions_in_tx(st, svc, method):
    """How many care decisions svc made for method while a transaction was
    open (docs/internals/care-decisions.md): 0 in a healthy service."""
    samples, _ = scrape(st, svc)
    return sum(series(samples, CARE_IN_TX, method=method).values())


OUT_IN_TX = "smartmed_outbound_calls_in_transaction_total"


def outbound_calls_in_tx(st, svc):
    """How many outbound gRPC calls svc made, to any method, while a
    transaction was open (docs/internals/care-decisions.md): 0 in a healthy
    service."""
    samples, _ = scrape(st, svc)
    return sum(series(samples, OUT_IN_TX).values())
