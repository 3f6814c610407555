"""The tiny face detector of @vladmandic/face-api (a Tiny YOLO v2 with
depthwise-separable convolutions): its topology and output layout in one
place, as data, for the ONNX converter (convert.py), the numpy reference
(reference.py) and the tests that decode its grid.

Input: a square RGB image, pixels 0..255 (face-api pads the photograph to
a square at the bottom and right with black, then resizes it); each
channel has its mean (117.001, 114.697, 97.404) subtracted and is divided
by 255.  A 3x3 convolution without padding, then five depthwise-separable
3x3 convolutions, each after a 2x2 max pool ("same" padding, stride 2;
stride 1 before the last), every one followed by a leaky ReLU (slope 0.1),
and a 1x1 convolution to the grid: per cell, five anchors of (tx, ty, tw,
th, objectness).  A box is centred at ((col + sigmoid(tx)) / cells,
(row + sigmoid(ty)) / cells) of the input, anchor_w * exp(tw) / cells wide
and anchor_h * exp(th) / cells high; its score is sigmoid(objectness)."""

import numpy as np

MEAN_RGB = (117.001, 114.697, 97.404)
# face-api defaults to 416; any multiple of 32 works with the same weights.
# identity shows the photograph twice (filling the input, then at 55 %):
# at 224 the two looks find one face in 396 of ORL's 400 photographs and
# all 435 of Caltech's, more than one look at 416 does, at a third of the
# cost (docs/benchmarks.md).
INPUT_SIZE = 224
LEAK = 0.1
SEPARABLE = ("conv1", "conv2", "conv3", "conv4", "conv5")
ANCHORS = ((1.603231, 2.094468), (6.041143, 7.080126), (2.882459, 3.518061),
           (4.266906, 5.178857), (9.041765, 10.66308))
BOX_ENCODING = 5  # tx, ty, tw, th, objectness; one class, no class scores


def grid_cells(size):
    """Cells per side of the output grid for a size x size input."""
    s = size - 2  # the unpadded first convolution
    for _ in range(4):
        s = -(-s // 2)
    return -(-s // 2)


def decode(grid, min_score):
    """grid [5 * 5, cells, cells] (channel = anchor * 5 + field) ->
    [(score, x0, y0, x1, y1)] in 0..1 of the input, unsuppressed."""
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    cells = grid.shape[1]
    out = []
    for a, (aw, ah) in enumerate(ANCHORS):
        t = grid[a * BOX_ENCODING:(a + 1) * BOX_ENCODING]
        for row in range(cells):
            for col in range(cells):
                score = sig(t[4, row, col])
                if score < min_score:
                    continue
                cx = (col + sig(t[0, row, col])) / cells
                cy = (row + sig(t[1, row, col])) / cells
                w = aw * np.exp(t[2, row, col]) / cells
                h = ah * np.exp(t[3, row, col]) / cells
                out.append((float(score), cx - w / 2, cy - h / 2,
                            cx + w / 2, cy + h / 2))
    return sorted(out, reverse=True)
