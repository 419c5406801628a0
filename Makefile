# aqwarn — the two commands of the README, and a few more.
GO ?= go

.PHONY: run test build bench bench-aqi bench-ingest vet fmt clean

## run: start the service on embedded defaults with the demo stations
run:
	$(GO) run ./cmd/aqwarn serve --demo

## test: every test, against real Mosquitto and InfluxDB (installed when missing)
test:
	scripts/test.sh

build:
	$(GO) build -o bin/aqwarn ./cmd/aqwarn

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w $$(git ls-files '*.go')

## bench-aqi: AQI over the whole Beijing data set (needs ../shared/data/beijing)
bench-aqi:
	$(GO) test -run '^$$' -bench . -benchmem ./aqi/ ./dataset/

clean:
	rm -rf bin/aqwarn data/
