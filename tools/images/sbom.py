"""sbom.py - writes an SPDX 2.3 JSON software bill of materials for one
service image from what the image holds: every Debian package of the
image's dpkg database (name, version, architecture, source package, the
licences its machine-readable /usr/share/doc/<package>/copyright declares)
and every package of the npm lock files whose contents went into the image
(identity's face models are converted from @vladmandic/face-api's
weights) and every model card (NAME.card.md, which names a licence) under
/usr/share/smartmed/models: the weights themselves, MiniFASNet's among
them.  diagnosis's own model (its .card.json, the project's work) goes
with the smartmed package.  One package more for the image and one for
the smartmed service with the source and revision it was built from.

    sbom.py --root ROOT --image NAME:TAG --service SVC --source URL
            --revision COMMIT --licenses EXPR [--npm-lock FILE]... > OUT

ROOT is the image's mounted root file system (podman image mount).  Only
the standard library: it runs on the build host, not in the image."""

import argparse
import base64
import datetime
import hashlib
import json
import os
import re
import sys
import uuid

# Debian's DEP-5 short names and their SPDX identifiers; anything else
# becomes a LicenseRef- with the copyright file named as its text.
DEB_TO_SPDX = {
    "gpl-1": "GPL-1.0-only", "gpl-1+": "GPL-1.0-or-later",
    "gpl-2": "GPL-2.0-only", "gpl-2+": "GPL-2.0-or-later",
    "gpl-3": "GPL-3.0-only", "gpl-3+": "GPL-3.0-or-later",
    "lgpl-2": "LGPL-2.0-only", "lgpl-2+": "LGPL-2.0-or-later",
    "lgpl-2.1": "LGPL-2.1-only", "lgpl-2.1+": "LGPL-2.1-or-later",
    "lgpl-3": "LGPL-3.0-only", "lgpl-3+": "LGPL-3.0-or-later",
    "gfdl-1.2+": "GFDL-1.2-or-later", "gfdl-1.3+": "GFDL-1.3-or-later",
    "agpl-3+": "AGPL-3.0-or-later", "apache-2.0": "Apache-2.0",
    "bsd-2-clause": "BSD-2-Clause", "bsd-3-clause": "BSD-3-Clause",
    "bsd-4-clause": "BSD-4-Clause", "expat": "MIT", "mit": "MIT",
    "isc": "ISC", "zlib": "Zlib", "mpl-1.1": "MPL-1.1", "mpl-2.0": "MPL-2.0",
    "artistic": "Artistic-1.0-Perl", "artistic-2.0": "Artistic-2.0",
    "openssl": "OpenSSL", "ssleay": "SSLeay-standalone", "x11": "X11",
    "psf-2": "PSF-2.0", "python": "Python-2.0", "curl": "curl",
    "ijg": "IJG", "libpng": "Libpng", "libpng-2.0": "libpng-2.0",
    "bsl-1.0": "BSL-1.0", "boost-1.0": "BSL-1.0", "cc0-1.0": "CC0-1.0",
    "cc0": "CC0-1.0", "unicode-dfs-2016": "Unicode-DFS-2016",
    "gpl-2.0+": "GPL-2.0-or-later", "gpl-2.0": "GPL-2.0-only",
    "lgpl-2.1-or-later": "LGPL-2.1-or-later",
    "gpl-2.0-or-later": "GPL-2.0-or-later",
    "gpl-3.0-or-later": "GPL-3.0-or-later", "bzip2-1.0.6": "bzip2-1.0.6",
    "ofl-1.1": "OFL-1.1", "wtfpl": "WTFPL", "unlicense": "Unlicense",
}
SPDX_ID = re.compile(r"[^A-Za-z0-9.-]+")


def spdx_id(*parts):
    """An SPDXRef- identifier from parts (SPDX allows [A-Za-z0-9.-])."""
    return "SPDXRef-" + "-".join(SPDX_ID.sub("-", p).strip("-")
                                 for p in parts)


def stanzas(text):
    """The paragraphs of a deb822 file as dicts (continuation lines
    joined with newlines)."""
    for block in re.split(r"\n\s*\n", text):
        fields, key = {}, None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            if line[:1].isspace() and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, _, v = line.partition(":")
                key = key.strip()
                fields[key] = v.strip()
        if fields:
            yield fields


def dpkg_packages(root):
    """Installed packages of ROOT's dpkg database, sorted by name."""
    path = os.path.join(root, "var/lib/dpkg/status")
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    out = []
    for st in stanzas(text):
        if not st.get("Status", "").endswith(" installed"):
            continue
        src = st.get("Source", st["Package"])
        src_name, _, src_ver = src.partition(" ")
        out.append({
            "name": st["Package"], "version": st.get("Version", ""),
            "arch": st.get("Architecture", ""),
            "source": src_name,
            "source_version": src_ver.strip("()") or st.get("Version", ""),
            "maintainer": st.get("Maintainer", ""),
            "homepage": st.get("Homepage", ""),
        })
    return sorted(out, key=lambda p: (p["name"], p["arch"]))


def deb_licences(root, pkg):
    """The SPDX licence ids the package's DEP-5 copyright file declares
    (sorted), or None when it has no machine-readable copyright file."""
    for name in (pkg["name"] + ":" + pkg["arch"], pkg["name"]):
        path = os.path.join(root, "usr/share/doc", name, "copyright")
        if os.path.isfile(path):
            break
    else:
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if not re.match(r"\s*Format:\s*\S*copyright-format", text):
        return None
    ids = set()
    for st in stanzas(text):
        if "Files" not in st or "License" not in st:
            continue
        first = st["License"].split("\n", 1)[0]
        for word in re.split(r"\s+(?:or|and)\s+|\s*[|,]\s*", first):
            word = word.strip().strip("()")
            if not word:
                continue
            ids.add(DEB_TO_SPDX.get(word.lower(), "LicenseRef-deb-" +
                                    SPDX_ID.sub("-", word).strip("-")))
    return sorted(ids) or None


def deb_package(root, pkg, extracted):
    ids = deb_licences(root, pkg)
    declared = "NOASSERTION"
    if ids:
        declared = " AND ".join(ids)
        for i in ids:
            if i.startswith("LicenseRef-") and i not in extracted:
                extracted[i] = (
                    "A licence Debian names '%s' in a package's "
                    "machine-readable copyright file; its text is in "
                    "/usr/share/doc/%s/copyright in the image."
                    % (i[len("LicenseRef-deb-"):], pkg["name"]))
    purl = "pkg:deb/debian/%s@%s?arch=%s&distro=debian-12" % (
        pkg["name"], pkg["version"], pkg["arch"])
    if pkg["source"] != pkg["name"]:
        purl += "&upstream=%s" % pkg["source"]
    out = {
        "name": pkg["name"],
        "SPDXID": spdx_id("deb", pkg["name"], pkg["arch"]),
        "versionInfo": pkg["version"],
        "supplier": "Organization: Debian",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "sourceInfo": "built from the Debian source package %s %s" % (
            pkg["source"], pkg["source_version"]),
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": declared,
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "LIBRARY" if pkg["name"].startswith("lib")
        else "APPLICATION",
        "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER",
                          "referenceType": "purl",
                          "referenceLocator": purl}],
    }
    if pkg["homepage"]:
        out["homepage"] = pkg["homepage"]
    return out


def npm_packages(lock_path):
    """The packages of an npm lock file (lockfileVersion 2 or 3), without
    the root project itself."""
    with open(lock_path, encoding="utf-8") as f:
        lock = json.load(f)
    out = []
    for path, p in sorted(lock.get("packages", {}).items()):
        if not path or "version" not in p:
            continue
        name = p.get("name") or path.rsplit("node_modules/", 1)[-1]
        out.append({"name": name, "version": p["version"],
                    "integrity": p.get("integrity", ""),
                    "resolved": p.get("resolved", ""),
                    "license": p.get("license", "")})
    return out


def npm_package(pkg, lock_rel):
    base = pkg["name"].rsplit("/", 1)[-1]
    url = pkg["resolved"] or "https://registry.npmjs.org/%s/-/%s-%s.tgz" % (
        pkg["name"], base, pkg["version"])
    lic = pkg["license"]
    if not re.match(r"^[A-Za-z0-9.+-]+$", lic or "") or lic == "UNLICENSED":
        lic = "NOASSERTION"
    out = {
        "name": pkg["name"],
        "SPDXID": spdx_id("npm", pkg["name"], pkg["version"]),
        "versionInfo": pkg["version"],
        "supplier": "NOASSERTION",
        "downloadLocation": url,
        "filesAnalyzed": False,
        "sourceInfo": "from %s" % lock_rel,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": lic,
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "LIBRARY",
        "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER",
                          "referenceType": "purl",
                          "referenceLocator": "pkg:npm/%s@%s" % (
                              pkg["name"].replace("@", "%40"),
                              pkg["version"])}],
    }
    algo, _, b64 = pkg["integrity"].partition("-")
    if algo in ("sha1", "sha256", "sha512") and b64:
        out["checksums"] = [{"algorithm": algo.upper(),
                             "checksumValue": base64.b64decode(b64).hex()}]
    return out


# Where the service images keep their models (deploy/docker/Dockerfile).
MODEL_DIR = "usr/share/smartmed/models"


# The SPDX ids a model card's licence may lead with (any other first word,
# "see the vendor's terms" say, is no declaration).
MODEL_LICENCES = set(DEB_TO_SPDX.values()) | {
    "CC0-1.0", "CC-BY-4.0", "Unlicense", "BSL-1.0"}


def card_fields(path):
    """The key: value lines of a model card's front matter."""
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        if f.readline().strip() != "---":
            return out
        for line in f:
            if line.strip() == "---":
                break
            k, sep, v = line.partition(":")
            if sep:
                out[k.strip()] = v.strip()
    return out


def model_packages(root):
    """One package per model card in the image: the third-party weights
    it carries (MiniFASNet's, say) are components as much as a library
    is.  The card's licence leads with an SPDX id when it has one (the
    rest of the line, such as undisclosed training data, goes in the
    comment); the checksum is the model file's, as the card states it."""
    out = []
    top = os.path.join(root, MODEL_DIR)
    for folder, _, names in sorted(os.walk(top)):
        for n in sorted(names):
            if not n.endswith(".card.md"):
                continue
            card = card_fields(os.path.join(folder, n))
            name, version = card.get("name"), card.get("version", "")
            if not name:
                continue
            lic_text = card.get("licence", "")
            first = lic_text.split(" ", 1)[0].rstrip(";,")
            lic = first if first in MODEL_LICENCES else "NOASSERTION"
            rel = os.path.relpath(os.path.join(folder, n[:-8]), root)
            p = {
                "name": name,
                "SPDXID": spdx_id("model", name, version),
                "versionInfo": version or "NOASSERTION",
                "supplier": "NOASSERTION",
                "downloadLocation": "NOASSERTION",
                "filesAnalyzed": False,
                "sourceInfo": "model /%s.onnx, described by its card" % rel,
                "licenseConcluded": "NOASSERTION",
                "licenseDeclared": lic,
                "copyrightText": "NOASSERTION",
                "primaryPackagePurpose": "OTHER",
                "comment": "model card licence: %s" % (lic_text or "none"),
            }
            if re.match(r"^[0-9a-f]{64}$", card.get("sha256", "")):
                p["checksums"] = [{"algorithm": "SHA256",
                                   "checksumValue": card["sha256"]}]
            out.append(p)
    return out


def licence_refs(expr, extracted):
    """Registers the project's own LicenseRef- ids of expr."""
    for ref in re.findall(r"LicenseRef-[A-Za-z0-9.-]+", expr):
        extracted.setdefault(ref, (
            "smartmed's own licence: the project's package.json files "
            "declare it UNLICENSED (not licensed for use by others); the "
            "hospital's agreement with its authors governs its use."))


def document(a):
    extracted = {}
    image_id = spdx_id("image", "smartmed", a.service)
    svc_id = spdx_id("smartmed", a.service)
    licence_refs(a.licenses, extracted)
    repo, _, tag = a.image.rpartition(":")
    image = {
        "name": a.image,
        "SPDXID": image_id,
        "versionInfo": tag,
        "supplier": "NOASSERTION",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "CONTAINER",
        "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER",
                          "referenceType": "purl",
                          "referenceLocator":
                          "pkg:oci/%s@%s?repository_url=%s" % (
                              repo.rsplit("/", 1)[-1], tag, repo)}],
    }
    service = {
        "name": "smartmed-" + a.service,
        "SPDXID": svc_id,
        "versionInfo": tag,
        "supplier": "NOASSERTION",
        "downloadLocation": "git+%s@%s" % (a.source, a.revision)
        if not a.source.startswith("git+") else
        "%s@%s" % (a.source, a.revision),
        "filesAnalyzed": False,
        "sourceInfo": "built from %s at revision %s" % (a.source,
                                                          a.revision),
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": a.licenses,
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "APPLICATION",
    }
    packages = [image, service]
    rels = [{"spdxElementId": "SPDXRef-DOCUMENT",
             "relationshipType": "DESCRIBES", "relatedSpdxElement": image_id},
            {"spdxElementId": image_id, "relationshipType": "CONTAINS",
             "relatedSpdxElement": svc_id}]
    for pkg in dpkg_packages(a.root):
        p = deb_package(a.root, pkg, extracted)
        packages.append(p)
        rels.append({"spdxElementId": image_id,
                     "relationshipType": "CONTAINS",
                     "relatedSpdxElement": p["SPDXID"]})
    for lock in a.npm_lock:
        rel = os.path.relpath(lock, a.repo) if a.repo else lock
        for pkg in npm_packages(lock):
            p = npm_package(pkg, rel)
            packages.append(p)
            # The image holds what the build made from the npm package
            # (the face models, converted to ONNX), not its files.
            rels.append({"spdxElementId": svc_id,
                         "relationshipType": "GENERATED_FROM",
                         "relatedSpdxElement": p["SPDXID"]})
            rels.append({"spdxElementId": image_id,
                         "relationshipType": "CONTAINS",
                         "relatedSpdxElement": p["SPDXID"]})
    for p in model_packages(a.root):
        packages.append(p)
        rels.append({"spdxElementId": image_id,
                     "relationshipType": "CONTAINS",
                     "relatedSpdxElement": p["SPDXID"]})
    now = datetime.datetime.now(datetime.timezone.utc)
    digest = hashlib.sha256(json.dumps(packages, sort_keys=True).encode())
    doc = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": a.image,
        "documentNamespace": "https://spdx.org/spdxdocs/smartmed-%s-%s-%s"
        % (a.service, digest.hexdigest()[:16], uuid.uuid4()),
        "creationInfo": {
            "created": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "creators": ["Tool: smartmed-tools-images-sbom.py",
                         "Organization: smartmed"],
            "comment": "Debian packages from the image's dpkg database; "
            "npm packages from the lock files named in sourceInfo; "
            "models from their cards under /" + MODEL_DIR + ".",
        },
        "documentDescribes": [image_id],
        "packages": packages,
        "relationships": rels,
    }
    if extracted:
        doc["hasExtractedLicensingInfos"] = [
            {"licenseId": k, "extractedText": v}
            for k, v in sorted(extracted.items())]
    return doc


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--revision", required=True)
    ap.add_argument("--licenses", required=True)
    ap.add_argument("--npm-lock", action="append", default=[])
    ap.add_argument("--repo", default="",
                    help="the checkout, to name lock files relative to it")
    a = ap.parse_args(argv[1:])
    if not os.path.isfile(os.path.join(a.root, "var/lib/dpkg/status")):
        print("sbom.py: %s has no dpkg database" % a.root, file=sys.stderr)
        return 1
    json.dump(document(a), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
