#!/usr/bin/python3
"""ORL rank-1 of the cpu backend's LBP embedder against OpenCV's LBPH.

Images 1-5 of each of the 40 people are enrolled, 6-10 are probes (the
reported split); the tuning split swaps them (6-10 enrolled, 1-5 probes).
A probe is right when its nearest enrolled image is the same person.  The
whole ORL image is embedded (no detection or alignment: that is
identity_orl.py).  Ours: the "lbp" model through tools/bench/classic.c with
the plugin's defaults (uniform LBP(8,1) on the square, 8x8 grid: what
identity called "lbp-v1") and with identity's options for "lbp-v2"
(radius=3 circular=1), compared by cosine (the documented metric, =
Hellinger) and by chi-square on the squared values.  Reference:
cv2.face.LBPHFaceRecognizer (radius 1, 8 neighbours, 8x8 grid), measured
in the same run (face.md quotes 92.0%).  Not a test: nothing is asserted.

  /usr/bin/python3 tools/bench/classic_orl.py [BUILD]
"""
import os
import subprocess
import sys
import time

import cv2
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ORL = os.path.join(ROOT, "..", "shared", "data", "faces", "orl")


def load():
    imgs, labels = [], []
    for person in range(1, 41):
        for k in range(1, 11):
            path = os.path.join(ORL, "s%d" % person, "%d.pgm" % k)
            imgs.append(cv2.imread(path, cv2.IMREAD_GRAYSCALE))
            labels.append(person)
    return imgs, np.array(labels)


MODELS = (("lbp-v1 (defaults)", []),
          ("lbp-v2 (radius=3 circular=1)", ["radius=3", "circular=1"]))


def ours(build, imgs, opts):
    data = b"".join(b"%d %d\n" % (g.shape[1], g.shape[0]) + g.tobytes()
                    for g in imgs)
    t0 = time.time()
    out = subprocess.run(
        [os.path.join(build, "bin", "bench-classic"), "lbp", "-p",
         os.path.join(build, "plugins")] + opts,
        input=data, capture_output=True, check=True).stdout.decode()
    ms = (time.time() - t0) * 1e3 / len(imgs)
    emb = np.array([[float(v) for v in line.split()]
                    for line in out.splitlines()], dtype=np.float64)
    return emb, ms


def rank1(dist, labels, train, test):
    right = 0
    for i in test:
        j = min(train, key=lambda t: dist(i, t))
        right += labels[j] == labels[i]
    return 100.0 * right / len(test)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    if not os.path.isdir(ORL):
        print("classic_orl: %s absent; nothing to measure" % ORL)
        return 0
    imgs, labels = load()
    first = [i for i in range(400) if i % 10 < 5]
    last = [i for i in range(400) if i % 10 >= 5]
    for split, train, test in (("reported: images 1-5 enrolled, 6-10 probes",
                                first, last),
                               ("tuning: images 6-10 enrolled, 1-5 probes",
                                last, first)):
        rec = cv2.face.LBPHFaceRecognizer_create(1, 8, 8, 8)
        rec.train([imgs[i] for i in train], labels[train])
        ref = 100.0 * sum(rec.predict(imgs[i])[0] == labels[i]
                          for i in test) / len(test)
        print("ORL rank-1, %s (200 probes)" % split)
        print("  opencv LBPH                       %5.1f%%%s" % (
            ref, "  (face.md: 92.0%)" if train is first else ""))
        for name, opts in MODELS:
            emb, ms = ours(build, imgs, opts)
            hist = emb * emb
            cos = rank1(lambda a, b: -float(emb[a] @ emb[b]), labels,
                        train, test)
            chi = rank1(lambda a, b: float(np.sum(
                (hist[a] - hist[b]) ** 2 / (hist[a] + hist[b] + 1e-12))),
                labels, train, test)
            print("  %-29s cosine %5.1f%%  chi-square %5.1f%%  "
                  "cosine/opencv %5.3f  %.3f ms/image (incl. process "
                  "and pipe)" % (name, cos, chi, cos / ref, ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
