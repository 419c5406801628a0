package main

import (
	"bytes"
	"strings"
	"testing"
)

// The bench command runs end to end (briefly: figures come from make bench-api).
func TestLoadbenchRuns(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-client", "go", "-rounds", "1", "-duration", "200ms", "-warmup", "50ms", "-concurrency", "2"}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"bare gin handler", "GET /api/v1/aqi/current", "ratio (current / bare):", "targets:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// wrk's summary, as wrk 4.1 prints it with --latency.
func TestParseWrk(t *testing.T) {
	out := `Running 10s test @ http://127.0.0.1:40000/api/v1/aqi/current
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms    3.01ms  60.12ms   95.00%
    Req/Sec    15.10k     1.20k   17.00k    80.00%
  Latency Distribution
     50%    1.48ms
     75%    2.00ms
     90%    3.10ms
     99%   12.50ms
  150000 requests in 10.00s, 1.70GB read
  Non-2xx or 3xx responses: 3
Requests/sec:  15000.00
Transfer/sec:    170.00MB
`
	r, err := parseWrk("x", out)
	if err != nil {
		t.Fatal(err)
	}
	if r.requests != 150000 || r.rate() != 15000 || r.p50.String() != "1.48ms" || r.p99.String() != "12.5ms" || r.failures != 3 {
		t.Errorf("%+v", r)
	}
}
