#!/usr/bin/env bash
# make demo: a controller and two workers as local processes scan the vulnerable
# sample repository under tests/sample-repo; progress, the findings table and a
# subscriber's stream are shown, then everything started here is stopped.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD_DIR:-build}"
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
CONTROLLER="$BUILD/controller/scanfleet-controller"
WORKER="$BUILD/worker/scanfleet-worker"
CLI="$BUILD/controller/cli/scanfleet"
DEMO="$ROOT/.demo"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what="$2"; shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then echo "demo: timed out waiting for $what" >&2; exit 1; fi
    sleep 0.1
  done
}

rm -rf "$DEMO" && mkdir -p "$DEMO"
echo "== making the sample repository a git repo"
cp -r "$ROOT/tests/sample-repo" "$DEMO/sample-repo"
git -C "$DEMO/sample-repo" init -q -b main
git -C "$DEMO/sample-repo" -c user.name=demo -c user.email=demo@localhost add -A
git -C "$DEMO/sample-repo" -c user.name=demo -c user.email=demo@localhost commit -q -m "sample"

echo "== generating keys (CurveZMQ + Ed25519) for the controller, workers, CLI and subscriber"
KEYS="$DEMO/keys"
"$ROOT/scripts/make-keys.sh" "$KEYS" "$CLI"
# The CLI reads its keys from the environment.
export SCANFLEET_KEY="$KEYS/private/client.key" SCANFLEET_CONTROLLER_KEY="$KEYS/controller.pub"

echo "== starting the controller and two workers (encrypted, authenticated, signed)"
"$CONTROLLER" --api-port 0 --results-port 0 --jobs-port 0 --events-port 0 --replay-port 0 \
  --pool sast --pool dast --database "$DEMO/scanfleet.db" \
  --secret-key "$KEYS/private/controller.key" --authorized-keys "$KEYS/authorized" \
  --endpoints-file "$DEMO/endpoints.json" 2>"$DEMO/controller.log" &
pids+=($!)
wait_for 10 "the controller" test -s "$DEMO/endpoints.json"
API=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api"])' "$DEMO/endpoints.json")
export SCANFLEET_CONTROLLER="$API"
for n in 1 2; do
  "$WORKER" --id "worker-$n" --slots 2 --work-dir "$DEMO/work-$n" \
    --key "$KEYS/private/worker.key" --controller-key "$KEYS/controller.pub" \
    2>"$DEMO/worker-$n.log" &
  pids+=($!)
done
alive_workers() { [ "$("$CLI" workers --json | python3 -c 'import json,sys; print(sum(w["alive"] for w in json.load(sys.stdin)))')" = 2 ]; }
wait_for 30 "two workers" alive_workers
"$CLI" workers

echo "== a SIEM-style subscriber follows the event stream (verifying every signature)"
SCANFLEET_KEY="$KEYS/private/subscriber.key" \
  "$CLI" tail --from-seq 0 --until-scan-done 1 >"$DEMO/stream.jsonl" &
tail_pid=$!

echo "== scanfleet submit --wait"
set +e
"$CLI" submit --repo "$DEMO/sample-repo" --ref main --wait --fail-on high
submit_rc=$?
set -e
echo "(exit code $submit_rc: 1 means findings at or above 'high' were found)"

echo "== scanfleet findings 1"
"$CLI" findings 1

wait "$tail_pid"
echo "== the subscriber received $(wc -l <"$DEMO/stream.jsonl") findings; the first three:"
head -n 3 "$DEMO/stream.jsonl"
echo "== logs and database are in $DEMO"
