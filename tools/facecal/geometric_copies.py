#!/usr/bin/python3
"""Does geometric verification of local features tell copies of a
photograph from new photographs? (tools/facecal/geometric_copies.py)

A study for issue 29 ("a photograph of a photograph accepted"), outside
the service: python3-opencv only, no build, no identity.  A copy of a flat
picture (the enrolment photograph on a phone screen, on a sheet of paper,
re-encoded, halved, greyed) reaches the camera through one plane-to-plane
map, a homography, so many keypoint matches between the reference
photograph and the probe agree with one RANSAC homography even under
glare, moire, blur and a grey print.  A new photograph (a retake: the head
moved, the expression changed, a 3-D face) should leave far fewer
matches consistent with one homography over the face.

For a pair (reference photograph, probe) the tool computes local features
(ORB by default: fastest, smallest to store, and separating at least
as well as SIFT; SIFT and AKAZE for comparison; docs/face-pad.md,
"Candidate: geometric verification of keypoints"), keeps the reference's
keypoints within the face box + margin (the largest box of the Haar
frontal-face detector of python3-opencv on the reference; the whole
photograph when it finds none or the box holds under 30 keypoints),
matches them to the probe's keypoints (nearest neighbour, Lowe's ratio
test 0.75), fits a homography with RANSAC (cv2.findHomography, 3 px
reprojection error in the probe) and reports the number of inliers and
the inlier ratio (inliers / ratio-test matches).

Sets (../shared/data/faces; read-only, nothing copied into the repo):

- retakes (should not count as copies):
  - ORL: photograph 1 of each of 40 people as the reference, photographs
    2..10 as probes (one sitting, seconds apart: the hardest case); 360
    pairs, 92 x 112 grey, as tools/bench/face_copies.py sends them;
  - Caltech Faces_easy: every pair of different photographs of one person
    (tools/facecal/caltech_faces_easy.people.csv), the lower number the
    reference (the photograph as it is), the other the probe resized to
    640 x 480 and JPEG q90 as tools/bench/face_verify.py sends a probe.
- copies (should count): every 3rd Caltech photograph (145) as the
  reference, and as probes made from it as tools/bench/face_copies.py
  makes them: tools/facecal/attacks.py's screen (seeds n and n + 1, n the
  photograph's number, as face_copies.py offsets them), print (n, n + 1)
  and rephoto (n), each JPEG q90; the photograph re-encoded at JPEG q15,
  halved (q80), greyed (q50); and the same eight copies of ORL
  photograph 1 of each of the 40 people (BGR of the grey photograph),
  to compare with the ORL retakes at their size.

Prints, per inlier threshold T (a probe is a copy when inliers >= T), the
share of each retake set flagged and of each copy kind caught, the
smallest T with every retake set at or under 1 % and at 0 %, the time per
pair on one thread (cv2.setNumThreads(1): the probe's features, matching
and RANSAC; the reference's features are what identity would store), and
the bytes a reference's keypoints + descriptors take (x, y as 2 x uint16
and the descriptor: SIFT 128 bytes as uint8 (OpenCV's SIFT values are
whole numbers 0..255 kept in floats), ORB 32, AKAZE 61).  Writes every
pair's figures as JSON (OUT; default build/facecal/geometric_copies.json).
Exits 0 with a message when ../shared/data/faces is absent.

Knobs (environment): FEATURES (orb, sift or akaze; default orb), REGION
(face: the reference's face box + MARGIN, default; whole: the whole
reference), MARGIN (share of the box's side added on each side; 0.25),
NFEATURES (the most keypoints kept per photograph; 500), STEP (every
STEP-th Caltech photograph attacked; 3), ORL_SCALE (ORL's photographs
enlarged by this factor, bicubic, before anything else: 4 makes them
368 x 448, about a face's size in a 640 x 480 probe; 1), SETS (a comma
list of orl, caltech, copies, orlcopies; all), REPROJ (RANSAC
reprojection error in pixels; 3), FACES (default ../shared/data/faces).

Usage: /usr/bin/python3 tools/facecal/geometric_copies.py
       FEATURES=sift /usr/bin/python3 tools/facecal/geometric_copies.py
       FEATURES=orb ORL_SCALE=4 SETS=orl,orlcopies \
           /usr/bin/python3 tools/facecal/geometric_copies.py
"""

import csv
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import attacks  # noqa: E402

FACES = os.environ.get("FACES", os.path.join(REPO, "..", "shared", "data",
                                             "faces"))
ORL = os.path.join(FACES, "orl")
CALTECH = os.path.join(FACES, "caltech_faces_easy")
PEOPLE = os.path.join(HERE, "caltech_faces_easy.people.csv")
FEATURES = os.environ.get("FEATURES", "orb")
REGION = os.environ.get("REGION", "face")
MARGIN = float(os.environ.get("MARGIN", "0.25"))
NFEATURES = int(os.environ.get("NFEATURES", "500"))
STEP = int(os.environ.get("STEP", "3"))
ORL_SCALE = float(os.environ.get("ORL_SCALE", "1"))
SETS = os.environ.get("SETS", "orl,caltech,copies,orlcopies").split(",")
OUT = os.environ.get("OUT", os.path.join(REPO, "build", "facecal",
                                         "geometric_copies.json"))
RATIO = 0.75
MIN_FACE_KEYPOINTS = 30
REPROJ = float(os.environ.get("REPROJ", "3"))
THRESHOLDS = (6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100)
ATTACKS = (("screen", (0, 1)), ("print", (0, 1)), ("rephoto", (0,)))
# Bytes per stored keypoint: x, y as uint16 + the descriptor.
DESCRIPTOR_BYTES = {"sift": 128, "orb": 32, "akaze": 61}
HAAR = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"


def _cv():
    import cv2
    cv2.setNumThreads(1)
    return cv2


def detector():
    cv2 = _cv()
    if FEATURES == "sift":
        return cv2.SIFT_create(nfeatures=NFEATURES)
    if FEATURES == "orb":
        # A small edge threshold and patch, so ORL's 92 x 112 gets some.
        return cv2.ORB_create(nfeatures=NFEATURES, edgeThreshold=15,
                              patchSize=15)
    if FEATURES == "akaze":
        return cv2.AKAZE_create(threshold=0.0005)
    raise SystemExit("FEATURES must be sift, orb or akaze")


def matcher():
    cv2 = _cv()
    norm = cv2.NORM_L2 if FEATURES == "sift" else cv2.NORM_HAMMING
    return cv2.BFMatcher(norm)


_haar = None


def face_box(grey):
    """The largest Haar frontal face (x, y, w, h) of grey, or None."""
    global _haar
    cv2 = _cv()
    if _haar is None:
        _haar = cv2.CascadeClassifier(HAAR)
    side = min(grey.shape[:2])
    found = _haar.detectMultiScale(grey, 1.1, 5,
                                   minSize=(side // 6, side // 6))
    if len(found) == 0:
        return None
    return tuple(max(found, key=lambda b: b[2] * b[3]))


def to_grey(img):
    cv2 = _cv()
    return img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


def features(img, det, region=None):
    """Keypoint coordinates (n x 2 float32) and descriptors of img,
    within region (x0, y0, x1, y1) when given; AKAZE keeps the NFEATURES
    strongest (it has no cap of its own)."""
    grey = to_grey(img)
    mask = None
    if region is not None:
        mask = np.zeros(grey.shape, np.uint8)
        x0, y0, x1, y1 = region
        mask[y0:y1, x0:x1] = 255
    kps, des = det.detectAndCompute(grey, mask)
    if des is None or not kps:
        return np.zeros((0, 2), np.float32), None
    if len(kps) > NFEATURES:
        order = np.argsort([-k.response for k in kps])[:NFEATURES]
        kps = [kps[i] for i in order]
        des = des[order]
    if FEATURES == "sift":
        # What would be stored: uint8 (the values are whole numbers).
        des = np.clip(np.rint(des), 0, 255).astype(np.uint8) \
            .astype(np.float32)
    return np.float32([k.pt for k in kps]), des


def reference(img, det):
    """The reference's stored features: the face box + margin (REGION
    face) or the whole photograph; and whether a face was found."""
    h, w = img.shape[:2]
    region, found = None, False
    if REGION == "face":
        box = face_box(to_grey(img))
        if box is not None:
            found = True
            x, y, bw, bh = box
            mx, my = int(MARGIN * bw), int(MARGIN * bh)
            region = (max(0, x - mx), max(0, y - my),
                      min(w, x + bw + mx), min(h, y + bh + my))
    pts, des = features(img, det, region)
    if region is not None and len(pts) < MIN_FACE_KEYPOINTS:
        # A false Haar box on a flat patch: the whole photograph instead.
        pts, des = features(img, det)
        found = False
    return pts, des, found


def verify(ref, probe, bf):
    """(inliers, matches) of one RANSAC homography from the reference's
    features to the probe's."""
    cv2 = _cv()
    rp, rd = ref[:2]
    pp, pd = probe[:2]
    if rd is None or pd is None or len(rd) < 2 or len(pd) < 2:
        return 0, 0
    good = [m[0] for m in bf.knnMatch(rd, pd, k=2)
            if len(m) == 2 and m[0].distance < RATIO * m[1].distance]
    if len(good) < 4:
        return 0, len(good)
    src = rp[[m.queryIdx for m in good]].reshape(-1, 1, 2)
    dst = pp[[m.trainIdx for m in good]].reshape(-1, 1, 2)
    hom, inl = cv2.findHomography(src, dst, cv2.RANSAC, REPROJ,
                                  maxIters=2000, confidence=0.995)
    if hom is None or inl is None:
        return 0, len(good)
    return int(inl.sum()), len(good)


def encode_decode(img, quality):
    cv2 = _cv()
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    flag = cv2.IMREAD_GRAYSCALE if img.ndim == 2 else cv2.IMREAD_COLOR
    return cv2.imdecode(buf, flag)


def caltech(n):
    return _cv().imread(os.path.join(CALTECH, "image_%04d.jpg" % n),
                        _cv().IMREAD_COLOR)


def probe_640x480(img):
    """A probe as tools/bench/face_verify.py sends it."""
    cv2 = _cv()
    return encode_decode(cv2.resize(img, (640, 480),
                                    interpolation=cv2.INTER_AREA), 90)


def copies_of(img, n):
    """The copies of Caltech photograph n (BGR), (kind, image) pairs, made
    as tools/bench/face_copies.py makes them."""
    cv2 = _cv()
    h, w = img.shape[:2]
    out = [("JPEG q15", encode_decode(img, 15)),
           ("halved", encode_decode(cv2.resize(
               img, (w // 2, h // 2), interpolation=cv2.INTER_AREA), 80)),
           ("grey", encode_decode(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY),
                                  50))]
    for kind, seeds in ATTACKS:
        for s in seeds:
            out.append((kind, encode_decode(
                attacks.make(kind, img, seed=n + s), 90)))
    return out


def orl(s, n, flag):
    """ORL photograph n of person s, scaled by ORL_SCALE (bicubic)."""
    cv2 = _cv()
    img = cv2.imread(os.path.join(ORL, "s%d" % s, "%d.pgm" % n), flag)
    if ORL_SCALE != 1:
        img = cv2.resize(img, None, fx=ORL_SCALE, fy=ORL_SCALE,
                         interpolation=cv2.INTER_CUBIC)
    return img


def people():
    rows = {}
    with open(PEOPLE) as f:
        for r in csv.DictReader(line for line in f
                                if not line.startswith("#")):
            n = int(r["file"][len("image_"):-len(".jpg")])
            rows.setdefault(r["person"], []).append(n)
    return {p: sorted(ns) for p, ns in rows.items() if len(ns) > 1}


def main():
    if not (os.path.isdir(ORL) and os.path.isdir(CALTECH)):
        print("skip: %s absent" % FACES)
        return 0
    cv2 = _cv()
    det, bf = detector(), matcher()
    pairs = []  # (set, kind, ref, probe, inliers, matches)
    times = []  # seconds per pair: probe features + match + RANSAC
    refs = {}
    stored = []  # keypoints per reference

    def ref_of(key, img):
        if key not in refs:
            refs[key] = reference(img, det)
            stored.append(len(refs[key][0]))
        return refs[key]

    def pair(set_, kind, rkey, rimg, pkey, pimg):
        r = ref_of(rkey, rimg)
        t0 = time.perf_counter()
        p = features(pimg, det)
        inl, m = verify(r, p, bf)
        times.append(time.perf_counter() - t0)
        pairs.append((set_, kind, rkey, pkey, inl, m))

    # Retakes, ORL: one sitting.
    for s in range(1, 41) if "orl" in SETS else ():
        ref = orl(s, 1, cv2.IMREAD_GRAYSCALE)
        for n in range(2, 11):
            pair("retake", "ORL", "orl s%d/1" % s, ref, "orl s%d/%d" % (s, n),
                 orl(s, n, cv2.IMREAD_GRAYSCALE))
    print("ORL retakes: %d pairs" % len(pairs), flush=True)

    # Retakes, Caltech: every pair of one person's photographs.
    probes = {}
    for p, ns in sorted(people().items()) if "caltech" in SETS else ():
        for i, a in enumerate(ns):
            for b in ns[i + 1:]:
                if b not in probes:
                    probes[b] = probe_640x480(caltech(b))
                pair("retake", "Caltech", "caltech %d" % a, caltech(a),
                     "caltech %d 640x480" % b, probes[b])
    print("Caltech retakes: %d pairs" % sum(
        1 for x in pairs if x[1] == "Caltech"), flush=True)

    # Copies.
    faces_found = 0
    for n in range(1, 436, STEP) if "copies" in SETS else ():
        img = caltech(n)
        for kind, c in copies_of(img, n):
            pair("copy", kind, "caltech %d" % n, img,
                 "caltech %d %s" % (n, kind), c)
        faces_found += refs["caltech %d" % n][2]
    if "copies" in SETS:
        print("copies: %d pairs of %d photographs (a face box on %d)" % (
            sum(1 for x in pairs if x[0] == "copy"),
            len(range(1, 436, STEP)), faces_found), flush=True)

    # Copies of ORL photograph 1 (92 x 112 grey), to compare with the ORL
    # retakes at the same size.
    for s in range(1, 41) if "orlcopies" in SETS else ():
        img = orl(s, 1, cv2.IMREAD_COLOR)
        for kind, c in copies_of(img, s):
            pair("copy", "ORL " + kind, "orl s%d/1" % s,
                 cv2.cvtColor(img, cv2.COLOR_BGR2GRAY),
                 "orl s%d/1 %s" % (s, kind), c)

    report(pairs, times, stored)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"features": FEATURES, "region": REGION, "margin": MARGIN,
                   "nfeatures": NFEATURES,
                   "pairs": [dict(zip(("set", "kind", "reference", "probe",
                                       "inliers", "matches"), x))
                             for x in pairs],
                   "ms_per_pair": [t * 1e3 for t in times],
                   "reference_keypoints": stored}, f)
    print("wrote %s" % OUT)
    return 0


def report(pairs, times, stored):
    kinds = []
    for x in pairs:
        if (x[0], x[1]) not in kinds:
            kinds.append((x[0], x[1]))
    by = {k: np.array([x[4] for x in pairs if (x[0], x[1]) == k])
          for k in kinds}
    ratio = {k: np.array([x[4] / x[5] if x[5] else 0.0 for x in pairs
                          if (x[0], x[1]) == k]) for k in kinds}
    print("\n%s, region %s (margin %.2f), at most %d keypoints" % (
        FEATURES.upper(), REGION, MARGIN, NFEATURES))
    print("inliers per set: median (p1, p99) / inlier ratio median")
    for k in kinds:
        v = by[k]
        print("  %-8s %-10s n=%4d  %6.0f (%4.0f, %4.0f)  ratio %.2f" % (
            k[0], k[1], len(v), np.median(v), np.percentile(v, 1),
            np.percentile(v, 99), np.median(ratio[k])))
    head = "| inliers >= T | " + " | ".join(
        "%s %s" % ("retakes" if s == "retake" else "", k) for s, k in kinds)
    print("\nshare flagged as a copy (retakes: false refusals; copies: "
          "caught)")
    print(head + " |")
    print("|---" * (len(kinds) + 1) + "|")
    rows = [t for t in THRESHOLDS]
    retake = [k for k in kinds if k[0] == "retake"]

    def worst(t):
        return max(np.mean(by[k] >= t) for k in retake)
    t1 = t0 = None
    if retake:
        t1 = next((t for t in range(1, 3000) if worst(t) <= 0.01), None)
        t0 = next((t for t in range(1, 3000) if worst(t) == 0.0), None)
    for t in sorted(set(rows + [x for x in (t1, t0) if x])):
        mark = " (retakes <= 1 %)" if t == t1 else ""
        mark += " (retakes 0 %)" if t == t0 else ""
        print("| %d%s | " % (t, mark) + " | ".join(
            "%.1f %%" % (100 * np.mean(by[k] >= t)) for k in kinds) + " |")
    ms = np.array(times) * 1e3
    print("\ntime per pair, one thread (probe features + match + RANSAC): "
          "median %.1f ms, p90 %.1f ms" % (np.median(ms),
                                            np.percentile(ms, 90)))
    st = np.array(stored)
    b = DESCRIPTOR_BYTES[FEATURES] + 4
    print("reference keypoints: median %d, max %d; stored at %d bytes each: "
          "median %d bytes, max %d bytes (before encryption)" % (
              np.median(st), st.max(), b, np.median(st) * b, st.max() * b))


if __name__ == "__main__":
    sys.exit(main())
