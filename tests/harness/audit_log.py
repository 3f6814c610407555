"""Reading a stack's audit log whole: every record through Query, and the
auditverify tool's audit of the database (tools/auditverify)."""

import subprocess
import threading
import time
import uuid

import grpc

from . import paths


def all_records(st, pb):
    """Every record of the log, oldest first, as the auditor reads it."""
    out, after = [], 0
    while True:
        page = st.call("audit", "Query", pb.QueryRequest(
            after_seq=after, limit=10000), role="auditor", timeout=30)
        out += page
        if len(page) < 10000:
            return out
        after = page[-1].seq


def verify_log(st, *extra):
    """auditverify log over the stack's audit database with extra
    options; returns (exit status, output)."""
    cmd = [paths.bin_path("auditverify"), "log", "--db-host", "127.0.0.1",
           "--db-port", str(st.db_port), "--db-user", "smartmed_audit",
           "--db-password", st.db_users["smartmed_audit"],
           "--db-name", "smartmed_audit",
           "--db-tls-ca", st.ca_path] + list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def burst(st, idpb, tag, started, n_threads, per_thread, lenient=False):
    """Audited reads (identity's GetPatient of unknown patients) from
    n_threads threads, per_thread each, with request ids tag-THREAD-I;
    started gets the id of each call identity answered (its event is then
    in identity's spool).  lenient: a call that fails otherwise (identity
    being restarted) is left out instead of failing its thread.  Returns
    the started threads."""
    def call(rid):
        try:
            st.call("identity", "GetPatient", idpb.GetPatientRequest(
                patient_id=str(uuid.uuid4())), role="clinician",
                request_id=rid, timeout=10)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.NOT_FOUND:
                assert lenient, e
                return False
        except ValueError:
            # The harness closed identity's channel to restart it.
            assert lenient
            return False
        return True

    def worker(t):
        for i in range(per_thread):
            rid = "%s-%d-%d" % (tag, t, i)
            if call(rid):
                started.append(rid)
            else:
                time.sleep(0.05)
    threads = [threading.Thread(target=worker, args=(t,))
               for t in range(n_threads)]
    for th in threads:
        th.start()
    return threads
