package publish

import (
	"fmt"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/aqi"
)

// Guesses bounds guessing of verification codes: after Max wrong codes for
// one serial within Window, the serial's checks are refused until the
// window that began with its first wrong code ends. A six-digit code at the
// public rate limit alone falls in hours; with 10 a hour it takes about
// 11 years on average. The cost: a forger can keep a real serial locked,
// and its holder is told to call 12369 instead. Remembered serials are
// bounded (MaxSerials): when full, expired windows are dropped first, then
// the oldest.
type Guesses struct {
	Max        int           // wrong codes allowed per serial per window (default 10)
	Window     time.Duration // default 1 h
	MaxSerials int           // default 10,000

	mu sync.Mutex
	m  map[string]*guessWindow
}

type guessWindow struct {
	from  time.Time
	wrong int
}

func (g *Guesses) defaults() (max int, window time.Duration, serials int) {
	max, window, serials = g.Max, g.Window, g.MaxSerials
	if max <= 0 {
		max = 10
	}
	if window <= 0 {
		window = time.Hour
	}
	if serials <= 0 {
		serials = 10_000
	}
	return max, window, serials
}

// Allow reports, as an error with code rate_limited, that serial has used
// up its wrong codes at now; nil lets the check go on.
func (g *Guesses) Allow(serial string, now time.Time) error {
	if g == nil {
		return nil
	}
	max, window, _ := g.defaults()
	g.mu.Lock()
	defer g.mu.Unlock()
	w := g.m[serial]
	if w == nil || !now.Before(w.from.Add(window)) || w.wrong < max {
		return nil
	}
	until := w.from.Add(window).In(aqi.CST).Format("15:04")
	return &aqwarn.Error{Code: "rate_limited", Reason: "notice_code_guessing",
		Message: fmt.Sprintf("too many wrong codes for notice %s: try again after %s (China time), or call 12369 to check it / 该通知编号验证码错误次数过多，请于 %s 后再试，或拨打 12369 核实", serial, until, until)}
}

// Wrong records a wrong code for serial at now.
func (g *Guesses) Wrong(serial string, now time.Time) {
	if g == nil {
		return
	}
	_, window, serials := g.defaults()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m = map[string]*guessWindow{}
	}
	w := g.m[serial]
	if w == nil || !now.Before(w.from.Add(window)) {
		if w == nil && len(g.m) >= serials {
			g.evict(now, window)
		}
		w = &guessWindow{from: now}
		g.m[serial] = w
	}
	w.wrong++
}

// evict drops the expired windows, or else the oldest one.
func (g *Guesses) evict(now time.Time, window time.Duration) {
	var oldest string
	for s, w := range g.m {
		if !now.Before(w.from.Add(window)) {
			delete(g.m, s)
			continue
		}
		if oldest == "" || w.from.Before(g.m[oldest].from) {
			oldest = s
		}
	}
	if len(g.m) >= g.serials() && oldest != "" {
		delete(g.m, oldest)
	}
}

func (g *Guesses) serials() int { _, _, n := g.defaults(); return n }
