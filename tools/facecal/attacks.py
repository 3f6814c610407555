"""Presentation attacks made from public photographs, for measuring the
face PAD stage (tools/facecal/pad.py) and for identity's integration
tests: what a person would get by holding the patient's photograph in
front of the camera.  Each attack is a deterministic function of the
photograph (BGR, uint8) and a seed, returning a new BGR photograph.

- screen: the photograph shown on a phone or monitor (a dark bezel, the
  panel's blue-ish white point and gamma, the moire of the pixel grid
  against the camera's, a glare spot) and photographed again (perspective,
  defocus, sensor noise, JPEG).
- print: the photograph printed in grey (paper's white and the toner's
  black, a halftone-like screen, paper fibre texture), on a table, and
  photographed again.
- rephoto: a colour print photographed again under uneven light (a light
  gradient, a warm cast, slight blur and noise), without bezel or
  texture: the mildest of the three.

They are synthetic: they carry the artefacts a simple image model can
imitate, not the optics of a real screen or printer (docs/face-pad.md).
"""

import numpy as np

KINDS = ("screen", "print", "rephoto")


def _cv():
    import cv2
    return cv2


def _perspective(img, rng, out_w, out_h, fill, amount):
    """img warped onto an out_w x out_h canvas filled with fill, its corners
    moved inwards at random by up to amount of the side."""
    cv2 = _cv()
    h, w = img.shape[:2]
    m = amount * min(out_w, out_h)
    dst = np.float32([[rng.uniform(0, m), rng.uniform(0, m)],
                      [out_w - rng.uniform(0, m), rng.uniform(0, m)],
                      [out_w - rng.uniform(0, m), out_h - rng.uniform(0, m)],
                      [rng.uniform(0, m), out_h - rng.uniform(0, m)]])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    t = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(img, t, (out_w, out_h),
                               flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT,
                               borderValue=fill)


def _recapture(img, rng, jpeg_quality):
    """The camera's second look: defocus, sensor noise, JPEG."""
    cv2 = _cv()
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.6, 1.2))
    noise = rng.normal(0, rng.uniform(2.0, 4.0), img.shape)
    img = np.clip(img.astype(np.float64) + noise, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY,
                                         jpeg_quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def _moire(h, w, rng):
    """A multiplicative interference of two slightly rotated fine gratings
    (the panel's sub-pixels against the sensor's), depth a few %."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    a = rng.uniform(0.02, 0.15)
    f = rng.uniform(0.28, 0.45)
    g = np.sin(2 * np.pi * f * (x * np.cos(a) + y * np.sin(a)))
    g2 = np.sin(2 * np.pi * (f * 1.03) * (x * np.cos(-a) - y * np.sin(-a)))
    return 1.0 + rng.uniform(0.04, 0.08) * g * g2


def _glare(h, w, rng):
    """An additive soft elliptical highlight off the glass."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.1, 0.5) * h
    sx, sy = rng.uniform(0.15, 0.3) * w, rng.uniform(0.1, 0.25) * h
    return rng.uniform(50, 110) * np.exp(-(((x - cx) / sx) ** 2 +
                                           ((y - cy) / sy) ** 2))


def screen(img, seed=0):
    """img shown on a screen with a bezel and glare, photographed."""
    rng = np.random.default_rng(seed)
    h, w = img.shape[:2]
    panel = img.astype(np.float64) / 255.0
    panel = panel ** rng.uniform(0.8, 0.9)  # the panel's gamma
    panel = panel * np.array([1.08, 1.0, 0.9]) * 235 + 12  # BGR white point
    panel = panel * _moire(h, w, rng)[:, :, None]
    panel = panel + _glare(h, w, rng)[:, :, None]
    bezel = int(0.08 * max(h, w))
    dev = np.full((h + 2 * bezel, w + 2 * bezel, 3), 18.0)
    dev[bezel:bezel + h, bezel:bezel + w] = panel
    dev = np.clip(dev, 0, 255).astype(np.uint8)
    shot = _perspective(dev, rng, w, h, (70, 80, 90), 0.06)
    return _recapture(shot, rng, 85)


def _paper(h, w, rng):
    """Paper fibre texture: low-pass noise, a few % of the white."""
    cv2 = _cv()
    n = rng.normal(0, 1, (h, w))
    n = cv2.GaussianBlur(n, (0, 0), 1.5) * 6 + \
        cv2.GaussianBlur(rng.normal(0, 1, (h, w)), (0, 0), 6) * 10
    return n


def print_grey(img, seed=0):
    """img printed in grey on paper, on a table, photographed."""
    cv2 = _cv()
    rng = np.random.default_rng(seed)
    h, w = img.shape[:2]
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float64) / 255.0
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    screen_ = 0.5 + 0.5 * np.sin(x * 1.9) * np.sin(y * 1.9)  # halftone
    grey = np.clip(grey + 0.08 * (screen_ - 0.5), 0, 1)
    paper = 38 + grey * (232 - 38) + _paper(h, w, rng)
    margin = int(0.06 * max(h, w))
    sheet = np.full((h + 2 * margin, w + 2 * margin), 232.0)
    sheet += _paper(h + 2 * margin, w + 2 * margin, rng)
    sheet[margin:margin + h, margin:margin + w] = paper
    sheet = np.clip(sheet, 0, 255).astype(np.uint8)
    sheet = cv2.cvtColor(sheet, cv2.COLOR_GRAY2BGR)
    shot = _perspective(sheet, rng, w, h, (60, 90, 120), 0.05)
    light = 0.8 + 0.3 * (x / w)  # the lamp at one side
    shot = np.clip(shot * light[:, :, None], 0, 255).astype(np.uint8)
    return _recapture(shot, rng, 85)


def rephoto(img, seed=0):
    """A colour print of img photographed again under uneven light."""
    rng = np.random.default_rng(seed)
    h, w = img.shape[:2]
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    light = rng.uniform(0.7, 0.85) + rng.uniform(0.2, 0.35) * (y / h)
    cast = np.array([0.88, 0.97, 1.06])  # warm, BGR
    shot = img.astype(np.float64) * 0.85 + 20
    shot = np.clip(shot * light[:, :, None] * cast, 0, 255).astype(np.uint8)
    shot = _perspective(shot, rng, w, h, (40, 40, 40), 0.04)
    return _recapture(shot, rng, 80)


def make(kind, img, seed=0):
    """The attack kind (one of KINDS) on img."""
    return {"screen": screen, "print": print_grey,
            "rephoto": rephoto}[kind](img, seed)
