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
# StrykerJS is not a dependency of the kit: with its tree (about 50 MB, 7,800 files) every
# `npm ci` would pass the 400 MB install budget for a tool only this script uses. It is installed
# here, on first use, into .tools/mutation (not committed), at the version the scores in
# docs/benchmarks.md were measured with. Peers are omitted, so its vitest runner loads the
# project's own vitest (node resolution walks up from .tools/mutation to ./node_modules).
STRYKER_VERSION=9.6.1
prefix=.tools/mutation
bin="$prefix/node_modules/.bin/stryker"
if [ ! -x "$bin" ] || ! grep -q "\"version\": \"$STRYKER_VERSION\"" "$prefix/node_modules/@stryker-mutator/core/package.json" 2>/dev/null; then
  echo "mutation: installing StrykerJS $STRYKER_VERSION into $prefix" >&2
  mkdir -p "$prefix"
  [ -f "$prefix/package.json" ] || echo '{"private":true}' > "$prefix/package.json"
  npm install --prefix "$prefix" --no-save --omit=peer --no-audit --no-fund \
    "@stryker-mutator/core@$STRYKER_VERSION" "@stryker-mutator/vitest-runner@$STRYKER_VERSION"
fi
# Further arguments go to Stryker, e.g. --force to ignore the incremental results of the last run.
MUTATION_MODULE="$1" exec "$bin" run stryker.config.mjs "${@:2}"
