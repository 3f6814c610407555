#!/usr/bin/python3
"""camloc - how well the chest radiograph classifier's Grad-CAM map points
at a lesion: on films with marked opacities (--boxes), or on a labelled
PROXY, synthetic focal opacities blended into normal films.

    camloc.py --boxes BOXES.csv [--films ROOT] [--min-confidence low]
              [--model M.onnx] [--old OLD.onnx] [--layer T]
              [--method contrast|occlusion|occlusion-logodds|rise ...]
              [--json]
    camloc.py [--shared ../shared] [--model M.onnx] [--old OLD.onnx]
              [--layer T] [--n 234] [--seed 76] [--json]

With --boxes: a CSV of films and their marked opacities (columns file,
x0, y0, x1, y1, confidence; '#' lines are comments; file relative to
--films, default ../shared's kermany224; the box in the film's own
pixels, x0/y0 inclusive, x1/y1 exclusive; a row without a box is a film
the annotator skipped).  tools/xraycal/boxes-kermany224-test.csv is the
team's set (an engineer's boxes, not a radiologist's); a site's
radiologist-marked boxes on its own films take the same path.  Films are
read as xraycal.py reads them (any size, resized to 224 x 224, the box
scaled with it).  Only films the model calls positive count, and over
them the script reports mass_inside, area_half_peak and peak_inside (as
below) with three references: box_area, the share of the image inside the
box (what a map spread evenly would put inside, and the chance of a peak
falling there); mass_inside_mirror, the map's mass inside the box
mirrored left to right (a map that only tells the sides apart scores
alike in both); and mass_inside_others and peak_inside_others, the same
figures against the other counted films' boxes (a map that lights one
place whatever the film scores as well there as in its own box).
--min-confidence high or moderate keeps the surer boxes; --side right
or left keeps the boxes whose centre is on that side of the patient (the
image's left is the patient's right); --per-film writes each counted
film's figures and where its map peaks to a CSV, for a reader's look.

Without --boxes the marked region is made: each NORMAL film of
kermany224's test split gets one round opacity (radius 18-28 px
at 224 x 224, a smooth-edged brightening towards white of 60-80 % at its
centre) at a random place inside a fixed box over each lung field (rows
60-160, columns 45-95 or 130-180: where the lungs lie on these centred
paediatric films; no lung segmentation is used).  A film counts only when
the model calls it negative before the opacity and positive after
(p(pneumonia) at or above the card's threshold): the opacity made the
finding, so the map should show it.  On each counted film the map of the
positive label is made as the service makes it (ReLU, bilinear to
224 x 224, scaled to a peak of 1) and the script reports, median and
mean over the films:

  - mass_inside: the share of the map's sum inside the opacity's disc;
  - area_half_peak: the share of the image at or above half the map's
    peak;
  - peak_inside: the share of films whose map peaks inside the disc.

--old names a second model file (the same weights with another `cam`,
e.g. the 7x7 map of an earlier build) measured on the same films.
--layer names a tensor of --model (the last 14 x 14 one of v4 is
clip_166): its Grad-CAM, by a forward and backward pass in numpy
(tools/xraycal/onnxgrad.py), is measured on the same films as "layer".  The
disc is 2-5 % of the image, so a map spread evenly over the image puts
that share of its mass inside.

--method (repeatable) adds another attribution map of --model, measured
on the same films under its name (tools/xraycal/attrib.py says how each
is made): "contrast", the film's Grad-CAM less the mean Grad-CAM of the
--prior-split films the model calls positive (a one-subtraction change to
the served map); "occlusion" and "occlusion-logodds", the drop of
p(pneumonia) or of its log-odds when a square is filled (--occlude-side,
--occlude-step, --occlude-fill; the defaults, 48, 16 and grey, are the
service's fallback: 197 model runs a film); "rise", random masks
(--rise-masks runs a film, --rise-cells).

The proxy is not pneumonia: the model may react to a drawn disc's edge
rather than its substance, which is why --boxes exists.  Films are read
and normalised as tools/xraycal/xraycal.py reads them; the model runs
under OpenCV's DNN module.
Exit status: 0 done, 2 usage or an unreadable film; 77 when ../shared's
films are absent.
"""
import argparse
import csv
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "..", "services", "diagnosis", "models")
MODEL = os.path.join(MODELS, "pneumonia_cxr224_v4.onnx")
SIDE = 224
ROWS = (60, 160)
COLS = ((45, 95), (130, 180))
CONFIDENCE = ("low", "moderate", "high")
METHODS = ("contrast", "occlusion", "occlusion-logodds", "rise")


def fail(msg, code=2):
    print("camloc: " + msg, file=sys.stderr)
    sys.exit(code)


def threshold(model):
    """The card's operating point beside the model."""
    card = model[:-len(".onnx")] + ".card.json"
    with open(card) as f:
        return float(json.load(f)["operating_point"]["threshold"])


def film_input(img):
    """The model's input from a 224 x 224 grey film in [0, 1]."""
    return ((img - 0.5) / 0.5).reshape(1, 1, SIDE, SIDE)


class Net:
    """A model under OpenCV's DNN: probs and the pneumonia label's map."""

    def __init__(self, path):
        import cv2
        self.cv2 = cv2
        self.net = cv2.dnn.readNetFromONNX(path)

    def run(self, img):
        """img: a 224 x 224 grey film in [0, 1]."""
        return self.run_input(film_input(img))

    def run_input(self, x):
        """x: the model's input, [1, 1, 224, 224] in [-1, 1]."""
        self.net.setInput(x.astype(np.float32))
        p, cam = self.net.forward(["probs", "cam"])
        return float(p.reshape(-1)[1]), cam[0, 1]

    def saliency(self, cam):
        """ReLU, bilinear to the input (half-pixel centres, as the
        service), peak 1."""
        m = np.maximum(cam, 0).astype(np.float32)
        m = self.cv2.resize(m, (SIDE, SIDE),
                            interpolation=self.cv2.INTER_LINEAR)
        return m / m.max() if m.max() > 0 else m


class LayerNet(Net):
    """Grad-CAM at an inner tensor of a model, for the positive label."""

    def __init__(self, path, layer):
        import cv2
        from onnxgrad import GradNet
        self.cv2 = cv2
        self.grad = GradNet(path, layer)

    def run_input(self, x):
        return self.grad.run_input(x)


def opacity(img, rng):
    """img with one round opacity; (cy, cx, r) of its disc."""
    cols = COLS[rng.integers(2)]
    cy = rng.integers(ROWS[0], ROWS[1] + 1)
    cx = rng.integers(cols[0], cols[1] + 1)
    r = rng.uniform(18, 28)
    amp = rng.uniform(0.60, 0.80)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    d = np.hypot(yy - cy, xx - cx) / r
    # Flat inside 0.7 r, a smooth fall to 0 at 1.2 r: an edge a reader
    # would draw near r.
    w = np.clip((1.2 - d) / 0.5, 0, 1)
    w = w * w * (3 - 2 * w)
    out = img + amp * w * (1.0 - img)
    return out.astype(np.float32), (cy, cx, r)


def disc_mask(disc):
    cy, cx, r = disc
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    return np.hypot(yy - cy, xx - cx) <= r


def mass_share(m, inside):
    total = float(m.sum())
    return float(m[inside].sum()) / total if total > 0 else 0.0


def figures(m, inside):
    """mass_inside, area_half_peak, peak_inside of map m for the marked
    region inside (a boolean mask)."""
    peak = np.unravel_index(int(np.argmax(m)), m.shape)
    return {"mass_inside": mass_share(m, inside),
            "area_half_peak": (float((m >= 0.5 * m.max()).mean())
                               if m.max() > 0 else 0.0),
            "peak_inside": bool(inside[peak])}


def box_figures(m, inside):
    """figures() with the two references of a marked box: its share of
    the image and the map's mass in its left-right mirror."""
    f = figures(m, inside)
    f["box_area"] = float(inside.mean())
    f["mass_inside_mirror"] = mass_share(m, inside[:, ::-1])
    return f


def normals(shared):
    root = os.path.join(shared, "data", "chest", "kermany224")
    manifest = os.path.join(root, "manifest.csv")
    if not os.path.exists(manifest):
        fail("%s is absent: no films to measure on" % manifest, 77)
    with open(manifest) as f:
        rows = [r for r in csv.DictReader(f)
                if r["split"] == "test" and r["label"] == "normal"]
    return [os.path.join(root, r["file"]) for r in rows]


def summary(vals):
    """Over the films: a yes/no figure as the share of films where it
    holds, a number as its median and mean."""
    out = {}
    for key, first in vals[0].items():
        a = np.array([v[key] for v in vals], dtype=float)
        if isinstance(first, bool):
            out[key] = float(a.mean())
        else:
            out[key + "_median"] = float(np.median(a))
            out[key + "_mean"] = float(np.mean(a))
    return out


def nets_of(args):
    nets = {"new": Net(args.model)}
    if args.old:
        nets["old"] = Net(args.old)
    if args.layer:
        nets["layer"] = LayerNet(args.model, args.layer)
    for name in args.method or ():
        nets[name] = method_net(args, name, nets)
    return nets


def method_net(args, name, nets):
    """The map maker of one --method (tools/xraycal/attrib.py)."""
    import attrib
    if name == "contrast":
        root = os.path.join(args.shared, "data", "chest", "kermany224")
        if not os.path.exists(os.path.join(root, "manifest.csv")):
            fail("%s is absent: no prior to remove" % root, 77)
        return attrib.ContrastNet(nets["new"], attrib.split_inputs(
            root, args.prior_split), threshold(args.model))
    if name == "rise":
        return attrib.RiseNet(nets["new"], args.rise_masks, args.rise_cells,
                              args.occlude_fill, args.seed)
    shared = [n for n in nets.values() if isinstance(n, attrib.OcclusionNet)]
    return attrib.OcclusionNet(
        nets["new"], args.occlude_side, args.occlude_step, args.occlude_fill,
        "logodds" if name == "occlusion-logodds" else "p",
        shared[0].runs if shared else None)


def measure(args):
    import cv2
    t = threshold(args.model)
    nets = nets_of(args)
    rng = np.random.default_rng(args.seed)
    out = {k: [] for k in nets}
    n = {"films": 0, "negative_before": 0, "counted": 0}
    for path in normals(args.shared)[:args.n]:
        img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        if img is None or img.shape != (SIDE, SIDE):
            fail("%s: not a %dx%d grey film" % (path, SIDE, SIDE))
        img = img.astype(np.float32) / 255.0
        blended, disc = opacity(img, rng)  # drawn for every film: seeds
        n["films"] += 1
        p0, _ = nets["new"].run(img)
        if p0 >= t:
            continue
        n["negative_before"] += 1
        p1, cam = nets["new"].run(blended)
        if p1 < t:
            continue
        n["counted"] += 1
        inside = disc_mask(disc)
        out["new"].append(figures(nets["new"].saliency(cam), inside))
        for k, net in nets.items():
            if k != "new":
                _, cam = net.run_input(film_input(blended))
                out[k].append(figures(net.saliency(cam), inside))
    res = dict(n, threshold=t, seed=args.seed)
    for k, v in out.items():
        if v:
            res[k] = summary(v)
    return res


def read_boxes(path, min_confidence):
    """[(file, (x0, y0, x1, y1))] of the rows with a box at or above
    min_confidence (a CSV without a confidence column keeps every box),
    and the number of rows without a box."""
    with open(path) as f:
        rows = list(csv.DictReader(ln for ln in f if not ln.startswith("#")))
    keep = CONFIDENCE[CONFIDENCE.index(min_confidence):]
    boxes, skipped = [], 0
    for i, r in enumerate(rows):
        if not (r.get("x0") or "").strip():
            skipped += 1
            continue
        try:
            box = tuple(int(r[k]) for k in ("x0", "y0", "x1", "y1"))
        except (KeyError, ValueError):
            fail("%s: row %d: x0, y0, x1, y1 must be whole pixels" %
                 (path, i + 1))
        if box[0] >= box[2] or box[1] >= box[3]:
            fail("%s: row %d: an empty box %s" % (path, i + 1, box))
        if r.get("confidence", keep[0]) in keep:
            boxes.append((r["file"], box))
    return boxes, skipped


def box_mask(box, shape):
    """The box, marked on a film of shape (h, w), on the model's 224 x 224
    input: the input pixels whose centres fall inside it."""
    h, w = shape
    x0, y0, x1, y1 = box
    ys = (np.arange(SIDE) + 0.5) * h / SIDE
    xs = (np.arange(SIDE) + 0.5) * w / SIDE
    rows = (ys >= y0) & (ys < y1)
    cols = (xs >= x0) & (xs < x1)
    return rows[:, None] & cols[None, :]


def boxed_film(path, box):
    """The model's input for the film at path, and its box as a mask."""
    from xraycal import grey_input, read_grey
    grey = read_grey(path)
    return grey_input(grey, SIDE), box_mask(box, grey.shape)


def patient_side(inside):
    """'right' or 'left': the patient's side the box's centre is on, for a
    frontal film shown as radiographs are (the patient's right on the
    image's left)."""
    cols = np.nonzero(inside.any(axis=0))[0]
    return "right" if cols.mean() < (SIDE - 1) / 2 else "left"


def against_others(found):
    """Each film's mass and peak scored against the other counted films'
    boxes (mean over them): a map that ignored the film but favoured the
    place boxes usually are scores as well there as in its own box.
    found: [(map, mask, figures)], the figures completed in place."""
    n = len(found)
    if n < 2:
        return
    every = np.sum([inside for _, inside, _ in found], axis=0, dtype=float)
    for m, inside, f in found:
        others = (every - inside) / (n - 1)
        peak = np.unravel_index(int(np.argmax(m)), m.shape)
        f["mass_inside_others"] = (float((m * others).sum() / m.sum())
                                   if m.sum() > 0 else 0.0)
        f["peak_inside_others"] = float(others[peak])


def measure_boxes(args):
    """The figures over the boxed films the model calls positive."""
    boxes, skipped = read_boxes(args.boxes, args.min_confidence)
    if not os.path.isdir(args.films):
        fail("%s is absent: no films to measure on" % args.films, 77)
    t = threshold(args.model)
    nets = nets_of(args)
    out = {k: [] for k in nets}
    counted, considered = [], 0
    for name, box in boxes:
        x, inside = boxed_film(os.path.join(args.films, name), box)
        if args.side and patient_side(inside) != args.side:
            continue
        considered += 1
        p, cam = nets["new"].run_input(x)
        if p < t:
            continue
        counted.append((name, p))
        for k, net in nets.items():
            if k != "new":
                cam = net.run_input(x)[1]
            m = net.saliency(cam)
            out[k].append((m, inside, box_figures(m, inside)))
    res = {"boxed": considered, "skipped": skipped,
           "counted": len(out["new"]), "threshold": t,
           "min_confidence": args.min_confidence,
           "side": args.side or "both"}
    if "contrast" in nets:
        res["prior_films"] = nets["contrast"].n_prior
    for k, found in out.items():
        against_others(found)
        if found:
            res[k] = summary([f for _, _, f in found])
    if args.per_film:
        write_per_film(args.per_film, counted, out)
    return res


def write_per_film(path, counted, out):
    """One row a counted film and map: its p(pneumonia), where the map
    peaks (x, y on the 224 x 224 input) and its figures."""
    keys = sorted(out["new"][0][2]) if counted else []
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "map", "p_pneumonia", "peak_x", "peak_y"] + keys)
        for k, found in out.items():
            for (name, p), (m, _, fig) in zip(counted, found):
                y, x = np.unravel_index(int(np.argmax(m)), m.shape)
                w.writerow([name, k, "%.6f" % p, x, y] +
                           ["%.6f" % float(fig[key]) for key in keys])


def map_keys(res):
    """The maps measured, the shipped one's first."""
    first = [k for k in ("old", "new", "layer") if k in res]
    return first + sorted(k for k in res if k in METHODS)


def print_text(res):
    if "boxed" in res:
        print("boxed films %(boxed)d (confidence >= %(min_confidence)s, "
              "sides: %(side)s; %(skipped)d rows without a box), called "
              "positive (counted) %(counted)d; threshold %(threshold)g"
              % res)
    else:
        print("films %(films)d, negative before %(negative_before)d, "
              "positive after the opacity (counted) %(counted)d; "
              "threshold %(threshold)g" % res)
    for k in map_keys(res):
        f = res[k]
        print("%-6s mass inside median %.3f mean %.3f; area >= half "
              "peak median %.3f mean %.3f; peak inside %.2f" % (
                  k, f["mass_inside_median"], f["mass_inside_mean"],
                  f["area_half_peak_median"], f["area_half_peak_mean"],
                  f["peak_inside"]))
        if "box_area_median" in f:
            print("     box area (an even map's mass inside) median %.3f "
                  "mean %.3f; mass inside the mirrored box median %.3f "
                  "mean %.3f" % (
                      f["box_area_median"], f["box_area_mean"],
                      f["mass_inside_mirror_median"],
                      f["mass_inside_mirror_mean"]))
        if "mass_inside_others_median" in f:
            print("     against the other films' boxes: mass inside median "
                  "%.3f mean %.3f; peak inside %.2f" % (
                      f["mass_inside_others_median"],
                      f["mass_inside_others_mean"],
                      f["peak_inside_others_mean"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "..",
                                                     "shared"))
    ap.add_argument("--model", default=MODEL)
    ap.add_argument("--old", help="a second model file to compare")
    ap.add_argument("--layer", help="also Grad-CAM at this tensor of --model")
    ap.add_argument("--n", type=int, default=234,
                    help="normal test films to use (234 = all)")
    ap.add_argument("--seed", type=int, default=76)
    ap.add_argument("--boxes", help="a CSV of films with marked opacities")
    ap.add_argument("--films", help="the folder --boxes' files are in "
                    "(default: ../shared's kermany224)")
    ap.add_argument("--min-confidence", choices=CONFIDENCE, default="low",
                    help="keep boxes marked at least this sure")
    ap.add_argument("--side", choices=("right", "left"),
                    help="with --boxes: only boxes on the patient's side")
    ap.add_argument("--per-film", metavar="OUT.csv",
                    help="with --boxes: each counted film's figures")
    ap.add_argument("--method", action="append", choices=METHODS,
                    help="also this attribution map (tools/xraycal/"
                    "attrib.py); may be repeated")
    ap.add_argument("--prior-split", choices=("train", "val"), default="val",
                    help="contrast: the split whose positive films' mean "
                    "Grad-CAM is removed")
    ap.add_argument("--occlude-side", type=int, default=48,
                    help="occlusion: the square's side (the service: 48)")
    ap.add_argument("--occlude-step", type=int, default=16,
                    help="occlusion: the squares' step (the service: 16)")
    ap.add_argument("--occlude-fill", choices=("grey", "blur", "mean"),
                    default="grey", help="occlusion and rise: what a "
                    "masked part is filled with (the service: grey)")
    ap.add_argument("--rise-masks", type=int, default=300)
    ap.add_argument("--rise-cells", type=int, default=7,
                    help="rise: the masks' grid, cells a side")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.n < 1:
        fail("--n must be at least 1")
    if min(args.occlude_side, args.occlude_step, args.rise_masks,
           args.rise_cells) < 1:
        fail("--occlude-side, --occlude-step, --rise-masks and --rise-cells "
             "must be at least 1")
    if args.films is None:
        args.films = os.path.join(args.shared, "data", "chest", "kermany224")
    res = measure_boxes(args) if args.boxes else measure(args)
    if args.json:
        print(json.dumps(res, indent=1, sort_keys=True))
    else:
        print_text(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
