# aqwarn — the two commands of the README, and a few more.
GO ?= go

.PHONY: run test build bench bench-aqi bench-ingest bench-api bench-publish bench-reduction bench-flood vet fmt clean

## run: start the service on embedded defaults with the demo stations; the demo
## roles approve, the warnings are published (CAP feed, MQTT) and simulated units acknowledge
run:
	$(GO) run ./cmd/aqwarn serve --demo --demo-auto-approve

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

## bench-ingest: real Mosquitto + InfluxDB + the service binary: ceiling vs end-to-end readings/s, p50/p99 at 10k/s, peak RSS
bench-ingest:
	$(GO) build -o bin/aqwarn ./cmd/aqwarn
	$(GO) run ./cmd/aqbench -aqwarn bin/aqwarn

## bench-api: GET /api/v1/aqi/current from memory vs a bare gin handler over loopback (req/s, p99, ratio);
## uses wrk when installed (apt-get install wrk); plain, then gzip as browsers ask
bench-api:
	$(GO) run ./api/loadbench -rounds 3 -duration 5s -concurrency 32
	$(GO) run ./api/loadbench -rounds 3 -duration 5s -concurrency 32 -gzip

## bench-publish: approval → every channel delivered for 30 units (local webhooks + real Mosquitto): p50/p99
bench-publish:
	$(GO) test -run '^$$' -bench ApprovalToDelivered -benchtime 200x ./alert/notify/

## bench-reduction: the reduction list: 500 sources × 4 levels resolved; an orange notice fan-out to 500 sources
## and the member units written to the delivery log and the board (real SQLite)
bench-reduction:
	$(GO) test -run '^$$' -bench . -benchmem ./reduction/
	$(GO) test -run '^$$' -bench OrangeFanOut500Sources -benchtime 20x -benchmem ./alert/publish/

## bench-flood: the audit's H4/M4 MQTT floods (200 MB message, 5 near the cap, 100,000 garbage) against the service binary,
## embedded broker and Mosquitto: RSS, dead letters kept, counters, HTTP p99 (figures, no assertions)
bench-flood:
	$(GO) build -o bin/aqwarn ./cmd/aqwarn
	$(GO) run ./cmd/aqflood -aqwarn bin/aqwarn -mosquitto

clean:
	rm -rf bin/aqwarn data/
