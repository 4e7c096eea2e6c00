#!/usr/bin/env python3
"""Writes two small ONNX models with seeded weights, their sidecars, and onnxruntime's outputs on a
few faces, into Tests/FEREvalTests/Fixtures/onnx/: ferdata's ONNX path (OpenCV's DNN module behind the
shim) is held to onnxruntime's probabilities within 1e-4.

- gray48.onnx: 1x48x48 gray input (FER-2013's faces), Conv-Relu-MaxPool-Conv-Relu-GlobalAveragePool-
  Gemm, logits over eight classes (the seven and contempt); the faces are samples/faces.csv's first ten.
- rgb32.onnx: 3x32x32 RGB input with ImageNet's mean and std, other class names (anger, happiness, ...)
  in another order, ending in Softmax (probabilities); three seeded colour faces.
- resnet64.onnx: a small ResNet (convolutions with batch norm, residual additions, a strided 1x1
  shortcut, adaptive pooling, a linear head) written in PyTorch with seeded weights and exported with
  torch.onnx.export, 3x64x64 RGB, logits; onnxruntime's and PyTorch's own outputs on four faces.

    python3 scripts/make-onnx-fixture.py      # needs numpy, onnx, onnxruntime and torch
"""
import json, os

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "FEREvalTests", "Fixtures", "onnx")
rng = np.random.default_rng(2026)


def model(name, channels, side, classes, softmax):
    def weight(label, *shape, scale):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), label)
    inits = [weight("w1", 8, channels, 5, 5, scale=0.2), weight("b1", 8, scale=0.1), weight("w2", 16, 8, 3, 3, scale=0.2),
             weight("b2", 16, scale=0.1), weight("w3", len(classes), 16, scale=0.5), weight("b3", len(classes), scale=0.1)]
    nodes = [
        helper.make_node("Conv", ["input", "w1", "b1"], ["c1"], kernel_shape=[5, 5], strides=[2, 2], pads=[2, 2, 2, 2]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("GlobalAveragePool", ["r2"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "w3", "b3"], ["logits" if softmax else "output"], transB=1),
    ]
    if softmax:
        nodes.append(helper.make_node("Softmax", ["logits"], ["output"], axis=1))
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", channels, side, side])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", len(classes)])], inits)
    built = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="ferdata make-onnx-fixture")
    built.ir_version = 8
    onnx.checker.check_model(built)
    path = os.path.join(OUT, name + ".onnx")
    onnx.save(built, path)
    return path


def run(path, inputs):
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, {"input": inputs})[0]


def softmax(rows):
    e = np.exp(rows - rows.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


os.makedirs(OUT, exist_ok=True)
fixture = {"onnxruntime": onnxruntime.__version__, "onnx": onnx.__version__, "models": []}

# Gray 48x48, logits, eight classes.
gray_classes = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral", "contempt"]
gray = model("gray48", 1, 48, gray_classes, softmax=False)
contract = {"input_size": [48, 48], "channels": 1, "scale": 1 / 255, "mean": [0.5], "std": [0.25], "output": "logits", "classes": gray_classes}
json.dump(contract, open(gray + ".json", "w"), indent=1)
lines = open(os.path.join(ROOT, "samples", "faces.csv")).read().split("\n")[1:11]
faces = np.array([[int(p) for p in line.split(",")[1].split()] for line in lines], dtype=np.uint8)
inputs = ((faces.astype(np.float32) * np.float32(1 / 255) - 0.5) / 0.25).reshape(-1, 1, 48, 48).astype(np.float32)
fixture["models"].append({"file": "gray48.onnx", "shape": [48, 48, 1], "pixels": faces.tolist(),
                          "probabilities": softmax(run(gray, inputs).astype(np.float64)).tolist()})

# RGB 32x32, ImageNet normalisation, probabilities, other names in another order.
rgb_classes = ["happiness", "anger", "neutral", "sadness", "surprise", "fear", "disgust"]
rgb = model("rgb32", 3, 32, rgb_classes, softmax=True)
mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
contract = {"input_size": [32, 32], "channels": 3, "channel_order": "RGB", "scale": 1 / 255, "mean": mean, "std": std,
            "output": "probabilities", "classes": rgb_classes}
json.dump(contract, open(rgb + ".json", "w"), indent=1)
pictures = rng.integers(0, 256, size=(3, 32, 32, 3), dtype=np.uint8)  # height, width, channel (interleaved, as records hold RGB)
planes = pictures.transpose(0, 3, 1, 2).astype(np.float32) * np.float32(1 / 255)
inputs = ((planes - np.array(mean, dtype=np.float32)[None, :, None, None]) / np.array(std, dtype=np.float32)[None, :, None, None]).astype(np.float32)
fixture["models"].append({"file": "rgb32.onnx", "shape": [32, 32, 3], "pixels": pictures.reshape(3, -1).tolist(),
                          "probabilities": run(rgb, inputs).astype(np.float64).tolist()})

# A small ResNet from PyTorch, as people export theirs.
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tinyresnet import export, seeded  # noqa: E402

resnet_classes = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
net = seeded(len(resnet_classes))
resnet = os.path.join(OUT, "resnet64.onnx")
export(net, resnet, 64)
contract = {"input_size": [64, 64], "channels": 3, "channel_order": "RGB", "scale": 1 / 255, "mean": mean, "std": std,
            "output": "logits", "classes": resnet_classes}
json.dump(contract, open(resnet + ".json", "w"), indent=1)
pictures = rng.integers(0, 256, size=(4, 64, 64, 3), dtype=np.uint8)
planes = pictures.transpose(0, 3, 1, 2).astype(np.float32) * np.float32(1 / 255)
inputs = ((planes - np.array(mean, dtype=np.float32)[None, :, None, None]) / np.array(std, dtype=np.float32)[None, :, None, None]).astype(np.float32)
with torch.no_grad():
    torch_probabilities = torch.softmax(net(torch.from_numpy(inputs)).double(), dim=1).numpy()
onnx_probabilities = softmax(run(resnet, inputs).astype(np.float64))
assert np.abs(torch_probabilities - onnx_probabilities).max() < 1e-5, "onnxruntime disagrees with PyTorch"
fixture["models"].append({"file": "resnet64.onnx", "shape": [64, 64, 3], "pixels": pictures.reshape(4, -1).tolist(),
                          "probabilities": onnx_probabilities.tolist(), "pytorch": torch_probabilities.tolist()})
fixture["torch"] = torch.__version__

with open(os.path.join(OUT, "onnxruntime-outputs.json"), "w") as out:
    json.dump(fixture, out)
print(f"wrote {OUT}: gray48.onnx, rgb32.onnx, their sidecars and onnxruntime's outputs")
