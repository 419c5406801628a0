#!/usr/bin/env bash
# Installs what the integration tests need when it is missing:
#   - Mosquitto from Debian's packages,
#   - InfluxDB 1.8.10 built from the Go module proxy into ./bin/influxd.
# Prints the versions the tests will run against.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

if ! command -v mosquitto >/dev/null && [ ! -x /usr/sbin/mosquitto ]; then
  echo "==> installing mosquitto (Debian package)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq mosquitto >/dev/null
fi
# The package's own service is not needed: tests start their own brokers.
if command -v systemctl >/dev/null && systemctl is-active --quiet mosquitto 2>/dev/null; then
  $SUDO systemctl stop mosquitto || true
fi

if [ ! -x bin/influxd ]; then
  echo "==> building influxd v1.8.10 from the Go module proxy (about a minute)"
  mkdir -p bin
  GOBIN="$PWD/bin" GOFLAGS=-mod=mod go install github.com/influxdata/influxdb/cmd/influxd@v1.8.10
fi

MOSQ=$(command -v mosquitto || echo /usr/sbin/mosquitto)
echo "==> Mosquitto: $($MOSQ -h 2>/dev/null | head -1)"
echo "==> InfluxDB:  $(bin/influxd version 2>/dev/null | head -1) (flux-enabled, v2 API)"
