#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run Pharos on its
# embedded defaults with the example config. Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh release --no-tests

echo
echo "Pharos is starting on http://127.0.0.1:8470 (data in ./data)."
echo "On the first start it prints an admin API key once: keep it as KEY, then try"
echo "  curl -s 127.0.0.1:8470/readyz                                    # store and bus answer"
echo "  curl -s -H \"Authorization: Bearer \$KEY\" 127.0.0.1:8470/metrics   # Pharos watching itself"
echo "The README's five-minute tour has more."
echo
exec build/pharos serve --config examples/pharos.yaml "$@"
