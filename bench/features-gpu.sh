#!/usr/bin/env bash
# GPU feature speed, zoomap on burn-wgpu vs PyTorch CUDA, in one run:  bash bench/features-gpu.sh [N]
# Both run VGG16 (conv trunk, conv5 average) with the weights of ../shared/models on the same N
# (default 500) photos of ../shared/datasets/imagenet-sample, batch BATCH (default 32), decoding
# on every core. zoomap: a whole build with --device gpu (thumbs+features stage), and the
# network alone (examples/model_speed with DEVICE=gpu); PyTorch: bench/torch_vgg16.py with
# DEVICE=cuda, PIL decode + resize in the loop, and the model alone. Needs a real GPU: zoomap
# refuses software adapters for --device gpu, and PyTorch must see CUDA. Goal: zoomap's network
# >= 0.8x PyTorch CUDA's.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-500}
batch=${BATCH:-32}
threads=$(nproc)
data=../shared/datasets/imagenet-sample
weights=../shared/models/vgg16-hed-bsds500-features.safetensors
[ -d "$data" ] && [ -f "$weights" ] || { echo "needs $data and $weights"; exit 1; }
venv=bench/.venv-torch
[ -x $venv/bin/python ] || { python3 -m venv $venv && $venv/bin/pip install -q torch torchvision safetensors pillow; }
$venv/bin/python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" \
  || { echo "PyTorch sees no CUDA device: this benchmark needs a GPU"; exit 1; }
cargo build --release -q --bin zoomap --example model_speed
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/images"
ls "$data" | grep -i '\.jpe\?g$' | sort | head -n "$n" > "$work/list"
while read -r f; do ln -s "$(realpath "$data/$f")" "$work/images/$f"; done < "$work/list"
./target/release/zoomap build "$work/images" -o "$work/site" --weights "$weights" \
  --device gpu --batch "$batch" --cell 32 --preview-size 32 --cache "$work/cache" > /dev/null
report=$work/site/build-report.json
zoomap=$(python3 -c "import json; r=json.load(open('$report')); t=dict(r['stage_seconds'])['thumbs+features']; print(f\"{r['images_placed']/t:.2f}\")")
adapter=$(python3 -c "import json; print(json.load(open('$report'))['features'].get('device', '?'))")
zoomap_model=$(cd "$work/images" && DEVICE=gpu "$OLDPWD/target/release/examples/model_speed" "$OLDPWD/$weights" "$batch" $(cat "$work/list") | awk '/model_only/ {print $2}')
torch_lines=$(cd "$work/images" && DEVICE=cuda "$OLDPWD/$venv/bin/python" "$OLDPWD/bench/torch_vgg16.py" "$OLDPWD/$weights" "$batch" "$threads" $(cat "$work/list"))
e2e=$(echo "$torch_lines" | awk '/end_to_end/ {print $2}')
model=$(echo "$torch_lines" | awk '/model_only/ {print $2}')
echo "images                              $n (batch $batch)"
echo "adapter                             $adapter"
echo "zoomap build, wgpu (thumbs+features) $zoomap img/s"
echo "zoomap network alone, wgpu          $zoomap_model img/s"
echo "PyTorch CUDA (PIL decode+resize+VGG) $e2e img/s"
echo "PyTorch CUDA (model only)           $model img/s"
python3 -c "print(f'ratio zoomap network / PyTorch CUDA model-only  {$zoomap_model/$model:.2f}x (goal >= 0.8)'); print(f'ratio zoomap build / PyTorch CUDA end-to-end  {$zoomap/$e2e:.2f}x')"
