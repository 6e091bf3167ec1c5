#!/usr/bin/env bash
# Pipes the library's own raw Philox4x32-10 words into Debian's dieharder (every test, -a) and
# records the report in docs/dieharder.txt. Needs `apt-get install dieharder` and a built package
# (npm install). Takes tens of minutes: not part of CI; the vitest suite runs quick statistics.
#   usage: scripts/dieharder.sh [seed] [stream]
set -euo pipefail
cd "$(dirname "$0")/.."
seed="${1:-42}"
stream="${2:-0}"
report=docs/dieharder.txt
{
  echo "# dieharder -a -g 200 on simd-dropout's Philox4x32-10 words"
  echo "# command: node dist/cli.js rng --seed $seed --stream $stream | dieharder -a -g 200"
  echo "# simd-dropout $(node -p "require('./package.json').version"), $(node -p "JSON.stringify(require('node:os').cpus()[0].model)"), node $(node --version), $(dieharder -h 2>&1 | grep -m1 -io 'version [0-9.]*' || true), $(date -u +%Y-%m-%dT%H:%MZ)"
  # dieharder ends the pipe when it is done; the generator then stops on EPIPE
  node dist/cli.js rng --seed "$seed" --stream "$stream" | dieharder -a -g 200
} > "$report.tmp"
mv "$report.tmp" "$report"
echo "wrote $report"
