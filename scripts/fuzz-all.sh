#!/usr/bin/env bash
# Every libFuzzer target (Tests/Fuzz/*.swift) for SECONDS each, JOBS at a time (default: the machine's cores),
# at low priority so builds on the machine are not starved. One log per target in .build-fuzz/logs/; the last
# lines of each (exec/s, coverage, crashes) are printed at the end. Exits non-zero when any target crashed.
#   scripts/fuzz-all.sh [SECONDS] [JOBS]        (make fuzz: 600 seconds each)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
jobs=${2:-$(nproc)}
mkdir -p .build-fuzz/logs
targets=$(ls Tests/Fuzz/*.swift | xargs -n1 basename | sed 's/\.swift$//')
# Build StrataCommon's fuzz library once before running targets in parallel (fuzz.sh builds it on demand).
bash scripts/fuzz.sh 1 glob_pattern >/dev/null 2>&1 || true
# Likewise the CJSON object, shared by files_readers and json_scan.
bash scripts/fuzz.sh 1 json_scan >/dev/null 2>&1 || true
status=0
run() {
  local t=$1
  nice -n 19 bash scripts/fuzz.sh "$seconds" "$t" > ".build-fuzz/logs/$t.log" 2>&1
}
export -f run; export seconds
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'run {}' || status=1
for t in $targets; do
  echo "== $t"
  grep -E "stat::|crash-|ERROR|deadly|SUMMARY|FOUND A CRASH|runtime failure| at (Sources|Tests)/" ".build-fuzz/logs/$t.log" | tail -12
  grep -qE "crash-|==ERROR|deadly signal|FOUND A CRASH" ".build-fuzz/logs/$t.log" && status=1
done
exit $status
