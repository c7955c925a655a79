#!/usr/bin/env bash
# Runs `npm test` N times in a row and logs each run's result and wall time, to show the suite
# does not flake: scripts/repeat-test.sh 20 [logfile]. Stops at nothing: every run is logged,
# and the exit status is 1 when any run failed. Each run's full output is kept next to the log.
set -uo pipefail
cd "$(dirname "$0")/.."
n="${1:?usage: scripts/repeat-test.sh <runs> [logfile]}"
log="${2:-.bench/repeat-test.log}"
mkdir -p "$(dirname "$log")"
failed=0
echo "# npm test x${n}, started $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
for i in $(seq 1 "$n"); do
  start=$(date +%s)
  if npm test > "${log%.log}.run-${i}.out" 2>&1; then result=PASS; else result=FAIL; failed=$((failed + 1)); fi
  secs=$(( $(date +%s) - start ))
  # The global setup's teardown removes the run's private TMPDIR and says how much tests left in it.
  left=$(grep -o 'removed [0-9]* temporary entries' "${log%.log}.run-${i}.out" | grep -o '[0-9]*' || echo 0)
  echo "run ${i}/${n}: ${result} in ${secs}s (load $(cut -d' ' -f1-3 /proc/loadavg)), temp entries left by tests: ${left}" | tee -a "$log"
done
echo "# ${failed} of ${n} runs failed" | tee -a "$log"
[ "$failed" -eq 0 ]
