// Command loadbench measures GET /api/v1/aqi/current served from memory
// against a bare gin handler, in one run, over loopback: both servers and
// the load generator share this process and the machine's cores, so the
// ratio is the cost of the real endpoint (middleware, JSON, ETag) relative
// to gin's floor. `make bench-api` runs it.
//
// The load comes from wrk (Debian package) when it is installed, a C
// client that leaves the cores to the server, and otherwise from a Go
// load generator in this process (-client go forces it).
//
//	go run ./api/loadbench [-duration 10s] [-concurrency 32] [-gzip] [-client wrk|go]
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/configs"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

// result is one measured load.
type result struct {
	name     string
	requests int
	failures int
	elapsed  time.Duration
	p50, p99 time.Duration
	bytes    int64
}

func (r result) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	duration := fs.Duration("duration", 10*time.Second, "how long to load each server")
	warmup := fs.Duration("warmup", time.Second, "unmeasured load before each measurement")
	concurrency := fs.Int("concurrency", 32, "concurrent keep-alive connections")
	useGzip := fs.Bool("gzip", false, "ask for gzip (Accept-Encoding: gzip)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	client := fs.String("client", "", "load generator: wrk or go (default: wrk when installed)")
	nRounds := fs.Int("rounds", 3, "measurements of each server, interleaved; the median is shown")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	cfg, err := configs.Default()
	if err != nil {
		return err
	}
	now := time.Date(2015, 12, 1, 12, 10, 0, 0, api.CST)
	real := api.NewHandler(api.Deps{
		AQI:      snapshot{demoSnapshot(cfg.Stations, cfg.Regions, now.Truncate(time.Hour))},
		Stations: cfg.Stations, Regions: cfg.Regions,
		Now: func() time.Time { return now },
		// No rate limit: the whole load comes from one client address.
	})
	gin.SetMode(gin.ReleaseMode)
	bare := gin.New()
	bare.GET("/api/v1/aqi/current", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	// For reading the figures: bare gin sending the same bytes as the real
	// endpoint, which separates the cost of the bytes from that of the code.
	same := sameBytes(real, *useGzip)
	bareSame := gin.New()
	bareSame.GET("/api/v1/aqi/current", func(c *gin.Context) {
		if *useGzip {
			c.Header("Content-Encoding", "gzip")
		}
		c.Data(http.StatusOK, "application/json; charset=utf-8", same)
	})

	if *client == "" {
		*client = "go"
		if _, err := exec.LookPath("wrk"); err == nil {
			*client = "wrk"
		}
	}
	if *client != "go" && *client != "wrk" {
		return fmt.Errorf("-client %q: want wrk or go", *client)
	}
	if *nRounds < 1 {
		return fmt.Errorf("-rounds %d: want at least 1", *nRounds)
	}
	fmt.Fprintf(out, "loadbench: GOMAXPROCS=%d, client %s, %d connections, %d rounds of %s per server (after %s warm-up; median round), gzip=%v, loopback\n",
		runtime.GOMAXPROCS(0), *client, *concurrency, *nRounds, *duration, *warmup, *useGzip)
	// Rounds interleave the servers, so a neighbour's load on the shared
	// machine falls on all of them; each figure is the median round.
	servers := []struct {
		name string
		h    http.Handler
	}{{"bare gin handler", bare}, {"GET /api/v1/aqi/current", real}, {"bare gin, the same bytes", bareSame}}
	rounds := make([][]result, len(servers))
	for round := 0; round < *nRounds; round++ {
		for i, s := range servers {
			measureWith := measure
			if *client == "wrk" {
				measureWith = measureWrk
			}
			r, err := measureWith(s.name, s.h, *concurrency, *warmup, *duration, *useGzip)
			if err != nil {
				return err
			}
			rounds[i] = append(rounds[i], r)
		}
	}
	var results []result
	for _, rs := range rounds {
		slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.rate(), b.rate()) })
		results = append(results, rs[len(rs)/2])
	}
	fmt.Fprintf(out, "%-26s %12s %10s %10s %10s %9s\n", "", "requests/s", "p50", "p99", "bytes/req", "failures")
	for _, r := range results {
		fmt.Fprintf(out, "%-26s %12.0f %10s %10s %10d %9d\n", r.name, r.rate(), r.p50.Round(time.Microsecond),
			r.p99.Round(time.Microsecond), r.bytes/int64(max(r.requests, 1)), r.failures)
	}
	cur, base := results[1], results[0]
	ratio := cur.rate() / base.rate()
	fmt.Fprintf(out, "ratio (current / bare): %.2f; current / bare with the same bytes: %.2f\n", ratio, cur.rate()/results[2].rate())
	fmt.Fprintf(out, "targets: >= 20000 req/s %s, p99 < 10ms %s, ratio >= 0.5 %s\n",
		mark(cur.rate() >= 20000), mark(cur.p99 < 10*time.Millisecond), mark(ratio >= 0.5))
	if cur.failures > 0 || base.failures > 0 {
		return errors.New("some requests failed")
	}
	return nil
}

func mark(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

// serveLoopback serves h on a free loopback port and returns the URL of
// the endpoint under load.
func serveLoopback(h http.Handler) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/api/v1/aqi/current", func() { srv.Shutdown(context.Background()) }, nil
}

// measure serves h on a loopback port and loads it from concurrency
// workers, each with its own keep-alive connection, for d.
func measure(name string, h http.Handler, concurrency int, warmup, d time.Duration, useGzip bool) (result, error) {
	url, stop, err := serveLoopback(h)
	if err != nil {
		return result{}, err
	}
	defer stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency,
		DisableCompression: true}}
	defer client.CloseIdleConnections()

	load := func(d time.Duration, keep bool) result {
		var wg sync.WaitGroup
		lat := make([][]time.Duration, concurrency)
		fails := make([]int, concurrency)
		sizes := make([]int64, concurrency)
		start := time.Now()
		stop := start.Add(d)
		for w := range concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				if useGzip {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				for {
					t0 := time.Now()
					if t0.After(stop) {
						return
					}
					resp, err := client.Do(req)
					if err != nil {
						fails[w]++
						continue
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						fails[w]++
					}
					if keep {
						lat[w] = append(lat[w], time.Since(t0))
						sizes[w] += n
					}
				}
			}()
		}
		wg.Wait()
		r := result{name: name, elapsed: time.Since(start)}
		var all []time.Duration
		for w := range concurrency {
			all = append(all, lat[w]...)
			r.failures += fails[w]
			r.bytes += sizes[w]
		}
		r.requests = len(all)
		if len(all) > 0 {
			slices.Sort(all)
			r.p50 = all[len(all)*50/100]
			r.p99 = all[len(all)*99/100]
		}
		return r
	}
	load(warmup, false)
	return load(d, true), nil
}

// sameBytes is what the real handler answers (compressed when asked).
func sameBytes(h http.Handler, useGzip bool) []byte {
	req := httptest.NewRequest(http.MethodGet, "/api/v1/aqi/current", nil)
	if useGzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	h.ServeHTTP(httptest.NewRecorder(), req) // the first answer fills the cache
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Body.Bytes()
}

type snapshot struct{ s *aqwarn.AQISnapshot }

func (s snapshot) Current() *aqwarn.AQISnapshot { return s.s }

// demoSnapshot is a full current AQI of the demo county: every station and
// region with all six pollutants, as the AQI job would hold it.
func demoSnapshot(stations []aqwarn.Station, regions []aqwarn.Region, hour time.Time) *aqwarn.AQISnapshot {
	val := func(aqi int) aqwarn.AQIValue {
		return aqwarn.AQIValue{AQI: &aqi, Level: 3, CategoryZH: "轻度污染", CategoryEN: "Lightly Polluted", Color: "#FF7E00",
			Primary: []string{"pm25"}, IAQI: map[string]int{"so2": 6, "no2": 48, "pm10": 95, "co": 22, "o3": 12, "pm25": aqi},
			AdviceZH: "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼。",
			AdviceEN: "Children, the elderly and people with heart or respiratory disease should reduce long or intense outdoor exercise."}
	}
	conc := map[string]float64{"so2": 18, "no2": 96, "pm10": 139, "co": 2.2, "o3": 36, "pm25": 104}
	snap := &aqwarn.AQISnapshot{Computed: hour.Add(5 * time.Minute), Stations: map[string]aqwarn.AQIRecord{}, Regions: map[string]aqwarn.AQIRecord{}}
	for i, s := range stations {
		snap.Stations[s.ID] = aqwarn.AQIRecord{Scope: aqwarn.ScopeStation, ID: s.ID, Time: hour.UTC(), Edition: 2012,
			Conc: conc, Hourly: val(130 + i), Rolling24h: val(120 + i)}
	}
	for i, r := range regions {
		snap.Regions[r.ID] = aqwarn.AQIRecord{Scope: aqwarn.ScopeRegion, ID: r.ID, Time: hour.UTC(), Edition: 2012,
			Conc: conc, Hourly: val(125 + i), Rolling24h: val(118 + i)}
	}
	return snap
}

// measureWrk serves h on a loopback port and loads it with wrk (one
// thread: the cores are shared with the server).
func measureWrk(name string, h http.Handler, concurrency int, warmup, d time.Duration, useGzip bool) (result, error) {
	url, stop, err := serveLoopback(h)
	if err != nil {
		return result{}, err
	}
	defer stop()
	wrk := func(d time.Duration) (string, error) {
		args := []string{"-t1", "-c" + strconv.Itoa(concurrency), "-d" + strconv.Itoa(max(1, int(d.Seconds()))) + "s", "--latency"}
		if useGzip {
			args = append(args, "-H", "Accept-Encoding: gzip")
		}
		b, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("wrk: %v\n%s", err, b)
		}
		return string(b), nil
	}
	if _, err := wrk(warmup); err != nil {
		return result{}, err
	}
	text, err := wrk(d)
	if err != nil {
		return result{}, err
	}
	return parseWrk(name, text)
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in ([\d.]+)(us|ms|s|m),\s+([\d.]+)(B|KB|MB|GB) read`)
	wrkPercent  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$`)
	wrkErrors   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)|Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// parseWrk reads wrk's summary (with --latency).
func parseWrk(name, text string) (result, error) {
	r := result{name: name}
	m := wrkRequests.FindStringSubmatch(text)
	if m == nil {
		return r, fmt.Errorf("cannot read wrk's output:\n%s", text)
	}
	r.requests, _ = strconv.Atoi(m[1])
	r.elapsed = wrkDuration(m[2], m[3])
	size, _ := strconv.ParseFloat(m[4], 64)
	r.bytes = int64(size * map[string]float64{"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[m[5]])
	for _, p := range wrkPercent.FindAllStringSubmatch(text, -1) {
		if p[1] == "50" {
			r.p50 = wrkDuration(p[2], p[3])
		} else {
			r.p99 = wrkDuration(p[2], p[3])
		}
	}
	for _, e := range wrkErrors.FindAllStringSubmatch(text, -1) {
		for _, n := range e[1:] {
			k, _ := strconv.Atoi(n)
			r.failures += k
		}
	}
	if !strings.Contains(text, "99%") {
		return r, fmt.Errorf("wrk printed no latency distribution:\n%s", text)
	}
	return r, nil
}

func wrkDuration(v, unit string) time.Duration {
	f, _ := strconv.ParseFloat(v, 64)
	return time.Duration(f * float64(map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "m": time.Minute}[unit]))
}
