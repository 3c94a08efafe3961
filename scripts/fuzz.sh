#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR/tests/fuzz for SECONDS each, JOBS at
# a time (default: the number of cores), seeded with the recorded scanner
# outputs, and fails if any target found a crash, leak, timeout or sanitizer
# report (its log's tail is printed and the reproducer kept in the repository
# root). Usage: scripts/fuzz.sh BUILD_DIR SECONDS [JOBS]
set -euo pipefail
build_dir=$1
seconds=$2
jobs=${3:-$(nproc)}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/scanfleet-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

# One target: its corpus, its log, and its exit status in $work/NAME.rc.
fuzz_one() {
  local fuzzer=$1 name corpus
  name=$(basename "$fuzzer")
  corpus="$work/$name"
  mkdir -p "$corpus"
  # Every recorded tool output is a seed for every parser: the right format
  # gets deep quickly, the others exercise the rejection paths.
  cp "$root"/tests/fixtures/scanners/*.* "$corpus"/ 2>/dev/null || true
  cp "$root"/tests/fixtures/webhooks/*.json "$corpus"/ 2>/dev/null || true
  cp "$root"/tests/fixtures/suppressions/*.json "$corpus"/ 2>/dev/null || true
  rm -f "$corpus"/README.md
  local rc=0
  "$fuzzer" -max_total_time="$seconds" -max_len=131072 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/$name-" "$corpus" \
    > "$work/$name.log" 2>&1 || rc=$?
  echo "$rc" > "$work/$name.rc"
}

fuzzers=()
for fuzzer in "$build_dir"/tests/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] && fuzzers+=("$fuzzer")
done
if [ "${#fuzzers[@]}" -eq 0 ]; then
  echo "no fuzz targets in $build_dir/tests/fuzz (build the fuzz_all target)" >&2
  exit 1
fi
echo "${#fuzzers[@]} fuzz targets, ${seconds}s each, $jobs at a time"
running=0
for fuzzer in "${fuzzers[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
  fuzz_one "$fuzzer" &
  running=$((running + 1))
done
wait

failed=0
for fuzzer in "${fuzzers[@]}"; do
  name=$(basename "$fuzzer")
  printf '%s: ' "$name"
  if [ "$(cat "$work/$name.rc" 2>/dev/null)" = 0 ]; then
    grep -E '^stat::number_of_executed_units' "$work/$name.log" | awk '{print $2 " runs, no crash"}'
  else
    echo "FAILED (exit $(cat "$work/$name.rc" 2>/dev/null || echo '?'))"
    tail -40 "$work/$name.log"
    for artifact in "$work/$name"-*; do
      [ -f "$artifact" ] && cp "$artifact" "$root/" && echo "reproducer kept: $(basename "$artifact")"
    done
    failed=1
  fi
done
exit $failed
