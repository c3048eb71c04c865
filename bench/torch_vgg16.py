"""PyTorch side of bench/features.sh: torchvision's VGG16 trunk with the same weights, the
same preprocessing (Resize(256), CenterCrop(224), the weights' declared BGR mean subtraction),
the same layer (conv5 global average), batch size and thread count as zoomap.

  python bench/torch_vgg16.py WEIGHTS.safetensors BATCH THREADS IMAGE...

Prints two lines: images/s with PIL decode + resize in the loop, and the model alone.
DEVICE=cuda runs the model on the GPU (bench/features-gpu.sh), waiting for it before each
clock reading.
"""
import os
import sys
import time

import torch
import torchvision
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file


def main():
    weights, batch, threads, *files = sys.argv[1:]
    batch, threads = int(batch), int(threads)
    torch.set_num_threads(threads)
    with safe_open(weights, "pt") as f:
        meta = f.metadata()
    mean = torch.tensor([float(v) for v in meta["input_mean"].split(",")]).view(1, 3, 1, 1)
    model = torchvision.models.vgg16()
    model.load_state_dict(load_file(weights), strict=False)
    device = torch.device(os.environ.get("DEVICE", "cpu"))
    trunk = model.features.eval().to(device)
    mean = mean.to(device)

    def wait():
        if device.type == "cuda":
            torch.cuda.synchronize()
    crop = torchvision.transforms.Compose([
        torchvision.transforms.Resize(256), torchvision.transforms.CenterCrop(224),
        torchvision.transforms.PILToTensor(),
    ])

    def preprocess(paths):
        with_rgb = [crop(Image.open(p).convert("RGB")).float() for p in paths]
        return torch.stack(with_rgb).to(device).flip(1) - mean  # BGR, 0-255, mean subtracted

    with torch.inference_mode():
        trunk(preprocess(files[:batch]))  # warm-up
        wait()
        start = time.perf_counter()
        inputs = []
        for i in range(0, len(files), batch):
            x = preprocess(files[i:i + batch])
            inputs.append(x)
            trunk(x).mean((2, 3)).cpu()
        wait()
        end_to_end = len(files) / (time.perf_counter() - start)
        start = time.perf_counter()
        for x in inputs:
            trunk(x).mean((2, 3)).cpu()
        wait()
        model_only = len(files) / (time.perf_counter() - start)
    print(f"pytorch_end_to_end {end_to_end:.2f}")
    print(f"pytorch_model_only {model_only:.2f}")


if __name__ == "__main__":
    main()
