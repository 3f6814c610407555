"""make run builds what running needs and nothing more (issue 77, item
9): the services, the operator tools, the cpu backend and the Python
message modules, never the unit-test binaries, the fixture plugins, the
benchmarks or the cuda backend, which make all builds.  Read from
`make -n` into an empty build directory, with a CUDA toolkit laid out as
nvcc's install has it (an nvcc and its static runtime), so that the
Makefile's own detection decides that cuda.so can be built; nothing is
compiled."""

import os
import subprocess

import pytest

from harness import paths


@pytest.fixture(scope="module")
def toolkit(tmp_path_factory):
    """A directory shaped as a CUDA toolkit: bin/nvcc and
    lib64/libcudart_static.a, which is all the Makefile looks for."""
    root = tmp_path_factory.mktemp("cuda")
    (root / "bin").mkdir()
    (root / "lib64").mkdir()
    nvcc = root / "bin" / "nvcc"
    nvcc.write_text("#!/bin/sh\nexit 0\n")
    nvcc.chmod(0o755)
    (root / "lib64" / "libcudart_static.a").write_bytes(b"")
    return str(nvcc)


def planned(target, build, nvcc):
    """The commands `make -n TARGET` would run into the build directory
    BUILD (empty, so every file is to be made)."""
    # Run as a make of its own: under `make test` the inherited MAKELEVEL
    # and MAKEFLAGS would make it a sub-make that prints "Entering
    # directory" lines around the plan.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    r = subprocess.run(["make", "--no-print-directory", "-n", target,
                        "BUILD=%s" % build, "NVCC=%s" % nvcc],
                       cwd=paths.REPO_ROOT, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout[-2000:]
    return r.stdout


def test_make_all_builds_the_cuda_backend_and_the_tests(tmp_path, toolkit):
    out = planned("all", tmp_path / "b", toolkit)
    assert "/plugins/cuda.so" in out
    assert "%s/tests/" % (tmp_path / "b") in out


def test_make_run_builds_the_services_only(tmp_path, toolkit):
    build = tmp_path / "b"
    out = planned("run", build, toolkit)
    for svc in ("identity", "records", "dosage", "diagnosis", "audit",
                "hl7", "fhir"):
        assert "%s/bin/smartmed-%s" % (build, svc) in out, svc
    for tool in ("medctl", "auditverify", "vtoken"):
        assert "%s/bin/%s" % (build, tool) in out, tool
    assert "%s/plugins/cpu.so" % build in out
    assert "%s/gen/python/.stamp" % build in out
    assert "cuda.so" not in out
    assert "%s/tests/" % build not in out
    assert "%s/bin/bench-" % build not in out
    assert out.rstrip().endswith("tools/dev/run.sh")
