"""Identifiers compare byte for byte (issue 31, finding 3).  The request
log of idempotent writes was made in the server's default character set
(latin1_swedish_ci): it folded case, so user DR.CASE sending dr.case's
request id got dr.case's stored reply and wrote nothing, and it could not
hold a name outside Latin-1, so every write of dr.Łukasz or dr.李 that
carried an x-request-id failed with INTERNAL.  The services' own tables
were utf8mb4_unicode_ci: a user's break-glass grant or care-team place
answered for the same name in other case.

The check that keeps the class away lists every table and text column of
every service's database after its migrations (a database created with
the server's latin1 default, as a DBA would make it): each table must be
utf8mb4_bin, and each text column too, except the human names that a
search looks up ignoring case and accents (HUMAN_TEXT).  A new table
made without MED_DB_BIN, or a column with its own collation, fails it.
Real services, real MariaDB, gRPC over loopback."""

import uuid

import pytest

from harness import protos

SERVICES = ("audit", "identity", "records", "diagnosis", "dosage")
# Two users whose names differ only in case, and two outside Latin-1.
USERS_OF_SUITE = ("DR.CASE", "dr.case", "dr.Łukasz", "dr.李")
# (database, table, column) compared ignoring case and accents on purpose:
# SearchPatients and CheckDuplicates find "Müller" for "muller", ListDrugs'
# name prefix "para" finds "Paracetamol".
HUMAN_TEXT = {
    ("smartmed_identity", "patients", "family_name"),
    ("smartmed_identity", "patients", "given_name"),
    ("smartmed_dosage", "drugs", "name"),
}


pytestmark = pytest.mark.stack(
    services=SERVICES,
    users={u: ("clinician", None) for u in USERS_OF_SUITE})


def rows(st, sql):
    """The rows of a query as lists of strings (the client's tab
    format, header dropped)."""
    lines = st.sql(sql).splitlines()[1:]
    return [ln.split("\t") for ln in lines if ln]


def create(st, rpb, user, pid, rid, title="Collation"):
    req = rpb.CreateEntryRequest(patient_id=pid, kind=rpb.ENTRY_KIND_NOTE,
                                 title=title, body="written once")
    return st.call("records", "CreateEntry", req, request_id=rid,
                   token=st.user_tokens[user])


def entries_of(st, pid):
    return rows(st, "SELECT author FROM smartmed_records.entries "
                    "WHERE patient_id = '%s' ORDER BY author" % pid)


def test_users_differing_in_case_keep_their_own_ids(st, rpb):
    pid = str(uuid.uuid4())
    rid = "rid-" + uuid.uuid4().hex
    lower = create(st, rpb, "dr.case", pid, rid)
    upper = create(st, rpb, "DR.CASE", pid, rid)
    # Before: DR.CASE got dr.case's reply (same entry id) and wrote
    # nothing.
    assert upper.entry_id != lower.entry_id
    assert upper.author == "DR.CASE" and lower.author == "dr.case"
    assert entries_of(st, pid) == [["DR.CASE"], ["dr.case"]]
    # Each one's repeat still gets its own first reply.
    again = create(st, rpb, "DR.CASE", pid, rid)
    assert again.SerializeToString() == upper.SerializeToString()
    assert len(entries_of(st, pid)) == 2


@pytest.mark.parametrize("user", ["dr.Łukasz", "dr.李"])
def test_names_outside_latin1_write_with_a_request_id(st, rpb, user):
    pid = str(uuid.uuid4())
    rid = "rid-" + uuid.uuid4().hex
    # Before: INTERNAL (the latin1 column refused the name).
    first = create(st, rpb, user, pid, rid)
    assert first.author == user
    again = create(st, rpb, user, pid, rid)
    assert again.SerializeToString() == first.SerializeToString()
    assert entries_of(st, pid) == [[user]]


def test_request_ids_compare_in_binary(st, rpb):
    """Ids that differ in case or accent are two requests."""
    pid = str(uuid.uuid4())
    rid = "rid-" + uuid.uuid4().hex
    a = create(st, rpb, "dr.case", pid, rid + "-a")
    b = create(st, rpb, "dr.case", pid, rid + "-A")
    assert a.entry_id != b.entry_id
    assert len(entries_of(st, pid)) == 2


def non_binary(st):
    """Tables and text columns of the services' databases that do not
    compare in binary, as (database, table, column or '', collation)."""
    dbs = ", ".join("'smartmed_%s'" % s for s in SERVICES)
    tables = rows(st, "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_COLLATION"
                      " FROM information_schema.TABLES"
                      " WHERE TABLE_SCHEMA IN (%s)"
                      " AND TABLE_TYPE = 'BASE TABLE'" % dbs)
    columns = rows(st, "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME,"
                       " COLLATION_NAME FROM information_schema.COLUMNS"
                       " WHERE TABLE_SCHEMA IN (%s)"
                       " AND COLLATION_NAME IS NOT NULL" % dbs)
    assert len(tables) > 30 and len(columns) > 100, (tables, columns)
    bad = [(d, t, "", c) for d, t, c in tables if c != "utf8mb4_bin"]
    for d, t, col, c in columns:
        if (d, t, col) in HUMAN_TEXT:
            if c != "utf8mb4_unicode_ci":
                bad.append((d, t, col, c + " (a name search needs _ci)"))
        elif c != "utf8mb4_bin":
            bad.append((d, t, col, c))
    return bad


def test_every_identifier_column_is_binary(st):
    """Every service's tables after its migrations, libmed's own
    (request log, outbox, witness, schema_version) included."""
    bad = non_binary(st)
    assert bad == [], "\n".join("%s.%s %s: %s" % b for b in bad)


def test_names_still_found_ignoring_case_and_accents(st):
    ipb = protos.module("identity")
    mrn = "C-" + uuid.uuid4().hex[:10].upper()
    st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn=mrn, family_name="Müllerová", given_name="Zoë",
        birth_date="1970-01-02", sex=ipb.ADMINISTRATIVE_SEX_FEMALE),
        role="registrar")
    found = st.call("identity", "SearchPatients", ipb.SearchPatientsRequest(
        family_name_prefix="MULLEROV"), role="registrar")
    assert mrn in [p.mrn for p in found.patients]
    # An MRN is an identifier: another case is another MRN.
    found = st.call("identity", "SearchPatients", ipb.SearchPatientsRequest(
        mrn=mrn.lower()), role="registrar")
    assert len(found.patients) == 0


def test_tables_of_an_older_database_are_converted(st, rpb):
    """A database from before: the request log back in latin1 and the
    records tables back in utf8mb4_unicode_ci, the migration not yet
    recorded.  Records starts, converts both, and the request log keeps
    DR.CASE and dr.case apart."""
    st.stop_service("records")
    # An old log never held a name outside Latin-1.
    st.sql("DELETE FROM smartmed_records.med_request_log;"
           "ALTER TABLE smartmed_records.med_request_log CONVERT TO"
           " CHARACTER SET latin1;"
           "ALTER TABLE smartmed_records.entries CONVERT TO CHARACTER SET"
           " utf8mb4 COLLATE utf8mb4_unicode_ci;"
           "DELETE FROM smartmed_records.schema_version WHERE version = 4;")
    st.start_service("records")
    assert non_binary(st) == []
    pid = str(uuid.uuid4())
    rid = "rid-" + uuid.uuid4().hex
    a = create(st, rpb, "dr.case", pid, rid)
    b = create(st, rpb, "DR.CASE", pid, rid)
    assert a.entry_id != b.entry_id
