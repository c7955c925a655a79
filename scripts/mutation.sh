#!/usr/bin/env bash
# Mutation testing of one module at a time (see stryker.config.mjs for the modules):
#   npm run mutation -- profile-checks | naming-rules | policy-params | gate-decision | bundle-verify
# CPU-heavy: run one module, on a quiet machine, and record the score in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: npm run mutation -- <profile-checks|naming-rules|policy-params|gate-decision|bundle-verify> [--force]" >&2
  exit 2
fi
# Further arguments go to Stryker, e.g. --force to ignore the incremental results of the last run.
MUTATION_MODULE="$1" exec npx stryker run stryker.config.mjs "${@:2}"
