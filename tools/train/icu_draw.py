#!/usr/bin/python3
"""Draws the hardware of an intensive-care AP chest film on a 224 x 224
grey radiograph (bright = radio-opaque), for training and measuring the
out-of-distribution guard (tools/train/chest_guard.py --augment,
tools/train/chest_guard_eval.py).  Kinds:
  - tubes: an endotracheal tube down the midline from the top edge and a
    nasogastric tube past the diaphragm, 4-7 px wide, grey 215-255;
  - lines: one or two central venous lines, curved from a shoulder
    towards the mediastinum, 2-4 px, grey 200-255;
  - leads: 3-5 ECG electrodes (filled discs, radius 5-9 px) each with a
    1-2 px wire curving off the edge of the film;
  - wires: 2-4 thin (1-2 px) curved wires anywhere;
  - dense: a dense consolidation, an ellipse 40-90 px across over a lung
    field, blended 70-95 % towards white;
  - icu: tubes, lines, leads and dense together.
"""

import cv2
import numpy as np

BIG = 224
KINDS = ("tubes", "lines", "leads", "wires", "dense", "icu")


def curve(rng, p0, p1, bend):
    """Points of a quadratic Bezier from p0 to p1 bowed by bend px."""
    p0, p1 = np.array(p0, float), np.array(p1, float)
    mid = (p0 + p1) / 2 + rng.uniform(-bend, bend, 2)
    t = np.linspace(0, 1, 40)[:, None]
    pts = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * mid + t ** 2 * p1
    return pts.astype(np.int32).reshape(-1, 1, 2)


def draw(img, pts, grey, width):
    cv2.polylines(img, [pts], False, int(grey), int(width), cv2.LINE_AA)


def tubes(img, rng):
    x = int(rng.integers(100, 124))
    draw(img, curve(rng, (x, 0), (x + rng.integers(-6, 7), 95), 6),
         rng.integers(215, 256), rng.integers(4, 8))
    draw(img, curve(rng, (x + 6, 0), (x + rng.integers(-10, 30), 215), 15),
         rng.integers(215, 256), rng.integers(4, 7))


def lines(img, rng):
    for _ in range(int(rng.integers(1, 3))):
        side = rng.integers(2)
        x0 = 20 if side == 0 else BIG - 20
        draw(img, curve(rng, (x0, int(rng.integers(30, 60))),
                        (int(rng.integers(100, 124)),
                         int(rng.integers(70, 120))), 25),
             rng.integers(200, 256), rng.integers(2, 5))


def leads(img, rng):
    for _ in range(int(rng.integers(3, 6))):
        c = (int(rng.integers(20, 204)), int(rng.integers(20, 204)))
        cv2.circle(img, c, int(rng.integers(5, 10)), 255, -1, cv2.LINE_AA)
        edge = [(0, c[1]), (BIG - 1, c[1]), (c[0], 0), (c[0], BIG - 1)]
        draw(img, curve(rng, c, edge[int(rng.integers(4))], 30), 240,
             rng.integers(1, 3))


def wires(img, rng):
    for _ in range(int(rng.integers(2, 5))):
        a, b = rng.integers(0, BIG, 2), rng.integers(0, BIG, 2)
        draw(img, curve(rng, a, b, 40), rng.integers(200, 256),
             rng.integers(1, 3))


def dense(img, rng):
    mask = np.zeros_like(img, dtype=np.float32)
    cx = int(rng.integers(45, 96)) if rng.integers(2) else \
        int(rng.integers(130, 181))
    axes = (int(rng.integers(20, 46)), int(rng.integers(20, 46)))
    cv2.ellipse(mask, (cx, int(rng.integers(70, 160))), axes,
                float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 4) * rng.uniform(0.7, 0.95)
    out = img + mask * (255.0 - img)
    img[:] = np.clip(out, 0, 255).astype(np.uint8)


def augment(img, kind, rng):
    """A copy of img (224 x 224 grey u8) with kind's hardware drawn on."""
    out = img.copy()
    parts = (tubes, lines, leads, dense) if kind == "icu" else \
        (globals()[kind],)
    for f in parts:
        f(out, rng)
    return out
