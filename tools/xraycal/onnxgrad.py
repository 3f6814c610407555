"""onnxgrad - Grad-CAM at any inner layer of an ONNX classifier, by a
forward and a backward pass in numpy (tools/xraycal/onnxgrad.py).

The shipped `cam` output (tools/train/gradcam_graph.py) is Grad-CAM of
the last feature map, a forward computation because the head is global
average pooling and a linear layer.  An earlier, finer map (the 14 x 14
blocks of a 224 x 224 input) needs the gradient of the class score with
respect to that layer, which OpenCV's DNN module does not give; this
module runs the graph itself and differentiates it:

    net = GradNet("pneumonia_cxr224_v4.onnx", "clip_166")
    probs, cam = net.run_input(x)   # x: [1, 1, 224, 224] in [-1, 1]

cam is Grad-CAM (Selvaraju et al. 2017) of the positive label's
pre-softmax score at that layer, before the ReLU: sum over channels k of
mean(dy/dA_k) * A_k.  It knows the operators the project's chest models
use (Conv with groups and asymmetric pads, Clip, Add, Mul, Sub, Concat,
GlobalAveragePool, Flatten, Gemm, Softmax) and differentiates those that
follow a layer at the last map's depth (Conv, Clip, Add,
GlobalAveragePool, Flatten, Gemm).  Nothing is written: a measuring tool,
not a shipped model.  Needs Debian's python3-onnx and python3-numpy.
"""
import numpy as np

POSITIVE = 1


def _attrs(node):
    from onnx import helper
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _conv_geometry(x, w, attrs):
    """x padded, the stride, and the output's height and width."""
    t, l, b, r = attrs.get("pads", [0, 0, 0, 0])
    s = attrs.get("strides", [1, 1])[0]
    kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (t, b), (l, r)))
    ho = (xp.shape[1] - kh) // s + 1
    wo = (xp.shape[2] - kw) // s + 1
    return xp, s, ho, wo


def conv(x, w, bias, attrs):
    """x [C, H, W], w [O, C/g, kh, kw] -> [O, Ho, Wo]."""
    g = attrs.get("group", 1)
    xp, s, ho, wo = _conv_geometry(x, w, attrs)
    o, cg, kh, kw = w.shape
    xg = xp.reshape(g, cg, xp.shape[1], xp.shape[2])
    wg = w.reshape(g, o // g, cg, kh, kw)
    out = np.zeros((g, o // g, ho, wo), dtype=np.float64)
    for a in range(kh):
        for c in range(kw):
            patch = xg[:, :, a:a + s * ho:s, c:c + s * wo:s]
            out += np.einsum("goc,gcij->goij", wg[:, :, :, a, c], patch)
    out = out.reshape(o, ho, wo)
    return out + bias[:, None, None] if bias is not None else out


def conv_grad_input(gy, x, w, attrs):
    """dL/dx of conv() given dL/dy gy [O, Ho, Wo]."""
    g = attrs.get("group", 1)
    xp, s, ho, wo = _conv_geometry(x, w, attrs)
    o, cg, kh, kw = w.shape
    gyg = gy.reshape(g, o // g, ho, wo)
    wg = w.reshape(g, o // g, cg, kh, kw)
    gxp = np.zeros((g, cg, xp.shape[1], xp.shape[2]), dtype=np.float64)
    for a in range(kh):
        for c in range(kw):
            gxp[:, :, a:a + s * ho:s, c:c + s * wo:s] += np.einsum(
                "goc,goij->gcij", wg[:, :, :, a, c], gyg)
    t, l = attrs.get("pads", [0, 0, 0, 0])[:2]
    gx = gxp.reshape(-1, xp.shape[1], xp.shape[2])
    return gx[:, t:t + x.shape[1], l:l + x.shape[2]]


def _gemm(a, b, c, attrs):
    b = b.T if attrs.get("transB", 0) else b
    a = a.T if attrs.get("transA", 0) else a
    return attrs.get("alpha", 1.0) * a @ b + attrs.get("beta", 1.0) * c


def _softmax(x, attrs):
    e = np.exp(x - x.max(axis=attrs.get("axis", 1), keepdims=True))
    return e / e.sum(axis=attrs.get("axis", 1), keepdims=True)


class GradNet:
    """An ONNX classifier run in numpy, with Grad-CAM at tensor `layer`."""

    def __init__(self, path, layer):
        import onnx
        from onnx import numpy_helper
        m = onnx.load(path)
        self.consts = {i.name: numpy_helper.to_array(i).astype(np.float64)
                       for i in m.graph.initializer}
        self.nodes = [(n.op_type, list(n.input), list(n.output), _attrs(n))
                      for n in m.graph.node]
        self.image = m.graph.input[0].name
        self.probs = m.graph.output[0].name
        gemms = [n for n in self.nodes if n[0] == "Gemm"]
        if len(gemms) != 1:
            raise ValueError("%s: want one Gemm (the class scores)" % path)
        self.score = gemms[0][2][0]
        made = [i for i, n in enumerate(self.nodes) if layer in n[2]]
        if not made:
            raise ValueError("%s: no tensor %s" % (path, layer))
        self.layer, self.first = layer, made[0] + 1

    def _value(self, vals, name):
        return vals[name] if name in vals else self.consts[name]

    def forward(self, x, replace=None):
        """Every tensor's value (batch of one; 4-d tensors kept as 3-d);
        replace: {tensor: value} taken in place of what the graph makes
        (for a finite-difference check of the gradient)."""
        vals = {self.image: x.astype(np.float64)[0]}
        for op, ins, outs, attrs in self.nodes:
            args = [self._value(vals, n) if n else None for n in ins]
            vals[outs[0]] = self._op(op, args, attrs)
            if replace and outs[0] in replace:
                vals[outs[0]] = replace[outs[0]]
        return vals

    def _op(self, op, args, attrs):
        if op == "Conv":
            return conv(args[0], args[1], args[2] if len(args) > 2 else None,
                        attrs)
        if op == "Clip":
            return np.clip(args[0], attrs.get("min", -np.inf),
                           attrs.get("max", np.inf))
        simple = {"Add": np.add, "Mul": np.multiply, "Sub": np.subtract}
        if op in simple:
            return simple[op](_chw(args[0]), _chw(args[1]))
        if op == "Concat":
            return np.concatenate(args, axis=attrs["axis"] - 1)
        if op == "GlobalAveragePool":
            return args[0].mean(axis=(1, 2), keepdims=True)
        if op == "Flatten":
            return args[0].reshape(1, -1)
        if op == "Gemm":
            return _gemm(args[0], args[1], args[2], attrs)
        if op == "Softmax":
            return _softmax(args[0], attrs)
        raise ValueError("onnxgrad: no forward for %s" % op)

    def backward(self, vals):
        """dy/dt of the positive label's score for every tensor t from
        the layer on."""
        seed = np.zeros_like(vals[self.score])
        seed[0, POSITIVE] = 1.0
        grads = {self.score: seed}
        for op, ins, outs, attrs in reversed(self.nodes[self.first:]):
            gy = grads.get(outs[0])
            if gy is None:
                continue
            for name, g in self._grad(op, ins, gy, vals, attrs):
                grads[name] = grads[name] + g if name in grads else g
        return grads

    def _grad(self, op, ins, gy, vals, attrs):
        """[(input name, dy/d input)] of one node."""
        x = vals.get(ins[0])
        if op == "Gemm":
            b = self.consts[ins[1]]
            return [(ins[0], gy @ (b if attrs.get("transB", 0) else b.T))]
        if op == "Flatten":
            return [(ins[0], gy.reshape(x.shape))]
        if op == "GlobalAveragePool":
            return [(ins[0], np.broadcast_to(
                gy / (x.shape[1] * x.shape[2]), x.shape).copy())]
        if op == "Clip":
            on = (x > attrs.get("min", -np.inf)) & (x < attrs.get("max",
                                                                  np.inf))
            return [(ins[0], gy * on)]
        if op == "Add":
            return [(n, gy) for n in ins if n in vals]
        if op == "Conv":
            return [(ins[0], conv_grad_input(gy, x, self.consts[ins[1]],
                                             attrs))]
        raise ValueError("onnxgrad: no gradient for %s after the layer" % op)

    def run_input(self, x):
        """(p(positive), Grad-CAM at the layer before the ReLU)."""
        vals = self.forward(x)
        a = vals[self.layer]
        g = self.backward(vals)[self.layer]
        cam = np.tensordot(g.mean(axis=(1, 2)), a, axes=1)
        return float(vals[self.probs].reshape(-1)[POSITIVE]), cam


def _chw(v):
    """A constant of shape [1, C, 1, 1] (or fewer axes) broadcast against
    a [C, H, W] value."""
    return v[0] if v.ndim == 4 else v
