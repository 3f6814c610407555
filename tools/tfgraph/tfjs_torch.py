"""Running a TensorFlow.js graph model (tfjs.load_graph) in torch, a batch
at a time, and reading any of its intermediate tensors.

tools/facemodels/reference.py runs the same graphs node by node in numpy,
one image at a time: the reference this module is checked against
(tools/train/backbone_probe.py --check).  This one is for bulk feature
extraction (a frozen backbone over a few thousand images on a CPU), so it
keeps the tensors NCHW, batched, in float32, and stops as soon as the
nodes asked for are computed.  TensorFlow's semantics: SAME padding is
asymmetric (the extra row and column at the bottom and right), weights
are HWIO (depthwise HW C M), ResizeBilinear honours align_corners and
half_pixel_centers.  Only the ops the backbones tried use are handled; any
other raises.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

import tfjs

# NHWC axis -> NCHW axis, for Mean's and ConcatV2's axis arguments.
_AXIS = {0: 0, 1: 2, 2: 3, 3: 1, -1: 1}


def _same_pad(x, k, s):
    """x padded as TensorFlow's SAME padding would for kernel k, stride s
    (the odd pixel at the bottom and right)."""
    pads = []
    for n, kk in ((x.shape[3], k[1]), (x.shape[2], k[0])):
        out = math.ceil(n / s)
        tot = max((out - 1) * s + kk - n, 0)
        pads += [tot // 2, tot - tot // 2]
    return F.pad(x, pads) if any(pads) else x


def _conv(x, w_oihw, strides, padding, groups=1):
    s = strides[1]
    if padding == "SAME":
        x = _same_pad(x, w_oihw.shape[2:], s)
    elif padding != "VALID":
        raise ValueError("padding %s" % padding)
    return F.conv2d(x, w_oihw, stride=s, groups=groups)


def _resize_bilinear(x, size, align, half):
    """TensorFlow's ResizeBilinear on NCHW."""
    if half and not align:
        return F.interpolate(x, size=size, mode="bilinear",
                             align_corners=False)
    if align:
        return F.interpolate(x, size=size, mode="bilinear",
                             align_corners=True)
    # legacy: source = dest * in / out, no half-pixel offset
    out = x
    for axis, (n_in, n_out) in ((2, (x.shape[2], size[0])),
                                (3, (x.shape[3], size[1]))):
        src = torch.arange(n_out, dtype=torch.float32) * (n_in / n_out)
        lo = src.floor().long().clamp(max=n_in - 1)
        hi = (lo + 1).clamp(max=n_in - 1)
        f = (src - lo.float())
        shape = [1, 1, 1, 1]
        shape[axis] = n_out
        f = f.reshape(shape)
        out = (out.index_select(axis, lo) * (1 - f)
               + out.index_select(axis, hi) * f)
    return out


class TorchGraph:
    """A TF.js graph model's nodes with its weights as torch tensors."""

    def __init__(self, model_json):
        self.nodes, w = tfjs.load_graph(model_json)
        self.w = {}
        for k, v in w.items():
            self.w[k] = torch.from_numpy(np.ascontiguousarray(v))
        self._prep = {}

    def _hwio_to_oihw(self, name):
        key = ("conv", name)
        if key not in self._prep:
            self._prep[key] = self.w[name].permute(3, 2, 0, 1).contiguous()
        return self._prep[key]

    def _dw_to_oihw(self, name):
        key = ("dw", name)
        if key not in self._prep:
            f = self.w[name]  # [kh, kw, C, M]
            kh, kw, c, m = f.shape
            self._prep[key] = f.permute(2, 3, 0, 1).reshape(
                c * m, 1, kh, kw).contiguous()
        return self._prep[key]

    def _chan(self, v, x):
        """A constant broadcast against an NCHW tensor: a [C] or
        [1, 1, 1, C] constant (NHWC, channel last) becomes [C, 1, 1]."""
        if isinstance(v, torch.Tensor) and isinstance(x, torch.Tensor) \
                and x.dim() == 4 and v.shape[-1] == x.shape[1] \
                and v.shape[-1] > 1 and v.numel() == v.shape[-1]:
            return v.reshape(-1, 1, 1)
        return v

    def _needed(self, wanted, feed):
        """Names of the nodes that wanted depends on, stopping at feed."""
        by = {n["name"]: n for n in self.nodes}
        need, stack = set(), list(wanted)
        while stack:
            k = stack.pop()
            if k in need or k not in by:
                continue
            need.add(k)
            if k != feed:
                stack += [i.split(":")[0] for i in by[k].get("input", [])]
        return need

    def run(self, x_nhwc, wanted, feed=None):
        """{name: tensor} for the node names in wanted, computed from the
        batch x_nhwc (float32 [N, H, W, C], the model's own input scale)
        given as the output of node feed (default: the Placeholder; a
        later node skips the graph's own batch-of-one preprocessing);
        only the nodes wanted depends on run; 4-D outputs are NCHW."""
        val = dict(self.w)
        todo = set(wanted)
        need = self._needed(wanted, feed)
        relu6 = lambda v: v.clamp(0, 6)  # noqa: E731
        for n in self.nodes:
            op, name = n["op"], n["name"]
            if op == "Const" or name not in need:
                continue
            ins = [i.split(":")[0] for i in n.get("input", [])]
            a = [val.get(i) for i in ins]
            fused = tfjs.attr(n, "fused_ops", []) or []
            if any(d != 1 for d in tfjs.attr(n, "dilations", []) or []):
                raise ValueError("%s: dilated %s not handled" % (name, op))
            if name == feed or (feed is None and op == "Placeholder"):
                y = x_nhwc.permute(0, 3, 1, 2).contiguous()
            elif op in ("_FusedConv2D", "Conv2D"):
                y = _conv(a[0], self._hwio_to_oihw(ins[1]),
                          tfjs.attr(n, "strides"), tfjs.attr(n, "padding"))
                if op == "_FusedConv2D":
                    y = y + a[2].reshape(-1, 1, 1)
            elif op in ("FusedDepthwiseConv2dNative",
                        "DepthwiseConv2dNative"):
                y = _conv(a[0], self._dw_to_oihw(ins[1]),
                          tfjs.attr(n, "strides"), tfjs.attr(n, "padding"),
                          groups=a[0].shape[1])
                if op.startswith("Fused"):
                    y = y + a[2].reshape(-1, 1, 1)
            elif op in ("Add", "AddV2"):
                y = self._chan(a[0], a[1]) + self._chan(a[1], a[0])
            elif op == "Mul":
                y = self._chan(a[0], a[1]) * self._chan(a[1], a[0])
            elif op == "Sub":
                y = self._chan(a[0], a[1]) - self._chan(a[1], a[0])
            elif op == "Relu":
                y = F.relu(a[0])
            elif op == "Relu6":
                y = relu6(a[0])
            elif op == "LeakyRelu":
                y = F.leaky_relu(a[0], n["attr"]["alpha"]["f"])
            elif op == "Sigmoid":
                y = torch.sigmoid(a[0])
            elif op == "Mean":
                axes = [_AXIS[int(i)] for i in
                        np.asarray(a[1]).reshape(-1).tolist()]
                y = a[0].mean(dim=axes,
                              keepdim=bool(tfjs.attr(n, "keep_dims", False)))
            elif op == "ResizeBilinear":
                size = [int(v) for v in np.asarray(a[1]).reshape(-1)]
                y = _resize_bilinear(a[0], size,
                                     tfjs.attr(n, "align_corners", False),
                                     tfjs.attr(n, "half_pixel_centers",
                                               False))
            elif op == "ConcatV2":
                axis = int(np.asarray(a[-1]).reshape(-1)[0])
                y = torch.cat(a[:-1], dim=_AXIS[axis])
            elif op == "Identity":
                y = a[0]
            else:
                raise ValueError("%s: %s not handled" % (name, op))
            if "Relu" in fused[1:]:
                y = F.relu(y)
            elif "Relu6" in fused[1:]:
                y = relu6(y)
            val[name] = y
            todo.discard(name)
            if not todo:
                break
        if todo:
            raise ValueError("nodes not found: %s" % sorted(todo))
        return {k: val[k] for k in wanted}
