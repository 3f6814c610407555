"""An independent Python reading of the audit log's formats, for tests: the
canonical leaf entry (docs/internals/audit-log.md), RFC 9162 tree hashing and
proof verification, and the signed tree head message.  It shares no code
with the C implementation, so agreement between the two means something."""

import hashlib
import struct

STH_TAG = b"smartmed-audit-sth-v1\x00"


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def _s(text):
    b = text.encode("utf-8")
    return struct.pack(">I", len(b)) + b


def details_blob(details):
    out = struct.pack(">I", len(details))
    for d in details:
        out += _s(d.key) + _s(d.value)
    return out


def leaf_entry(rec):
    """The canonical entry of an AuditRecord (smartmed.audit.v1)."""
    e = rec.event
    out = b"\x01" + struct.pack(">Qqq", rec.seq - 1, rec.stored_ms, e.time_ms)
    for s in (e.event_id, e.service, e.action, e.actor, e.actor_roles,
              e.patient_id, e.resource):
        out += _s(s)
    out += struct.pack(">q", e.outcome)
    for s in (e.request_id, e.detail, e.action_code, e.purpose_of_use):
        out += _s(s)
    out += b"\x01" if e.break_glass else b"\x00"
    return out + details_blob(e.details)


def mth(leaves):
    """RFC 9162 Merkle tree hash of a list of leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k < len(leaves) - k:
        k <<= 1
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, path):
    """RFC 9162 section 2.1.4.2."""
    if first == 0 or first > second:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    path = list(path)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def sth_message(head):
    return STH_TAG + struct.pack(">Qq", head.tree_size,
                                 head.timestamp_ms) + head.root_hash
