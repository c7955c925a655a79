#!/usr/bin/env bash
# Mutation testing of one module at a time (see stryker.config.mjs for the modules):
#   npm run mutation -- profile-checks | policy-params | gate-decision | bundle-verify
# CPU-heavy: run one module, on a quiet machine, and record the score in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 1 ]; then
  echo "usage: npm run mutation -- <profile-checks|policy-params|gate-decision|bundle-verify>" >&2
  exit 2
fi
MUTATION_MODULE="$1" exec npx stryker run stryker.config.mjs
