"""A replica that waits for another's migration lock says so, and so
does one whose migration fails (docs/operations.md, "A pod that stays
not ready").

The lock is a row of schema_lock, claimed by a committed transaction
(common/src/db/db.c); a replica that finds it held waits, up to 600 s,
and is not ready meanwhile.  Before, it waited in silence: CI once saw a
records replica on a Galera node not serving for 60 s with nothing in its
log but the harness's health checks.  Here the row is held in the name
of a replica on another node (which this one cannot see die, so it does
not take the lock over) while records restarts: its log must name the
holder, it must not serve, and it must serve once the row is gone.

A migration that fails (a statement refused: here the table it alters is
missing) is tried again each second; the service says why it is not
ready at once and then every 10 s, at warn level, since the pool logs
such errors at debug level only."""

import json
import time

from harness import NOT_SERVING, Stack
from harness.checks import now_ms
from harness.fixtures import running

SVC = "records"
DB = "smartmed_records"
# The form lock_holder_name gives: connection id, node hash, host:pid.
HOLDER = "c7@00000000000000ff other-node:4242"


def _said(st, text):
    with open(st.log_path(SVC), encoding="utf-8") as f:
        return [json.loads(ln) for ln in f if text in ln]


def test_a_replica_waiting_for_the_lock_names_its_holder_and_waits():
    with running(Stack(services=(SVC,))) as st:
        st.stop_service(SVC)
        st.sql("REPLACE INTO %s.schema_lock (name, holder, expires_ms) "
               "VALUES ('migrate', '%s', %d)"
               % (DB, HOLDER, now_ms() + 600 * 1000))
        st.start_service(SVC, wait=False)
        deadline = time.monotonic() + 60
        said = []
        while not said and time.monotonic() < deadline:
            said = _said(st, "migration lock migrate is held by " + HOLDER)
            time.sleep(0.2)
        assert said, st.log_story(SVC)
        assert said[0]["level"] == "info"
        assert "waiting for it (up to 600 s)" in said[0]["msg"]
        assert st.health(SVC, timeout=5.0) == NOT_SERVING
        st.sql("DELETE FROM %s.schema_lock WHERE name = 'migrate'" % DB)
        st.wait_serving(SVC, timeout=60)


def test_a_failing_migration_says_why_the_service_is_not_ready():
    with running(Stack(services=(SVC,))) as st:
        st.stop_service(SVC)
        # migration 10 alters note_suggestions: with its version row gone
        # and the table moved aside, the statement fails on each try
        st.sql("DELETE FROM %s.schema_version WHERE version = 10" % DB)
        st.sql("RENAME TABLE %s.note_suggestions TO %s.suggestions_aside"
               % (DB, DB))
        st.start_service(SVC, wait=False)
        deadline = time.monotonic() + 60
        said = []
        while not said and time.monotonic() < deadline:
            said = _said(st, "not ready: the database schema is not up to "
                             "date yet")
            time.sleep(0.2)
        assert said, st.log_story(SVC)
        assert said[0]["level"] == "warn"
        assert said[0]["msg"].endswith("; trying again")
        assert st.health(SVC, timeout=5.0) == NOT_SERVING
        st.sql("RENAME TABLE %s.suggestions_aside TO %s.note_suggestions"
               % (DB, DB))
        st.wait_serving(SVC, timeout=60)
        # the migration ran again once the table was back
        assert st.sql_rows("SELECT COUNT(*) FROM %s.schema_version "
                           "WHERE version = 10" % DB) == [["1"]]
