#!/usr/bin/env bash
# The one test command (make test, .ci/run): installs the real servers when
# missing, then runs every test with the race detector. Integration tests
# start their own Mosquitto and InfluxDB on free loopback ports in temporary
# directories and stop them when they end, pass or fail.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-servers.sh
export AQWARN_REQUIRE_SERVERS=1   # a missing server fails the run, never skips it
export AQWARN_MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
export AQWARN_INFLUXD=$PWD/bin/influxd
echo "==> go vet ./..."
go vet ./...
echo "==> go test -race ./..."
# -json feeds the summary: failures, skips, the tests that ran against the real
# servers, and a closing "N passed, N failed, N skipped" line.
set +e
go test -race -count=1 -timeout 40m -json "$@" ./... | go run ./internal/testsummary
statuses=("${PIPESTATUS[@]}")
status=${statuses[0]}
summary=${statuses[1]}
set -e
if [ "$status" != 0 ] || [ "$summary" != 0 ]; then exit 1; fi
