"""A signing-key rotation that does not check the whole log again (issue
54, "The design that keeps it bounded at 1 B", item 3).

Without a head of its own key the audit service checks every row of the
log before it signs (180 s at 10 M leaves, hours at 1 B).  Told the public
key it signed with before (MED_AUDIT_PREVIOUS_PUBKEYS), it starts its
verified tree from the newest head of that key, signature checked, as from
one of its own: O(log n).  A head that claims a listed key but does not
carry its signature is an integrity failure, as one of its own would be;
a bad list stops the start, naming the entry."""

import hashlib
import os
import secrets
import sys
import uuid

import pytest

from harness.audit_log import verify_log
from harness.checks import poll
from harness.fixtures import marked_stack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_audit_tamper import DB, _seed_patient  # noqa: E402

pytestmark = pytest.mark.stack(services=("audit",),
                               extra_env={"MED_AUDIT_STH_INTERVAL_MS": "100"})

PROTOS = "audit"


@pytest.fixture
def st(request):
    with marked_stack(request) as s:
        yield s


def _head(st, pb):
    return st.call("audit", "GetTreeHead", pb.GetTreeHeadRequest(),
                   role="auditor")


def _log_since(st, offset):
    with open(st.log_path("audit"), errors="replace") as f:
        f.seek(offset)
        return f.read()


def _settled_head(st, pb, ae):
    """Some accesses, then a head that covers them (every read of the log
    is audited too, so the log keeps a step ahead of its heads)."""
    _seed_patient(st, pb, ae, str(uuid.uuid4()), ["dr.a", "dr.b", "dr.c"])
    size = int(st.sql("SELECT size FROM %s.tree_state" % DB).split()[-1])
    return poll(lambda: (lambda h: h if h.head.tree_size >= size
                         else None)(_head(st, pb)),
                timeout=30, what="a head over %d entries" % size)


def _newest_of(st, pub):
    return int(st.sql("SELECT MAX(tree_size) FROM %s.tree_heads WHERE"
                      " key_id = '%s'" % (DB, _key_id(pub))).split()[-1])


def _rotate(st, **env):
    """Stop audit, give it a new signing key and env, start it again;
    returns the offset of its log where the new start begins."""
    if st.services["audit"].is_running():
        st.stop_service("audit")
    with open(os.path.join(st.spool_dir("audit"), "audit-signing.key"),
              "w") as f:
        f.write(secrets.token_hex(32) + "\n")
    st.services["audit"].env.update(env)
    offset = os.path.getsize(st.log_path("audit"))
    st.start_service("audit", wait=False)
    return offset


def _key_id(pub):
    return hashlib.sha256(pub).hexdigest()[:16]


def test_a_rotation_starts_from_the_previous_keys_head(st, pb, ae):
    old = _settled_head(st, pb, ae)
    offset = _rotate(st, MED_AUDIT_PREVIOUS_PUBKEYS=old.public_key.hex())
    st.wait_serving("audit")
    want = ("verified tree established at %d entries (from the newest head "
            "of previous key %s)" % (_newest_of(st, old.public_key),
                                     _key_id(old.public_key)))
    poll(lambda: want in _log_since(st, offset), timeout=30, what=want)
    # Whichever key signed the newest head, the reply gives that key.
    h = _head(st, pb)
    assert h.head.key_id == _key_id(h.public_key)

    # The new key signs from there, and the log goes on.
    _seed_patient(st, pb, ae, str(uuid.uuid4()), ["dr.d"])
    new = poll(lambda: (lambda h: h if h.public_key != old.public_key
                        and h.head.tree_size > old.head.tree_size
                        else None)(_head(st, pb)),
               timeout=30, what="a head of the new key")
    assert new.head.key_id == _key_id(new.public_key)

    # auditverify checks each head under one of the keys it is given.
    leaf = os.path.join(st.spool_dir("audit"), "audit-leaf.key")
    rc, out = verify_log(st, "--pubkey", old.public_key.hex(), "--pubkey",
                         new.public_key.hex(), "--leaf-key-file", leaf)
    assert rc == 0 and out.startswith("OK"), out
    rc, out = verify_log(st, "--pubkey", new.public_key.hex(),
                         "--leaf-key-file", leaf)
    assert rc == 1 and "bad signature" in out, out


def test_without_the_previous_key_every_row_is_checked(st, pb, ae):
    _settled_head(st, pb, ae)
    offset = _rotate(st, MED_AUDIT_PREVIOUS_PUBKEYS="")
    st.wait_serving("audit")
    want = "verified tree established at 0 entries"
    poll(lambda: want in _log_since(st, offset), timeout=30, what=want)


def test_a_head_forged_under_a_previous_key_is_refused(st, pb, ae):
    old = _settled_head(st, pb, ae)
    # The database's writer cannot sign: a larger head under the old key's
    # id with another's signature must not start the tree.
    st.stop_service("audit")
    st.sql("UPDATE %s.tree_heads SET signature = UNHEX('%s') WHERE"
           " tree_size = %d" % (DB, "00" * 64, _newest_of(st, old.public_key)))
    offset = _rotate(st, MED_AUDIT_PREVIOUS_PUBKEYS=old.public_key.hex())
    want = ("does not carry the signature of key %s"
            % _key_id(old.public_key))
    poll(lambda: want in _log_since(st, offset), timeout=30, what=want)


@pytest.mark.parametrize("value,says", [
    ("abc", "entry 1 is not 64 hex digits"),
    ("%s,%s" % ("ab" * 32, "zz" * 32), "entry 2 is not 64 hex digits"),
    (",".join(secrets.token_hex(32) for _ in range(9)), "more than 8 keys"),
], ids=["short", "not-hex", "nine-keys"])
def test_a_bad_key_list_stops_the_start(st, pb, value, says):
    offset = _rotate(st, MED_AUDIT_PREVIOUS_PUBKEYS=value)
    svc = st.services["audit"]
    poll(lambda: not svc.is_running(), timeout=30,
         what="audit to refuse to start")
    assert "MED_AUDIT_PREVIOUS_PUBKEYS: " + says in _log_since(st, offset)
