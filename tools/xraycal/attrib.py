"""attrib - attribution maps of the chest classifier other than its own
Grad-CAM, for tools/xraycal/camloc.py's --method.  Each maker has
run_input(x) -> (p(pneumonia), raw) and saliency(raw) -> a 224 x 224 map
in [0, 1], as camloc's Net does, so camloc scores them alike.

- ContrastNet ("contrast"): the film's Grad-CAM (the model's 7 x 7 `cam`
  of the positive label) minus the mean Grad-CAM of the films of one
  split (validation by default) that the model calls positive, then
  camloc's ReLU, upsampling and scaling.  What every positive film lights
  is removed; what this film lights more than usual is left.  At serving
  time it would cost one subtraction of a stored 7 x 7 array.
- OcclusionNet ("occlusion", "occlusion-logodds"): a square of the input
  is replaced by a fill, the model run again, and the drop of the score
  credited to every pixel the square covered; a pixel's saliency is the
  mean drop over the squares that covered it, rises counting 0.  With
  side 48, step 16 and fill "grey" (the normalised mid-grey, 0) it is the
  service's fallback (services/diagnosis/saliency.c: squares from 0 while
  a whole step fits, clipped at the edge, 196 runs at 224 x 224); "blur"
  fills with the film blurred (Gaussian, sigma a quarter of the side),
  "mean" with the film's mean.  The score is p(pneumonia) for
  "occlusion" and its log-odds for "occlusion-logodds" (the same runs:
  a calibrated p near 0.997 barely moves until the finding flips).
- RiseNet ("rise", Petsiuk et al. 2018): N random masks (a coarse grid of
  cells kept with probability 1/2, upsampled bilinearly and shifted by a
  random part of a cell), the masked-out part filled as above; the map is
  the covariance of p(pneumonia) with each pixel's mask value over the N
  runs (the mean-weighted RISE map minus its constant part).

Each film costs one model run for contrast, 1 + the squares for
occlusion, 1 + N for RISE, under OpenCV's DNN module on the CPU.
"""
import csv
import os

import numpy as np

SIDE = 224


class ContrastNet:
    """Grad-CAM minus the mean Grad-CAM of a split's positive films."""

    def __init__(self, net, films, threshold):
        """net: camloc's Net; films: the model inputs of the split."""
        self.net = net
        cams = [cam for p, cam in map(net.run_input, films)
                if p >= threshold]
        if not cams:
            raise ValueError("no film of the split is called positive")
        self.prior = np.mean(cams, axis=0)
        self.n_prior = len(cams)

    def run_input(self, x):
        p, cam = self.net.run_input(x)
        return p, cam - self.prior

    def saliency(self, cam):
        return self.net.saliency(cam)


def split_inputs(root, split):
    """The model inputs of every film of a kermany224 split."""
    from xraycal import model_input
    with open(os.path.join(root, "manifest.csv")) as f:
        rows = [r for r in csv.DictReader(f) if r["split"] == split]
    return [model_input(os.path.join(root, r["file"]), SIDE) for r in rows]


def fill_of(x, fill, side):
    """What a masked part of input x is replaced by."""
    import cv2
    if fill == "grey":
        return np.zeros_like(x)
    if fill == "mean":
        return np.full_like(x, x.mean())
    img = x.reshape(SIDE, SIDE).astype(np.float32)
    return cv2.GaussianBlur(img, (0, 0), side / 4.0).reshape(x.shape)


def logodds(p):
    p = min(max(p, 1e-7), 1 - 1e-7)
    return float(np.log(p / (1 - p)))


def unit(m):
    """Rises (negative) count 0; peak 1."""
    m = np.maximum(m, 0).astype(np.float32)
    return m / m.max() if m.max() > 0 else m


class OcclusionNet:
    """The occlusion map; score "p" or "logodds".  Two makers given the
    same `runs` share the model runs of a film."""

    def __init__(self, net, side, step, fill, score, runs=None):
        self.net, self.side, self.step, self.fill = net, side, step, fill
        self.score = score
        self.runs = runs if runs is not None else {}

    def squares(self):
        """The squares' corners, as the service lays them."""
        return [(y, x) for y in range(0, SIDE - self.step + 1, self.step)
                for x in range(0, SIDE - self.step + 1, self.step)]

    def probs(self, x):
        """p(pneumonia) of x, then of x with each square filled."""
        key = x.tobytes()
        if key not in self.runs:
            self.runs.clear()
            filled = fill_of(x, self.fill, self.side)
            ps = [self.net.run_input(x)[0]]
            for y, c in self.squares():
                w = x.copy()
                s = (Ellipsis, slice(y, y + self.side), slice(c, c + self.side))
                w[s] = filled[s]
                ps.append(self.net.run_input(w)[0])
            self.runs[key] = ps
        return self.runs[key]

    def run_input(self, x):
        ps = self.probs(x)
        f = logodds if self.score == "logodds" else float
        drop = np.zeros((SIDE, SIDE))
        count = np.zeros((SIDE, SIDE))
        for (y, c), p in zip(self.squares(), ps[1:]):
            drop[y:y + self.side, c:c + self.side] += f(ps[0]) - f(p)
            count[y:y + self.side, c:c + self.side] += 1
        return ps[0], np.where(count > 0, drop / np.maximum(count, 1), 0)

    def saliency(self, m):
        return unit(m)


def rise_masks(n, cells, rng):
    """n soft masks in [0, 1] of SIDE x SIDE (Petsiuk et al.)."""
    import cv2
    cell = int(np.ceil(SIDE / cells))
    big = (cells + 1) * cell
    out = np.empty((n, SIDE, SIDE), dtype=np.float32)
    for i in range(n):
        grid = (rng.random((cells, cells)) < 0.5).astype(np.float32)
        up = cv2.resize(grid, (big, big), interpolation=cv2.INTER_LINEAR)
        dy, dx = rng.integers(cell), rng.integers(cell)
        out[i] = up[dy:dy + SIDE, dx:dx + SIDE]
    return out


class RiseNet:
    """RISE, centred: cov(p, mask) per pixel over n masked runs."""

    def __init__(self, net, n, cells, fill, seed):
        self.net, self.fill = net, fill
        self.masks = rise_masks(n, cells, np.random.default_rng(seed))

    def run_input(self, x):
        p0 = self.net.run_input(x)[0]
        filled = fill_of(x, self.fill, SIDE / 7.0)
        ps = np.array([self.net.run_input(x * m + filled * (1 - m))[0]
                       for m in self.masks])
        m = self.masks
        cov = np.tensordot(ps - ps.mean(), m - m.mean(axis=0), axes=1)
        return p0, cov / len(ps)

    def saliency(self, m):
        return unit(m)
