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
# xmllint validates CAP output against the OASIS schema (alert/cap tests).
if ! command -v xmllint >/dev/null; then
  echo "==> installing xmllint (Debian package libxml2-utils)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libxml2-utils >/dev/null
fi
# Headless Chromium for the browser tests of the public page (driven by chromedp).
if ! command -v chromium >/dev/null; then
  echo "==> installing chromium (Debian package)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# A small CJK font, so the screenshots of the Chinese page are readable.
if ! fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk"; then
  echo "==> installing fonts-wqy-microhei (Debian package)"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-wqy-microhei >/dev/null; } ||
    echo "    (no CJK font: Chinese text shows as boxes in the screenshots; the tests still pass)"
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
# A go-installed influxd reports "vunknown"; its module version is in the binary.
INFLUX_VERSION=$(go version -m bin/influxd | awk '$1 == "mod" {print $3}')
echo "==> InfluxDB:  ${INFLUX_VERSION:-unknown} (influxd built from github.com/influxdata/influxdb, flux-enabled for the v2 API)"
echo "==> Chromium:  $(chromium --version 2>/dev/null | head -1)"
