"""A plain numpy forward pass of the face recognition network, straight
from the TF.js weights and face-api's own sequence of operations (NHWC,
TensorFlow's "same"/"valid" padding, no folding of layers), used to check
the ONNX graph convert.py writes.

    reference.py MANIFEST IMAGE   prints the 128-d descriptor of a 150x150
                                  RGB image (PNG/PGM via the test helpers)
"""

import numpy as np

import detector as det
import recognition as net


def conv2d(x, f, stride, padding):
    """x [H, W, C], f [kh, kw, C, O]; TensorFlow semantics."""
    kh, kw = f.shape[:2]
    if padding == "same":
        h, w = x.shape[:2]
        oh, ow = -(-h // stride), -(-w // stride)
        ph = max((oh - 1) * stride + kh - h, 0)
        pw = max((ow - 1) * stride + kw - w, 0)
        x = np.pad(x, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2),
                       (0, 0)))
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(0, 1))
    win = win[::stride, ::stride]  # [oh, ow, C, kh, kw]
    return np.einsum("hwcij,ijco->hwo", win, f, optimize=True)


def pool(x, k, stride, op):
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(0, 1))
    win = win[::stride, ::stride]
    return win.max(axis=(3, 4)) if op == "max" else win.mean(axis=(3, 4))


def conv_layer(x, w, prefix, stride, relu, padding="same"):
    f, b, s, t = net.conv_params(w, prefix)
    y = (conv2d(x, f, stride, padding) + b) * s + t
    return np.maximum(y, 0) if relu else y


def residual(x, w, p):
    y = conv_layer(x, w, p + "/conv1", 1, True)
    y = conv_layer(y, w, p + "/conv2", 1, False)
    return np.maximum(y + x, 0)


def residual_down(x, w, p):
    y = conv_layer(x, w, p + "/conv1", 2, True, "valid")
    y = conv_layer(y, w, p + "/conv2", 1, False)
    pooled = pool(x, 2, 2, "avg")
    if pooled.shape[:2] != y.shape[:2]:
        y = np.pad(y, ((0, pooled.shape[0] - y.shape[0]),
                       (0, pooled.shape[1] - y.shape[1]), (0, 0)))
    if pooled.shape[2] != y.shape[2]:
        pooled = np.concatenate([pooled, np.zeros_like(pooled)], axis=2)
    return np.maximum(pooled + y, 0)


def descriptor(w, rgb):
    """rgb: [150, 150, 3] float pixels 0..255 -> [128] float32."""
    x = (rgb.astype(np.float64) - np.array(net.MEAN_RGB)) / 255.0
    x = conv_layer(x, w, "conv32_down", 2, True, "valid")
    x = pool(x, 3, 2, "max")
    for kind, p in net.BLOCKS:
        x = residual(x, w, p) if kind == "res" else residual_down(x, w, p)
    return (x.mean(axis=(0, 1)) @ w["fc"]).astype(np.float32)


def depthwise(x, f, stride):
    """x [H, W, C], f [kh, kw, C, 1]; TensorFlow "same" padding."""
    kh, kw = f.shape[:2]
    h, w = x.shape[:2]
    oh, ow = -(-h // stride), -(-w // stride)
    ph = max((oh - 1) * stride + kh - h, 0)
    pw = max((ow - 1) * stride + kw - w, 0)
    x = np.pad(x, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(0, 1))
    win = win[::stride, ::stride]
    return np.einsum("hwcij,ijc->hwc", win, f[:, :, :, 0], optimize=True)


def separable(x, w, p, stride):
    y = depthwise(x, w[p + "/depthwise_filter"], stride)
    y = np.einsum("hwc,co->hwo", y, w[p + "/pointwise_filter"][0, 0])
    return y + w[p + "/bias"]


def dense_block(x, w, p, first):
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    if first:
        out1 = relu(conv2d(x, w[p + "/conv0/filters"], 2, "same") +
                    w[p + "/conv0/bias"])
    else:
        out1 = relu(separable(x, w, p + "/conv0", 2))
    out2 = separable(out1, w, p + "/conv1", 1)
    in3 = relu(out1 + out2)
    out3 = separable(in3, w, p + "/conv2", 1)
    in4 = relu(out1 + out2 + out3)
    out4 = separable(in4, w, p + "/conv3", 1)
    return relu(out1 + out2 + out3 + out4)


def landmarks(w, rgb):
    """rgb: [112, 112, 3] pixels 0..255 -> [136]: x0, y0, x1, ... in 0..1."""
    x = (rgb.astype(np.float64) - np.array(net.MEAN_RGB)) / 255.0
    for i, p in enumerate(net.LANDMARK_BLOCKS):
        x = dense_block(x, w, p, i == 0)
    x = pool(x, 7, 2, "avg").reshape(-1)
    return (x @ w["fc/weights"] + w["fc/bias"]).astype(np.float32)


def leaky(v):
    return np.where(v > 0, v, det.LEAK * v)


def max_pool_same(x, stride):
    """2x2 max pool with TensorFlow's "same" padding (ignored cells)."""
    h, w = x.shape[:2]
    oh, ow = -(-h // stride), -(-w // stride)
    x = np.pad(x, ((0, (oh - 1) * stride + 2 - h),
                   (0, (ow - 1) * stride + 2 - w), (0, 0)),
               constant_values=-np.inf)
    return pool(x, 2, stride, "max")


def tiny_grid(w, rgb):
    """rgb: [S, S, 3] pixels 0..255 -> the detector's grid [25, c, c]
    (channel = anchor * 5 + field), as face-api computes it."""
    x = (rgb.astype(np.float64) - np.array(det.MEAN_RGB)) / 255.0
    x = leaky(conv2d(x, w["conv0/filters"], 1, "valid") + w["conv0/bias"])
    for i, p in enumerate(det.SEPARABLE):
        x = max_pool_same(x, 2)
        x = leaky(separable(x, w, p, 1))
    x = max_pool_same(x, 1)
    y = np.einsum("hwc,co->hwo", x, w["conv8/filters"][0, 0])
    y = y + w["conv8/bias"]
    return np.transpose(y, (2, 0, 1)).astype(np.float32)


def _tf_conv(x, f, strides, padding):
    if padding not in ("SAME", "VALID"):
        raise ValueError("padding %s" % padding)
    return conv2d(x, f, strides[1], padding.lower())


def _tf_pool(x, ksize, strides, padding):
    if padding != "VALID":
        raise ValueError("pool padding %s" % padding)
    return pool(x, ksize[1], strides[1], "max")


def graph_forward(nodes, w, x, extra=None):
    """A TF.js graph model's output for one NHWC image x [H, W, C] (the
    model's own input scale), each node run with TensorFlow's semantics
    in file order: the reference for convert.build_tfgraph.  extra(node,
    op, inputs), when given, computes the ops this function has no
    reference for (tools/facecal/embedder_offline.py's)."""
    import tfjs
    val = dict(w)
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    for n in nodes:
        op, ins = n["op"], [i.split(":")[0] for i in n.get("input", [])]
        a = [val.get(i) for i in ins]
        if op == "Const":
            continue
        if op == "Placeholder":
            y = x.astype(np.float64)
        elif op == "_FusedConv2D":
            y = _tf_conv(a[0], a[1], tfjs.attr(n, "strides"),
                         tfjs.attr(n, "padding")) + a[2]
        elif op == "_FusedMatMul":
            y = a[0].reshape(1, -1) @ a[1] + a[2]
        elif op == "MaxPool":
            y = _tf_pool(a[0], tfjs.attr(n, "ksize"), tfjs.attr(n, "strides"),
                         tfjs.attr(n, "padding"))
        elif op == "Reshape":
            y = a[0].reshape(1, -1)  # Keras' Flatten: NHWC order
        elif op in ("Mul", "Add", "AddV2"):
            y = a[0] * a[1] if op == "Mul" else a[0] + a[1]
        elif op == "Relu":
            y = relu(a[0])
        elif op == "Sigmoid":
            y = 1 / (1 + np.exp(-a[0]))
        elif op == "Softmax":
            e = np.exp(a[0] - a[0].max(axis=-1, keepdims=True))
            y = e / e.sum(axis=-1, keepdims=True)
        elif op == "Identity":
            y = a[0]
        elif extra is not None:
            y = extra(n, op, a)
        else:
            raise ValueError("%s: no reference for %s" % (n["name"], op))
        if op in ("_FusedConv2D", "_FusedMatMul") and \
                "Relu" in tfjs.attr(n, "fused_ops", []):
            y = relu(y)
        val[n["name"]] = y
    return np.asarray(val[nodes[-1]["name"]], dtype=np.float32).reshape(-1)
