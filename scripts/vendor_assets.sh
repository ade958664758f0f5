#!/usr/bin/env bash
# Copy the pinned front-end assets from node_modules/ (installed by `npm ci`)
# into web/static/vendor/, where the app serves them. Run from anywhere.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

dest="web/static/vendor"
sources=(
  "node_modules/htmx.org/dist/htmx.min.js"
  "node_modules/@picocss/pico/css/pico.min.css"
)

for src in "${sources[@]}"; do
  if [[ ! -f "$src" ]]; then
    echo "vendor_assets: missing $src (run 'npm ci' first)" >&2
    exit 1
  fi
done

mkdir -p "$dest"
for src in "${sources[@]}"; do
  cp -f "$src" "$dest/$(basename "$src")"
done

# Guard the htmx pin: 2.x is what Litestar's htmx plugin understands.
if ! grep -q 'version:"2\.0\.11"' "$dest/htmx.min.js"; then
  echo "vendor_assets: $dest/htmx.min.js is not htmx 2.0.11" >&2
  exit 1
fi

echo "vendor_assets: copied ${#sources[@]} files into $dest/"
