"""The services speak TLS to MariaDB and verify it (MED_DB_TLS_CA).

The stack's MariaDB offers TLS with the development CA's "mariadb"
certificate and every service verifies it.  Here a second records process
is started against the same server with one thing wrong each time, and
must refuse to start with a message naming what is wrong: no CA over TCP,
a CA that did not sign the server's certificate, a certificate for another
host name, and a server that offers no TLS at all.  root is not reachable
over TCP at all (issue 31, finding 8): only over the socket, with the
random password of the stack's root.cnf."""

import os
import secrets
import stat
import subprocess

import pytest

from harness import free_port
from harness import pki
from harness.fixtures import marked_stack, spawn_like


pytestmark = pytest.mark.stack(services=["records"])


@pytest.fixture
def st(request):
    """A fresh stack for each test: each restarts MariaDB with other
    TLS settings."""
    with marked_stack(request) as s:
        yield s


def _second(st, **env):
    env.setdefault("MED_GRPC_PORT", free_port())
    env.setdefault("MED_HTTP_PORT", free_port())
    env.setdefault("MED_HEALTH_PORT", free_port())
    return spawn_like(st, "records", **env)


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)
    return path


def test_connections_are_tls(st):
    out = st.sql("SELECT VARIABLE_VALUE FROM information_schema."
                 "GLOBAL_STATUS WHERE VARIABLE_NAME = 'SSL_ACCEPTS'")
    accepts = int(out.split()[-1])
    assert accepts > 0, "MariaDB accepted no TLS connection: " + out


def test_tcp_without_ca_refused_at_start(st):
    rc, out = _second(st, MED_DB_TLS_CA="")
    assert rc is not None and rc > 0, out
    assert "MED_DB_TLS_CA: required" in out, out


def test_plaintext_allowed_only_when_asked(st):
    # Development escape hatch: it runs, and says so in its log.  (As a
    # user of this test: the services' own users require TLS on the
    # server side too, and root answers only on the socket.)
    pw = secrets.token_hex(16)
    st.sql("CREATE USER 'plain_test'@'127.0.0.1' IDENTIFIED BY '%s';"
           " GRANT ALL ON smartmed_records.* TO 'plain_test'@'127.0.0.1';"
           % pw)
    rc, out = _second(st, MED_DB_TLS_CA="", MED_DB_ALLOW_PLAINTEXT="true",
                      MED_DB_USER="plain_test", MED_DB_PASSWORD=pw,
                      timeout=4)
    assert rc is None, "plaintext with the escape hatch exited %s:\n%s" % (
        rc, out)
    assert "plaintext over TCP" in out, out


def test_wrong_ca_refused_at_start(st):
    _, other = pki.new_ca("not the hospital's CA")
    ca = _write(os.path.join(st.workdir, "other-ca.pem"),
                pki.cert_pem(other))
    rc, out = _second(st, MED_DB_TLS_CA=ca)
    assert rc is not None and rc > 0, out
    assert "database refused the connection" in out, out
    assert "(2026)" in out, out


def test_wrong_host_name_refused_at_start(st):
    # The server presents a certificate from the right CA, but for another
    # name: verification of the host name must refuse it.
    ca = pki.load_ca(st.ca_path, os.path.join(st.pki_dir, "ca.key"))
    key, cert = pki.new_leaf(ca, "db.elsewhere.example")
    kp = _write(os.path.join(st.workdir, "elsewhere.key"), key)
    cp = _write(os.path.join(st.workdir, "elsewhere.pem"), cert)
    st.stop_db()
    st.start_db(cert=cp, key=kp)
    rc, out = _second(st)
    assert rc is not None and rc > 0, out
    assert "database refused the connection" in out, out
    assert "127.0.0.1" in out, out


def test_server_without_tls_refused_at_start(st):
    st.stop_db()
    st.start_db(tls=False)
    rc, out = _second(st)
    assert rc is not None and rc > 0, out
    assert "database refused the connection" in out, out


def _client(st, user, sql):
    return subprocess.run(
        ["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P",
         str(st.db_port), "-u", user, "-p" + st.db_users[user],
         "--ssl-ca=" + st.ca_path, "--ssl-verify-server-cert", "-N", "-e",
         sql], capture_output=True, text=True, timeout=30)


def test_each_service_has_a_user_for_its_own_database(st):
    assert st.services["records"].env["MED_DB_USER"] == "smartmed_records"
    own = _client(st, "smartmed_records",
                  "SELECT COUNT(*) FROM smartmed_records.entries")
    assert own.returncode == 0, own.stderr
    for other in ("smartmed_identity", "smartmed_audit"):
        r = _client(st, "smartmed_records",
                    "SHOW TABLES FROM %s" % other)
        assert r.returncode != 0 and "denied" in r.stderr, (other, r)
    # and no plaintext: the users require TLS
    r = subprocess.run(
        ["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P",
         str(st.db_port), "-u", "smartmed_records",
         "-p" + st.db_users["smartmed_records"], "--skip-ssl", "-e",
         "SELECT 1"], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0, r.stdout


def _tcp_as_root(st, *args):
    return subprocess.run(
        ["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P",
         str(st.db_port), "-u", "root", "-N", "-e", "SELECT CURRENT_USER()"]
        + list(args), capture_output=True, text=True, timeout=30)


def _root_password(st):
    with open(os.path.join(st.db_dir, "root.cnf")) as f:
        return [ln.split("=", 1)[1].strip() for ln in f
                if ln.startswith("password=")][0]


def test_root_only_over_the_socket_with_a_password(st):
    """The attack: root answered on 127.0.0.1 without a password (or TLS).
    Now root@localhost is the only root, which the server matches over the
    socket alone, with a random password kept in a 0600 file."""
    def refused(*args):
        r = _tcp_as_root(st, *args)
        assert r.returncode != 0, (args, r.stdout)
        assert "not allowed to connect" in r.stderr or \
            "denied" in r.stderr, r.stderr
    tls = (["--skip-ssl"], ["--ssl-ca=" + st.ca_path])
    for t in tls:
        refused(*t)
    cnf = os.path.join(st.db_dir, "root.cnf")
    assert stat.S_IMODE(os.stat(cnf).st_mode) == 0o600
    pw = _root_password(st)
    assert len(pw) >= 32
    for t in tls:
        refused("-p" + pw, *t)
    sock = os.path.join(st.db_dir, "mysqld.sock")
    r = subprocess.run(["mariadb", "--no-defaults", "-u", "root",
                        "--socket=" + sock, "-e", "SELECT 1"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "denied" in r.stderr, r
    assert "root@localhost" in st.sql("SELECT CURRENT_USER()")
    hosts = st.sql("SELECT host FROM mysql.user WHERE user = 'root'")
    assert hosts.split()[1:] == ["localhost"], hosts
