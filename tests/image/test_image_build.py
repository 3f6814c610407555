"""What the images are made of (deploy/docker/Dockerfile, built by
tools/images/build.sh): no apt list, package cache or downloaded package
in any layer; only the libraries each service loads (OpenBLAS and the
inference plugin in identity and diagnosis only, no apt, no compiler);
the OCI labels source, revision and licenses with real values; an SPDX
2.3 SBOM per image that lists exactly the image's Debian packages; and
the FHIR facade's image serving /metadata over HTTPS as the chart runs
it, and the ward console (services/console) from the files it carries
under /console/.  The SBOM's shape check (spdxshape.py) is itself tested
on this host's dpkg database and on broken documents."""

import copy
import json
import os
import re
import ssl
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request

import pytest

import containers
import spdxshape
from harness import paths

IMAGES = ("identity", "records", "dosage", "diagnosis", "audit", "fhir")
INFERENCE = ("identity", "diagnosis")
PLUGIN = "/usr/lib/smartmed/plugins/cpu.so"
DICOM_WRITER = "/usr/lib/smartmed/lib/diagnosis-dicom.so"
CONSOLE_DIR = "/usr/share/smartmed/console"
CONSOLE_SRC = os.path.join(paths.REPO_ROOT, "services", "console")
# The names the facade serves (services/fhir/ward/console.c).
CONSOLE_FILE = re.compile(r"^[A-Za-z0-9_-]+\.(html|css|js|svg|json|png)$")
BUILD = os.path.join(paths.REPO_ROOT, os.environ.get("BUILD", "build"))
SBOM_TOOL = os.path.join(paths.REPO_ROOT, "tools", "images", "sbom.py")
FACE_LOCK = os.path.join(paths.REPO_ROOT, "tools", "facemodels",
                         "package-lock.json")
# What apt leaves behind: its lists, its binary caches, downloaded .debs.
APT_LEFTOVER = re.compile(r"^(\./)?(var/lib/apt/lists/(?!partial/?$|lock$)"
                          r".+|var/cache/apt/.+\.bin|.*\.deb)$")


@pytest.fixture(scope="module")
def built():
    why = containers.cannot_run_containers()
    if why:
        pytest.skip(why)
    missing = [containers.image_name(s) for s in IMAGES
               if not containers.image_exists(s)]
    assert not missing, "images not built (make images): %s" % missing


class Mounted:
    """The image's root file system, mounted read-only for a with block."""

    def __init__(self, svc):
        self.name = containers.image_name(svc)

    def __enter__(self):
        self.root = containers.podman("image", "mount", self.name).strip()
        return self

    def __exit__(self, *exc):
        containers.podman("image", "unmount", self.name, check=False)

    def path(self, p):
        return os.path.join(self.root, p.lstrip("/"))


def dpkg_installed(root):
    """{package: version} of the dpkg database under root."""
    r = subprocess.run(["dpkg-query", "--admindir=" + os.path.join(
        root, "var/lib/dpkg"), "-W", "-f", "${Package} ${Version} "
        "${db:Status-Status}\n"], stdout=subprocess.PIPE, check=True)
    out = {}
    for line in r.stdout.decode().splitlines():
        name, ver, status = line.split(" ")
        if status == "installed":
            out[name] = ver
    return out


@pytest.mark.parametrize("svc", IMAGES)
def test_no_apt_lists_or_caches_in_any_layer(built, svc, tmp_path):
    """Every layer of the image as a registry gets it (podman save), not
    only the final file system: a file deleted in a later layer is still
    shipped in the earlier one."""
    out = tmp_path / "oci"
    containers.podman("save", "--format", "oci-dir", "-o", str(out),
                      containers.image_name(svc), timeout=300)
    index = json.loads((out / "index.json").read_text())
    digest = index["manifests"][0]["digest"].split(":", 1)[1]
    manifest = json.loads((out / "blobs" / "sha256" / digest).read_text())
    assert manifest["layers"]
    found = []
    for layer in manifest["layers"]:
        blob = out / "blobs" / "sha256" / layer["digest"].split(":", 1)[1]
        with tarfile.open(str(blob), "r:*") as t:
            # (.wh. files are whiteouts: deletions, not content.)
            found += ["%s: %s" % (layer["digest"][:19], m.name)
                      for m in t if APT_LEFTOVER.match(m.name)
                      and not m.isdir() and
                      not os.path.basename(m.name).startswith(".wh.")]
    assert not found, found[:20]


@pytest.mark.parametrize("svc", IMAGES)
def test_only_the_libraries_the_service_needs(built, svc):
    with Mounted(svc) as img:
        debs = dpkg_installed(img.root)
        blas = [p for p in debs if p.startswith("libopenblas")]
        assert bool(blas) == (svc in INFERENCE), blas
        assert os.path.isfile(img.path(PLUGIN)) == \
            (svc in INFERENCE)
        # Every process serves /metrics and the health probes with
        # libmicrohttpd (libmed's ops/metrics_http.c), the facade its API too.
        assert "libmicrohttpd12" in debs
        assert ("libjpeg62-turbo" in debs) == (svc in INFERENCE)
        # diagnosis's DICOM writer (GDCM), loaded only with the PACS
        # write-back on, beside the binary's folder; nowhere else.
        assert os.path.isfile(img.path(DICOM_WRITER)) == \
            (svc == "diagnosis")
        assert ("libgdcm3.0" in debs) == (svc == "diagnosis")
        for absent in ("apt", "perl-base", "ca-certificates", "login",
                       "util-linux", "libpam0g"):
            assert absent not in debs, absent
        for absent in ("/usr/bin/apt-get", "/usr/bin/perl", "/usr/bin/gcc",
                       "/var/lib/apt/lists", "/var/cache/apt"):
            assert not os.path.exists(img.path(absent)), absent
        # A shell for kubectl exec; the service user and its spool.
        assert os.path.exists(img.path("/bin/sh"))
        st = os.stat(img.path("/var/lib/smartmed/spool"))
        assert (st.st_uid, st.st_gid) == containers.chart_user()


@pytest.mark.parametrize("svc", IMAGES)
def test_oci_labels_name_the_source_revision_and_licences(built, svc):
    labels = json.loads(containers.podman(
        "image", "inspect", "--format", "{{json .Labels}}",
        containers.image_name(svc)))
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.REPO_ROOT,
                          stdout=subprocess.PIPE, check=True)
    rev = labels.get("org.opencontainers.image.revision", "")
    assert re.match(r"^[0-9a-f]{40}(-dirty)?$", rev), rev
    # The image may come from an earlier commit than the tests; it names
    # one of this checkout's history.
    assert subprocess.run(["git", "cat-file", "-e", rev[:40] + "^{commit}"],
                          cwd=paths.REPO_ROOT).returncode == 0, rev
    assert head.returncode == 0
    src = labels.get("org.opencontainers.image.source", "")
    assert re.match(r"^(https?|ssh|git|file)://\S+$", src), src
    lic = labels.get("org.opencontainers.image.licenses", "")
    assert lic and spdxshape.licence_problems(lic) is None, lic
    for v in (src, lic):
        assert not re.search(r"example\.|\.invalid|TODO|placeholder", v), v
    assert labels.get("org.opencontainers.image.title") == "smartmed-" + svc


@pytest.mark.parametrize("svc", IMAGES)
def test_sbom_is_spdx_and_lists_the_images_packages(built, svc):
    path = os.path.join(BUILD, "images", "sbom",
                        "smartmed-%s.spdx.json" % svc)
    with open(path) as f:
        doc = json.load(f)
    assert spdxshape.problems(doc) == []
    with Mounted(svc) as img:
        debs = dpkg_installed(img.root)
    purls = {r["referenceLocator"] for p in doc["packages"]
             for r in p.get("externalRefs", [])}
    listed = {p["name"]: p["versionInfo"] for p in doc["packages"]
              if any(r["referenceLocator"].startswith("pkg:deb/")
                     for r in p.get("externalRefs", []))}
    assert listed == debs
    npm = {u for u in purls if u.startswith("pkg:npm/")}
    assert bool(npm) == (svc == "identity"), npm
    if svc == "identity":
        assert "pkg:npm/%40vladmandic/face-api@1.7.15" in npm
    # One package per model card the image holds, MiniFASNet's among
    # them wherever the build made it (tools/images/build.sh).
    with Mounted(svc) as img:
        cards = set()
        for folder, _, names in os.walk(
                os.path.join(img.root, "usr/share/smartmed/models")):
            cards |= {n[:-8] for n in names if n.endswith(".card.md")}
    models = {p["name"]: p for p in doc["packages"]
              if p["SPDXID"].startswith("SPDXRef-model-")}
    assert set(models) == cards
    if svc == "identity" and paths.minifasnet_pad() is not None:
        pad = models["minifasnet-fused-v1"]
        assert pad["licenseDeclared"] == "Apache-2.0", pad
        assert pad["checksums"][0]["algorithm"] == "SHA256"
    image = [p for p in doc["packages"]
             if p["SPDXID"] == doc["documentDescribes"][0]][0]
    assert image["name"] == containers.image_name(svc)
    assert image["primaryPackagePurpose"] == "CONTAINER"


def test_fhir_image_serves_metadata_over_https(cstack):
    """The facade from its image, as the chart runs it, in front of the
    five service containers: /metadata over TLS with the stack's CA."""
    assert "fhir" in cstack.containers
    ctx = ssl.create_default_context(cafile=cstack.ca_path)
    with urllib.request.urlopen(cstack.fhir_url() + "/metadata",
                                context=ctx, timeout=30) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("application/fhir+json")
        body = json.loads(r.read())
    assert body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1"
    uid, gid = containers.chart_user()
    with open("/proc/%d/status" % cstack.container_pid("fhir")) as f:
        ids = {ln.split(":")[0]: ln.split()[1:] for ln in f
               if ln.startswith(("Uid:", "Gid:"))}
    assert ids["Uid"] == [str(uid)] * 4 and ids["Gid"] == [str(gid)] * 4
    plain = cstack.fhir_url().replace("https://", "http://") + "/metadata"
    with pytest.raises(Exception):
        urllib.request.urlopen(plain, timeout=10).read()


def image_env(svc):
    """{name: value} of the image's ENV (what podman run starts it with)."""
    env = json.loads(containers.podman(
        "image", "inspect", "--format", "{{json .Config.Env}}",
        containers.image_name(svc)))
    return dict(e.split("=", 1) for e in env)


@pytest.mark.parametrize("svc", IMAGES)
def test_console_files_in_the_fhir_image_only(built, svc):
    """The facade's image holds every file of services/console, byte for
    byte, owned by root and not writable by the service, in the folder its
    MED_CONSOLE_DIR names; the other images hold none of it.  Every image
    starts OpenBLAS at one thread (OPENBLAS_NUM_THREADS=1)."""
    env = image_env(svc)
    assert env.get("OPENBLAS_NUM_THREADS") == "1", env
    with Mounted(svc) as img:
        d = img.path(CONSOLE_DIR)
        held = sorted(os.listdir(d)) if os.path.isdir(d) else []
        if svc != "fhir":
            assert held == [], held
            return
        assert env.get("MED_CONSOLE_DIR") == CONSOLE_DIR, env
        want = sorted(n for n in os.listdir(CONSOLE_SRC)
                      if CONSOLE_FILE.match(n))
        assert "index.html" in want and held == want, (held, want)
        for n in want:
            with open(os.path.join(d, n), "rb") as a, \
                    open(os.path.join(CONSOLE_SRC, n), "rb") as b:
                assert a.read() == b.read(), n
            st = os.stat(os.path.join(d, n))
            assert (st.st_uid, st.st_gid) == (0, 0), n
            assert not st.st_mode & 0o022, (n, oct(st.st_mode))


def _get(url, ctx):
    with urllib.request.urlopen(url, context=ctx, timeout=30) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read()


def test_fhir_image_serves_the_console(cstack):
    """The facade from its image, with no console setting but the image's
    own MED_CONSOLE_DIR: /console/ is the page, its scripts and styles come
    with their types, config.json names this FHIR base, and a path that
    tries to leave the folder is 404."""
    assert "MED_CONSOLE_DIR" not in cstack.services["fhir"].env
    ctx = ssl.create_default_context(cafile=cstack.ca_path)
    fhir = cstack.fhir_url()
    origin = fhir[:fhir.index("/", len("https://"))]
    status, ctype, body = _get(origin + "/console/", ctx)
    assert status == 200 and ctype.startswith("text/html"), (status, ctype)
    with open(os.path.join(CONSOLE_SRC, "index.html"), "rb") as f:
        assert body == f.read()
    for name, kind in (("app.js", "javascript"), ("style.css", "text/css")):
        status, ctype, body = _get(origin + "/console/" + name, ctx)
        assert status == 200 and kind in ctype, (name, status, ctype)
        with open(os.path.join(CONSOLE_SRC, name), "rb") as f:
            assert body == f.read(), name
    status, ctype, body = _get(origin + "/console/config.json", ctx)
    assert status == 200 and "json" in ctype, (status, ctype)
    assert json.loads(body)["fhirBaseUrl"] == fhir, body
    for bad in ("/console/..%2Fmain.c", "/console/.hidden.js",
                "/console/nothere.js"):
        with pytest.raises(urllib.error.HTTPError) as e:
            _get(origin + bad, ctx)
        assert e.value.code in (400, 404), (bad, e.value.code)


# --- the SBOM tool and the shape check, without images -------------------

@pytest.fixture(scope="module")
def host_sbom():
    """sbom.py run on this host's own dpkg database and the face models'
    npm lock file: real data, no image needed."""
    r = subprocess.run([sys.executable, SBOM_TOOL, "--root", "/",
                        "--image", "registry.test/smartmed/smartmed-x:1",
                        "--service", "identity",
                        "--source", "https://git.test/smartmed.git",
                        "--revision", "0" * 40,
                        "--licenses", "LicenseRef-smartmed-UNLICENSED",
                        "--npm-lock", FACE_LOCK, "--repo", paths.REPO_ROOT],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       check=True)
    return json.loads(r.stdout)


def test_sbom_tool_on_the_host_is_valid_spdx(host_sbom):
    assert spdxshape.problems(host_sbom) == []
    names = {p["name"] for p in host_sbom["packages"]}
    assert {"libc6", "dpkg", "@vladmandic/face-api"} <= names
    libc = [p for p in host_sbom["packages"] if p["name"] == "libc6"][0]
    assert libc["supplier"] == "Organization: Debian"
    # Packages with a machine-readable copyright file declare licences
    # (libc6's is free text: NOASSERTION, not a guess).
    debs = [p for p in host_sbom["packages"]
            if p.get("supplier") == "Organization: Debian"]
    declared = [p for p in debs if p["licenseDeclared"] != "NOASSERTION"]
    assert len(declared) > len(debs) // 2, (len(declared), len(debs))


@pytest.mark.parametrize("breakage,expect", [
    (lambda d: d.pop("documentNamespace"), "documentNamespace"),
    (lambda d: d.update(spdxVersion="SPDX-2.2"), "spdxVersion"),
    (lambda d: d["creationInfo"].update(created="2024-01-01 10:00"),
     "created"),
    (lambda d: d["packages"][3].update(SPDXID="SPDXRef-a_b"), "SPDXID"),
    (lambda d: d["packages"][4].pop("downloadLocation"), "downloadLocation"),
    (lambda d: d["packages"][5].update(licenseDeclared="MIT AND"),
     "licenseDeclared"),
    (lambda d: d["packages"][5].update(licenseDeclared="LicenseRef-nope"),
     "does not declare"),
    (lambda d: d["packages"].append(copy.deepcopy(d["packages"][6])),
     "used twice"),
    (lambda d: d["relationships"].append(
        {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "HAS",
         "relatedSpdxElement": "SPDXRef-gone"}), "relationship"),
    (lambda d: d["packages"][2].update(checksums=[
        {"algorithm": "SHA256", "checksumValue": "abc"}]), "checksum"),
    (lambda d: d.update(packagez=[]), "unknown top-level field"),
])
def test_shape_check_catches(host_sbom, breakage, expect):
    doc = copy.deepcopy(host_sbom)
    breakage(doc)
    got = spdxshape.problems(doc)
    assert any(expect in p for p in got), got


def test_sbom_lists_the_models_an_image_carries(tmp_path):
    """Each model card under /usr/share/smartmed/models becomes a package:
    an Apache-2.0 card's licence as its SPDX id, the rest of the line in
    the comment, the card's SHA-256 as the checksum; a card whose licence
    names no SPDX id declares NOASSERTION, not a guess."""
    root = tmp_path / "root"
    (root / "var/lib/dpkg").mkdir(parents=True)
    with open("/var/lib/dpkg/status", encoding="utf-8") as f:
        (root / "var/lib/dpkg/status").write_text(f.read().split("\n\n")[0]
                                                   + "\n")
    face = root / "usr/share/smartmed/models/face"
    face.mkdir(parents=True)
    (face / "pad-a.card.md").write_text(
        "---\nkind: face-pad\nname: pad-a\nversion: 1.0.0\n"
        "licence: Apache-2.0 (its authors); training data not disclosed\n"
        "sha256: " + "ab" * 32 + "\n---\n# pad-a\n")
    (face / "odd-b.card.md").write_text(
        "---\nkind: face-embedder\nname: odd-b\nversion: 2\n"
        "licence: see the vendor's terms\n---\n")
    r = subprocess.run([sys.executable, SBOM_TOOL, "--root", str(root),
                        "--image", "registry.test/smartmed/smartmed-x:1",
                        "--service", "identity",
                        "--source", "https://git.test/smartmed.git",
                        "--revision", "0" * 40,
                        "--licenses", "LicenseRef-smartmed-UNLICENSED"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       check=True)
    doc = json.loads(r.stdout)
    assert spdxshape.problems(doc) == []
    models = {p["name"]: p for p in doc["packages"]
              if p["SPDXID"].startswith("SPDXRef-model-")}
    assert set(models) == {"pad-a", "odd-b"}
    a, b = models["pad-a"], models["odd-b"]
    assert a["licenseDeclared"] == "Apache-2.0"
    assert "training data not disclosed" in a["comment"]
    assert a["checksums"] == [{"algorithm": "SHA256",
                               "checksumValue": "ab" * 32}]
    assert a["sourceInfo"].endswith(
        "/usr/share/smartmed/models/face/pad-a.onnx, described by its card")
    assert b["licenseDeclared"] == "NOASSERTION" and "checksums" not in b
    contained = {x["relatedSpdxElement"] for x in doc["relationships"]
                 if x["relationshipType"] == "CONTAINS"}
    assert {a["SPDXID"], b["SPDXID"]} <= contained
