"""Each service's MariaDB user holds what the service needs on its own
database and nothing more (issue 77, item 9; docs/operations.md,
"MariaDB"): SELECT, INSERT, UPDATE, DELETE and the DDL of its own
migrations (CREATE, ALTER, INDEX).  Every service and hl7 start here on
an empty server, so every migration runs under these grants; then a
service's user is refused what a compromised service could do with ALL:
drop its tables, hide a trigger in them, define views or routines."""

import subprocess

import pytest

pytestmark = pytest.mark.stack(hl7=True)

USERS = ("smartmed_identity", "smartmed_records", "smartmed_dosage",
         "smartmed_diagnosis", "smartmed_audit", "smartmed_hl7")
GRANTED = {"SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER",
           "INDEX"}


def client(st, user, sql):
    """sql run as USER over TLS, as the services connect."""
    return subprocess.run(
        ["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P",
         str(st.db_port), "-u", user, "-p" + st.db_users[user],
         "--ssl-ca=" + st.ca_path, "--ssl-verify-server-cert", "-N", "-e",
         sql], capture_output=True, text=True, timeout=30)


def privileges(st, user):
    """(database, privilege) pairs MariaDB holds for USER."""
    rows = st.sql_rows("SELECT TABLE_SCHEMA, PRIVILEGE_TYPE FROM "
                       "information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE"
                       " = \"'%s'@'127.0.0.1'\"" % user)
    return {tuple(r) for r in rows}


def test_every_service_started_and_migrated_under_its_grants(st):
    for user in USERS:
        r = client(st, user, "SELECT MAX(version) FROM %s.schema_version"
                   % user)
        assert r.returncode == 0 and int(r.stdout.strip()) > 0, (user, r)


@pytest.mark.parametrize("user", USERS)
def test_each_user_holds_its_own_database_and_no_more(st, user):
    assert privileges(st, user) == {(user, p) for p in GRANTED}
    grants = st.sql("SHOW GRANTS FOR '%s'@'127.0.0.1'" % user)
    assert "ALL PRIVILEGES" not in grants and "WITH GRANT" not in grants, \
        grants


@pytest.mark.parametrize("sql,needs", [
    ("DROP TABLE smartmed_records.schema_version", "DROP command denied"),
    ("CREATE TRIGGER smartmed_records.t BEFORE INSERT ON "
     "smartmed_records.schema_version FOR EACH ROW SET @x = 1",
     "TRIGGER command denied"),
    ("CREATE VIEW smartmed_records.v AS SELECT 1", "CREATE VIEW command "
     "denied"),
    ("CREATE PROCEDURE smartmed_records.p() SELECT 1", "denied"),
    ("LOCK TABLES smartmed_records.schema_version WRITE", "denied"),
    ("SELECT COUNT(*) FROM smartmed_identity.schema_version", "denied"),
])
def test_what_all_would_allow_is_refused(st, sql, needs):
    r = client(st, "smartmed_records", sql)
    assert r.returncode != 0 and needs in r.stderr, (sql, r.stdout, r.stderr)
