#!/usr/bin/python3
"""A learned linear projection of the face embeddings, measured on
held-out people (tools/facecal/projection.py; docs/benchmarks.md, "What
lowers FNMR").

Asks whether a linear map of dlib's 128-d embeddings learned from
labelled faces (within-class covariance normalisation, WCCN, or LDA,
both in numpy) lowers FNMR at the shipped rule's threshold: the worst
set's own FMR-target point.  Two steps:

  tools/facecal/projection.py measure [NAME=DIR[:KIND[:LABELS[:OPTS]]] ...]
  tools/facecal/projection.py eval

measure runs identity's own pipeline (the models and settings
calibrate.py runs: the build's deep models, mirror averaging, copy check
off) over the sets (calibrate.py's set syntax; default the five of
calibrate_all.sh: london glint24 nuaa orl caltech), enrolling every
photograph calibrate.py would use (MAX_PHOTOS 30 a person) with one
EnrollFace each, reads the templates back from identity's database and
decrypts them with the stack's template key (the embedding identity
matches with, L2-normalised), and stores CACHE/NAME.npz (default
build/facecal/embeddings): path, person, embedding (a refused photograph
has none and is listed as refused).  About 40 ms of one core a
photograph; 2,100 photographs.

eval, numpy only, reads the cache and scores calibrate.py's protocol:
each person's first ENROL_N (5, at most all but one) photographs are the
templates, every other photograph a probe; a probe's score against a
person is its best cosine over that person's templates (MED_FACE_FUSION
best); a refused probe is a non-match.  Every pair is scored with a
projection trained on people other than the two in the pair:

  - people: each set's people are split into FOLDS (5) folds by a seeded
    shuffle; a pair whose people lie in folds i and j is scored with the
    projection trained on every set's people outside folds i and j
    (genuine pairs: outside fold i), all their photographs;
  - sets: leave one set out: a set is scored with the projection trained
    on the other sets only (transfer to a population it has not seen).

Projections (x centred on the training mean, mapped, L2-normalised,
cosine):
  raw        no projection (calibrate.py's scores on these photographs);
  wccn-A     x -> L^T x, L L^T = inverse of (1-A) Sw + A tr(Sw)/d I, Sw
             the within-class covariance (A = shrinkage, 0..1);
  lda-K      the K leading directions of Sw^-1 Sb (regularised as
             wccn-0.1), whitened within class.
The threshold of each projection is the shipped rule's on its held-out
scores: the largest own FMR-target threshold of the sets with at least
3/TARGET_FMR impostor pairs; every set's FMR (with its 95 % upper bound)
and FNMR are read at it.

Knobs: CACHE, ENROL_N (5), FOLDS (5), SEED (1), TARGET_FMR (0.001),
METHODS ("raw wccn-0 wccn-0.1 wccn-0.3 lda-64 lda-32"), PROTOCOLS
("people sets"), MAX_PHOTOS (30), SHARED (../shared).
"""

import ctypes
import ctypes.util
import os
import random
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import calibrate  # noqa: E402

CACHE = os.environ.get("CACHE", os.path.join(REPO, "build", "facecal",
                                             "embeddings"))


def default_specs():
    """calibrate_all.sh's five sets."""
    shared = os.environ.get("SHARED", os.path.join(REPO, "..", "shared"))
    f = os.path.join(shared, "data", "faces")
    return [
        "london=%s/london:posed" % f,
        "glint24=%s/glint24_celebs:unconstrained::pad" % f,
        "nuaa=%s/data/pad/nuaa/bonafide:webcam, East Asian" % shared,
        "orl=%s/orl:posed, grey" % f,
        "caltech=%s/caltech_faces_easy:frontal:%s" % (
            f, os.path.join(HERE, "caltech_faces_easy.people.csv")),
    ]


def decrypt(key, nonce, ct, ad):
    """XChaCha20-Poly1305 (libsodium), as services/identity/face/
    templates.c seals a template; floats out."""
    lib = ctypes.CDLL(ctypes.util.find_library("sodium"))
    out = ctypes.create_string_buffer(len(ct))
    olen = ctypes.c_ulonglong(0)
    if lib.crypto_aead_xchacha20poly1305_ietf_decrypt(
            out, ctypes.byref(olen), None, ct, ctypes.c_ulonglong(len(ct)),
            ad, ctypes.c_ulonglong(len(ad)), nonce, key) != 0:
        raise ValueError("a template does not decrypt")
    return np.frombuffer(out.raw[:olen.value], np.float32).copy()


def measure_set(spec, env):
    """{path: embedding or None} through identity's own pipeline."""
    import grpc
    from harness import Stack, protos
    persons = calibrate.people(spec["root"], spec["labels"], 200,
                               int(os.environ.get("MAX_PHOTOS", "30")))
    pad = spec["opts"].get("pad", 0.0)
    tid_of, refused = {}, {}
    with Stack(services=("identity", "audit"), extra_env=env) as st:
        pb = protos.module("identity")
        for i, (person, photos) in enumerate(persons.items()):
            p = st.call("identity", "CreatePatient", pb.CreatePatientRequest(
                mrn="PROJ-%s-%d" % (os.urandom(4).hex(), i),
                family_name="Projection", given_name="P%d" % i,
                birth_date="1970-01-01",
                sex=pb.ADMINISTRATIVE_SEX_UNKNOWN), role="registrar")
            for path in photos:
                try:
                    r = st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
                        patient_id=p.patient_id,
                        images=[calibrate.photo_bytes(path, pad)]),
                        role="registrar", timeout=60)
                    tid_of[r.templates[0].template_id] = path
                except grpc.RpcError as e:
                    refused[path] = e.details()
        rows = st.sql("SELECT template_id, patient_id, model, HEX(nonce),"
                      " HEX(ciphertext) FROM smartmed_identity.face_templates")
        with open(st.extra_env["MED_IDENTITY_TEMPLATE_KEY_FILE"], "rb") as f:
            key = f.read()
    emb = {}
    for line in rows.strip().split("\n")[1:]:
        tid, pid, model, nonce, ct = line.split("\t")
        if tid in tid_of:
            v = decrypt(key, bytes.fromhex(nonce), bytes.fromhex(ct),
                        ("%s|%s|%s" % (pid, tid, model)).encode())
            emb[tid_of[tid]] = v / np.linalg.norm(v)
    owner = {p: who for who, ps in persons.items() for p in ps}
    paths = [p for ps in persons.values() for p in ps]
    return dict(paths=paths, person=[owner[p] for p in paths],
                emb=[emb.get(p) for p in paths], refused=refused,
                model=model if rows.strip() else "")


def measure(argv):
    from harness import paths
    from harness.faces import FaceKeys
    from harness.run import face_models_env
    from identity_orl import knob_env
    specs = calibrate.parse_sets(argv or default_specs())
    keys = FaceKeys(paths.scratch_dir("smartmed-faceproj-"))
    env = knob_env(dict(keys.env(), MED_FACE_COPY_CHECK="off",
                        **face_models_env()))
    os.makedirs(CACHE, exist_ok=True)
    for spec in specs:
        got = measure_set(spec, env)
        dim = next(len(e) for e in got["emb"] if e is not None)
        x = np.stack([e if e is not None else np.full(dim, np.nan,
                                                      np.float32)
                      for e in got["emb"]])
        np.savez(os.path.join(CACHE, spec["name"] + ".npz"),
                 paths=np.array(got["paths"]),
                 person=np.array(got["person"]), emb=x,
                 model=np.array(got["model"]))
        print("%s: %d photographs, %d refused (model %s) -> %s" % (
            spec["name"], len(got["paths"]), len(got["refused"]),
            got["model"], CACHE), flush=True)


# ---- eval (numpy only) ----

def load(names):
    sets = {}
    for n in names:
        z = np.load(os.path.join(CACHE, n + ".npz"))
        sets[n] = dict(person=[str(p) for p in z["person"]],
                       emb=z["emb"].astype(np.float64))
    return sets


def fit(method, x, y):
    """(mean, matrix) of a projection trained on rows x, labels y."""
    mu = x.mean(0)
    if method == "raw":
        return None
    d = x.shape[1]
    labels = sorted(set(y))
    y = np.array(y)
    sw = np.zeros((d, d))
    sb = np.zeros((d, d))
    for c in labels:
        xc = x[y == c]
        m = xc.mean(0)
        sw += (xc - m).T @ (xc - m)
        sb += len(xc) * np.outer(m - mu, m - mu)
    sw /= len(x)
    sb /= len(x)
    kind, _, arg = method.partition("-")
    a = float(arg) if kind == "wccn" else 0.1
    swr = (1 - a) * sw + a * np.trace(sw) / d * np.eye(d)
    if kind == "wccn":
        return mu, np.linalg.cholesky(np.linalg.inv(swr))
    if kind == "lda":
        k = int(arg)
        # Whiten within class, then the leading between-class axes.
        w, v = np.linalg.eigh(swr)
        wh = v / np.sqrt(w)
        bw, bv = np.linalg.eigh(wh.T @ sb @ wh)
        return mu, wh @ bv[:, ::-1][:, :k]
    sys.exit("unknown method %s" % method)


def apply(model, x):
    if model is None:
        return x
    mu, m = model
    z = (x - mu) @ m
    return z / np.linalg.norm(z, axis=1, keepdims=True)


def split(sets, folds, seed):
    """{set: {person: fold}}: each set's people shuffled and dealt."""
    out = {}
    for n, s in sets.items():
        people = sorted(set(s["person"]))
        random.Random("%s-%s" % (seed, n)).shuffle(people)
        out[n] = {p: i % folds for i, p in enumerate(people)}
    return out


def layout(s, enrol_n):
    """(templates {person: row indices}, probes [(row, person)])."""
    by = {}
    for i, p in enumerate(s["person"]):
        by.setdefault(p, []).append(i)
    tpl, probes = {}, []
    for p, rows in by.items():
        k = min(enrol_n, len(rows) - 1)
        tpl[p] = [r for r in rows[:k] if not np.isnan(s["emb"][r, 0])]
        probes += [(r, p) for r in rows[k:]]
    return tpl, probes


def score_set(s, enrol_n, model_for):
    """Genuine and impostor scores of one set: model_for(a, b) is the
    projection for a pair of people a (probe) and b (templates)."""
    tpl, probes = layout(s, enrol_n)
    cache = {}

    def proj(key):
        if key not in cache:
            cache[key] = apply(model_for(*key) if key[0] is not None
                               else None, s["emb"])
        return cache[key]
    gen, imp, misses = [], [], 0
    people = sorted(tpl)
    for r, a in probes:
        if np.isnan(s["emb"][r, 0]) or not tpl[a]:
            misses += 1
            continue
        for b in people:
            if not tpl[b]:
                continue
            z = proj(model_for.key(a, b))
            sc = float(np.max(z[tpl[b]] @ z[r]))
            (gen if a == b else imp).append(sc)
    n_probes = len(probes)
    return dict(gen=gen, imp=imp, misses=misses, probes=n_probes)


class PeopleFolds:
    """Pairs scored with a projection trained without both people's
    folds, on every set's people."""

    def __init__(self, sets, method, folds, seed, name):
        self.sets, self.method, self.name = sets, method, name
        self.fold = split(sets, folds, seed)
        self.models = {}

    def key(self, a, b):
        if self.method == "raw":
            return (None,)
        f = self.fold[self.name]
        return tuple(sorted({f[a], f[b]}))

    def __call__(self, *held):
        if held not in self.models:
            xs, ys = [], []
            for n, s in self.sets.items():
                for i, p in enumerate(s["person"]):
                    if self.fold[n][p] not in held and \
                            not np.isnan(s["emb"][i, 0]):
                        xs.append(s["emb"][i])
                        ys.append(n + "/" + p)
            self.models[held] = fit(self.method, np.array(xs), ys)
        return self.models[held]


class LeaveSetOut:
    """A set scored with a projection trained on the other sets."""

    def __init__(self, sets, method, name):
        self.sets, self.method, self.name = sets, method, name
        self.model = None

    def key(self, a, b):
        return (None,) if self.method == "raw" else (self.name,)

    def __call__(self, *held):
        if self.model is None:
            xs, ys = [], []
            for n, s in self.sets.items():
                if n == self.name:
                    continue
                for i, p in enumerate(s["person"]):
                    if not np.isnan(s["emb"][i, 0]):
                        xs.append(s["emb"][i])
                        ys.append(n + "/" + p)
            self.model = fit(self.method, np.array(xs), ys)
        return self.model


def report(protocol, method, res, target, summary):
    own = {}
    for n, r in res.items():
        if len(r["imp"]) >= 3 / target:
            own[n] = calibrate.cut_at(r["imp"], target)
    t = max(own.values())
    worst = max(own, key=own.get)
    cells = []
    print("\n%s, %s: threshold %.4f (%s's own at FMR %g)" % (
        protocol, method, t, worst, target))
    print("| set | impostor pairs | false matches | FMR (95 % upper) | "
          "genuine probes | misses (FNMR) | own threshold |")
    print("|---|---|---|---|---|---|---|")
    for n, r in res.items():
        fm = sum(s >= t for s in r["imp"])
        miss = sum(s < t for s in r["gen"]) + r["misses"]
        print("| %s | %d | %d | %.2e (%.2e) | %d | %d (%.1f %%) | %s |" % (
            n, len(r["imp"]), fm, fm / len(r["imp"]),
            calibrate.upper95(fm, len(r["imp"])), r["probes"], miss,
            100 * miss / r["probes"],
            "%.4f" % own[n] if n in own else "too few pairs"))
        cells.append("%d/%d" % (miss, r["probes"]) +
                     ("" if fm <= target * len(r["imp"]) else " (FMR %.1e)"
                      % (fm / len(r["imp"]))))
    summary.append("| %s | %s | %.4f (%s) | %s |" % (
        protocol, method, t, worst, " | ".join(cells)))
    sys.stdout.flush()


def evaluate():
    names = sorted(f[:-4] for f in os.listdir(CACHE) if f.endswith(".npz"))
    sets = load(names)
    enrol_n = int(os.environ.get("ENROL_N", "5"))
    folds = int(os.environ.get("FOLDS", "5"))
    seed = int(os.environ.get("SEED", "1"))
    target = float(os.environ.get("TARGET_FMR", "0.001"))
    methods = os.environ.get(
        "METHODS", "raw wccn-0 wccn-0.1 wccn-0.3 lda-64 lda-32").split()
    summary = []
    for protocol in os.environ.get("PROTOCOLS", "people sets").split():
        for method in methods:
            res = {}
            for n in names:
                mf = (PeopleFolds(sets, method, folds, seed, n)
                      if protocol == "people"
                      else LeaveSetOut(sets, method, n))
                res[n] = score_set(sets[n], enrol_n, mf)
            report(protocol, method, res, target, summary)
    print("\nmisses/probes at each projection's threshold (FMR shown where "
          "above the target):\n")
    print("| protocol | projection | threshold (deciding set) | %s |"
          % " | ".join(names))
    print("|---|---|---|%s" % ("---|" * len(names)))
    print("\n".join(summary))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "measure":
        measure(sys.argv[2:])
    elif len(sys.argv) == 2 and sys.argv[1] == "eval":
        evaluate()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
