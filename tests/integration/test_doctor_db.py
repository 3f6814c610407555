"""make doctor against a MariaDB that is not make run's own (issue 50,
item 6): it connects as the services would (TCP, TLS verified against
MED_DB_TLS_CA, the service's user) and says the server's version and the
session's TLS, or names why the connection failed and what to do.  The
server is the test stack's private MariaDB, reached on its own port."""

import socket

import pytest

from harness import doctor, pki
from test_doctor import doctor as run_doctor

pytestmark = pytest.mark.stack(services=("audit",))
USER = "smartmed_audit"


def _settings(st, **over):
    s = dict(st.db_client_env(USER), MED_DB_HOST="127.0.0.1",
             MED_DB_PORT=str(st.db_port))
    s.update(over)
    return s


def _check(settings):
    problems = []
    found = doctor.check_mariadb(settings, problems)
    return found, problems


def test_the_servers_version_and_tls_are_read(st):
    found, problems = _check(_settings(st))
    assert problems == [], problems
    assert found.startswith("MariaDB 10.") or found.startswith(
        "MariaDB 11."), found
    assert "at 127.0.0.1:%d over TLSv1." % st.db_port in found, found


def test_a_wrong_password_names_the_users_grant(st):
    found, problems = _check(_settings(st, MED_DB_PASSWORD="not-it"))
    assert len(problems) == 1, problems
    assert "refused user %s's password" % USER in problems[0]
    assert "MED_DB_PASSWORD" in problems[0] and "(not reached)" in found


def test_a_password_file_is_read(st, tmp_path):
    pw = tmp_path / "db-password"
    pw.write_text(st.db_users[USER] + "\n")
    s = _settings(st, MED_DB_PASSWORD="", MED_DB_PASSWORD_FILE=str(pw))
    found, problems = _check(s)
    assert problems == [], problems
    s["MED_DB_PASSWORD_FILE"] = str(tmp_path / "absent")
    found, problems = _check(s)
    assert len(problems) == 1 and "MED_DB_PASSWORD_FILE" in problems[0]


def test_a_ca_that_did_not_sign_the_server_is_named(st, tmp_path):
    other = tmp_path / "other-ca.pem"
    other.write_bytes(pki.cert_pem(pki.new_ca("not the server's CA")[1]))
    found, problems = _check(_settings(st, MED_DB_TLS_CA=str(other)))
    assert len(problems) == 1, problems
    assert "TLS to 127.0.0.1:%d failed" % st.db_port in problems[0]
    assert "MED_DB_TLS_CA" in problems[0]


def test_nothing_listening_is_named(st):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    found, problems = _check(_settings(st, MED_DB_PORT=str(port)))
    assert len(problems) == 1, problems
    assert "nothing answers at 127.0.0.1:%d" % port in problems[0]
    assert "MED_DB_PORT" in problems[0]


def test_doctor_prints_the_connection_problem_as_one_line(st, tmp_path):
    rc, lines, text = run_doctor(str(tmp_path), env=_settings(
        st, MED_DB_PASSWORD="not-it"))
    assert rc == 1, text
    hits = [ln for ln in lines if "127.0.0.1:%d" % st.db_port in ln]
    assert len(hits) == 1 and "MED_DB_USER" in hits[0], lines
