#!/usr/bin/env bash
# After a failed fuzz run (CI: `cmake --workflow --preset fuzz`), prints what each harness
# found: the report's first lines and the input, base64-encoded, so that a finding made on
# a CI machine can be reproduced from its log alone:
#   base64 -d > input <<< '<the line>'; build/fuzz/tests/fuzz/fuzz_<h> input
# Usage: tests/fuzz/report_findings.sh [build/fuzz]
set -uo pipefail
findings="${1:-build/fuzz}/tests/fuzz/findings"
shopt -s nullglob
inputs=("$findings"/*-crash-* "$findings"/*-timeout-* "$findings"/*-oom-* "$findings"/*-leak-*)
if [ ${#inputs[@]} -eq 0 ]; then
  echo "fuzz findings: no input saved in $findings (a failure before fuzzing began?)"
  for log in "$findings"/*.log; do
    echo "--- $(basename "$log"), last lines:"
    tail -n 5 "$log"
  done
  exit 0
fi
for input in "${inputs[@]}"; do
  file=$(basename "$input")
  harness=${file%%-*}
  echo "--- fuzz finding of harness '$harness': $file ($(stat -c %s "$input") bytes)"
  grep -m 6 -E 'ERROR|runtime error|fuzz check failed|SUMMARY|ALARM|out-of-memory|#[0-4] ' \
    "$findings/$harness.log" | cut -c 1-300
  if [ "$(stat -c %s "$input")" -le 8192 ]; then
    echo "input (base64): $(base64 -w 0 "$input")"
  else
    echo "input: over 8 KiB, not printed (its first 64 bytes: $(head -c 64 "$input" | base64 -w 0))"
  fi
done
