#!/usr/bin/python3
"""ORL rank-1 of the cpu backend's LBP embedder against OpenCV's LBPH.

Images 1-5 of each of the 40 people are enrolled, 6-10 are probes; a probe
is right when its nearest enrolled image is the same person.  Ours: the
"lbp" model (uniform LBP(8,1), 8x8 grid) through tools/bench/classic.c,
compared by cosine (the documented metric, = Hellinger) and by chi-square
on the squared values.  Reference: cv2.face.LBPHFaceRecognizer (radius 1,
8 neighbours, 8x8 grid), measured in the same run (face.md quotes 92.0%).
Not a test: nothing is asserted.

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


def ours(build, imgs):
    data = b"".join(b"%d %d\n" % (g.shape[1], g.shape[0]) + g.tobytes()
                    for g in imgs)
    t0 = time.time()
    out = subprocess.run(
        [os.path.join(build, "bin", "bench-classic"), "lbp", "-p",
         os.path.join(build, "plugins")],
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
    train = [i for i in range(400) if i % 10 < 5]
    test = [i for i in range(400) if i % 10 >= 5]
    emb, ms = ours(build, imgs)
    hist = emb * emb
    cos = rank1(lambda a, b: -float(emb[a] @ emb[b]), labels, train, test)
    chi = rank1(lambda a, b: float(np.sum(
        (hist[a] - hist[b]) ** 2 / (hist[a] + hist[b] + 1e-12))),
        labels, train, test)
    rec = cv2.face.LBPHFaceRecognizer_create(1, 8, 8, 8)
    rec.train([imgs[i] for i in train], labels[train])
    ref = 100.0 * sum(rec.predict(imgs[i])[0] == labels[i]
                      for i in test) / len(test)
    print("ORL rank-1, images 1-5 enrolled, 6-10 probes (200 probes)")
    print("ours lbp cosine      %5.1f%%" % cos)
    print("ours lbp chi-square  %5.1f%%" % chi)
    print("opencv LBPH          %5.1f%%  (face.md: 92.0%%)" % ref)
    print("ratio cosine/opencv  %5.3f" % (cos / ref))
    print("embed_ms_per_image   %.3f (incl. process and pipe)" % ms)
    return 0


if __name__ == "__main__":
    sys.exit(main())
