#!/usr/bin/env bash
# Runs the hostile-input cases that cannot run inside the test workers against any build of the
# CLI, each in a throw-away directory, bounded in time (timeout) and memory (ulimit -v), and
# prints one line per case: name, exit status, and whether it was handled (exit 2, at once).
# 124 means the run hung until the timeout; 134/137 that it ran out of its memory bound.
#
#   scripts/io-regressions.sh [path/to/packages/cli/bin/sovereign.js]
#
# Used to show that the input bounds (docs/threat-model.md) hold on this build and did not before.
set -u
BIN=${1:-"$(dirname "$0")/../packages/cli/bin/sovereign.js"}
BIN=$(realpath "$BIN")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

run() { # name timeout-seconds args...
  local name=$1 secs=$2
  shift 2
  (ulimit -v 3000000; exec timeout -k 2 "$secs" node "$BIN" "$@" >out.txt 2>err.txt </dev/null) 2>/dev/null
  local rc=$?
  local verdict=unsafe
  [ "$rc" = 2 ] && ! grep -q "internal error" err.txt && verdict=handled
  printf '%-44s exit %-3s %s\n' "$name" "$rc" "$verdict"
}

node "$BIN" bundle keygen --out keys >/dev/null 2>&1
mkfifo profile.fifo result.fifo recipe.fifo
mkdir packs && mkfifo packs/odd.yaml
python3 - <<'PY'
lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
prev = "a"
for n in "bcdef":
    lines.append(f"{n}: &{n} [{', '.join(['*' + prev] * 9)}]")
    prev = n
open("laughs.yaml", "w").write("\n".join(lines) + "\n")
open("deep.yaml", "w").write("[" * 3000 + "]" * 3000 + "\n")
keys = [f"k{i}: {i}" for i in range(40000)]
open("wide.yaml", "w").write("\n".join(keys) + "\nk7: again\n")
PY

run "validate --profile <FIFO>" 20 validate --profile profile.fifo
run "validate --profile /dev/urandom" 20 validate --profile /dev/urandom
run "bundle pack --key /dev/zero" 20 bundle pack --country th --key /dev/zero --out b.tar
run "validate: billion laughs" 20 validate --profile laughs.yaml
run "validate: 3000-deep nesting" 20 validate --profile deep.yaml
run "validate: 40,000 keys, one duplicate" 60 validate --profile wide.yaml
run "gate --candidate <FIFO>" 20 gate --candidate result.fifo --baseline result.fifo
run "gate --baselines /dev/zero" 20 gate --candidate /dev/zero --baselines /dev/zero --gpu H100
run "train plan --recipe <FIFO>" 20 train plan --recipe recipe.fifo --country th
run "policy test --dir (pack is a FIFO)" 20 policy test --dir packs --pack odd
