#!/usr/bin/env bash
# Builds and runs the libFuzzer targets in Tests/Fuzz (swiftc -sanitize=fuzzer,address), each for a fixed
# time, starting from the committed seed corpus in Tests/Fuzz/corpus/<target>/. New inputs go to
# .build-fuzz/corpus/<target>/ (not committed); a crash leaves .build-fuzz/crash-* and fails the run —
# turn it into a regression test and a corpus file.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (default 30 seconds each, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}; shift || true
out=.build-fuzz
mkdir -p "$out"

blas_include=$(pkg-config --cflags-only-I openblas | sed 's/^-I//; s/ *$//')
common=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 5)

# target → the module sources it is compiled with (one module: the target sees internal API).
declare -A sources=(
  [vectors_json]="Sources/Vectors/*.swift"
  [vectors_blob]="Sources/Vectors/*.swift"
)
declare -A flags=(
  [vectors_json]="-I Sources/CBLAS -Xcc -I$blas_include -lopenblas"
  [vectors_blob]="-I Sources/CBLAS -Xcc -I$blas_include -lopenblas"
)

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${!sources[@]}")
for t in "${targets[@]}"; do
  echo "fuzz: building $t" >&2
  # shellcheck disable=SC2086
  swiftc "${common[@]}" -module-name "Fuzz_$t" ${flags[$t]} ${sources[$t]} "Tests/Fuzz/$t.swift" -o "$out/$t"
  mkdir -p "$out/corpus/$t"
  echo "fuzz: running $t for ${seconds}s" >&2
  (cd "$out" && "./$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      "corpus/$t" "../Tests/Fuzz/corpus/$t" 2>&1 | tail -4)
done
