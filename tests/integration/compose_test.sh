#!/usr/bin/env bash
# docker-compose.yml and the Dockerfile are checked statically (no Docker engine
# runs here): the compose file must parse and name the expected services, and
# the Dockerfile must build and ship the three executables.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
config=$(docker-compose -f docker-compose.yml config)
for service in keys controller worker subscriber; do
  grep -q "^  $service:" <<<"$config" || { echo "FAIL: service $service missing"; exit 1; }
done
grep -q -- "--controller=tcp://controller:7700" <<<"$config" || { echo "FAIL: worker not pointed at controller"; exit 1; }
grep -q -- "--bind-host=0.0.0.0" <<<"$config" || { echo "FAIL: controller binds loopback only"; exit 1; }
for exe in scanfleet-controller scanfleet-worker scanfleet; do
  grep -q "/$exe /usr/local/bin/" Dockerfile || { echo "FAIL: Dockerfile does not ship $exe"; exit 1; }
done
for flag in --secret-key= --authorized-keys= --key= --controller-key=; do
  grep -q -- "$flag" <<<"$config" || { echo "FAIL: compose runs without $flag (no CurveZMQ keys)"; exit 1; }
done
grep -q -- "--insecure-dev" <<<"$config" && { echo "FAIL: compose uses --insecure-dev"; exit 1; }
grep -q "make-keys.sh /usr/local/bin/" Dockerfile || { echo "FAIL: Dockerfile does not ship make-keys.sh"; exit 1; }
grep -q "^FROM debian:12" Dockerfile || { echo "FAIL: Dockerfile is not Debian 12 based"; exit 1; }
echo "compose config and Dockerfile: OK"
