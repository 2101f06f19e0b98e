#!/usr/bin/env bash
# The public Swift surface of the InverseKit module, compared with the checked-in list
# Tests/api/InverseKit.public.txt: a symbol that becomes public (or stops being) must be a decision,
# recorded by updating the list with `bash .ci/public_api.sh --update`.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== the public Swift surface"
# It also tries the test bundles' modules, which have no symbol graph and fail; only the
# library's graph matters, and its absence fails this script.
rm -rf .build/*/symbolgraph
swift package dump-symbol-graph --minimum-access-level public > .build/symbolgraph.log 2>&1 || true
graph=$(find .build -path "*symbolgraph/InverseKit.symbols.json" | head -n 1)
[ -n "$graph" ] || { cat .build/symbolgraph.log; echo "no symbol graph was written"; exit 1; }
current=$(python3 - "$graph" <<'PYTHON'
import json, sys
graph = json.load(open(sys.argv[1]))
names = {".".join(s["pathComponents"]) + " (" + s["kind"]["identifier"].removeprefix("swift.") + ")"
         for s in graph["symbols"]}
print("\n".join(sorted(names)))
PYTHON
)
list=Tests/api/InverseKit.public.txt
if [ "${1:-}" = "--update" ]; then echo "$current" > "$list"; echo "wrote $list"; exit 0; fi
if ! diff -u "$list" <(echo "$current"); then
    echo "The public surface changed (above: - removed, + added). If intended: bash .ci/public_api.sh --update"
    exit 1
fi
echo "public surface: 1 passed, 0 failed ($(echo "$current" | wc -l) symbols)"
