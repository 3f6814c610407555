"""What the face suites share: identity's key files (an Ed25519 signing
pair made by build/bin/vtoken keygen and a random template key, created
0600) and ORL photographs as PNG bytes.  ORL lives in ../shared, which a
fresh machine may lack: orl_png skips the calling test then."""

import os
import secrets
import subprocess
import tempfile

import pytest

from . import paths

ORL = os.path.join(paths.REPO_ROOT, "..", "shared", "data", "faces", "orl")


class FaceKeys:
    """The signing key pair and the template key, on disk in d (a new
    temporary folder when d is None)."""

    NAMES = ("identity.key", "identity.pub", "template.key")

    def __init__(self, d=None, _reuse=False):
        d = d or paths.scratch_dir("smartmed-face-")
        self.dir = d
        self.priv, self.pub, self.template = (
            os.path.join(d, n) for n in self.NAMES)
        self.created = not (_reuse and self._complete())
        if self.created:
            self._make()

    @classmethod
    def load_or_create(cls, d):
        """The keys in folder d (made 0700), made there (private and
        template keys 0600) only when one of them is missing, so that templates enrolled and tokens
        signed with them stay valid across runs (make run).  .created
        says whether they were made now."""
        os.makedirs(d, mode=0o700, exist_ok=True)
        return cls(d, _reuse=True)

    def _complete(self):
        return all(os.path.isfile(p) and os.path.getsize(p) > 0
                   for p in (self.priv, self.pub, self.template))

    def _make(self):
        # A half-made set (interrupted earlier) is replaced as a whole:
        # vtoken keygen and the template key refuse to overwrite.
        for p in (self.priv, self.pub, self.template):
            if os.path.exists(p):
                os.unlink(p)
        subprocess.run([paths.bin_path("vtoken"), "keygen", self.priv,
                        self.pub], check=True, stdout=subprocess.PIPE)
        fd = os.open(self.template, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                     0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))

    def env(self, public_key=False):
        """identity's settings for these keys; public_key=True adds the
        public key for the services that check tokens (dosage)."""
        env = {"MED_IDENTITY_SIGNING_KEY_FILE": self.priv,
               "MED_IDENTITY_TEMPLATE_KEY_FILE": self.template}
        if public_key:
            env["MED_IDENTITY_PUBLIC_KEY_FILE"] = self.pub
        return env


def orl_png(subject, n):
    """ORL image n of subject s<subject> as PNG bytes (the PGM converted
    with cv2), or skip when the data set is absent."""
    path = os.path.join(ORL, "s%d" % subject, "%d.pgm" % n)
    if not os.path.exists(path):
        pytest.skip("ORL faces not present at ../shared/data/faces/orl")
    import cv2
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    ok, buf = cv2.imencode(".png", img)
    assert ok, "cv2 could not encode %s as PNG" % path
    return buf.tobytes()


CALTECH = os.path.join(paths.REPO_ROOT, "..", "shared", "data", "faces",
                       "caltech_faces_easy")
# Caltech faces photographs that are of a person in front of a plain
# background, the patient of the crowded set (435 of them).
CALTECH_N = 435
_CASCADE = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"


def caltech_jpeg(n):
    """Caltech faces photograph n (1..435) as JPEG bytes, or skip when the
    data set is absent."""
    path = os.path.join(CALTECH, "image_%04d.jpg" % n)
    if not os.path.exists(path):
        pytest.skip("Caltech faces not present at ../shared/data/faces")
    with open(path, "rb") as f:
        return f.read()


def _face_box(img):
    """The largest face OpenCV's own Haar cascade finds in img (x, y, w,
    h), or None: the test set's own idea of where a face is, independent
    of the service's detector."""
    import cv2
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    boxes = cv2.CascadeClassifier(_CASCADE).detectMultiScale(
        grey, 1.1, 5, minSize=(40, 40))
    if len(boxes) == 0:
        return None
    return max((tuple(int(v) for v in b) for b in boxes),
               key=lambda b: b[2] * b[3])


def _bystander(rng, n):
    """A bystander's face for crowded photograph n: an ORL photograph (every
    other one) or the face cut from another Caltech photograph, as a BGR
    image and the width of the face in it."""
    import cv2
    import numpy as np
    if n % 2 == 0:
        s, k = rng.randint(1, 40), rng.randint(1, 10)
        grey = cv2.imread(os.path.join(ORL, "s%d" % s, "%d.pgm" % k),
                          cv2.IMREAD_GRAYSCALE)
        if grey is not None:
            # ORL's face fills about 70 % of the photograph's width.
            return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), 0.7 * 92
    other = (n + rng.randint(17, 200)) % CALTECH_N + 1
    img = cv2.imdecode(np.frombuffer(caltech_jpeg(other), np.uint8),
                       cv2.IMREAD_COLOR)
    box = _face_box(img)
    if box is None:
        return None
    x, y, w, h = box
    m = int(0.25 * w)
    crop = img[max(0, y - m):y + h + m, max(0, x - m):x + w + m]
    return crop, float(w)


def paste_face(canvas, piece, cx, cy):
    """Blends piece into canvas centred at (cx, cy) through a feathered
    ellipse (a face in the scene, not a pasted rectangle), clipped to the
    canvas."""
    import cv2
    import numpy as np
    ph, pw = piece.shape[:2]
    mask = np.zeros((ph, pw), np.float32)
    cv2.ellipse(mask, (pw // 2, ph // 2), (int(pw * 0.46), int(ph * 0.48)),
                0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.04 * pw))[..., None]
    x0, y0 = int(cx - pw / 2), int(cy - ph / 2)
    H, W = canvas.shape[:2]
    sx0, sy0 = max(0, -x0), max(0, -y0)
    sx1, sy1 = min(pw, W - x0), min(ph, H - y0)
    if sx1 <= sx0 or sy1 <= sy0:
        return
    dst = canvas[y0 + sy0:y0 + sy1, x0 + sx0:x0 + sx1].astype(np.float32)
    m = mask[sy0:sy1, sx0:sx1]
    src = piece[sy0:sy1, sx0:sx1].astype(np.float32)
    canvas[y0 + sy0:y0 + sy1, x0 + sx0:x0 + sx1] = (
        m * src + (1 - m) * dst).astype(np.uint8)


# The bystanders of the crowded set, by kind: a face clearly smaller than
# the patient's anywhere beside them ("background": 0.35 to 0.62 times as
# wide, so at least 2.6 times smaller in area), or one up to as large at
# the frame's left or right edge, partly cut off ("edge").
CROWD_KINDS = {"background": (0.35, 0.62), "edge": (0.62, 1.0)}


def crowded_photo(n, kind=None):
    """Crowded photograph n (1..435): Caltech photograph n, the patient,
    widened to a 16:9 landscape frame (its border smeared outwards), with a
    bystander's face (ORL or another Caltech photograph's) beside them, of
    kind (CROWD_KINDS; by default alternating).  Returns (JPEG bytes,
    kind, width ratio bystander/patient), or None when OpenCV finds no
    face in the photograph to size the bystander by.  Deterministic in n.
    Skips when ../shared is absent."""
    import random
    import cv2
    import numpy as np
    rng = random.Random(1000 + n)
    kind = kind or ("background", "edge")[n % 2]
    img = cv2.imdecode(np.frombuffer(caltech_jpeg(n), np.uint8),
                       cv2.IMREAD_COLOR)
    box = _face_box(img)
    by = _bystander(rng, n)
    if box is None or by is None:
        return None
    h, w = img.shape[:2]
    H = int(h * 1.15)
    W = int(H * 16 / 9)
    top, left = (H - h) // 2, (W - w) // 2
    canvas = cv2.copyMakeBorder(img, top, H - h - top, left, W - w - left,
                                cv2.BORDER_REPLICATE)
    canvas = np.where(_inside(H, W, top, left, h, w), canvas,
                      cv2.GaussianBlur(canvas, (0, 0), 6))
    ratio = rng.uniform(*CROWD_KINDS[kind])
    piece, face_w = by
    k = ratio * box[2] / face_w
    piece = cv2.resize(piece, (max(8, int(piece.shape[1] * k)),
                               max(8, int(piece.shape[0] * k))),
                       interpolation=cv2.INTER_AREA if k < 1
                       else cv2.INTER_CUBIC)
    ph, pw = piece.shape[:2]
    right = rng.random() < 0.5
    side = left  # the widening on each side
    if kind == "background":
        cx = rng.uniform(pw / 2, max(pw / 2, side - pw / 2 + 0.1 * w))
    else:
        cx = rng.uniform(side * 0.05, 0.35 * pw)
    cx = W - cx if right else cx
    cy = rng.uniform(ph / 2, max(ph / 2, H - ph / 2))
    # Beside the patient, not behind them: the bystander's face stays
    # clear of the patient's (OpenCV's box, a fifth larger all round).
    x, y, bw, bh = box
    px0, px1 = left + x - 0.2 * bw, left + x + 1.2 * bw
    fx = 0.35 * pw  # the face's half-width within the pasted piece
    if right:
        cx = max(cx, px1 + fx)
    else:
        cx = min(cx, px0 - fx)
    paste_face(canvas, piece, cx, cy)
    ok, buf = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buf.tobytes(), kind, ratio


def _inside(H, W, top, left, h, w):
    import numpy as np
    m = np.zeros((H, W, 1), bool)
    m[top:top + h, left:left + w] = True
    return m


def face_patient(st, pb, photos=(), family="Face"):
    """A new patient (registrar) with photos enrolled in one EnrollFace when
    there are some; returns the patient id."""
    import uuid
    pid = st.call("identity", "CreatePatient", pb.CreatePatientRequest(
        mrn="MRN-" + uuid.uuid4().hex[:16].upper(), family_name=family,
        birth_date="1970-01-02", sex=pb.ADMINISTRATIVE_SEX_FEMALE),
        role="registrar").patient_id
    if photos:
        st.call("identity", "EnrollFace", pb.EnrollFaceRequest(
            patient_id=pid, images=list(photos)), role="registrar",
            timeout=60)
    return pid


def verify_face(st, pb, pid, image):
    """VerifyFace of image against pid, as a nurse."""
    return st.call("identity", "VerifyFace", pb.VerifyFaceRequest(
        patient_id=pid, image=image), role="nurse", timeout=30)


def face_events(st, pid, key="event", value=None):
    """The details (dicts) of the audit events about pid whose detail key
    is value (any value when None)."""
    from . import protos
    apb = protos.module("audit")
    out = []
    for r in st.call("audit", "Query", apb.QueryRequest(
            patient_id=pid, limit=100), role="auditor", timeout=10):
        details = {d.key: d.value for d in r.event.details}
        if key in details and (value is None or details[key] == value):
            details["_action"] = r.event.action
            details["_outcome"] = r.event.outcome
            out.append(details)
    return out


def _need_deep_models():
    """Skip the test when the build made no deep face models."""
    if paths.deep_face_models() is None:
        pytest.skip("deep face models not built (make deps installs the "
                    "npm package, make builds them)")


# The services of a deep face stack (deep_face_stack, use_deep_faces).
DEEP_FACE_SERVICES = ("identity", "audit")


def use_deep_faces(stack, **extra):
    """Set a stack that has not started yet on the deep face models with
    new keys and the MED_ settings in extra (a pytest.mark.stack prepare
    step); skips when the build made no deep models."""
    from .run import face_models_env
    _need_deep_models()
    keys = FaceKeys.load_or_create(paths.scratch_dir("smartmed-fk-"))
    stack.extra_env.update(keys.env(), **face_models_env())
    stack.extra_env.update(extra)


def deep_face_stack(**extra):
    """identity and audit on the deep face models with new keys and the
    MED_ settings in extra, to use in a with statement; skips when the
    build made no deep models."""
    from . import Stack
    from .fixtures import running
    _need_deep_models()
    stack = Stack(services=DEEP_FACE_SERVICES)
    use_deep_faces(stack, **extra)
    return running(stack)


PLANT_BATCH = 500


def _sodium():
    import ctypes
    lib = ctypes.CDLL("libsodium.so.23")
    if lib.sodium_init() < 0:
        raise RuntimeError("sodium_init failed")
    return lib


def _plant_sql(out, n, dim, model, key, seed):
    """INSERT statements for n random unit templates, each its own patient
    id, encrypted as identity encrypts them (XChaCha20-Poly1305 under the
    template key, patient|template|model as associated data)."""
    import ctypes
    import time
    import uuid
    import numpy as np
    lib = _sodium()
    rng = np.random.default_rng(seed)
    ct = ctypes.create_string_buffer(dim * 4 + 16)
    clen = ctypes.c_ulonglong(0)
    now = int(time.time() * 1000)
    for start in range(0, n, PLANT_BATCH):
        m = min(PLANT_BATCH, n - start)
        v = rng.standard_normal((m, dim)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        rows = []
        for i in range(m):
            tid, pid = str(uuid.uuid4()), str(uuid.uuid4())
            ad = ("%s|%s|%s" % (pid, tid, model)).encode()
            nonce = os.urandom(24)
            pt = v[i].tobytes()
            lib.crypto_aead_xchacha20poly1305_ietf_encrypt(
                ct, ctypes.byref(clen), pt, ctypes.c_ulonglong(len(pt)),
                ad, ctypes.c_ulonglong(len(ad)), None, nonce, key)
            rows.append("('%s','%s','%s',%d,X'%s',X'%s',0.9,%d)" % (
                tid, pid, model, dim, nonce.hex(),
                ct.raw[:clen.value].hex(), now))
        out.write("INSERT INTO face_templates (template_id, patient_id,"
                  " model, dim, nonce, ciphertext, quality, created_ms)"
                  " VALUES %s;\n" % ",".join(rows))


def plant_templates(st, n, seed=1):
    """Write n synthetic templates straight into identity's face_templates
    of stack st (the bulk path: n EnrollFace calls would take far longer),
    of the model and dimension of a template already enrolled there, under
    st's template key.  Returns (model, dim).  The running identity learns
    of them only at its next full load (a restart): they are not in the
    change log."""
    got = st.sql("SELECT model, dim FROM smartmed_identity.face_templates"
                 " LIMIT 1").split("\n")[1].split("\t")
    model, dim = got[0], int(got[1])
    with open(st.extra_env["MED_IDENTITY_TEMPLATE_KEY_FILE"], "rb") as f:
        key = f.read()
    with tempfile.TemporaryDirectory(prefix="smartmed-plant-") as d:
        sql = os.path.join(d, "t.sql")
        with open(sql, "w") as out:
            _plant_sql(out, n, dim, model, key, seed)
        with open(sql) as f:
            subprocess.run(["sh", paths.mariadb_sh(), "client", st.db_dir,
                            "smartmed_identity"], stdin=f, check=True)
    return model, dim
