#!/usr/bin/env bash
# Installs what the test suite needs beyond cargo, idempotently: Debian's Chromium for the
# viewer test, and playwright-core and axe-core (pinned by tests/viewer/package-lock.json) to
# drive it and scan its accessibility.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d tests/viewer/node_modules/playwright-core ] || [ ! -d tests/viewer/node_modules/axe-core ]; then
  (cd tests/viewer && npm ci --silent --no-audit --no-fund)
fi
