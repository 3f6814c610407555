"""The face recognition network of @vladmandic/face-api (a ResNet ported
from dlib's face recognition model): its topology in one place, as data,
for the ONNX converter (convert.py) and the numpy reference
(reference.py).

Input: a 150x150 RGB face chip, pixels 0..255; each channel has its mean
(122.782, 117.001, 104.298) subtracted and is divided by 255.  A 7x7/2
convolution and a 3x3/2 max pool, then residual blocks (two 3x3
convolutions; the "down" blocks stride 2 and add an average-pooled
shortcut padded with zero channels, and zero rows/columns where sizes
differ), a global average and a 256x128 fully connected layer: a 128-d
descriptor.  Each convolution is conv + bias, then a per-channel scale
and shift (dlib's affine layer)."""

MEAN_RGB = (122.782, 117.001, 104.298)
INPUT_SIZE = 150
OUTPUT_DIM = 128

# (kind, weight prefix): "res" keeps the size, "down" halves it.
BLOCKS = [
    ("res", "conv32_1"), ("res", "conv32_2"), ("res", "conv32_3"),
    ("down", "conv64_down"), ("res", "conv64_1"), ("res", "conv64_2"),
    ("res", "conv64_3"),
    ("down", "conv128_down"), ("res", "conv128_1"), ("res", "conv128_2"),
    ("down", "conv256_down"), ("res", "conv256_1"), ("res", "conv256_2"),
    ("down", "conv256_down_out"),
]


def conv_params(w, prefix):
    """(filters HWIO, bias, scale, shift) of one convolution."""
    return (w[prefix + "/conv/filters"], w[prefix + "/conv/bias"],
            w[prefix + "/scale/weights"], w[prefix + "/scale/biases"])


# The 68-landmark network of the same package (face_landmark_68_model):
# 112x112 RGB in, normalised as above; four dense blocks (the first opens
# with a 3x3/2 convolution, the others with a depthwise-separable 3x3/2;
# then three depthwise-separable 3x3 convolutions, each block's outputs
# summed densely), a 7x7/2 average pool and a 256x136 fully connected
# layer: 68 (x, y) pairs in 0..1 of the input square, iBUG 300-W order.
LANDMARK_INPUT = 112
LANDMARK_BLOCKS = ("dense0", "dense1", "dense2", "dense3")
