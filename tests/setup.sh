#!/usr/bin/env bash
# Installs what the test suite needs beyond cargo and a C compiler, idempotently: Debian's
# Chromium for the viewer tests, Mesa's software Vulkan driver (lavapipe) so the wgpu path runs
# on a machine without a GPU, and playwright-core and
# axe-core (pinned by tests/viewer/package-lock.json) to drive the browser and scan its
# accessibility, with OpenSeadragon and Mirador, the IIIF clients the site's IIIF is opened in. Nothing here is needed to build zoomap: CI builds it without cmake or NASM.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/share/vulkan/icd.d/lvp_icd.x86_64.json ]; then
  sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq chromium mesa-vulkan-drivers >/dev/null
fi
modules=tests/viewer/node_modules
if [ ! -d $modules/playwright-core ] || [ ! -d $modules/axe-core ] || [ ! -d $modules/mirador ] ||
  [ ! -d $modules/openseadragon ]; then
  (cd tests/viewer && npm ci --silent --no-audit --no-fund)
fi
