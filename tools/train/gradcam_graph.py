#!/usr/bin/python3
"""Adds a Grad-CAM output to a classifier whose head is global average
pooling and a linear layer (tools/train/gradcam_graph.py).

For a head  A -> GlobalAveragePool -> Flatten -> Gemm(W, b) -> y  the
gradient of class c's pre-softmax score y_c with respect to feature map
A_k is w_ck / (H*W) at every pixel, so Grad-CAM's channel weights
(Selvaraju et al. 2017: the gradients averaged over the map) are
alpha_ck = w_ck / (H*W) and the map  sum_k alpha_ck * A_k  is a forward
computation: a 1x1 Conv over A with the weights alpha.  This tool appends
that Conv (no bias) as a second graph output `cam`, float32
[1, K, H, W], one map per class; the ReLU of Grad-CAM is left to the
reader, so that  sum over the map of cam_c + b_c == y_c  holds exactly in
real arithmetic and a test can check the map against the logits.

The existing nodes, initializers and the first output are left as they
are, so the probabilities a backend computes do not change; the Conv is
inserted right after A's producer so the graph's last node stays the one
that makes the first output (OpenCV's DNN forward() reads the last layer).

    /usr/bin/python3 tools/train/gradcam_graph.py \\
        services/diagnosis/models/pneumonia_cnn_v1.onnx

rewrites the file in place (or --out FILE); running it again on its own
output is refused.  The output is byte-identical run to run.  Needs
Debian's python3-onnx and python3-numpy.
"""

import argparse
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference

CAM = "cam"


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _consumer(graph, name, op):
    """The one node of type op that reads tensor name."""
    users = [n for n in graph.node if name in n.input]
    if len(users) != 1 or users[0].op_type != op:
        sys.exit("gradcam_graph: %s is not read by exactly one %s" %
                 (name, op))
    return users[0]


def find_head(graph):
    """(A, gemm): the pooled feature map's name and the Gemm after it."""
    gaps = [n for n in graph.node if n.op_type == "GlobalAveragePool"]
    if len(gaps) != 1:
        sys.exit("gradcam_graph: want one GlobalAveragePool, found %d" %
                 len(gaps))
    flat = _consumer(graph, gaps[0].output[0], "Flatten")
    gemm = _consumer(graph, flat.output[0], "Gemm")
    a = _attrs(gemm)
    if a.get("transA", 0):
        sys.exit("gradcam_graph: a Gemm with transA is not a linear head")
    return gaps[0].input[0], gemm


def cam_weights(graph, gemm, hw):
    """alpha [K, C, 1, 1] float32: the Gemm's weights (alpha attribute
    applied, laid out K x C) over the map's pixel count."""
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    w = init[gemm.input[1]].astype(np.float64)
    a = _attrs(gemm)
    if not a.get("transB", 0):
        w = w.T
    w = w * a.get("alpha", 1.0) / hw
    return w.astype(np.float32).reshape(w.shape[0], w.shape[1], 1, 1)


def feature_shape(model, name):
    """The static [1, C, H, W] of tensor name, by shape inference."""
    inferred = shape_inference.infer_shapes(model)
    for vi in inferred.graph.value_info:
        if vi.name == name:
            dims = [d.dim_value for d in vi.type.tensor_type.shape.dim]
            if len(dims) == 4 and all(d > 0 for d in dims):
                return dims
    sys.exit("gradcam_graph: no static 4-D shape for %s" % name)


def add_cam(model):
    g = model.graph
    if any(o.name == CAM for o in g.output):
        sys.exit("gradcam_graph: the graph already has an output %r" % CAM)
    a_name, gemm = find_head(g)
    _, _, h, w = feature_shape(model, a_name)
    alpha = cam_weights(g, gemm, h * w)
    g.initializer.append(numpy_helper.from_array(alpha, "cam.weight"))
    conv = helper.make_node("Conv", [a_name, "cam.weight"], [CAM],
                            name="/cam/Conv", kernel_shape=[1, 1])
    at = [i for i, n in enumerate(g.node) if a_name in n.output][0]
    g.node.insert(at + 1, conv)
    g.output.append(helper.make_tensor_value_info(
        CAM, onnx.TensorProto.FLOAT, [1, alpha.shape[0], h, w]))
    onnx.checker.check_model(model)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--out", help="write here instead of in place")
    args = ap.parse_args()
    model = add_cam(onnx.load(args.model))
    onnx.save(model, args.out or args.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
