// Command aqflood prints what a hostile MQTT flood from one station
// account costs the service: the attacks of the 2026-12 security audit,
// H4 (one 200 MB message: 2.72 GB RSS before the fix) and M4 (tens of
// thousands of garbage messages: 40,000 dead-letter rows and +66 MB of
// SQLite before), run against the aqwarn binary as a child process.
//
// It builds nothing: give it the binary (go build -o bin/aqwarn ./cmd/aqwarn).
// The service runs on loopback in a temporary directory with a deployment's
// configuration, not the demo's: the embedded broker with accounts (one
// station account, sa) or, with -mosquitto, also a real Mosquitto set up
// with the files `aqwarn broker-acl` writes; the embedded SQLite store; a
// staff token to read the dead letters.
//
// For each broker, station sa attacks on its own topic,
// aq/stations/sa/readings, over QoS 1:
//
//	A   one -big-mb MiB message (streamed; the broker should close the door),
//	A2  -near-cap messages just under the broker's packet cap (what gets through),
//	B   -garbage messages, mixed (random bytes, truncated JSON, 5,000-deep
//	    nesting, unknown unit, bad time), pipelined as fast as the broker takes
//	    them with at most -window in flight, while station sb sends one valid
//	    reading every 100 ms (how many of them become durable is printed),
//
// and for each it prints the service's RSS (before, peak — VmHWM, reset
// before each attack, and VmRSS sampled every 100 ms — and after -settle),
// the dead letters kept (rows and payload bytes, counted through the API
// with limit=1000 paging; the totals once more from the SQLite file opened
// read-only after the service stopped), the rejection counters of /metrics
// (aqwarn_ingest_rejected_total, aqwarn_ingest_deadletters_not_kept_total),
// whether the service stayed up (process, /healthz during and after,
// /readyz, a valid reading made durable afterwards), the p50/p99 of
// GET /api/v1/aqi/current during the attack, the SQLite file size and the
// service log's growth. Figures are printed, never asserted; progress goes
// to stderr.
//
//	go run ./cmd/aqflood [-aqwarn bin/aqwarn] [-mosquitto] [-big-mb 200] [-garbage 100000]
//
// Every socket is on 127.0.0.1. Child processes and temporary directories
// are removed on exit and on Ctrl-C.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aqwarn/aqwarn/api"
	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/broker"
	"github.com/aqwarn/aqwarn/internal/testenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }() // a second Ctrl-C kills at once
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "aqflood: interrupted; child processes stopped, temporary files removed")
		os.Exit(130)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "aqflood:", err)
		os.Exit(1)
	}
}

type options struct {
	bin       string
	bigMB     int
	garbage   int
	nearCap   int
	window    int
	mosquitto bool
	settle    time.Duration
	keepLog   bool
}

const topic = "aq/stations/sa/readings"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("aqflood", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.bin, "aqwarn", "bin/aqwarn", "the aqwarn binary to run as the service (go build -o bin/aqwarn ./cmd/aqwarn)")
	fs.IntVar(&o.bigMB, "big-mb", 200, "attack A: size of the one big message, MiB (MQTT carries at most 255)")
	fs.IntVar(&o.nearCap, "near-cap", 5, "attack A2: messages just under the broker's packet cap (0: skip)")
	fs.IntVar(&o.garbage, "garbage", 100000, "attack B: garbage messages")
	fs.IntVar(&o.window, "window", 1000, "attack B: QoS 1 publishes in flight at most")
	fs.BoolVar(&o.mosquitto, "mosquitto", false, "also attack through a real Mosquitto set up with `aqwarn broker-acl` ($AQWARN_MOSQUITTO or mosquitto on PATH)")
	fs.DurationVar(&o.settle, "settle", 3*time.Second, "wait after each attack before reading the RSS it settled to")
	fs.BoolVar(&o.keepLog, "log", false, "print the end of each service log")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(o.bin); err != nil {
		return fmt.Errorf("%s: %w (build it: go build -o bin/aqwarn ./cmd/aqwarn)", o.bin, err)
	}
	if abs, err := filepath.Abs(o.bin); err == nil {
		o.bin = abs
	}

	env := &testenv.Runner{Log: func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }}
	defer env.Close() // also on Ctrl-C: every wait below ends with ctx

	fmt.Fprintf(stdout, "aqflood: %s; station account sa floods %s; attacks: A one %d MiB message, A2 %d near the cap, B %d garbage (window %d)\n",
		o.bin, topic, o.bigMB, o.nearCap, o.garbage, o.window)
	targets := []string{"embedded"}
	if o.mosquitto {
		targets = append(targets, "mosquitto")
	}
	var all []*targetReport
	for _, name := range targets {
		t, err := runTarget(ctx, o, env, name, stdout, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		all = append(all, t)
	}
	printSummary(stdout, o, all)
	return nil
}

// snap is the state of the service at one moment.
type snap struct {
	rssKB    int
	dl       deadLetterCount
	rejected counters
	notKept  counters
	unkept   counters
	durable  float64
	db, wal  int64
	logLines int
	logBytes int64
}

func takeSnap(s *service) (snap, error) {
	var sn snap
	sn.rssKB, _ = procKB(s.pid, "VmRSS")
	m, err := s.metrics("aqwarn_ingest_rejected_total", "aqwarn_ingest_deadletters_not_kept_total",
		"aqwarn_ingest_deadletters_unkept_total", "aqwarn_ingest_durable_total")
	if err != nil {
		return sn, err
	}
	sn.rejected, sn.notKept, sn.unkept = m["aqwarn_ingest_rejected_total"], m["aqwarn_ingest_deadletters_not_kept_total"], m["aqwarn_ingest_deadletters_unkept_total"]
	sn.durable = m["aqwarn_ingest_durable_total"][""]
	if sn.dl, err = s.deadLetters(); err != nil {
		return sn, err
	}
	sn.db, sn.wal = s.storeBytes()
	sn.logLines, sn.logBytes = s.logSize()
	return sn, nil
}

// attackReport is what one attack did.
type attackReport struct {
	key, title     string
	publisher      []string
	before, after  snap
	hwmKB          int
	hwmReset       bool
	brokerBeforeKB int
	brokerHWMKB    int
	brokerSettled  int
	probe          probeStats
	settledKB      int
	alive          bool
	healthz        int
	readyz         int
	valid          string // a valid reading afterwards
	sent           int    // messages the broker acknowledged
	pid            int    // the service's
	brokerPID      int    // Mosquitto's (0: embedded)
	settle         time.Duration
}

// targetReport is one broker's run.
type targetReport struct {
	name, title string
	startKB     int
	startDB     int64
	attacks     []*attackReport
	stopTook    time.Duration
	stopErr     error
	store       storeCount
	storeErr    error
	dbAfterStop int64
	walAfter    int64
	brokerLog   []string
}

// target is the running service and broker of one run.
type target struct {
	o         options
	svc       *service
	mq        *testenv.Mosquitto
	saPW      string
	sbPW      string // station sb keeps sending valid readings through the flood
	brokerPID int
	stderr    io.Writer
	validHour int // valid readings sent so far (each its own hour)
}

func secret() string {
	b := make([]byte, 18)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func runTarget(ctx context.Context, o options, env *testenv.Runner, name string, stdout, stderr io.Writer) (*targetReport, error) {
	dir := env.TempDir()
	storeDir := filepath.Join(dir, "store")
	cfgPath := filepath.Join(dir, "aqwarn.yaml")
	t := &target{o: o, saPW: "sa-" + secret(), sbPW: "sb-" + secret(), stderr: stderr}
	token := "flood-" + secret()
	embedded := name == "embedded"
	rep := &targetReport{name: name}
	var brokerURL string
	var svcEnv []string
	if embedded {
		rep.title = fmt.Sprintf("embedded broker (mochi-mqtt in the service, packet cap %d B), accounts in mqtt.accounts", broker.DefaultMaxMessageBytes)
	} else {
		// `aqwarn broker-acl` writes the password file, ACL and broker
		// settings from the configuration; the broker's URL is known only
		// once it runs, and the files do not depend on it. The service's two
		// logins get the same password: it has one mqtt.password for both.
		svcPW := "svc-" + secret()
		creds := filepath.Join(dir, "passwords.txt")
		if err := os.WriteFile(creds, fmt.Appendf(nil, "aqwarn-flood %s\naqwarn-flood-publish %s\nsa %s\nsb %s\n", svcPW, svcPW, t.saPW, t.sbPW), 0o600); err != nil {
			return nil, err
		}
		if err := os.WriteFile(cfgPath, []byte(serviceConfig(false, "tcp://127.0.0.1:1", storeDir, "", "", api.HashToken(token))), 0o600); err != nil {
			return nil, err
		}
		out := filepath.Join(dir, "broker")
		cmd := exec.CommandContext(ctx, o.bin, "broker-acl", "--config", cfgPath, "--out", out, "--passwords", creds)
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("aqwarn broker-acl: %v\n%s", err, b)
		}
		conf, err := os.ReadFile(filepath.Join(out, "mosquitto.conf"))
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(stderr, "aqflood: starting Mosquitto with the files of `aqwarn broker-acl` …")
		t.mq = testenv.StartMosquittoWith(env, string(conf))
		brokerURL, t.brokerPID = t.mq.URL(), t.mq.Pid()
		svcEnv = []string{"AQWARN_MQTT_PASSWORD=" + svcPW}
		rep.title = fmt.Sprintf("Mosquitto (%s) with `aqwarn broker-acl` files: max_packet_size %d, password file, ACL", brokerURL, broker.DefaultMaxMessageBytes)
	}
	if err := os.WriteFile(cfgPath, []byte(serviceConfig(embedded, brokerURL, storeDir, broker.HashPassword(t.saPW), broker.HashPassword(t.sbPW), api.HashToken(token))), 0o600); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "aqflood: starting %s serve (%s) …\n", o.bin, name)
	svc, err := startService(ctx, o.bin, cfgPath, storeDir, token, svcEnv, embedded, brokerURL)
	if err != nil {
		return nil, err
	}
	env.Cleanup(func() { svc.stop() })
	t.svc = svc
	fmt.Fprintf(stdout, "\n== %s ==\n", rep.title)
	fmt.Fprintf(stdout, "service pid %d on %s, broker %s, store %s\n", svc.pid, svc.url, svc.brokerURL, storeDir)

	// One valid reading first, so the public API has something to serve.
	if v := t.validReading(ctx); v != "" {
		fmt.Fprintf(stdout, "before the attacks: a valid reading from sa %s\n", v)
	}
	rep.startKB, _ = procKB(svc.pid, "VmRSS")
	db, wal := svc.storeBytes()
	rep.startDB = db + wal
	fmt.Fprintf(stdout, "at start: RSS %s, SQLite %s\n", kb(rep.startKB), dbSize(db, wal))

	attacks := []struct {
		key, title string
		do         func(context.Context, *attackReport) error
	}{
		{"A", fmt.Sprintf("one %d MiB message on %s (as sa, QoS 1)", o.bigMB, topic), t.bigMessage},
		{"A2", fmt.Sprintf("%d messages of %d B, just under the broker's packet cap", o.nearCap, nearCapSize()), t.nearCapMessages},
		{"B", fmt.Sprintf("%d garbage messages on %s (as sa, QoS 1, %d in flight at most)", o.garbage, topic, o.window), t.garbageFlood},
	}
	for _, a := range attacks {
		if (a.key == "A2" && o.nearCap <= 0) || (a.key == "B" && o.garbage <= 0) || (a.key == "A" && o.bigMB <= 0) {
			continue
		}
		ar, err := t.attack(ctx, a.key, a.title, a.do)
		if err != nil {
			return nil, fmt.Errorf("attack %s: %w", a.key, err)
		}
		rep.attacks = append(rep.attacks, ar)
		printAttack(stdout, ar, t.brokerPID != 0)
		if !ar.alive {
			break
		}
	}

	// The store's own count, once the service has stopped.
	rep.stopTook, rep.stopErr = svc.stop()
	rep.dbAfterStop, rep.walAfter = svc.storeBytes()
	rep.store, rep.storeErr = countStore(ctx, storeDir)
	if t.mq != nil {
		// What Mosquitto said about refusals, each message once with a count.
		seen := map[string]int{}
		var order []string
		for _, l := range strings.Split(t.mq.Log(), "\n") {
			low := strings.ToLower(l)
			if !strings.Contains(low, "oversize") && !strings.Contains(low, "too large") && !strings.Contains(low, "exceeded") &&
				!strings.Contains(low, "not authori") && !strings.Contains(low, "dropped") {
				continue
			}
			if _, msg, ok := strings.Cut(l, ": "); ok { // drop the timestamp
				l = msg
			}
			if seen[l] == 0 {
				order = append(order, l)
			}
			seen[l]++
		}
		for _, l := range order {
			rep.brokerLog = append(rep.brokerLog, fmt.Sprintf("%s (×%d)", l, seen[l]))
		}
	}
	printTarget(stdout, rep)
	if o.keepLog {
		fmt.Fprintf(stdout, "\nservice log (end):\n%s\n", svc.logText())
	}
	return rep, nil
}

// attack runs do between two snapshots, with the watch running.
func (t *target) attack(ctx context.Context, key, title string, do func(context.Context, *attackReport) error) (*attackReport, error) {
	ar := &attackReport{key: key, title: title, pid: t.svc.pid, brokerPID: t.brokerPID, settle: t.o.settle}
	fmt.Fprintf(t.stderr, "aqflood: attack %s: %s\n", key, title)
	var err error
	if ar.before, err = takeSnap(t.svc); err != nil {
		return nil, err
	}
	ar.hwmReset = resetHWM(t.svc.pid)
	pids := []int{t.svc.pid}
	if t.brokerPID != 0 {
		ar.brokerBeforeKB, _ = procKB(t.brokerPID, "VmRSS")
		resetHWM(t.brokerPID)
		pids = append(pids, t.brokerPID)
	}
	w := startWatch(t.svc, pids...)
	err = do(ctx, ar)
	ar.probe = w.finish()
	if err != nil {
		return nil, err
	}
	ar.hwmKB, _ = procKB(t.svc.pid, "VmHWM")
	if t.brokerPID != 0 {
		ar.brokerHWMKB, _ = procKB(t.brokerPID, "VmHWM")
	}
	ar.alive = t.svc.alive()
	if !ar.alive {
		ar.after.rssKB = 0
		return ar, nil
	}
	ar.healthz, _ = t.svc.status("/healthz")
	ar.readyz, _ = t.svc.status("/readyz")
	if ar.after, err = takeSnap(t.svc); err != nil {
		return nil, err
	}
	ar.valid = t.validReading(ctx)
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(t.o.settle):
	}
	ar.settledKB, _ = procKB(t.svc.pid, "VmRSS")
	if t.brokerPID != 0 {
		ar.brokerSettled, _ = procKB(t.brokerPID, "VmRSS")
	}
	return ar, nil
}

// validReading publishes one good reading from sa (each call its own
// hour) and says how long it took to become durable.
func (t *target) validReading(ctx context.Context) string {
	m, err := t.svc.metrics("aqwarn_ingest_durable_total")
	if err != nil {
		return "not checked: " + err.Error()
	}
	d0 := m["aqwarn_ingest_durable_total"][""]
	pc, err := dialPub(ctx, t.svc.brokerURL, "sa", "sa", t.saPW, 1)
	if err != nil {
		return "NOT sent: " + err.Error()
	}
	defer pc.Close()
	t.validHour++
	hour := time.Now().Truncate(time.Hour).Add(-time.Duration(t.validHour) * time.Hour).In(aqi.CST)
	payload := fmt.Appendf(nil, `{"station":"sa","time":%q,"interval":"1h","values":{"pm25":{"value":%d,"unit":"ug/m3"},"no2":{"value":20,"unit":"ug/m3"}}}`,
		hour.Format(time.RFC3339), 30+t.validHour)
	start := time.Now()
	if err := pc.Publish(ctx, topic, payload); err != nil {
		return "NOT sent: " + err.Error()
	}
	if err := pc.Drain(ctx); err != nil {
		return "NOT acknowledged by the broker: " + err.Error()
	}
	for deadline := start.Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		m, err := t.svc.metrics("aqwarn_ingest_durable_total")
		if err == nil && m["aqwarn_ingest_durable_total"][""] > d0 {
			return fmt.Sprintf("durable in %s", ms(time.Since(start)))
		}
		if ctx.Err() != nil {
			return "interrupted"
		}
	}
	return "NOT durable within 30 s"
}

// waitRejected waits until the service counted want more rejections than
// before, or nothing changed for quiet, and returns when the count last grew.
func (t *target) waitRejected(ctx context.Context, before counters, want float64, quiet time.Duration, progress bool) (got float64, last time.Time) {
	last = time.Now()
	nextProgress := time.Now().Add(3 * time.Second)
	for {
		m, err := t.svc.metrics("aqwarn_ingest_rejected_total")
		if err == nil {
			if g := m["aqwarn_ingest_rejected_total"].total() - before.total(); g != got {
				got, last = g, time.Now()
			}
		}
		if got >= want || time.Since(last) > quiet || ctx.Err() != nil || !t.svc.alive() {
			return got, last
		}
		if progress && time.Now().After(nextProgress) {
			rss, _ := procKB(t.svc.pid, "VmRSS")
			fmt.Fprintf(t.stderr, "aqflood:   service counted %.0f of %.0f rejections, RSS %s\n", got, want, kb(rss))
			nextProgress = time.Now().Add(3 * time.Second)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// bigMessage is attack A: one huge message, streamed.
func (t *target) bigMessage(ctx context.Context, ar *attackReport) error {
	pc, err := dialPub(ctx, t.svc.brokerURL, "sa", "sa", t.saPW, 1)
	if err != nil {
		return err
	}
	defer pc.Close()
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = 'A'
	}
	size := int64(t.o.bigMB) << 20
	res := pc.publishHuge(ctx, topic, size, chunk, 30*time.Second, func(n int64) {
		fmt.Fprintf(t.stderr, "aqflood:   %s of %s written\n", mib(n), mib(size))
	})
	line := fmt.Sprintf("wrote %s of %s (%.2f %%)", mib(res.written), mib(size), 100*float64(res.written)/float64(size))
	if res.writeErr != nil {
		line += ", then: " + res.writeErr.Error()
	}
	ar.publisher = append(ar.publisher, line)
	switch {
	case res.acked:
		ar.publisher = append(ar.publisher, fmt.Sprintf("the broker ACKNOWLEDGED it after %s", ms(res.took)))
		ar.sent = 1
	case res.connEnd != nil:
		ar.publisher = append(ar.publisher, fmt.Sprintf("the broker closed the connection %s after the first byte (%v); no PUBACK", ms(res.took), res.connEnd))
	default:
		ar.publisher = append(ar.publisher, fmt.Sprintf("no PUBACK and the connection still open after %s", ms(res.took)))
	}
	// Whatever did get through is counted within a few seconds.
	got, _ := t.waitRejected(ctx, ar.before.rejected, 1, 3*time.Second, false)
	ar.publisher = append(ar.publisher, fmt.Sprintf("the service counted %.0f rejection(s) for it", got))
	return ctx.Err()
}

// nearCapSize is a payload whose packet is 1 KiB under the broker's cap.
func nearCapSize() int { return broker.DefaultMaxMessageBytes - 1024 }

// nearCapMessages is attack A2: the largest messages the broker lets in.
func (t *target) nearCapMessages(ctx context.Context, ar *attackReport) error {
	pc, err := dialPub(ctx, t.svc.brokerURL, "sa", "sa", t.saPW, max(1, t.o.nearCap))
	if err != nil {
		return err
	}
	defer pc.Close()
	payload := make([]byte, nearCapSize())
	for i := range payload {
		payload[i] = 'A'
	}
	start := time.Now()
	for range t.o.nearCap {
		if err := pc.Publish(ctx, topic, payload); err != nil {
			ar.publisher = append(ar.publisher, "publish: "+err.Error())
			break
		}
	}
	if err := pc.Drain(ctx); err != nil {
		ar.publisher = append(ar.publisher, "drain: "+err.Error())
	}
	ar.sent = int(pc.Acked.Load())
	ar.publisher = append(ar.publisher, fmt.Sprintf("the broker acknowledged %d of %d in %s", pc.Acked.Load(), t.o.nearCap, ms(time.Since(start))))
	got, last := t.waitRejected(ctx, ar.before.rejected, float64(t.o.nearCap), 5*time.Second, false)
	ar.publisher = append(ar.publisher, fmt.Sprintf("the service counted %.0f rejections, the last %s after the first publish", got, ms(last.Sub(start))))
	return ctx.Err()
}

// garbageFlood is attack B.
func (t *target) garbageFlood(ctx context.Context, ar *attackReport) error {
	pc, err := dialPub(ctx, t.svc.brokerURL, "sa", "sa", t.saPW, t.o.window)
	if err != nil {
		return err
	}
	defer pc.Close()
	g := newGarbage("sa", time.Now())
	start := time.Now()
	progressDone := make(chan struct{})
	go func() {
		tk := time.NewTicker(3 * time.Second)
		defer tk.Stop()
		for {
			select {
			case <-progressDone:
				return
			case <-tk.C:
			}
			rej := 0.0
			if m, err := t.svc.metrics("aqwarn_ingest_rejected_total"); err == nil {
				rej = m["aqwarn_ingest_rejected_total"].total() - ar.before.rejected.total()
			}
			rss, _ := procKB(t.svc.pid, "VmRSS")
			fmt.Fprintf(t.stderr, "aqflood:   %4.1fs sent %d, acknowledged %d, service counted %.0f rejections, RSS %s\n",
				time.Since(start).Seconds(), pc.Sent.Load(), pc.Acked.Load(), rej, kb(rss))
		}
	}()
	defer close(progressDone)
	wit, err := t.startWitness(ctx)
	if err != nil {
		return err
	}
	var bytesSent int64
	var pubErr error
	for i := range t.o.garbage {
		p := g.next(i)
		if pubErr = pc.Publish(ctx, topic, p); pubErr != nil {
			break
		}
		bytesSent += int64(len(p))
	}
	if pubErr == nil {
		pubErr = pc.Drain(ctx)
	}
	pubDur := time.Since(start)
	ar.sent = int(pc.Acked.Load())
	kinds := make([]string, 0, len(garbageKinds))
	for _, k := range garbageKinds {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, g.count[k]))
	}
	ar.publisher = append(ar.publisher, fmt.Sprintf("kinds: %s", strings.Join(kinds, ", ")))
	line := fmt.Sprintf("the broker acknowledged %d of %d (%s of payload) in %s: %.0f msg/s", pc.Acked.Load(), t.o.garbage, mib(bytesSent),
		ms(pubDur), float64(pc.Acked.Load())/pubDur.Seconds())
	if pubErr != nil {
		line += "; publishing stopped: " + pubErr.Error()
	}
	ar.publisher = append(ar.publisher, line)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	got, last := t.waitRejected(ctx, ar.before.rejected, float64(pc.Acked.Load()), 10*time.Second, true)
	ar.publisher = append(ar.publisher, fmt.Sprintf("the service counted %.0f rejections, the last %s after the first publish: %.0f msg/s",
		got, ms(last.Sub(start)), got/last.Sub(start).Seconds()))
	ar.publisher = append(ar.publisher, wit.finish(ctx, t.svc))
	return ctx.Err()
}

// witness is station sb sending one valid 1-minute reading every 100 ms
// while sa floods: does the flood cost other stations their data?
type witness struct {
	pc   *pubConn
	d0   float64
	stop chan struct{}
	done chan struct{}
	sent int
	lost string // why it stopped early
}

func (t *target) startWitness(ctx context.Context) (*witness, error) {
	m, err := t.svc.metrics("aqwarn_ingest_durable_total")
	if err != nil {
		return nil, err
	}
	pc, err := dialPub(ctx, t.svc.brokerURL, "sb", "sb", t.sbPW, 100)
	if err != nil {
		return nil, fmt.Errorf("station sb: %w", err)
	}
	w := &witness{pc: pc, d0: m["aqwarn_ingest_durable_total"][""], stop: make(chan struct{}), done: make(chan struct{})}
	base := time.Now().Truncate(time.Minute).In(aqi.CST)
	go func() {
		defer close(w.done)
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			w.sent++
			p := fmt.Appendf(nil, `{"station":"sb","time":%q,"interval":"1m","values":{"pm25":{"value":%d,"unit":"ug/m3"}}}`,
				base.Add(-time.Duration(w.sent)*time.Minute).Format(time.RFC3339), 20+w.sent%50)
			if err := pc.Publish(ctx, "aq/stations/sb/readings", p); err != nil {
				w.lost = err.Error()
				return
			}
			if err := pc.W.Flush(); err != nil {
				w.lost = err.Error()
				return
			}
		}
	}()
	return w, nil
}

// finish stops the witness and says how many of its readings became
// durable (within 10 s more).
func (w *witness) finish(ctx context.Context, s *service) string {
	close(w.stop)
	<-w.done
	drainErr := w.pc.Drain(ctx)
	w.pc.Close()
	durable := 0.0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(50 * time.Millisecond) {
		if m, err := s.metrics("aqwarn_ingest_durable_total"); err == nil {
			if durable = m["aqwarn_ingest_durable_total"][""] - w.d0; durable >= float64(w.sent) {
				break
			}
		}
	}
	line := fmt.Sprintf("station sb meanwhile (one valid reading / 100 ms): %.0f of %d durable", durable, w.sent)
	if w.lost != "" {
		line += "; its publishing stopped: " + w.lost
	} else if drainErr != nil {
		line += "; " + drainErr.Error()
	}
	return line
}

// --- printing ---

func kb(k int) string { return mib(int64(k) << 10) }

func mib(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}

func signedMiB(b int64) string {
	if b < 0 {
		return "−" + mib(-b)
	}
	return "+" + mib(b)
}

func ms(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

func dbSize(db, wal int64) string { return fmt.Sprintf("%s (+ %s WAL/shm)", mib(db), mib(wal)) }

func byReason(c counters) string {
	if len(c) == 0 {
		return "—"
	}
	keys := slices.Sorted(maps.Keys(c))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.0f", k, c[k])
	}
	return strings.Join(parts, ", ")
}

func intsByReason(m map[string]int) string {
	c := counters{}
	for k, v := range m {
		c[k] = float64(v)
	}
	return byReason(c)
}

func dlDelta(a, b deadLetterCount) map[string]int {
	out := map[string]int{}
	for k, v := range b.byReason {
		if d := v - a.byReason[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

func printAttack(w io.Writer, a *attackReport, withBroker bool) {
	fmt.Fprintf(w, "\n%s. %s\n", a.key, a.title)
	for _, l := range a.publisher {
		fmt.Fprintf(w, "   publisher        %s\n", l)
	}
	hwm := "VmHWM"
	if !a.hwmReset {
		hwm = "VmHWM since start (clear_refs refused)"
	}
	if !a.alive {
		fmt.Fprintf(w, "   service          DIED during the attack\n")
		return
	}
	fmt.Fprintf(w, "   service RSS      %s before → peak %s (%s; VmRSS sampled every 100 ms: %s) → %s after, %s %s later\n",
		kb(a.before.rssKB), kb(a.hwmKB), hwm, kb(a.probe.peakKB[a.pid]), kb(a.after.rssKB), kb(a.settledKB), ms(a.settle))
	if withBroker {
		fmt.Fprintf(w, "   Mosquitto RSS    %s before → peak %s (VmHWM; sampled: %s) → %s %s later\n",
			kb(a.brokerBeforeKB), kb(a.brokerHWMKB), kb(a.probe.peakKB[a.brokerPID]), kb(a.brokerSettled), ms(a.settle))
	}
	dl := a.after.dl
	fmt.Fprintf(w, "   dead letters     %+d rows kept (%s), %s of payload kept (%s as received); %d rows, %s in all\n",
		dl.rows-a.before.dl.rows, intsByReason(dlDelta(a.before.dl, dl)), signedMiB(dl.payload-a.before.dl.payload),
		signedMiB(dl.size-a.before.dl.size), dl.rows, mib(dl.payload))
	rej := a.after.rejected.minus(a.before.rejected)
	fmt.Fprintf(w, "   rejected_total   %+.0f (%s)\n", rej.total(), byReason(rej))
	nk := a.after.notKept.minus(a.before.notKept)
	fmt.Fprintf(w, "   not_kept_total   %+.0f (%s)", nk.total(), byReason(nk))
	if uk := a.after.unkept.minus(a.before.unkept); uk.total() != 0 {
		fmt.Fprintf(w, "; unkept (store failed) %+.0f (%s)", uk.total(), byReason(uk))
	}
	fmt.Fprintln(w)
	health := fmt.Sprintf("/healthz %d after, %d/%d ok during", a.healthz, a.probe.healthOK, a.probe.healthOK+a.probe.healthBad)
	fmt.Fprintf(w, "   stayed up        process running, %s, /readyz %d; a valid reading afterwards %s\n", health, a.readyz, a.valid)
	other := "none"
	if len(a.probe.other) > 0 {
		other = intsByReason(a.probe.other)
	}
	fmt.Fprintf(w, "   aqi/current      %d answers 200 during the attack: p50 %s, p99 %s, max %s; others: %s\n",
		a.probe.n, ms(a.probe.p50), ms(a.probe.p99), ms(a.probe.max), other)
	fmt.Fprintf(w, "   SQLite           %s → %s\n", dbSize(a.before.db, a.before.wal), dbSize(a.after.db, a.after.wal))
	fmt.Fprintf(w, "   service log      %+d lines (%s)\n", a.after.logLines-a.before.logLines, signedMiB(a.after.logBytes-a.before.logBytes))
}

func printTarget(w io.Writer, r *targetReport) {
	fmt.Fprintf(w, "\nafter the attacks (%s):\n", r.name)
	if r.stopErr != nil {
		fmt.Fprintf(w, "   shutdown         %s: %v\n", ms(r.stopTook), r.stopErr)
	} else {
		fmt.Fprintf(w, "   shutdown         clean (SIGINT → exit 0) in %s\n", ms(r.stopTook))
	}
	if r.storeErr != nil {
		fmt.Fprintf(w, "   SQLite count     failed: %v\n", r.storeErr)
	} else {
		fmt.Fprintf(w, "   SQLite count     %d dead-letter rows, %s of payload (%s as received): %s [%s, after the service stopped]\n",
			r.store.rows, mib(r.store.payload), mib(r.store.size), intsByReason(r.store.byReason), r.store.how)
	}
	fmt.Fprintf(w, "   SQLite file      %s at start → %s after stop\n", mib(r.startDB), dbSize(r.dbAfterStop, r.walAfter))
	for _, l := range r.brokerLog {
		fmt.Fprintf(w, "   Mosquitto log    %s\n", strings.TrimSpace(l))
	}
}

// printSummary sets the audit's figures beside these.
func printSummary(w io.Writer, o options, ts []*targetReport) {
	fmt.Fprintf(w, "\n== summary (audit 2026-12, before the fixes → now) ==\n")
	get := func(t *targetReport, key string) *attackReport {
		for _, a := range t.attacks {
			if a.key == key {
				return a
			}
		}
		return nil
	}
	fmt.Fprintf(w, "%-44s %-34s", "", "audit (before)")
	for _, t := range ts {
		fmt.Fprintf(w, " %-24s", t.name)
	}
	fmt.Fprintln(w)
	row := func(label, audit string, f func(*targetReport) string) {
		fmt.Fprintf(w, "%-44s %-34s", label, audit)
		for _, t := range ts {
			fmt.Fprintf(w, " %-24s", f(t))
		}
		fmt.Fprintln(w)
	}
	attack := func(key string, f func(*attackReport) string) func(*targetReport) string {
		return func(t *targetReport) string {
			if a := get(t, key); a != nil {
				if !a.alive {
					return "service died"
				}
				return f(a)
			}
			return "—"
		}
	}
	row(fmt.Sprintf("A  %d MiB message: peak RSS", o.bigMB), "575 MiB → 2.72 GB (200 MB)", attack("A", func(a *attackReport) string {
		return kb(a.before.rssKB) + " → " + kb(a.hwmKB)
	}))
	row("A  dead-letter bytes kept", "200 MB row; 355 MB + 211 MB WAL", attack("A", func(a *attackReport) string {
		return signedMiB(a.after.dl.payload - a.before.dl.payload)
	}))
	row(fmt.Sprintf("A2 %d × ~1 MiB: peak RSS", o.nearCap), "(not run)", attack("A2", func(a *attackReport) string {
		return kb(a.before.rssKB) + " → " + kb(a.hwmKB)
	}))
	row(fmt.Sprintf("B  %d garbage: peak RSS", o.garbage), "46 → 124 MB (50,000)", attack("B", func(a *attackReport) string {
		return kb(a.before.rssKB) + " → " + kb(a.hwmKB)
	}))
	row("B  broker peak RSS", "(not measured)", attack("B", func(a *attackReport) string {
		if a.brokerPID == 0 {
			return "(in the service)"
		}
		return kb(a.brokerBeforeKB) + " → " + kb(a.brokerHWMKB)
	}))
	row("B  dead-letter rows kept", "40,000 (50,000 messages)", attack("B", func(a *attackReport) string {
		return fmt.Sprintf("%+d of %d", a.after.dl.rows-a.before.dl.rows, a.sent)
	}))
	row("B  SQLite growth (db + WAL)", "+66 MB", attack("B", func(a *attackReport) string {
		return signedMiB(a.after.db + a.after.wal - a.before.db - a.before.wal)
	}))
	row("B  service log", "45,090 lines (9.7 MB)", attack("B", func(a *attackReport) string {
		return fmt.Sprintf("%+d lines", a.after.logLines-a.before.logLines)
	}))
	row("B  aqi/current p50 / p99", "0.5 ms / 2.2 ms", attack("B", func(a *attackReport) string {
		return ms(a.probe.p50) + " / " + ms(a.probe.p99)
	}))
}
