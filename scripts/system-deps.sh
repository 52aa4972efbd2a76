#!/usr/bin/env bash
# Debian packages the app needs beyond Python: espeak-ng (offline speech) and,
# for the browser tests (--test), Chromium; for training (--train), the allowed
# handwriting fonts. Installs only what is missing.
set -euo pipefail
want=(espeak-ng)
# Print fonts for the worksheet benchmark's generated pages (ml.worksheets_synth).
[ "${1:-}" = "--test" ] && want+=(chromium chromium-driver fonts-liberation fonts-freefont-ttf)
# Training only (`make train`, ml.fonts): the handwriting fonts the training-data rule
# allows, and ONLY these (DEVELOPERS.md). Tests and CI never need them.
[ "${1:-}" = "--train" ] && want+=(
  fonts-ecolier-court fonts-ecolier-lignes-court fonts-cabinsketch fonts-leckerli-one
  fonts-havana fonts-joscelyn fonts-yusei-magic fonts-kiloji
)
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Please install: ${missing[*]} (apt-get install -y ${missing[*]})" >&2
  exit 0
fi
echo "Installing ${missing[*]} ..."
apt-get update -qq >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
