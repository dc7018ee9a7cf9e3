#!/usr/bin/env bash
# Renders an `sae report` page in headless Chromium (Debian's package,
# installed if missing) and writes a full-page PNG screenshot, to look at the
# report as a reader will. Usage: bench/report_screenshot.sh PAGE.html OUT.png [HEIGHT]
set -euo pipefail
page=$(realpath "$1"); out=$2; height=${3:-4600}
command -v chromium >/dev/null || apt-get install -y -qq chromium >/dev/null
profile=$(mktemp -d); trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --window-size=1200,"$height" --screenshot="$out" "file://$page" 2>/dev/null
echo "wrote $out"
