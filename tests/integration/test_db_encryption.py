"""MariaDB encrypts the data at rest (file_key_management, issue 21).

The stack's private MariaDB (tools/dev/mariadb.sh) encrypts every InnoDB
tablespace, the redo log, temporary tables and files, and Aria tables, with
keys in a file outside its data directory.  Here a note and a document with
unique marker text go in through the records service, are forced to disk,
and no file under MariaDB's directory may hold the marker's bytes, neither
while the server runs nor after a clean shutdown; the server, restarted
with the same keys, still serves the note.  Controls show the scan would
see plaintext: the marker is readable through SQL and the service, the scan
reads the files that hold the rows (the tablespace, ibdata1, the redo log),
and a MyISAM table (an engine MariaDB does not encrypt) written with a
second marker is found by the same scan."""

import os
import re
import stat
import time
import uuid

import grpc
import pytest

from harness import StackError

RECORDS_TABLES = ("smartmed_records/entries", "smartmed_records/entry_heads",
                  "smartmed_records/chain_heads",
                  "smartmed_records/attachments",
                  "smartmed_records/schema_version")


pytestmark = pytest.mark.stack(services=["records"], db_encrypted=True)


# The service of the pb fixture (tests/conftest.py).
PROTOS = "records"


def _rows(st, statement):
    """The rows of a query as lists of strings (the client's tab-separated
    output without its header)."""
    lines = st.sql(statement).splitlines()
    return [line.split("\t") for line in lines[1:]]


def _var(st, name):
    rows = _rows(st, "SHOW GLOBAL VARIABLES LIKE '%s'" % name)
    return rows[0][1] if rows else None


def _status(st, name):
    rows = _rows(st, "SHOW GLOBAL STATUS LIKE '%s'" % name)
    return rows[0][1]


def _encryption(st):
    """{tablespace name: (ENCRYPTION_SCHEME, ROTATING_OR_FLUSHING)}."""
    return {r[0]: (r[1], r[2]) for r in _rows(
        st, "SELECT NAME, ENCRYPTION_SCHEME, ROTATING_OR_FLUSHING FROM"
        " information_schema.INNODB_TABLESPACES_ENCRYPTION")}


def _wait_all_encrypted(st, timeout=60.0):
    """Wait until the background threads have encrypted every tablespace
    (the system tablespace is encrypted by them after the first start)."""
    deadline = time.monotonic() + timeout
    while True:
        enc = _encryption(st)
        if enc and all(v == ("1", "0") for v in enc.values()):
            return enc
        if time.monotonic() > deadline:
            pytest.fail("tablespaces not all encrypted after %.0f s: %r"
                        % (timeout, enc))
        time.sleep(0.5)


def _flush(st, timeout=60.0):
    """Write every dirty InnoDB page to its tablespace (and Aria/MyISAM
    tables to their files); the redo log has each commit already
    (innodb_flush_log_at_trx_commit=1)."""
    old = _var(st, "innodb_max_dirty_pages_pct")
    st.sql("FLUSH TABLES; SET GLOBAL innodb_max_dirty_pages_pct = 0")
    try:
        deadline = time.monotonic() + timeout
        while int(_status(st, "Innodb_buffer_pool_pages_dirty")) > 0:
            if time.monotonic() > deadline:
                pytest.fail("dirty pages not flushed after %.0f s" % timeout)
            time.sleep(0.2)
    finally:
        st.sql("SET GLOBAL innodb_max_dirty_pages_pct = %s" % old)


def _scan(root, needles):
    """{needle: [files under root holding it]} and the files read."""
    found = {n: [] for n in needles}
    seen = []
    overlap = max(len(n) for n in needles) - 1
    for d, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(d, name)
            try:
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    continue
                f = open(path, "rb")
            except OSError:
                continue  # a file MariaDB just removed
            seen.append(os.path.relpath(path, root))
            with f:
                tail = b""
                hits = set()
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    buf = tail + chunk
                    hits.update(n for n in needles if n in buf)
                    tail = buf[-overlap:] if overlap else b""
            for n in hits:
                found[n].append(os.path.relpath(path, root))
    return found, seen


def _write_marked(st, pb, marker):
    """A note (title and body) and a text document carrying marker,
    through the records service.  Returns the note's entry id."""
    pid = str(uuid.uuid4())
    note = st.call("records", "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_NOTE, title="Note " + marker,
        body="Patient reports chest pain. %s Plan: ECG." % marker),
        role="clinician")
    st.call("records", "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_DOCUMENT, title="Discharge letter",
        document=pb.Document(content_type="text/plain", data=(
            "Discharge letter. %s-DOC\n" % marker).encode())),
        role="clinician")
    return note.entry_id


def _get_body(st, pb, entry_id, timeout=30.0):
    """The note's body through the service, retrying while it reconnects
    to a restarted MariaDB."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return st.call("records", "GetEntry", pb.GetEntryRequest(
                entry_id=entry_id), role="clinician").body
        except grpc.RpcError as e:
            if (e.code() != grpc.StatusCode.UNAVAILABLE or
                    time.monotonic() > deadline):
                raise
            time.sleep(0.5)


def test_encryption_settings(st):
    want = {"innodb_encrypt_tables": "FORCE", "innodb_encrypt_log": "ON",
            "innodb_encrypt_temporary_tables": "ON",
            "encrypt_tmp_files": "ON", "encrypt_tmp_disk_tables": "ON",
            "aria_encrypt_tables": "ON", "encrypt_binlog": "ON"}
    got = {k: _var(st, k) for k in want}
    assert got == want
    assert int(_var(st, "innodb_encryption_threads")) > 0
    plugin = _rows(st, "SELECT PLUGIN_STATUS FROM information_schema.PLUGINS"
                   " WHERE PLUGIN_NAME = 'FILE_KEY_MANAGEMENT'")
    assert plugin == [["ACTIVE"]]


def test_key_file_outside_data_dir_mode_0600(st):
    keyfile = _var(st, "file_key_management_filename")
    datadir = os.path.realpath(_var(st, "datadir"))
    assert keyfile == os.path.join(st.db_dir, "keys", "keyfile")
    real = os.path.realpath(keyfile)
    assert os.path.commonpath([real, datadir]) != datadir, (real, datadir)
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(real)).st_mode) == 0o700
    with open(real) as f:
        keys = [line.strip() for line in f
                if line.strip() and not line.startswith("#")]
    assert keys and all(re.fullmatch(r"\d+;[0-9a-f]{64}", k) for k in keys)
    assert {k.split(";")[0] for k in keys} >= {"1", "2"}
    assert len({k.split(";")[1] for k in keys}) == len(keys), "keys repeat"


def test_unencrypted_innodb_table_refused(st):
    # innodb_encrypt_tables=FORCE: no table may opt out.
    with pytest.raises(StackError) as e:
        st.sql("CREATE TABLE smartmed_records.plain_probe (id INT) "
               "ENGINE=InnoDB ENCRYPTED=NO")
    assert "Wrong create options" in str(e.value), str(e.value)


def test_records_note_not_readable_on_disk(st, pb):
    marker = "SMARTMED-AT-REST-%s" % uuid.uuid4().hex
    control = "SMARTMED-SCAN-CONTROL-%s" % uuid.uuid4().hex
    entry_id = _write_marked(st, pb, marker)

    # The data is there, in clear for whoever may read it through SQL.
    rows = _rows(st, "SELECT body FROM smartmed_records.entries"
                 " WHERE entry_id = '%s'" % entry_id)
    assert rows and marker in rows[0][0], rows
    docs = _rows(st, "SELECT COUNT(*) FROM smartmed_records.attachments"
                 " WHERE size > 0")
    assert int(docs[0][0]) >= 1, docs

    # The records tables are encrypted (scheme 1), and so is everything else.
    enc = _wait_all_encrypted(st)
    print("INNODB_TABLESPACES_ENCRYPTION:", {
        k: v for k, v in sorted(enc.items())})
    for t in RECORDS_TABLES + ("innodb_system",):
        assert enc.get(t) == ("1", "0"), (t, enc)

    # Control: a table MariaDB does not encrypt, written the same way.
    st.sql("CREATE DATABASE IF NOT EXISTS enc_scan_control;"
           "CREATE TABLE enc_scan_control.t (v VARCHAR(100)) ENGINE=MyISAM;"
           "INSERT INTO enc_scan_control.t VALUES ('%s')" % control)
    _flush(st)

    needles = [marker.encode(), control.encode()]
    datadir = os.path.join(st.db_dir, "data")
    found, seen = _scan(st.db_dir, needles)
    print("scan while running: %d files under %s; marker in %r, control in"
          " %r" % (len(seen), st.db_dir, found[needles[0]],
                   found[needles[1]]))
    for f in ("data/smartmed_records/entries.ibd",
              "data/smartmed_records/attachments.ibd", "data/ibdata1",
              "data/ib_logfile0"):
        assert f in seen, (f, seen)
    assert found[needles[1]] == ["data/enc_scan_control/t.MYD"], found
    assert found[needles[0]] == [], (
        "the marker is readable in clear in %r" % found[needles[0]])
    st.sql("DROP DATABASE enc_scan_control")

    # At rest: after a clean shutdown (every page written, the log
    # checkpointed) nothing holds it either.
    st.stop_db()
    found, seen = _scan(datadir, needles[:1])
    print("scan after shutdown: %d files under %s; marker in %r" % (
        len(seen), datadir, found[needles[0]]))
    assert found[needles[0]] == [], found

    # And the same keys open it again.
    st.start_db()
    assert marker in _get_body(st, pb, entry_id)
