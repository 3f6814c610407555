"""auditverify log --since-size/--since-root: a periodic audit that checks
only the entries added since the head an earlier run verified
(docs/operations.md, "Verify the audit log").

A full run prints the newest head it verified as the next run's start;
the next run checks the entries after it onto that head's right edge, and
still finds a row altered after it, a stored right edge that no longer
gives the root the auditor kept, a head the log has lost entries under,
and refuses half of the pair.  One private stack (audit + identity): the
later tests damage its log on purpose."""

import os
import re
import uuid

import pytest

from harness import audit_log
from harness.checks import poll

pytestmark = pytest.mark.stack(services=("audit", "identity"),
                               extra_env={"MED_AUDIT_STH_INTERVAL_MS": "100"})

# The service of the pb fixture (tests/conftest.py).
PROTOS = "audit"

NEXT = re.compile(r"^newest signed head verified: --since-size (\d+)"
                  r" --since-root ([0-9a-f]{64})$", re.M)


def _events(st, idpb, n):
    """n audited reads (identity's GetPatient of unknown patients)."""
    threads = audit_log.burst(st, idpb, "since-" + uuid.uuid4().hex[:8], [],
                              1, n)
    for th in threads:
        th.join(timeout=60)


def _settled(st, pb, entries):
    """The public key, once the log holds at least entries and a signed
    head covers all of it.  The events reach audit through the emitters'
    spools: on a busy machine the first batch can meet a service still
    migrating and be resent later, so an empty log is not yet settled."""
    def got():
        r = st.call("audit", "GetTreeHead", pb.GetTreeHeadRequest(),
                    role="auditor")
        return r if entries <= r.current_size == r.head.tree_size else None
    return poll(got, timeout=30, what="a head covering %d entries or more"
                % entries).public_key


def _verify(st, pk, *extra):
    return audit_log.verify_log(
        st, "--pubkey", pk.hex(), "--leaf-key-file",
        os.path.join(st.spool_dir("audit"), "audit-leaf.key"), *extra)


def _next_start(out):
    m = NEXT.search(out)
    assert m, out
    return int(m.group(1)), m.group(2)


@pytest.fixture(scope="module")
def verified(st, pb, idpb):
    """The head a full run verified, and the log grown after it."""
    _events(st, idpb, 30)
    pk = _settled(st, pb, 30)
    rc, out = _verify(st, pk)
    assert rc == 0 and out.startswith("OK: "), out
    size, root = _next_start(out)
    _events(st, idpb, 30)
    _settled(st, pb, size + 30)
    return pk, size, root


def test_checks_only_what_was_added_since(st, pb, verified):
    pk, size, root = verified
    total = st.call("audit", "GetTreeHead", pb.GetTreeHeadRequest(),
                    role="auditor").current_size
    assert total > size
    rc, out = _verify(st, pk, "--since-size", str(size),
                      "--since-root", root)
    assert rc == 0, out
    # The log may still grow while it runs (audit events relayed late on
    # a busy machine): it checked the entries after size, up to the log's
    # end then, and names a newer head as the next start.
    m = re.match(r"OK: (\d+) entries after the (\d+) you verified before"
                 r" \((\d+) in all\)", out)
    assert m, out
    after, before, whole = (int(g) for g in m.groups())
    assert before == size and whole >= total and after == whole - size, out
    later, _ = _next_start(out)
    assert size < later <= whole, out
    # Half of the pair is a usage error, not a full run.
    rc, out = _verify(st, pk, "--since-size", str(size))
    assert rc == 2 and "go together" in out, out


def test_a_root_the_store_does_not_give_fails(st, verified):
    pk, size, root = verified
    wrong = ("0" if root[0] != "0" else "1") + root[1:]
    rc, out = _verify(st, pk, "--since-size", str(size),
                      "--since-root", wrong)
    assert rc == 1, out
    assert ("the stored tree of %d entries does not give the root you"
            " verified before (a stored hash differs)" % size) in out, out
    rc, out = _verify(st, pk, "--since-size", str(10 ** 9),
                      "--since-root", root)
    assert rc == 1 and "the log holds fewer entries" in out, out


def test_an_altered_node_of_the_right_edge_fails(st, verified):
    """The largest complete subtree left of the kept head (its hash is
    one of the right edge's): altered, the right edge no longer gives the
    root the auditor kept, though nothing after the head changed."""
    pk, size, root = verified
    level = size.bit_length() - 1
    assert level >= 1, size
    where = " FROM smartmed_audit.tree_nodes WHERE level = %d AND idx = 0" % (
        level)
    kept = st.sql("SELECT HEX(hash)" + where).split()[-1]
    st.sql("UPDATE smartmed_audit.tree_nodes SET hash = UNHEX(SHA2('x', 256))"
           " WHERE level = %d AND idx = 0" % level)
    try:
        rc, out = _verify(st, pk, "--since-size", str(size),
                          "--since-root", root)
        assert rc == 1 and "a stored hash differs" in out, out
    finally:
        st.sql("UPDATE smartmed_audit.tree_nodes SET hash = UNHEX('%s')"
               " WHERE level = %d AND idx = 0" % (kept, level))
    rc, out = _verify(st, pk, "--since-size", str(size), "--since-root", root)
    assert rc == 0, out


def test_finds_a_row_altered_after_the_head(st, pb, verified):
    pk, size, root = verified
    seq = size + 3
    st.sql("UPDATE smartmed_audit.events SET actor = 'mallory'"
           " WHERE seq = %d" % seq)
    rc, out = _verify(st, pk, "--since-size", str(size),
                      "--since-root", root)
    assert rc == 1, out
    assert "leaf %d (seq %d)" % (seq - 1, seq) in out, out
    assert not NEXT.search(out), out
