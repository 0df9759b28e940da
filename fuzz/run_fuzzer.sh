#!/usr/bin/env bash
# Runs one libFuzzer target: first every input of its committed corpus and
# regressions (a crash there is a regression), then SECONDS of fuzzing
# (0: replay only). Used by CTest (fuzz/<target>, label `fuzz`) and scripts/fuzz.
#   fuzz/run_fuzzer.sh BINARY TARGET SECONDS WORK_DIR [fresh|keep]
# New inputs go to WORK_DIR/corpus, never to the committed corpus (`fresh`, the
# default, empties it first so a run depends only on what is committed); a
# crashing input is saved as WORK_DIR/artifacts/crash-<sha1> (or leak-, oom-,
# timeout-), to be copied into fuzz/regressions/TARGET/ once understood.
set -euo pipefail
if [ $# -lt 4 ]; then
  sed -n '2,9p' "$0" >&2
  exit 2
fi
binary=$1 target=$2 seconds=$3 work=$4 mode=${5:-fresh}
here="$(cd "$(dirname "$0")" && pwd)"

# The readers' contract (fuzz/fuzz_util.h) also bounds time and memory: one input
# may take TIMEOUT_S, the process RSS_LIMIT_MB, a single allocation MALLOC_LIMIT_MB.
TIMEOUT_S=10
RSS_LIMIT_MB=2048
MALLOC_LIMIT_MB=1024

[ "$mode" = fresh ] && rm -rf "$work/corpus"
mkdir -p "$work/corpus" "$work/artifacts"
dirs=("$work/corpus" "$here/corpus/$target")
[ -d "$here/regressions/$target" ] && dirs+=("$here/regressions/$target")

if [ "$seconds" -gt 0 ]; then
  budget=(-max_total_time="$seconds")
else
  budget=(-runs=0)  # load (run) every input once, then stop
fi
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
exec "$binary" "${budget[@]}" -timeout="$TIMEOUT_S" -rss_limit_mb="$RSS_LIMIT_MB" \
  -malloc_limit_mb="$MALLOC_LIMIT_MB" -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
  "${dirs[@]}"
