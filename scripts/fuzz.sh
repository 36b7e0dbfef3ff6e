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

common=(-O -g -swift-version 5)
fuzz=(-sanitize=fuzzer,address -parse-as-library)

# target → the module sources it is compiled with (one module: the target sees internal API).
# Domains that use StrataCommon get it compiled in as a separate module first (see build_common).
vectors="Sources/Vectors/*.swift"
# The C kernels and the OpenBLAS loader (Sources/CKernels; OpenBLAS itself is opened on first use).
blas="-I $out/ckernels $out/ckernels/kernels.o $out/ckernels/blas.o"
common_mod="-I $out/common -L $out/common -lStrataCommon -I Sources/CZlib -lz"
# The JSON-lines fast path (Sources/CJSON), for the Files target.
cjson="-I $out/cjson $out/cjson/*.o"  # every CJSON object (expanded where used, after build_cjson)
declare -A sources=(
  [vectors_json]="$vectors" [vectors_blob]="$vectors"
  [cron_schedule]="Sources/Cron/*.swift" [crontab]="Sources/Cron/*.swift" [cron_syslog]="Sources/Cron/*.swift"
  [logs_file]="Sources/Logs/*.swift" [files_readers]="Sources/Files/*.swift" [json_scan]="Sources/Files/*.swift"
  [regex_format]="Sources/Logs/*.swift"
  [glob_pattern]="Sources/StrataCommon/*.swift"
  [parquet_file]="Sources/Parquet/*.swift"
)
declare -A flags=(
  [vectors_json]="$blas" [vectors_blob]="$blas"
  [cron_schedule]="$common_mod" [crontab]="$common_mod" [cron_syslog]="$common_mod"
  [logs_file]="$common_mod" [files_readers]="$common_mod $cjson" [json_scan]="$common_mod $cjson"
  [regex_format]="$common_mod"
  [glob_pattern]="-I Sources/CZlib -lz"
  [parquet_file]="$common_mod -I Sources/CSnappy -I Sources/CZstd -I Sources/CLZ4 -lsnappy -lzstd -llz4"
)

# StrataCommon as a static library with the same sanitizers, for the domain targets.
build_common() {
  [ -f "$out/common/libStrataCommon.a" ] && [ -z "$(find Sources/StrataCommon -newer "$out/common/libStrataCommon.a")" ] && return
  mkdir -p "$out/common"
  swiftc "${common[@]}" -sanitize=address -parse-as-library -emit-library -static -module-name StrataCommon \
    -emit-module -emit-module-path "$out/common/StrataCommon.swiftmodule" -I Sources/CZlib \
    Sources/StrataCommon/*.swift -o "$out/common/libStrataCommon.a"
}

# A C target of Sources/ (its .c files) as ASan objects with a module map, in $out/<dir>, rebuilt when a source changed.
build_c_module() {
  local module=$1 dir=$2 src
  local all=(Sources/"$module"/*.c)
  # The last object built stands for all: an interrupted build leaves it missing.
  local stamp="$out/$dir/$(basename "${all[-1]}" .c).o"
  [ -f "$stamp" ] && [ -z "$(find Sources/"$module" -newer "$stamp")" ] && return
  mkdir -p "$out/$dir"
  printf 'module %s {\n  header "%s/Sources/%s/include/%s.h"\n  export *\n}\n' "$module" "$PWD" "$module" "$module" \
    > "$out/$dir/module.modulemap"
  for src in Sources/"$module"/*.c; do
    clang -O2 -g -fsanitize=address,fuzzer-no-link -I Sources/"$module"/include -c "$src" \
      -o "$out/$dir/$(basename "$src" .c).o"
  done
}
# CKernels (knn_match's AVX-512/AVX2 scan and the OpenBLAS loader) for the Vectors targets; CJSON (the
# JSON-lines fast path) for the Files targets.
build_ckernels() { build_c_module CKernels ckernels; }
build_cjson() { build_c_module CJSON cjson; }

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${!sources[@]}")
for t in "${targets[@]}"; do
  case "${flags[$t]}" in *StrataCommon*) build_common ;; esac
  case "${flags[$t]}" in *ckernels*) build_ckernels ;; esac
  case "${flags[$t]}" in *cjson*) build_cjson ;; esac
  echo "fuzz: building $t" >&2
  # shellcheck disable=SC2086
  swiftc "${common[@]}" "${fuzz[@]}" -module-name "Fuzz_$t" ${flags[$t]} ${sources[$t]} "Tests/Fuzz/$t.swift" -o "$out/$t" \
    2> >(grep -v "Cannot export local symbol" >&2)
  mkdir -p "$out/corpus/$t"
  echo "fuzz: running $t for ${seconds}s" >&2
  # The whole output is kept (.build-fuzz/full/<target>.log): a Swift runtime failure prints its message and
  # backtrace far above the last lines, and libFuzzer's own "crash-" line can be missing when the Swift crash
  # handler takes over. The fuzzer's exit status says whether it found something.
  mkdir -p "$out/full"
  rc=0
  (cd "$out" && "./$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      "corpus/$t" "../Tests/Fuzz/corpus/$t" > "full/$t.log" 2>&1) || rc=$?
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)" "$out/full/$t.log" || true
  if [ "$rc" != 0 ]; then
    echo "fuzz: $t FOUND A CRASH (exit $rc); see $out/full/$t.log and $out/crash-*:" >&2
    grep -m 12 -E "Swift runtime failure|==ERROR|deadly signal|crashed:|^ +[0-9]+ .* at (Sources|Tests)/|Test unit written to" \
      "$out/full/$t.log" >&2 || true
    status=1
  fi
done
exit ${status:-0}
