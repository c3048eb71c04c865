#!/usr/bin/env bash
# Feature-stage speed, zoomap vs PyTorch and onnxruntime, in one run:  bash bench/features.sh [N]
# All run VGG16 (conv trunk, conv5 average) with the weights of ../shared/models on the same N
# (default 500) photos of ../shared/datasets/imagenet-sample, batch 8, 2 threads. zoomap's figure
# is the thumbs+features stage of a real build (decode, resize, thumbnails and inference,
# overlapped; empty feature cache); PyTorch's and onnxruntime's are with PIL decode + resize in
# the loop, and the model alone. onnxruntime runs a graph built from the same weights
# (bench/onnx_vgg16.py, no PyTorch). PyTorch (CPU use of the PyPI build) goes into
# bench/.venv-torch and onnxruntime into bench/.venv-onnx on first use; TORCH=0 leaves PyTorch out.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-500}
data=../shared/datasets/imagenet-sample
weights=../shared/models/vgg16-hed-bsds500-features.safetensors
[ -d "$data" ] && [ -f "$weights" ] || { echo "needs $data and $weights"; exit 1; }
venv=bench/.venv-torch
torch=${TORCH:-1}
[ "$torch" = 0 ] || [ -x $venv/bin/python ] || { python3 -m venv $venv && $venv/bin/pip install -q torch torchvision safetensors pillow; }
onnx_venv=bench/.venv-onnx
[ -x $onnx_venv/bin/python ] || { python3 -m venv $onnx_venv && $onnx_venv/bin/pip install -q onnxruntime onnx numpy safetensors pillow; }
cargo build --release -q --bin zoomap --example model_speed
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/images"
ls "$data" | grep -i '\.jpe\?g$' | sort | head -n "$n" > "$work/list"
while read -r f; do ln -s "$(realpath "$data/$f")" "$work/images/$f"; done < "$work/list"
RAYON_NUM_THREADS=2 ./target/release/zoomap build "$work/images" -o "$work/site" --weights "$weights" \
  --device cpu --batch 8 --cell 32 --preview-size 32 --cache "$work/cache" > /dev/null
report=$work/site/build-report.json
zoomap=$(python3 -c "import json; r=json.load(open('$report')); t=dict(r['stage_seconds'])['thumbs+features']; print(f\"{r['images_placed']/t:.2f}\")")
rss=$(python3 -c "import json; print(round(json.load(open('$report'))['peak_rss_mib']))")
zoomap_model=$(cd "$work/images" && RAYON_NUM_THREADS=2 "$OLDPWD/target/release/examples/model_speed" "$OLDPWD/$weights" 8 $(cat "$work/list") | awk '/model_only/ {print $2}')
onnx_lines=$(cd "$work/images" && OMP_NUM_THREADS=2 "$OLDPWD/$onnx_venv/bin/python" "$OLDPWD/bench/onnx_vgg16.py" "$OLDPWD/$weights" 8 2 $(cat "$work/list"))
ort_e2e=$(echo "$onnx_lines" | awk '/end_to_end/ {print $2}')
ort_model=$(echo "$onnx_lines" | awk '/model_only/ {print $2}')
echo "images                          $n"
echo "zoomap (decode+resize+VGG16)    $zoomap img/s"
echo "zoomap (model only)             $zoomap_model img/s"
echo "zoomap build peak RSS           $rss MiB"
echo "onnxruntime $(echo "$onnx_lines" | awk '/version/ {print $2}') (PIL+VGG)   $ort_e2e img/s"
echo "onnxruntime (model only)        $ort_model img/s"
python3 -c "print(f'ratio zoomap / onnxruntime model-only  {$zoomap_model/$ort_model:.2f}x (goal >= 1)'); print(f'ratio zoomap build / onnxruntime model-only  {$zoomap/$ort_model:.2f}x')"
[ "$torch" = 0 ] && exit 0
torch_lines=$(cd "$work/images" && OMP_NUM_THREADS=2 "$OLDPWD/$venv/bin/python" "$OLDPWD/bench/torch_vgg16.py" "$OLDPWD/$weights" 8 2 $(cat "$work/list"))
e2e=$(echo "$torch_lines" | awk '/end_to_end/ {print $2}')
model=$(echo "$torch_lines" | awk '/model_only/ {print $2}')
echo "PyTorch (PIL decode+resize+VGG) $e2e img/s"
echo "PyTorch (model only)            $model img/s"
python3 -c "print(f'ratio zoomap / PyTorch end-to-end  {$zoomap/$e2e:.2f}x'); print(f'ratio zoomap build / PyTorch model-only  {$zoomap/$model:.2f}x (goal >= 1)')"
