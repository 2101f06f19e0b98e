#!/usr/bin/env bash
# The main job: set up and build, then TV-denoise the built-in camera image and write out/demo.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh
python3 examples/python/demo.py --output out/demo.png
