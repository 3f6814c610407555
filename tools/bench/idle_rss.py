#!/usr/bin/python3
"""Idle resident memory of each smartmed service (make bench).

Starts the test harness's default stack (a private MariaDB and the five
gRPC services, identity to audit; not hl7 nor the FHIR facade), makes one
health call to each service, lets them sit idle, then reads /proc/PID/status and /proc/PID/smaps.  Prints, per service:

  RSS MB     VmRSS, the design's budget of 20 MB per service (design.md);
  anon MB    RssAnon: the service's own memory (heap, thread stacks,
             malloc arenas, libraries' relocated and written data);
  file MB    RssFile: pages of the binary and its shared libraries,
             counted in every process that maps them;
  PSS MB     proportional set size: file pages divided among the processes
             that share them.  On this machine the five services share
             their libraries; in the chart each runs in its own image, so
             a pod's cost is its RSS, not its PSS;
  floor MB   Rss of the mappings of the library stack every service needs
             (STACK below: gRPC core with absl, re2, upb, c-ares and
             libstdc++; OpenSSL; glibc; MariaDB Connector/C; NNG with
             mbed TLS; libsodium; jansson; protobuf-c; libmicrohttpd
             with GnuTLS for the metrics port), file and relocated
             data alike: what a service costs before its own code runs;
  own MB     RSS - floor: heap, stacks, arenas, the binary, and the
             libraries only this service maps (listed under the table);
  threads.

The verdict holds VmRSS to the design's 20 MB, and the own part to the
per-service budget OWN_BUDGET_MB (docs/benchmarks.md, "Idle memory per
service": the floor alone is about 20 MB, which no setting of a
service caps).

DETAIL=1 adds, per service, every mapping of at least 64 KB with its Rss
and the part of it that is anonymous (relocated or written data).  Which
of those pages idling touches cannot be read here: smaps' Referenced
counts a page of a shared library as referenced whenever any process
faulted it in, which on a machine where other stacks start is always.
IDLE_SECONDS (3).
"""

import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

from harness import Stack  # noqa: E402

BUDGET_MB = 20.0
IDLE_SECONDS = int(os.environ.get("IDLE_SECONDS", "3"))
DETAIL = os.environ.get("DETAIL", "") not in ("", "0")

# The library stack every gRPC service maps (file-name prefixes): its Rss
# is the floor.  libz comes with MariaDB's connector, libgcc_s with
# libstdc++.
STACK = (
    "libgrpc.", "libgpr.", "libaddress_sorting.", "libupb.", "libre2.",
    "libabsl_", "libcares.", "libstdc++.", "libgcc_s.",
    "libssl.", "libcrypto.",
    "libc.so", "libm.so", "libpthread.", "libdl.", "librt.", "ld-linux",
    "libmariadb.", "libz.so",
    "libnng.", "libmbedtls.", "libmbedx509.", "libmbedcrypto.",
    "libsodium.", "libjansson.", "libprotobuf-c.",
    # The metrics/health port (ops/metrics_http.c): Debian's libmicrohttpd
    # links GnuTLS and its constructor runs gnutls_global_init.
    "libmicrohttpd.", "libgnutls.", "libp11-kit.", "libnettle.",
    "libhogweed.", "libgmp.", "libunistring.", "libtasn1.", "libidn2.",
    "libffi.",
)

# What a service may hold above the floor (MB): 5 MB of heap, thread
# stacks, malloc arenas and its binary (3.4-4.3 measured), plus the
# libraries only it maps: dosage ICU (services/dosage/zone.c, 3.0 MB);
# diagnosis OpenBLAS with libgfortran and the inference plugins (about
# 3 MB) and libcurl (services/diagnosis/pacs.c), which brings
# Kerberos, LDAP and ssh2 (about 1.5 MB; its GnuTLS is in the floor),
# (GDCM, 0.6 MB resident, is mapped only when the PACS write-back is on:
# services/diagnosis/stow_writer.c loads build/lib/diagnosis-dicom.so).
OWN_BUDGET_MB = {"identity": 5.0, "records": 5.0, "audit": 5.0, "hl7": 5.0,
                 "dosage": 8.0, "diagnosis": 11.0}


def in_stack(name):
    return os.path.basename(name).startswith(STACK)


def status(pid):
    """VmRSS, RssAnon and RssFile in MB, and the thread count."""
    m = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                m[key] = int(value.split()[0]) / 1024.0
            elif key == "Threads":
                m[key] = int(value)
    return m


def mappings(pid):
    """{name: {"Rss", "Pss", "Anonymous"} in kB} from smaps,
    the mappings of one file summed; anonymous ones as "[anon]"."""
    out = {}
    cur = None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            parts = line.split()
            if parts and not parts[0].endswith(":"):
                name = parts[5] if len(parts) > 5 else "[anon]"
                cur = out.setdefault(name, {"Rss": 0, "Pss": 0,
                                            "Anonymous": 0})
            elif cur is not None and parts[0][:-1] in cur:
                cur[parts[0][:-1]] += int(parts[1])
    return out


def memory(pid):
    """status() plus Pss, the floor and the service's own libraries."""
    m = status(pid)
    maps = mappings(pid)
    m["Pss"] = sum(v["Pss"] for v in maps.values()) / 1024.0
    m["floor"] = sum(v["Rss"] for k, v in maps.items()
                     if in_stack(k)) / 1024.0
    m["own"] = m["VmRSS"] - m["floor"]
    m["libs"] = sorted(((os.path.basename(k), v["Rss"] / 1024.0)
                        for k, v in maps.items()
                        if k.startswith("/") and ".so" in k
                        and not in_stack(k)), key=lambda x: -x[1])
    m["maps"] = maps
    return m


def print_detail(name, m):
    print("  %s: mappings >= 64 KB (kB): Rss, of it anonymous" % name)
    rows = sorted(m["maps"].items(), key=lambda kv: -kv[1]["Rss"])
    for k, v in rows:
        if v["Rss"] < 64:
            continue
        print("    %-40s %6d %6d  %s" % (
            os.path.basename(k)[:40], v["Rss"], v["Anonymous"],
            "floor" if in_stack(k) else ""))


def print_table(names, ms):
    print("  %-10s %7s %7s %7s %7s %8s %7s %7s  %s" % (
        "service", "RSS MB", "anon MB", "file MB", "PSS MB", "floor MB",
        "own MB", "threads", "verdict (RSS <= 20 / own <= budget)"))
    for name in names:
        m = ms[name]
        own_budget = OWN_BUDGET_MB.get(name, 5.0)
        print("  %-10s %7.1f %7.1f %7.1f %7.1f %8.1f %7.1f %7d  %s / %s" % (
            name, m["VmRSS"], m["RssAnon"], m["RssFile"], m["Pss"],
            m["floor"], m["own"], m["Threads"],
            "ok" if m["VmRSS"] <= BUDGET_MB else "OVER",
            ("ok" if m["own"] <= own_budget else "OVER") +
            " (%.1f)" % own_budget))
    for name in names:
        big = ["%s %.1f" % (lib, mb) for lib, mb in ms[name]["libs"]
               if mb >= 0.25]
        if big:
            print("  %s's own libraries (MB): %s" % (name, ", ".join(big)))


def print_verdict(names, ms):
    over = [n for n in names if ms[n]["VmRSS"] > BUDGET_MB]
    own_over = [n for n in names
                if ms[n]["own"] > OWN_BUDGET_MB.get(n, 5.0)]
    floors = [ms[n]["floor"] for n in names]
    if over:
        print("verdict: idle RSS <= %.0f MB per service (design.md): NOT "
              "met (%s); the library floor alone is %.1f-%.1f MB" % (
                  BUDGET_MB, ", ".join("%s %.1f" % (n, ms[n]["VmRSS"])
                                       for n in over),
                  min(floors), max(floors)))
    else:
        print("verdict: idle RSS <= %.0f MB per service (design.md): met" %
              BUDGET_MB)
    print("verdict: own memory (RSS - library floor) within each "
          "service's budget: %s" % (
              "met" if not own_over else
              "NOT met (%s)" % ", ".join("%s %.1f > %.1f" % (
                  n, ms[n]["own"], OWN_BUDGET_MB.get(n, 5.0))
                  for n in own_over)))


def main():
    with Stack() as st:
        for name in st.names:
            st.health(name)
        time.sleep(IDLE_SECONDS)
        ms = {name: memory(st.proc(name).pid) for name in st.names}
        print("idle memory after %d s (budget %.0f MB RSS per service):" %
              (IDLE_SECONDS, BUDGET_MB))
        print_table(st.names, ms)
        if DETAIL:
            for name in st.names:
                print_detail(name, ms[name])
        print_verdict(st.names, ms)


if __name__ == "__main__":
    main()
