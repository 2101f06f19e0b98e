#!/usr/bin/env bash
# Builds the DocC reference of the Swift module (Sources/InverseKit/InverseKit.docc) with warnings
# as errors, so that a broken symbol link or a stale quickstart fails the test command. The archive
# is left in .build/plugins/Swift-DocC/outputs/InverseKit.doccarchive.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== DocC reference"
swift package generate-documentation --target InverseKit --warnings-as-errors 2>&1 \
    | { grep -vE '^\[[0-9]+/[0-9]+\]|^Building for|^Build (of product .* )?complete' || true; }
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then echo "documentation build failed ($status)"; exit "$status"; fi
echo "docs: 1 passed, 0 failed"
