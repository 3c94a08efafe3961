#!/bin/sh
# Runs every libFuzzer target in BUILD_DIR/tests/fuzz for SECONDS each, seeded
# with the recorded scanner outputs, and fails on the first crash, leak,
# timeout or sanitizer report. Usage: scripts/fuzz.sh BUILD_DIR SECONDS
set -eu
build_dir=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/scanfleet-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0
for fuzzer in "$build_dir"/tests/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer")
  corpus="$work/$name"
  mkdir -p "$corpus"
  # Every recorded tool output is a seed for every parser: the right format
  # gets deep quickly, the others exercise the rejection paths.
  cp "$root"/tests/fixtures/scanners/*.* "$corpus"/ 2>/dev/null || true
  cp "$root"/tests/fixtures/webhooks/*.json "$corpus"/ 2>/dev/null || true
  cp "$root"/tests/fixtures/suppressions/*.json "$corpus"/ 2>/dev/null || true
  rm -f "$corpus"/README.md
  printf '%s: ' "$name"
  if "$fuzzer" -max_total_time="$seconds" -max_len=131072 -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$work/$name-" "$corpus" \
       > "$work/$name.log" 2>&1; then
    grep -E '^stat::number_of_executed_units' "$work/$name.log" | awk '{print $2 " runs, no crash"}'
  else
    echo "FAILED"
    tail -40 "$work/$name.log"
    for artifact in "$work/$name"-*; do
      [ -f "$artifact" ] && cp "$artifact" "$root/" && echo "reproducer kept: $(basename "$artifact")"
    done
    failed=1
  fi
done
exit $failed
