"""onnxruntime side of bench/features.sh: VGG16's conv trunk built as an ONNX graph straight
from the same safetensors weights (onnx.helper, no PyTorch), run by onnxruntime's CPU
provider with the same preprocessing (PIL Resize(256) + CenterCrop(224), the weights' declared
BGR mean subtraction), layer (conv5 global average), batch size and thread count as zoomap.

  python bench/onnx_vgg16.py WEIGHTS.safetensors BATCH THREADS IMAGE...

Prints images/s with PIL decode + resize in the loop, and the model alone.
"""
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from PIL import Image
from safetensors.numpy import load_file
from safetensors import safe_open

# torchvision's vgg16.features: the conv layers' indices, a max-pool after each block.
CONVS = [[0, 2], [5, 7], [10, 12, 14], [17, 19, 21], [24, 26, 28]]


def trunk_graph(weights):
    """The conv trunk (13 conv + ReLU, 5 max-pools) then the spatial mean, as an ONNX model."""
    tensors = load_file(weights)
    nodes, inits, x = [], [], "input"
    for block, layers in enumerate(CONVS):
        for i in layers:
            w, b = f"features.{i}.weight", f"features.{i}.bias"
            inits += [numpy_helper.from_array(tensors[w].astype(np.float32), w),
                      numpy_helper.from_array(tensors[b].astype(np.float32), b)]
            nodes.append(helper.make_node("Conv", [x, w, b], [f"conv{i}"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]))
            nodes.append(helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"]))
            x = f"relu{i}"
        nodes.append(helper.make_node("MaxPool", [x], [f"pool{block}"], kernel_shape=[2, 2], strides=[2, 2]))
        x = f"pool{block}"
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"]))
    nodes.append(helper.make_node("Flatten", ["gap"], ["output"]))
    graph = helper.make_graph(
        nodes, "vgg16_trunk",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", 3, 224, 224])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["n", 512])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def preprocess(paths, mean):
    def one(path):
        image = Image.open(path).convert("RGB")
        w, h = image.size
        # torchvision's Resize(256): the short side to 256, the long one truncated.
        size = (256, int(256 * h / w)) if w <= h else (int(256 * w / h), 256)
        image = image.resize(size, Image.BILINEAR)
        w, h = image.size
        left, top = (w - 224) // 2, (h - 224) // 2
        pixels = np.asarray(image.crop((left, top, left + 224, top + 224)), dtype=np.float32)
        return pixels[:, :, ::-1].transpose(2, 0, 1) - mean  # BGR, 0-255, mean subtracted
    return np.stack([one(p) for p in paths])


def main():
    weights, batch, threads, *files = sys.argv[1:]
    batch, threads = int(batch), int(threads)
    with safe_open(weights, "np") as f:
        meta = f.metadata()
    mean = np.array([float(v) for v in meta["input_mean"].split(",")], dtype=np.float32).reshape(3, 1, 1)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(trunk_graph(weights).SerializeToString(), options, providers=["CPUExecutionProvider"])
    run = lambda x: session.run(["output"], {"input": x})[0]
    run(preprocess(files[:batch], mean))  # warm-up
    start = time.perf_counter()
    inputs = []
    for i in range(0, len(files), batch):
        x = preprocess(files[i:i + batch], mean)
        inputs.append(x)
        run(x)
    end_to_end = len(files) / (time.perf_counter() - start)
    start = time.perf_counter()
    for x in inputs:
        run(x)
    model_only = len(files) / (time.perf_counter() - start)
    print(f"onnxruntime_end_to_end {end_to_end:.2f}")
    print(f"onnxruntime_model_only {model_only:.2f}")
    print(f"onnxruntime_version {ort.__version__}")


if __name__ == "__main__":
    main()
