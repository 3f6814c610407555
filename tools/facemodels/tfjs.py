"""Reading TensorFlow.js layers-model weights: a weights manifest (JSON)
and its binary shards, dequantised to float32 numpy arrays.

The manifest is a list of groups, each naming shard files ("paths") and
the weights stored in them in order ("weights": name, shape, dtype, and
optionally "quantization": uint8 with min and scale, or float16).  The
shards of a group are one byte stream cut into files.

A graph model (load_graph) is a model.json holding a TensorFlow GraphDef
as JSON ("modelTopology") beside its own weights manifest; attr reads
its nodes' attributes."""

import base64
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


def _dtype_array(raw, w):
    """An int32 weight (a Reshape's shape) as stored; floats as above."""
    if w.get("dtype") == "int32" and w.get("quantization") is None:
        return np.frombuffer(raw, dtype="<i4").reshape(w["shape"]).copy()
    return _dequantise(raw, w)


def load_graph(model_path):
    """A TF.js graph model (model.json with "modelTopology" and its
    "weightsManifest"): (nodes, weights) where nodes is the GraphDef's node
    list in file order and weights {name: array} (float32, or int32 for
    shape constants)."""
    base = os.path.dirname(model_path)
    with open(model_path) as f:
        m = json.load(f)
    if m.get("format") != "graph-model":
        raise ValueError("%s: not a TF.js graph model" % model_path)
    weights = {}
    for g in m["weightsManifest"]:
        data = b"".join(open(os.path.join(base, p), "rb").read()
                        for p in g["paths"])
        off = 0
        for w in g["weights"]:
            n = _nbytes(w)
            if off + n > len(data):
                raise ValueError("%s: shards end early" % w["name"])
            weights[w["name"]] = _dtype_array(data[off:off + n], w)
            off += n
    return m["modelTopology"]["node"], weights


def attr(node, key, default=None):
    """A node attribute as Python: string (base64 decoded), int list,
    bool, or default when absent."""
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    if "s" in a:
        return base64.b64decode(a["s"]).decode()
    if "list" in a:
        lst = a["list"]
        if "s" in lst:
            return [base64.b64decode(s).decode() for s in lst["s"]]
        return [int(i) for i in lst.get("i", [])]
    if "b" in a:
        return bool(a["b"])
    if "i" in a:
        return int(a["i"])
    return default


def attr_shape(node):
    """A Placeholder's declared shape, -1 for an unknown size."""
    dims = node["attr"]["shape"]["shape"]["dim"]
    return [int(d.get("size", -1)) for d in dims]
