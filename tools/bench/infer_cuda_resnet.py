#!/usr/bin/python3
"""Write a ResNet-18-shaped classifier for tools/bench/infer_cuda.sh.

usage: infer_cuda_resnet.py OUT.onnx

Input "image" f32 [1,3,224,224]; output "prob" f32 [1,1000]. The layers of
ResNet-18 (He et al. 2016): a 7x7/2 stem with BatchNormalization, Relu and
a 3x3/2 MaxPool, four stages of two basic blocks (64, 128, 256, 512
channels, 1x1/2 projections where the shape changes), GlobalAveragePool,
Flatten, Gemm and Softmax. Weights are seeded random numbers (He
initialisation): the benchmark times the arithmetic, not the answers.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(18)
NODES = []
INITS = []


def weight(name, *shape):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    a = RNG.normal(0, np.sqrt(2.0 / fan_in), size=shape).astype(np.float32)
    INITS.append(numpy_helper.from_array(a, name))
    return name


def const(name, a):
    INITS.append(numpy_helper.from_array(a.astype(np.float32), name))
    return name


def conv_bn(x, name, cin, cout, k, stride, relu=True):
    w = weight(name + "_w", cout, cin, k, k)
    NODES.append(helper.make_node(
        "Conv", [x, w], [name + "_c"], name=name,
        kernel_shape=[k, k], strides=[stride, stride],
        pads=[k // 2] * 4))
    bn = [const(name + s, v) for s, v in (
        ("_s", np.ones(cout)), ("_b", np.zeros(cout)),
        ("_m", RNG.normal(0, 0.1, cout)), ("_v", np.ones(cout)))]
    NODES.append(helper.make_node(
        "BatchNormalization", [name + "_c"] + bn, [name + "_bn"],
        name=name + "_bn"))
    if not relu:
        return name + "_bn"
    NODES.append(helper.make_node("Relu", [name + "_bn"], [name + "_r"],
                                  name=name + "_relu"))
    return name + "_r"


def block(x, name, cin, cout, stride):
    y = conv_bn(x, name + "a", cin, cout, 3, stride)
    y = conv_bn(y, name + "b", cout, cout, 3, 1, relu=False)
    if stride != 1 or cin != cout:
        x = conv_bn(x, name + "p", cin, cout, 1, stride, relu=False)
    NODES.append(helper.make_node("Add", [x, y], [name + "_sum"],
                                  name=name + "_add"))
    NODES.append(helper.make_node("Relu", [name + "_sum"], [name + "_out"],
                                  name=name + "_relu"))
    return name + "_out"


def main():
    x = conv_bn("image", "stem", 3, 64, 7, 2)
    NODES.append(helper.make_node("MaxPool", [x], ["pool"], name="pool",
                                  kernel_shape=[3, 3], strides=[2, 2],
                                  pads=[1, 1, 1, 1]))
    x, cin = "pool", 64
    for stage, cout in enumerate((64, 128, 256, 512)):
        for b in range(2):
            stride = 2 if stage > 0 and b == 0 else 1
            x = block(x, "s%db%d" % (stage, b), cin, cout, stride)
            cin = cout
    NODES.append(helper.make_node("GlobalAveragePool", [x], ["gap"],
                                  name="gap"))
    NODES.append(helper.make_node("Flatten", ["gap"], ["flat"], name="flat"))
    NODES.append(helper.make_node(
        "Gemm", ["flat", weight("fc_w", 1000, 512), const("fc_b",
                                                          np.zeros(1000))],
        ["logits"], name="fc", transB=1))
    NODES.append(helper.make_node("Softmax", ["logits"], ["prob"],
                                  name="softmax", axis=1))
    graph = helper.make_graph(
        NODES, "resnet18_bench",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT,
                                       [1, 3, 224, 224])],
        [helper.make_tensor_value_info("prob", TensorProto.FLOAT,
                                       [1, 1000])], INITS)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 13)], producer_name="smartmed-bench")
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[1])


if __name__ == "__main__":
    main()
