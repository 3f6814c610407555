"""Reading TensorFlow.js layers-model weights: a weights manifest (JSON)
and its binary shards, dequantised to float32 numpy arrays.

The manifest is a list of groups, each naming shard files ("paths") and
the weights stored in them in order ("weights": name, shape, dtype, and
optionally "quantization": uint8 with min and scale, or float16).  The
shards of a group are one byte stream cut into files."""

import json
import os

import numpy as np


def _dequantise(raw, w):
    q = w.get("quantization")
    shape = w["shape"]
    if q is None:
        if w.get("dtype", "float32") != "float32":
            raise ValueError("%s: unsupported dtype %s" % (w["name"],
                                                          w["dtype"]))
        return np.frombuffer(raw, dtype="<f4").reshape(shape).copy()
    if q["dtype"] == "uint8":
        v = np.frombuffer(raw, dtype=np.uint8).astype(np.float64)
        v = v * q["scale"] + q["min"]
        return v.astype(np.float32).reshape(shape)
    if q["dtype"] == "float16":
        return np.frombuffer(raw, dtype="<f2").astype(
            np.float32).reshape(shape)
    raise ValueError("%s: unsupported quantisation %s" % (w["name"],
                                                         q["dtype"]))


def _nbytes(w):
    n = int(np.prod(w["shape"])) if w["shape"] else 1
    q = w.get("quantization")
    if q is None:
        return 4 * n
    return {"uint8": 1, "float16": 2}[q["dtype"]] * n


def load(manifest_path):
    """{name: float32 array} of every weight the manifest lists."""
    base = os.path.dirname(manifest_path)
    with open(manifest_path) as f:
        groups = json.load(f)
    out = {}
    for g in groups:
        data = b"".join(open(os.path.join(base, p), "rb").read()
                        for p in g["paths"])
        off = 0
        for w in g["weights"]:
            n = _nbytes(w)
            if off + n > len(data):
                raise ValueError("%s: shards end early" % w["name"])
            out[w["name"]] = _dequantise(data[off:off + n], w)
            off += n
        if off != len(data):
            raise ValueError("%s: %d bytes after the last weight" %
                             (manifest_path, len(data) - off))
    return out
