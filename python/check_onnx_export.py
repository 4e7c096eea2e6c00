"""Runs a model written by `ferdata export-model` in onnxruntime and compares its logits with
ferdata's own on the same faces.

    python3 python/check_onnx_export.py MODEL.onnx FACES.json

FACES.json holds {"faces": [[48*48 uint8 pixels], ...], "logits": [[ferdata's logits], ...]}. The
contract beside the model (MODEL.onnx.json) says how pixels become the input. Prints the largest
difference; exits 1 when it is over 1e-4.
"""
import json
import sys

import numpy as np
import onnxruntime


def main(model_path, faces_path):
    contract = json.load(open(model_path + ".json"))
    data = json.load(open(faces_path))
    side = contract["input_size"][0]
    faces = np.array(data["faces"], dtype=np.float32).reshape(-1, contract["channels"], side, side)
    mean = np.array(contract["mean"], dtype=np.float32).reshape(1, -1, 1, 1)
    std = np.array(contract["std"], dtype=np.float32).reshape(1, -1, 1, 1)
    inputs = (faces * np.float32(contract["scale"]) - mean) / std
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    session = onnxruntime.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    logits = session.run(None, {session.get_inputs()[0].name: inputs})[0]
    expected = np.array(data["logits"], dtype=np.float32)
    if logits.shape != expected.shape:
        print(f"onnxruntime gave logits of shape {logits.shape}, ferdata {expected.shape}")
        return 1
    largest = float(np.abs(logits - expected).max())
    same = int((logits.argmax(1) == expected.argmax(1)).sum())
    print(f"onnxruntime {onnxruntime.__version__}: {len(faces)} faces, largest logit difference {largest:.3g}, "
          f"same class for {same} of {len(faces)}")
    return 0 if largest <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
