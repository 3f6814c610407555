"""problems(doc): what is wrong with an SPDX 2.3 JSON document's shape, as
the SPDX 2.3 specification (clauses 6, 7, 10, 11) defines it: the
document's creation information, each package's required fields and the
form of its identifiers, licence expressions, checksums, external
references and supplier, the relationships' types and ends, and every
LicenseRef- used declared in hasExtractedLicensingInfos.  An empty list
means the document is well formed."""

import re

DOC_KEYS = {"spdxVersion", "dataLicense", "SPDXID", "name",
            "documentNamespace", "creationInfo", "documentDescribes",
            "packages", "files", "snippets", "relationships",
            "hasExtractedLicensingInfos", "externalDocumentRefs",
            "annotations", "comment"}
PACKAGE_KEYS = {"name", "SPDXID", "versionInfo", "packageFileName",
                "supplier", "originator", "downloadLocation", "filesAnalyzed",
                "packageVerificationCode", "checksums", "homepage",
                "sourceInfo", "licenseConcluded", "licenseInfoFromFiles",
                "licenseDeclared", "licenseComments", "copyrightText",
                "summary", "description", "comment", "externalRefs",
                "attributionTexts", "primaryPackagePurpose", "releaseDate",
                "builtDate", "validUntilDate", "annotations", "hasFiles"}
PURPOSES = {"APPLICATION", "FRAMEWORK", "LIBRARY", "CONTAINER",
            "OPERATING-SYSTEM", "DEVICE", "FIRMWARE", "SOURCE", "ARCHIVE",
            "FILE", "INSTALL", "OTHER"}
ALGORITHMS = {"SHA1": 40, "SHA224": 56, "SHA256": 64, "SHA384": 96,
              "SHA512": 128, "MD5": 32, "SHA3-256": 64, "SHA3-512": 128,
              "BLAKE2b-256": 64, "BLAKE2b-512": 128}
REF_CATEGORIES = {"SECURITY", "PACKAGE-MANAGER", "PERSISTENT-ID", "OTHER"}
RELATIONSHIPS = {"DESCRIBES", "DESCRIBED_BY", "CONTAINS", "CONTAINED_BY",
                 "DEPENDS_ON", "DEPENDENCY_OF", "GENERATED_FROM", "GENERATES",
                 "BUILD_DEPENDENCY_OF", "RUNTIME_DEPENDENCY_OF",
                 "DEPENDENCY_MANIFEST_OF", "PACKAGE_OF", "VARIANT_OF",
                 "DISTRIBUTION_ARTIFACT", "OTHER"}
SPDX_REF = re.compile(r"^SPDXRef-[A-Za-z0-9.-]+$")
CREATED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CREATOR = re.compile(r"^(Tool|Organization|Person): \S")
ACTOR = re.compile(r"^(NOASSERTION|(Person|Organization): \S.*)$")
LICENSE_TOKEN = re.compile(r"\s*(\(|\)|AND\b|OR\b|WITH\b|"
                           r"LicenseRef-[A-Za-z0-9.-]+|"
                           r"DocumentRef-[A-Za-z0-9.-]+:LicenseRef-"
                           r"[A-Za-z0-9.-]+|[A-Za-z0-9][A-Za-z0-9.-]*\+?)")


def licence_problems(expr):
    """Why expr is not an SPDX licence expression (or NONE/NOASSERTION),
    or None: ids and LicenseRef-s joined by AND, OR and WITH, with
    balanced parentheses."""
    if expr in ("NONE", "NOASSERTION"):
        return None
    if not isinstance(expr, str) or not expr.strip():
        return "empty"
    pos, depth, want_operand = 0, 0, True
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = LICENSE_TOKEN.match(expr, pos)
        if not m:
            return "unexpected text at %r" % expr[pos:pos + 20]
        tok = m.group(1)
        pos = m.end()
        if tok == "(":
            if not want_operand:
                return "'(' after an operand"
            depth += 1
        elif tok == ")":
            if want_operand or depth == 0:
                return "unbalanced ')'"
            depth -= 1
        elif tok in ("AND", "OR", "WITH"):
            if want_operand:
                return "%s without a left operand" % tok
            want_operand = True
        else:
            if not want_operand:
                return "two operands without an operator at %r" % tok
            want_operand = False
    if depth or want_operand:
        return "incomplete expression"
    return None


def _package_problems(p, where):
    out = []
    for k in sorted(set(p) - PACKAGE_KEYS):
        out.append("%s: unknown field %s" % (where, k))
    for k in ("name", "SPDXID", "downloadLocation"):
        if not isinstance(p.get(k), str) or not p.get(k):
            out.append("%s: %s missing or empty" % (where, k))
    if not SPDX_REF.match(str(p.get("SPDXID", ""))):
        out.append("%s: SPDXID %r is not SPDXRef-[A-Za-z0-9.-]+" % (
            where, p.get("SPDXID")))
    dl = p.get("downloadLocation", "")
    if dl not in ("NONE", "NOASSERTION") and not re.match(
            r"^[a-z][a-z0-9+.-]*(\+[a-z]+)?://\S+$|^git\+\S+$", str(dl)):
        out.append("%s: downloadLocation %r is no URL, NONE or "
                   "NOASSERTION" % (where, dl))
    if "filesAnalyzed" in p and not isinstance(p["filesAnalyzed"], bool):
        out.append("%s: filesAnalyzed is not a boolean" % where)
    if p.get("filesAnalyzed") is False and "packageVerificationCode" in p:
        out.append("%s: packageVerificationCode with filesAnalyzed false"
                   % where)
    for k in ("licenseConcluded", "licenseDeclared"):
        if k in p:
            why = licence_problems(p[k])
            if why:
                out.append("%s: %s %r: %s" % (where, k, p[k], why))
    for k in ("supplier", "originator"):
        if k in p and not ACTOR.match(str(p[k])):
            out.append("%s: %s %r is not NOASSERTION, Person: or "
                       "Organization:" % (where, k, p[k]))
    if "primaryPackagePurpose" in p and \
            p["primaryPackagePurpose"] not in PURPOSES:
        out.append("%s: primaryPackagePurpose %r" % (
            where, p["primaryPackagePurpose"]))
    for c in p.get("checksums", []):
        n = ALGORITHMS.get(c.get("algorithm"))
        v = str(c.get("checksumValue", ""))
        if n is None or len(v) != n or not re.match(r"^[0-9a-f]+$", v):
            out.append("%s: checksum %r" % (where, c))
    for r in p.get("externalRefs", []):
        if r.get("referenceCategory") not in REF_CATEGORIES or \
                not r.get("referenceType") or not r.get("referenceLocator"):
            out.append("%s: externalRef %r" % (where, r))
        elif r["referenceType"] == "purl" and \
                not re.match(r"^pkg:[a-z]+/\S+$", r["referenceLocator"]):
            out.append("%s: purl %r" % (where, r["referenceLocator"]))
    return out


def problems(doc):
    """The shape problems of SPDX 2.3 JSON document doc (a dict)."""
    out = []
    if not isinstance(doc, dict):
        return ["the document is not a JSON object"]
    for k in sorted(set(doc) - DOC_KEYS):
        out.append("unknown top-level field %s" % k)
    if doc.get("spdxVersion") != "SPDX-2.3":
        out.append("spdxVersion %r is not SPDX-2.3" % doc.get("spdxVersion"))
    if doc.get("dataLicense") != "CC0-1.0":
        out.append("dataLicense %r is not CC0-1.0" % doc.get("dataLicense"))
    if doc.get("SPDXID") != "SPDXRef-DOCUMENT":
        out.append("SPDXID %r is not SPDXRef-DOCUMENT" % doc.get("SPDXID"))
    if not doc.get("name"):
        out.append("name missing")
    ns = str(doc.get("documentNamespace", ""))
    if not re.match(r"^[a-z][a-z0-9+.-]*://\S+$", ns) or "#" in ns:
        out.append("documentNamespace %r is no absolute URI without '#'"
                   % ns)
    ci = doc.get("creationInfo") or {}
    if not CREATED.match(str(ci.get("created", ""))):
        out.append("creationInfo.created %r is not YYYY-MM-DDThh:mm:ssZ"
                   % ci.get("created"))
    creators = ci.get("creators")
    if not creators or not all(CREATOR.match(str(c)) for c in creators):
        out.append("creationInfo.creators %r" % creators)
    ids = {"SPDXRef-DOCUMENT"}
    packages = doc.get("packages", [])
    if not isinstance(packages, list):
        return out + ["packages is not a list"]
    for i, p in enumerate(packages):
        where = "packages[%d] %s" % (i, p.get("name"))
        out += _package_problems(p, where)
        if p.get("SPDXID") in ids:
            out.append("%s: SPDXID %s used twice" % (where, p["SPDXID"]))
        ids.add(p.get("SPDXID"))
    declared = set()
    for e in doc.get("hasExtractedLicensingInfos", []):
        lid = e.get("licenseId", "")
        if not re.match(r"^LicenseRef-[A-Za-z0-9.-]+$", lid) or \
                not e.get("extractedText"):
            out.append("hasExtractedLicensingInfos entry %r" % e)
        declared.add(lid)
    for p in packages:
        for k in ("licenseConcluded", "licenseDeclared"):
            for ref in re.findall(r"LicenseRef-[A-Za-z0-9.-]+",
                                  str(p.get(k, ""))):
                if ref not in declared:
                    out.append("%s uses %s, which hasExtractedLicensingInfos "
                               "does not declare" % (p.get("name"), ref))
    describes = list(doc.get("documentDescribes", []))
    for r in doc.get("relationships", []):
        a, t, b = (r.get("spdxElementId"), r.get("relationshipType"),
                   r.get("relatedSpdxElement"))
        if t not in RELATIONSHIPS:
            out.append("relationship type %r" % t)
        for end in (a, b):
            if end not in ids and end not in ("NONE", "NOASSERTION"):
                out.append("relationship %s %s %s names an unknown element"
                           % (a, t, b))
                break
        if a == "SPDXRef-DOCUMENT" and t == "DESCRIBES":
            describes.append(b)
    if not describes:
        out.append("the document DESCRIBES nothing")
    for d in describes:
        if d not in ids:
            out.append("documentDescribes names unknown %s" % d)
    return out
