// Command loadtest floods the HJ 212 TCP listener with idle connections,
// the fd-exhaustion attack of the 2026-12 audit (H3), and prints what the
// listener and its neighbours did meanwhile: connections accepted and
// refused, the latency of an HTTP server (a small one in this process, or
// -url) and of an authenticated logger sending frames through the flood,
// peak file descriptors and RSS. It prints figures and asserts nothing.
//
// By default the listener runs in this process with its production
// defaults, except a first-frame timeout short enough to be seen in one
// run; -addr floods a running `aqwarn serve` instead (give -mn and -pw of
// a configured station to keep a logger talking through it).
//
// The flood comes from -sources loopback addresses (127.0.0.2 …), so the
// per-IP cap alone does not turn it away and the total cap is exercised.
//
//	go run ./ingest/hj212/loadtest [-conns 20000] [-hold 15s] [-addr host:port -url http://… -mn MN -pw PW]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aqwarn/aqwarn/ingest/hj212"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// Descriptors kept back for the listener's own connections, the HTTP
// server and probe, the logger and the runtime.
const fdMargin = 512

// The logger the in-process handler knows.
const (
	loggerMN = "LOADTEST0000000000000001"
	loggerPW = "123456"
)

type options struct {
	conns, sources, dialers int
	hold, firstFrame        time.Duration
	addr, url, mn, pw       string
	maxConns, maxPerIP      int
	stations                int
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	var o options
	fs.IntVar(&o.conns, "conns", 20000, "connections to open")
	fs.IntVar(&o.sources, "sources", 250, "loopback source addresses to spread them over (127.0.0.2 …)")
	fs.IntVar(&o.dialers, "dialers", 256, "connections being opened at once")
	fs.DurationVar(&o.hold, "hold", 15*time.Second, "how long the flood lasts; every connection is held silent until then")
	fs.StringVar(&o.addr, "addr", "", "HJ 212 listener to flood (default: one started in this process)")
	fs.StringVar(&o.url, "url", "", "URL to probe during the flood (default: a small HTTP server in this process)")
	fs.StringVar(&o.mn, "mn", "", "MN of the logger kept talking through the flood (with -addr; in process: its own)")
	fs.StringVar(&o.pw, "pw", "", "its PW")
	fs.DurationVar(&o.firstFrame, "first-frame-timeout", 10*time.Second, "in-process listener: first-frame timeout")
	fs.IntVar(&o.maxConns, "max-conns", 0, "in-process listener: MaxConns (0: its default)")
	fs.IntVar(&o.maxPerIP, "max-conns-per-ip", 0, "in-process listener: MaxConnsPerIP (0: its default)")
	fs.IntVar(&o.stations, "stations", 12, "in-process listener: registered stations, for the default MaxConns")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.sources = max(o.sources, 1)
	o.dialers = max(o.dialers, 1)

	// The flood's client sockets live in this process too.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	soft := lim.Cur
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("raise RLIMIT_NOFILE: %w", err)
	}
	fmt.Fprintf(stdout, "RLIMIT_NOFILE: soft %d -> %d (hard %d)\n", soft, lim.Cur, lim.Max)
	if need := uint64(o.conns + fdMargin); lim.Cur < need {
		o.conns = max(int(lim.Cur)-fdMargin, 1)
		fmt.Fprintf(stdout, "  below %d (connections + margin %d): opening %d connections instead\n", need, fdMargin, o.conns)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var srv *hj212.Server
	addr := o.addr
	if addr == "" {
		srv = &hj212.Server{Addr: "127.0.0.1:0", Handler: loggerOnly{}, FirstFrameTimeout: o.firstFrame,
			MaxConns: o.maxConns, MaxConnsPerIP: o.maxPerIP, ExpectedLoggers: o.stations}
		if err := srv.Start(ctx); err != nil {
			return err
		}
		defer srv.Shutdown(context.Background())
		addr = srv.Address()
		o.mn, o.pw = loggerMN, loggerPW
		fmt.Fprintf(stdout, "listener: in process on %s (max_conns %s, max_conns_per_ip %s, first_frame_timeout %s, other limits default)\n",
			addr, orDefault(o.maxConns, fmt.Sprintf("default for %d stations", o.stations)), orDefault(o.maxPerIP, "default"), o.firstFrame)
	} else {
		fmt.Fprintf(stdout, "listener: %s\n", addr)
	}
	probeURL := o.url
	if probeURL == "" {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"stations":[{"id":"s01","aqi":57,"level":2}]}`)
		}))
		defer hs.Close()
		probeURL = hs.URL + "/api/v1/aqi/current"
	}

	var peaks peakWatch
	peaks.start()
	rssBefore := status("VmRSS")

	// The logger connects before the flood, as the stations are.
	var lg *logger
	if o.mn != "" {
		lg = &logger{addr: addr, mn: o.mn, pw: o.pw}
		if err := lg.connect(); err != nil {
			return fmt.Errorf("logger: %w", err)
		}
	}
	floodEnd := time.Now().Add(o.hold)
	fctx, stopFlood := context.WithDeadline(ctx, floodEnd)
	defer stopFlood()
	var side sync.WaitGroup
	var probe prober
	side.Go(func() { probe.run(fctx, probeURL) })
	if lg != nil {
		side.Go(func() { lg.run(fctx) })
	}

	start := time.Now()
	f := flood(fctx, addr, o)
	side.Wait()
	peaks.stop()

	fmt.Fprintf(stdout, "flood: %d connections from %d addresses opened in %.1fs (%d dial errors), held until %.0fs\n",
		f.dialled.Load(), o.sources, time.Unix(0, f.lastDial.Load()).Sub(start).Seconds(), f.dialErrors.Load(), o.hold.Seconds())
	if srv != nil {
		st := srv.Stats()
		fmt.Fprintf(stdout, "  listener: accepted %d, refused %d (max_conns %d, max_conns_per_ip %d), closed at first-frame timeout %d, accept errors %d\n",
			st.Accepted, st.RefusedTotal+st.RefusedPerIP, st.RefusedTotal, st.RefusedPerIP, st.ClosedFirstFrame, st.AcceptErrors)
	}
	fmt.Fprintf(stdout, "  clients: closed by the listener within 1s %d, later %d, still open at the end %d\n",
		f.closedAtOnce.Load(), f.closedLater.Load(), f.heldToEnd.Load())
	fmt.Fprintf(stdout, "HTTP %s (new connection each) during the flood: %s\n", probeURL, probe.summary(time.Unix(0, f.lastDial.Load())))
	if lg != nil {
		fmt.Fprintf(stdout, "logger %s: %s\n", o.mn, lg.summary())
	}
	fmt.Fprintf(stdout, "process: peak open fds %d, peak goroutines %d, RSS %s before, peak (VmHWM) %s\n",
		peaks.fds.Load(), peaks.goroutines.Load(), rssBefore, status("VmHWM"))
	return nil
}

func orDefault(n int, def string) string {
	if n == 0 {
		return def
	}
	return strconv.Itoa(n)
}

// loggerOnly authenticates the one logger of the run and nobody else.
type loggerOnly struct{}

func (loggerOnly) HandleFrame(_ context.Context, f hj212.Frame, _ []byte) error {
	if f.MN != loggerMN || f.PW != loggerPW {
		return hj212.ErrUnauthenticated
	}
	return nil
}

func (loggerOnly) HandleInvalid(context.Context, []byte, error) {}

type floodResult struct {
	dialled, dialErrors                  atomic.Int64
	lastDial                             atomic.Int64 // UnixNano when the last dial ended
	closedAtOnce, closedLater, heldToEnd atomic.Int64
}

// flood opens o.conns silent connections, o.dialers at a time, and holds
// each until ctx ends or the listener closes it.
func flood(ctx context.Context, addr string, o options) *floodResult {
	var r floodResult
	var wg sync.WaitGroup
	slots := make(chan struct{}, o.dialers)
	for i := range o.conns {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return &r
		}
		k := i % o.sources
		ip := net.IPv4(127, byte(k/62500), byte(k/250%250), byte(2+k%250))
		wg.Go(func() {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
			c, err := d.DialContext(ctx, "tcp", addr)
			<-slots
			raise(&r.lastDial, time.Now().UnixNano())
			if err != nil {
				if ctx.Err() == nil {
					r.dialErrors.Add(1)
				}
				return
			}
			r.dialled.Add(1)
			defer c.Close()
			opened := time.Now()
			stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Unix(1, 0)) })
			defer stop()
			_, err = c.Read(make([]byte, 1))
			switch {
			case ctx.Err() != nil:
				r.heldToEnd.Add(1)
			case err != nil && time.Since(opened) < time.Second:
				r.closedAtOnce.Add(1)
			default:
				r.closedLater.Add(1)
			}
		})
	}
	wg.Wait()
	return &r
}

// prober GETs a URL in a loop on a fresh connection each time, as a new
// visitor would: when descriptors run out it is the first to notice.
type prober struct {
	lat    []sample
	errors int
	last   error
}

type sample struct {
	at time.Time
	d  time.Duration
}

func (p *prober) run(ctx context.Context, url string) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for ctx.Err() == nil {
		t0 := time.Now()
		resp, err := client.Get(url)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %s", resp.Status)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.errors++
			p.last = err
		} else {
			p.lat = append(p.lat, sample{t0, time.Since(t0)})
		}
		// 40 a second: under the service's default per-client rate limit
		// (50/s), so -url against `aqwarn serve` measures latency, not 429s.
		select {
		case <-ctx.Done():
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// summary gives the latencies of the whole flood and of the requests
// started while connections were still being opened (before split).
func (p *prober) summary(split time.Time) string {
	s := fmt.Sprintf("%d answered, %d failed", len(p.lat), p.errors)
	var all, opening []time.Duration
	for _, x := range p.lat {
		all = append(all, x.d)
		if x.at.Before(split) {
			opening = append(opening, x.d)
		}
	}
	if len(all) > 0 {
		s += ", " + percentiles(all)
	}
	if len(opening) > 0 {
		s += fmt.Sprintf("; while the connections were being opened: %d answered, %s", len(opening), percentiles(opening))
	}
	if p.last != nil {
		s += fmt.Sprintf(" (last error: %v)", p.last)
	}
	return s
}

func percentiles(d []time.Duration) string {
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	return fmt.Sprintf("p50 %s, p99 %s, max %s", at(0.5).Round(10*time.Microsecond),
		at(0.99).Round(10*time.Microsecond), d[len(d)-1].Round(10*time.Microsecond))
}

// logger is an authenticated station sending a frame every 100 ms and
// waiting for each ACK; when its connection is lost it connects again.
type logger struct {
	addr, mn, pw string
	conn         net.Conn
	rd           *bufio.Reader
	seq          int
	lat          []time.Duration
	sent, lost   int
	reconnects   int
	refused      int
}

func (l *logger) connect() error {
	c, err := net.DialTimeout("tcp", l.addr, 5*time.Second)
	if err != nil {
		return err
	}
	l.conn, l.rd = c, bufio.NewReader(c)
	// One frame at once, as loggers do on connecting: it authenticates.
	if _, err := l.exchange(); err != nil {
		c.Close()
		l.conn = nil
		return err
	}
	return nil
}

func (l *logger) exchange() (time.Duration, error) {
	l.seq++
	now := time.Now()
	v := 35.0
	frame := hj212.Encode(hj212.Frame{QN: hj212.QN(now), ST: hj212.STAmbientAir, CN: hj212.CNRealtime, PW: l.pw, MN: l.mn,
		Version: hj212.Version2017, WantsAck: true, DataTime: now.In(hj212.Beijing()).Truncate(time.Minute),
		Values: map[string]hj212.Value{"a34004": {Rtd: &v, Flag: "N"}}})
	l.conn.SetDeadline(now.Add(5 * time.Second))
	if _, err := l.conn.Write(frame); err != nil {
		return 0, err
	}
	line, err := l.rd.ReadString('\n')
	if err != nil {
		return 0, err
	}
	if !strings.Contains(line, "CN=9014") {
		return 0, fmt.Errorf("reply %q is not an ACK", line)
	}
	return time.Since(now), nil
}

func (l *logger) run(ctx context.Context) {
	defer func() {
		if l.conn != nil {
			l.conn.Close()
		}
	}()
	for ctx.Err() == nil {
		if l.conn == nil {
			l.reconnects++
			if err := l.connect(); err != nil {
				l.refused++
			}
		} else {
			l.sent++
			d, err := l.exchange()
			if err != nil {
				l.lost++
				l.conn.Close()
				l.conn = nil
			} else {
				l.lat = append(l.lat, d)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (l *logger) summary() string {
	s := fmt.Sprintf("%d frames sent, %d ACKed, %d lost, %d reconnects (%d failed)", l.sent, len(l.lat), l.lost, l.reconnects, l.refused)
	if len(l.lat) > 0 {
		s += ", ACK " + percentiles(l.lat)
	}
	return s
}

// peakWatch samples the process's open descriptors and goroutines.
type peakWatch struct {
	fds, goroutines atomic.Int64
	done            chan struct{}
	wg              sync.WaitGroup
}

func (p *peakWatch) start() {
	p.done = make(chan struct{})
	p.wg.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
				raise(&p.fds, int64(len(ents)))
			}
			raise(&p.goroutines, int64(runtime.NumGoroutine()))
			select {
			case <-p.done:
				return
			case <-t.C:
			}
		}
	})
}

func (p *peakWatch) stop() { close(p.done); p.wg.Wait() }

func raise(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// status returns a field of /proc/self/status, e.g. "VmHWM" → "58 MB".
func status(field string) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if kb, err := strconv.Atoi(f[0]); err == nil {
				return fmt.Sprintf("%d MB", kb/1024)
			}
		}
	}
	return "?"
}
