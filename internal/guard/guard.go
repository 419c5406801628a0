// Package guard keeps the service's background work alive and loud. A
// scheduled job or a background loop that panics is recovered, its stack
// logged, counted (aqwarn_job_panics_total{job}) and reported on /readyz
// as degraded with the job named, until it next completes; a job runs
// again at its next time, a loop is restarted after a pause. Nothing that
// stops is silent.
package guard

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Guard wraps jobs and loops. Its zero value is not usable; see New.
type Guard struct {
	log    *slog.Logger
	panics *prometheus.CounterVec
	now    func() time.Time

	mu     sync.Mutex
	failed map[string]Panic // job → its last panic, until it completes
}

// Panic is a recovered panic of a job.
type Panic struct {
	Job   string    `json:"job"`
	At    time.Time `json:"at"`
	Value string    `json:"value"`
}

// New registers the panic counter on reg (nil: not registered).
func New(reg prometheus.Registerer, log *slog.Logger) *Guard {
	g := &Guard{log: log, now: time.Now, failed: map[string]Panic{},
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aqwarn_job_panics_total",
			Help: "Panics recovered in scheduled jobs and background loops, by job."}, []string{"job"})}
	if reg != nil {
		reg.MustRegister(g.panics)
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	return g
}

// Job wraps a scheduled job: a panic is recovered and reported; a run that
// completes clears the report.
func (g *Guard) Job(name string, fn func(ctx context.Context)) func(ctx context.Context) {
	return func(ctx context.Context) {
		if g.run(name, func() { fn(ctx) }) {
			g.clear(name)
		}
	}
}

// Loop runs a background loop until ctx ends. When it panics it is
// reported and started again after a pause that doubles from one second
// up to a minute; when it returns while ctx is live it is started again
// too (a loop is meant to run until ctx ends).
func (g *Guard) Loop(ctx context.Context, name string, fn func(ctx context.Context)) {
	pause := time.Second
	for {
		start := g.now()
		ok := g.run(name, func() { fn(ctx) })
		if ctx.Err() != nil {
			return
		}
		if ok {
			g.log.Error("background loop returned before shutdown; starting it again", "job", name)
		}
		if g.now().Sub(start) > time.Minute {
			pause = time.Second // it ran a good while: start afresh
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Minute)
	}
}

// run calls fn, reporting whether it completed without a panic.
func (g *Guard) run(name string, fn func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ok = false
			p := Panic{Job: name, At: g.now(), Value: fmt.Sprint(r)}
			g.panics.WithLabelValues(name).Inc()
			g.mu.Lock()
			g.failed[name] = p
			g.mu.Unlock()
			g.log.Error("job panicked; it runs again next time", "job", name, "panic", p.Value, "stack", string(debug.Stack()))
		}
	}()
	fn()
	return true
}

func (g *Guard) clear(name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.failed[name]; ok {
		delete(g.failed, name)
		g.log.Info("job completed again after a panic", "job", name)
	}
}

// Panics lists the jobs whose last run panicked, by name.
func (g *Guard) Panics() []Panic {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Panic, 0, len(g.failed))
	for _, p := range g.failed {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Job < out[j].Job })
	return out
}

// Check is the readiness check: an error naming every job whose last run
// panicked.
func (g *Guard) Check(context.Context) error {
	ps := g.Panics()
	if len(ps) == 0 {
		return nil
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%s panicked at %s: %s", p.Job, p.At.UTC().Format(time.RFC3339), p.Value)
	}
	return fmt.Errorf("%s", strings.Join(parts, "; "))
}
