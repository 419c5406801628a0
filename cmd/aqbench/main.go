// Command aqbench measures ingest end to end: it starts a real Mosquitto and
// a real InfluxDB 1.8 (internal/testenv), runs the aqwarn binary against them
// as a child process, publishes readings from many stations over QoS 1 and
// prints
//
//   - the publish-only rate of the load generator against the broker (the
//     ceiling: the same messages on topics nobody subscribes to),
//   - the broker's forwarding ceiling: the same messages delivered over QoS 1
//     to a subscriber that only acknowledges (what no service on this broker
//     and these cores can beat),
//   - the end-to-end rate, from the first publish until the last reading is
//     durable in InfluxDB, and its ratio to both ceilings,
//   - for every run, the CPU each process used (cores, and µs per reading),
//     so it shows where the time of the shared cores went,
//   - p50/p99 publish-to-durable latency at a fixed publish rate,
//   - the peak RSS of the service.
//
// Run it with `make bench-ingest`. Figures are printed, never asserted.
//
// Latency is measured from the outside: the service's durable counter
// (aqwarn_ingest_durable_total) is sampled every 10 ms, and the
// k-th reading published is taken as durable when the counter reaches k.
// This assumes first-in first-out, which the pipeline keeps for the
// messages of one connection, so the figures are good to a batch, not to a
// message. Scraping /metrics costs the service some CPU; the end-to-end run
// samples every 50 ms.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aqwarn/aqwarn"
	ingestmqtt "github.com/aqwarn/aqwarn/ingest/mqtt"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/simulate"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "aqbench:", err)
		os.Exit(1)
	}
}

type options struct {
	bin         string
	stations    int
	readings    int
	rate        int
	rateSeconds int
	window      int
	batchSize   int
	batchWait   time.Duration
	writers     int
	conns       int
	keep        bool
	trace       bool
}

func run(args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("aqbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.bin, "aqwarn", "bin/aqwarn", "the aqwarn binary to run as the service")
	fs.IntVar(&o.stations, "stations", 100, "number of stations")
	fs.IntVar(&o.readings, "readings", 200000, "readings for the ceiling and end-to-end runs")
	fs.IntVar(&o.rate, "rate", 10000, "fixed publish rate of the latency run (readings/s)")
	fs.IntVar(&o.rateSeconds, "rate-seconds", 10, "duration of the latency run")
	fs.IntVar(&o.window, "window", 20000, "QoS 1 publishes in flight at most (over all connections)")
	fs.IntVar(&o.conns, "conns", 4, "connections of the load generator (stations are spread over them)")
	fs.IntVar(&o.batchSize, "batch-size", 5000, "ingest.batch_size of the service")
	fs.DurationVar(&o.batchWait, "batch-wait", 20*time.Millisecond, "ingest.batch_wait of the service")
	fs.IntVar(&o.writers, "writers", 4, "ingest.writers of the service")
	fs.BoolVar(&o.keep, "keep", false, "print the service log at the end")
	fs.BoolVar(&o.trace, "trace", false, "print accepted and durable counts every second of the end-to-end run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(o.bin); err != nil {
		return fmt.Errorf("%s: %w (build it: go build -o bin/aqwarn ./cmd/aqwarn)", o.bin, err)
	}

	env := &testenv.Runner{}
	defer env.Close()
	fmt.Fprintln(stdout, "starting Mosquitto and InfluxDB 1.8 …")
	broker := testenv.StartMosquitto(env)
	ix := testenv.StartInflux(env)
	svc, err := startService(o, broker.URL(), ix, env.TempDir())
	if err != nil {
		return err
	}
	defer svc.stop()

	base := time.Now().UTC().Truncate(time.Minute)
	perStation := o.readings / o.stations
	total := perStation * o.stations
	mainRun := payloads(o.stations, perStation, base, 0)
	latencyN := o.rate * o.rateSeconds
	latencyRun := payloads(o.stations, latencyN/o.stations, base, perStation)

	gen, err := dialLoadgen(broker.URL(), "aqbench-loadgen", o.conns, o.window)
	if err != nil {
		return err
	}
	defer gen.close()

	fmt.Fprintf(stdout, "%d stations, %d readings per run, QoS 1, %d connections, %d publishes in flight at most\n", o.stations, total, o.conns, o.window)

	ps := procs{{"loadgen", os.Getpid()}, {"mosquitto", broker.Pid()}, {"service", svc.cmd.Process.Pid}, {"influxd", ix.Pid()}}

	// 1. The ceiling: the same messages on topics nobody subscribes to.
	c0 := ps.snap()
	start := time.Now()
	if err := gen.publishAll(mainRun, "ceiling"); err != nil {
		return err
	}
	ceilDur := time.Since(start)
	c1 := ps.snap()
	ceiling := float64(total) / ceilDur.Seconds()
	fmt.Fprintf(stdout, "publish-only (ceiling):     %8.0f readings/s  (%d in %s)\n", ceiling, total, ceilDur.Round(time.Millisecond))
	ps.report(stdout, "ceiling", c0, c1, total, ceilDur)

	// 1b. The broker's forwarding ceilings: the same messages delivered over
	// QoS 1 to a subscriber that does nothing but acknowledge — a lean one
	// (close to the broker's limit on these cores) and our paho client (the
	// floor of any service built on it).
	ps.settle(30 * time.Second)
	fwd, err := forwardCeiling(broker.URL(), gen, mainRun, true, ps, stdout)
	if err != nil {
		return err
	}
	ps.settle(30 * time.Second)
	fwdPaho, err := forwardCeiling(broker.URL(), gen, mainRun, false, ps, stdout)
	if err != nil {
		return err
	}

	// 2. End to end: until the service has made the last reading durable.
	ps.settle(30 * time.Second)
	d0, err := svc.metric("aqwarn_ingest_durable_total")
	if err != nil {
		return err
	}
	c0 = ps.snap()
	start = time.Now()
	done := make(chan time.Time, 1)
	go func() { done <- svc.waitDurable(d0+float64(total), 50*time.Millisecond) }()
	if o.trace {
		go func() {
			for range 40 {
				time.Sleep(time.Second)
				a, _ := svc.metric("aqwarn_ingest_accepted_total")
				d, _ := svc.metric("aqwarn_ingest_durable_total")
				fmt.Fprintf(stderr, "t=%4.1fs accepted %.0f durable %.0f\n", time.Since(start).Seconds(), a, d)
			}
		}()
	}
	if err := gen.publishAll(mainRun, "aq"); err != nil {
		return err
	}
	pubDur := time.Since(start)
	end := <-done
	if end.IsZero() {
		return fmt.Errorf("the service did not make %d readings durable within 5 minutes", total)
	}
	e2eDur := end.Sub(start)
	c1 = ps.snap()
	e2e := float64(total) / e2eDur.Seconds()
	n, err := influxCount(ix)
	if err != nil {
		return err
	}
	spooled, _ := svc.metric("aqwarn_ingest_spooled_total")
	fmt.Fprintf(stdout, "end to end (to InfluxDB):  %8.0f readings/s  (%d in %s; publishing took %s)\n", e2e, total, e2eDur.Round(time.Millisecond), pubDur.Round(time.Millisecond))
	ps.report(stdout, "end-to-end", c0, c1, total, e2eDur)
	fmt.Fprintf(stdout, "ratio end-to-end/ceiling:  %8.1f %%   (to forwarding, lean: %.1f %%, paho: %.1f %%; durable kept pace with publishing: %.1f %%)\n",
		100*e2e/ceiling, 100*e2e/fwd, 100*e2e/fwdPaho, 100*pubDur.Seconds()/e2eDur.Seconds())
	fmt.Fprintf(stdout, "InfluxDB holds %d points (want %d), %v spooled\n", n, total, spooled)
	wsum, _ := svc.metric("aqwarn_ingest_batch_write_seconds_sum")
	wcount, _ := svc.metric("aqwarn_ingest_batch_write_seconds_count")
	if wcount > 0 {
		fmt.Fprintf(stdout, "batches written: %.0f, mean write %.1f ms, %.1f s writing in total\n", wcount, 1000*wsum/wcount, wsum)
	}

	// 3. Latency at a fixed rate, once the servers are idle again.
	if d := ps.settle(30 * time.Second); d > time.Second {
		fmt.Fprintf(stdout, "(waited %s for the servers to finish the previous run's background work)\n", d.Round(100*time.Millisecond))
	}
	d0, _ = svc.metric("aqwarn_ingest_durable_total")
	lat, err := latency(gen, svc, latencyRun, o.rate, d0)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "latency at %d readings/s for %d s (publish → durable): p50 %s, p99 %s, max %s\n",
		o.rate, o.rateSeconds, pct(lat, 0.50), pct(lat, 0.99), pct(lat, 1))

	rss, err := peakRSS(svc.cmd.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "peak RSS of the service:   %8.1f MB\n", float64(rss)/1024)
	// The verdicts are printed for the reader, never asserted.
	p99, rssMB := pct(lat, 0.99), float64(rss)/1024
	fmt.Fprintln(stdout, "\ntargets (issue 4):")
	for _, t := range []struct {
		what, got string
		met       bool
	}{
		{"end to end ≥ 90 % of the publish-only ceiling", fmt.Sprintf("%.1f %%", 100*e2e/ceiling), e2e >= 0.9*ceiling},
		{"end to end ≥ 40,000 readings/s", fmt.Sprintf("%.0f/s", e2e), e2e >= 40000},
		{"p99 publish → durable < 1 s", p99.String(), p99 < time.Second},
		{"peak RSS < 300 MB", fmt.Sprintf("%.1f MB", rssMB), rssMB < 300},
	} {
		verdict := "met"
		if !t.met {
			verdict = "NOT met"
		}
		fmt.Fprintf(stdout, "  %-46s %12s  %s\n", t.what, t.got, verdict)
	}
	if o.keep {
		b, _ := os.ReadFile(svc.log)
		fmt.Fprintf(stdout, "\nservice log:\n%s", b)
	}
	return nil
}

// forwardCeiling publishes ms on topics a subscriber that acknowledges
// every message at once listens to, and returns the rate until the last
// message reached it. The subscriber is lean (paho's codec on a plain
// connection, PUBACKs written every millisecond) or our paho client
// (ingest/mqtt, the floor of the service's MQTT layer).
func forwardCeiling(brokerURL string, gen *loadgen, ms []msg, lean bool, ps procs, stdout io.Writer) (float64, error) {
	n := int64(len(ms))
	const filter = "fwd/stations/+/readings"
	var arrived func() int64
	all := make(chan struct{})
	if lean {
		sub, err := startNullSub(brokerURL, "aqbench-null-lean", filter, n)
		if err != nil {
			return 0, err
		}
		defer sub.close()
		arrived, all = sub.got.Load, sub.all
	} else {
		var got atomic.Int64
		sub := ingestmqtt.New(ingestmqtt.Config{URL: brokerURL, ClientID: "aqbench-null-paho", CleanSession: true},
			[]ingestmqtt.Route{{Filter: filter, Handle: func(_ context.Context, _ string, _ []byte, ack func()) {
				ack()
				if got.Add(1) == n {
					close(all)
				}
			}}})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := sub.Connect(ctx); err != nil {
			return 0, err
		}
		if err := sub.WaitConnected(ctx); err != nil {
			return 0, err
		}
		defer sub.Close()
		time.Sleep(200 * time.Millisecond) // the SUBACK: subscribing runs in the OnConnect handler
		arrived = got.Load
	}
	c0 := ps.snap()
	start := time.Now()
	if err := gen.publishAll(ms, "fwd"); err != nil {
		return 0, err
	}
	select {
	case <-all:
	case <-time.After(time.Minute):
		return 0, fmt.Errorf("forwarding ceiling: %d of %d messages arrived within a minute", arrived(), n)
	}
	d := time.Since(start)
	c1 := ps.snap()
	rate := float64(n) / d.Seconds()
	label, what := "forwarding (lean)", "a lean subscriber that only acknowledges"
	if !lean {
		label, what = "forwarding (paho)", "our paho client acknowledging at once"
	}
	fmt.Fprintf(stdout, "%-27s %8.0f readings/s  (%d to %s, in %s)\n", "broker "+label+":", rate, n, what, d.Round(time.Millisecond))
	ps.report(stdout, label, c0, c1, int(n), d)
	return rate, nil
}

type msg struct {
	station      string
	stationIndex int
	payload      []byte
}

// payloads renders perStation 1-minute readings of every station,
// interleaved (s0, s1, …, s0, …), going back from base: reading i of a
// station ends i+skip minutes before base. All six pollutants, as a real
// station sends them.
func payloads(stations, perStation int, base time.Time, skip int) []msg {
	out := make([]msg, 0, stations*perStation)
	for i := range perStation {
		for s := range stations {
			v := float64((i*7+s)%300) + 0.5
			r := aqwarn.Reading{Station: fmt.Sprintf("b%03d", s), Time: base.Add(-time.Duration(i+skip) * time.Minute), Interval: time.Minute,
				Values: []aqwarn.Measure{{Pollutant: aqwarn.SO2, Value: v / 10}, {Pollutant: aqwarn.NO2, Value: v / 3},
					{Pollutant: aqwarn.PM10, Value: v * 1.5}, {Pollutant: aqwarn.CO, Value: v / 100},
					{Pollutant: aqwarn.O3, Value: v / 2}, {Pollutant: aqwarn.PM25, Value: v}}}
			out = append(out, msg{r.Station, s, simulate.EncodeJSON(r)})
		}
	}
	return out
}

// latency publishes at a fixed rate and returns, for each reading, the
// time from its publish to the moment the durable counter passed it.
func latency(g *loadgen, svc *service, ms []msg, rate int, d0 float64) ([]time.Duration, error) {
	type sample struct {
		t time.Time
		n float64
	}
	var samples []sample
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			n, err := svc.metric("aqwarn_ingest_durable_total")
			if err == nil {
				samples = append(samples, sample{time.Now(), n - d0})
				if n-d0 >= float64(len(ms)) {
					return
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	// One connection, each publish sent at once: the time taken is the
	// time it left.
	pc := g.conns[0]
	sent := make([]time.Time, len(ms))
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for k, m := range ms {
		due := start.Add(time.Duration(k) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d) // pacing the load, not waiting for a condition
		}
		sent[k] = time.Now()
		if err := pc.Publish(context.Background(), "aq/stations/"+m.station+"/readings", m.payload); err != nil {
			return nil, err
		}
		if err := pc.W.Flush(); err != nil {
			return nil, err
		}
	}
	if err := pc.Drain(context.Background()); err != nil {
		return nil, err
	}
	select {
	case <-sampled:
	case <-time.After(2 * time.Minute):
		close(stop)
		<-sampled
		return nil, fmt.Errorf("latency run: not every reading became durable within 2 minutes")
	}
	out := make([]time.Duration, len(ms))
	j := 0
	for k := range ms {
		for j < len(samples) && samples[j].n < float64(k+1) {
			j++
		}
		if j == len(samples) {
			return nil, fmt.Errorf("latency run: reading %d never seen durable", k)
		}
		out[k] = max(0, samples[j].t.Sub(sent[k]))
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out, nil
}

func pct(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))) - 1
	i = min(max(i, 0), len(sorted)-1)
	return sorted[i].Round(time.Millisecond)
}

// service is the aqwarn binary running against the test servers.
type service struct {
	cmd  *exec.Cmd
	url  string
	log  string
	done chan struct{}
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

func startService(o options, brokerURL string, ix *testenv.Influx, dir string) (*service, error) {
	var b strings.Builder
	fmt.Fprintf(&b, `http: {addr: "127.0.0.1:0"}
mqtt: {embedded: false, url: %q, client_id: aqwarn-bench, topic_prefix: aq}
store: {dir: %q, readings: influx}
influx: {url: %q, bucket: %q}
aqi: {edition: auto, schedule: "5 * * * *", on_data: 0s}
ingest: {queue_size: 20000, batch_size: %d, batch_wait: %s, writers: %d}
demo: {enabled: false}
stations:
`, brokerURL, filepath.Join(dir, "store"), ix.URL(), ix.Bucket(), o.batchSize, o.batchWait, o.writers)
	for s := range o.stations {
		fmt.Fprintf(&b, "  - {id: b%03d, name_zh: 站%d, name_en: Bench %d, region: jianghua, pollutants: [so2, no2, pm10, co, o3, pm25]}\n", s, s, s)
	}
	cfg := filepath.Join(dir, "aqwarn.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	s := &service{log: filepath.Join(dir, "aqwarn.log"), done: make(chan struct{})}
	logf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(o.bin, "serve", "--config", cfg, "--log-level", "warn")
	s.cmd.Stderr = logf
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.cmd.Wait(); logf.Close(); close(s.done) }()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case s.url = <-urls:
	case <-s.done:
		b, _ := os.ReadFile(s.log)
		return nil, fmt.Errorf("aqwarn exited at start:\n%s", b)
	case <-time.After(time.Minute):
		s.stop()
		return nil, fmt.Errorf("aqwarn did not start within a minute")
	}
	// Wait until it is subscribed: /readyz checks the broker connection.
	for deadline := time.Now().Add(time.Minute); ; {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("aqwarn not ready within a minute")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *service) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// metric reads one unlabelled sample from the service's /metrics.
// Scraping costs the service CPU, so the bench scrapes every 10–20 ms only
// and without compression.
func (s *service) metric(name string) (float64, error) {
	req, _ := http.NewRequest(http.MethodGet, s.url+"/metrics", nil)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, sc.Err()
}

// waitDurable polls until the durable counter reaches n and returns when it
// did (zero after 5 minutes).
func (s *service) waitDurable(n float64, every time.Duration) time.Time {
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		if v, err := s.metric("aqwarn_ingest_durable_total"); err == nil && v >= n {
			return time.Now()
		}
		time.Sleep(every)
	}
	return time.Time{}
}

// influxCount counts the PM2.5 points through the 1.x query API.
func influxCount(ix *testenv.Influx) (int, error) {
	resp, err := http.PostForm(ix.URL()+"/query", url.Values{"q": {`SELECT COUNT(pm25) FROM reading GROUP BY station`}, "db": {ix.Database}, "epoch": {"s"}})
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body struct {
		Results []struct {
			Series []struct {
				Values [][]json.Number `json:"values"`
			} `json:"series"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || len(body.Results) == 0 {
		return 0, fmt.Errorf("influx count: %v", err)
	}
	n := 0
	for _, s := range body.Results[0].Series {
		for _, v := range s.Values {
			c, _ := v[1].Int64()
			n += int(c)
		}
	}
	return n, nil
}

// peakRSS returns VmHWM of the process in kB.
func peakRSS(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
