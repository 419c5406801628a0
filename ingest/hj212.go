package ingest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest/hj212"
)

// HJ 212 ambient-air pollutant codes and ours. Concentrations arrive in
// µg/m³ (CO mg/m³), the units of GB 3095, so no conversion is needed; other
// codes (weather, TSP, NO, NOx) are not ours to keep and are ignored.
var hj212Pollutants = map[string]string{
	"a34004": aqwarn.PM25,
	"a34002": aqwarn.PM10,
	"a21026": aqwarn.SO2,
	"a21004": aqwarn.NO2,
	"a21005": aqwarn.CO,
	"a05024": aqwarn.O3,
}

// HJ212Options are the per-deployment choices of HJ 212 ingest.
type HJ212Options struct {
	// MinuteInterval is the averaging interval of CN=2051 minute data, which
	// the frame does not state (loggers are set to 1 or 5 minutes).
	// 0: one minute.
	MinuteInterval time.Duration
}

// hj212Reasons maps the codec's reasons onto ours, so both transports count
// rejections under one set of labels.
var hj212Reasons = map[string]string{
	hj212.ReasonFrameMalformed:     ReasonMalformedFrame,
	hj212.ReasonBadLength:          ReasonBadLength,
	hj212.ReasonBadCRC:             ReasonBadCRC,
	hj212.ReasonUnsupportedSystem:  ReasonUnsupported,
	hj212.ReasonUnsupportedCommand: ReasonUnsupported,
	hj212.ReasonBadField:           ReasonMalformedFrame,
	hj212.ReasonBadTime:            ReasonBadTime,
}

// HJ212Rejection turns a decode error of package hj212 into a rejection.
// The station is looked up from the MN in the raw bytes when possible so
// the dead letter (and station health) can name it.
func HJ212Rejection(reg *Registry, raw []byte, err error) *Rejection {
	reason, ok := hj212Reasons[hj212.Reason(err)]
	if !ok {
		reason = ReasonMalformedFrame
	}
	station := ""
	if st, ok := reg.ByMN(rawMN(raw)); ok {
		station = st.ID
	}
	return reject(reason, station, "%s", err.Error())
}

// rawMN finds the MN field in undecoded bytes ("" when there is none).
func rawMN(raw []byte) string {
	i := bytes.Index(raw, []byte(";MN="))
	if i < 0 {
		return ""
	}
	rest := raw[i+len(";MN="):]
	if j := bytes.IndexByte(rest, ';'); j >= 0 {
		return string(rest[:j])
	}
	return ""
}

// DecodeOptions returns the codec options for the registry: a MODBUS CRC is
// accepted only from stations configured with modbus_crc.
func (r *Registry) DecodeOptions() hj212.DecodeOptions {
	return hj212.DecodeOptions{AllowModbusCRC: func(mn string) bool {
		st, ok := r.byMN[mn]
		return ok && st.ModbusCRC
	}}
}

// FromHJ212 turns a decoded data frame into a reading, or explains why not.
// topicStation is the station named by the MQTT topic ("" over TCP, where
// the MN alone names the station).
//
// Mapping: CN 2011 (real-time) takes -Rtd as a 1-minute reading ending at
// DataTime; CN 2051 (minute) and 2061 (hourly) take -Avg, and DataTime is
// the START of their interval (as the logger's QN shows: hourly data for
// 10:00–11:00 carry DataTime 10:00 and are sent just after 11:00), so the
// reading ends at DataTime + interval. CN 2031 (daily) is rejected as
// unsupported: daily values are computed here from hourly ones with the
// validity rules of HJ 633, never taken from a logger. -Flag becomes
// Measure.Flag (only N counts for the AQI, in the 2017 and 2025 flag sets).
func FromHJ212(f hj212.Frame, topicStation string, reg *Registry, lim Limits, opt HJ212Options, now time.Time) (aqwarn.Reading, *Rejection) {
	st, rej := hj212Station(f, topicStation, reg)
	if rej != nil {
		return aqwarn.Reading{}, rej
	}
	if f.ST != hj212.STAmbientAir {
		return aqwarn.Reading{}, reject(ReasonUnsupported, st.ID, "MN %s is a station: its data are ST=22 (ambient air quality), not ST=%s", f.MN, f.ST)
	}
	var iv, shift time.Duration
	suffix := "Avg"
	switch f.CN {
	case hj212.CNRealtime:
		iv, suffix = time.Minute, "Rtd"
	case hj212.CNMinute:
		iv = opt.MinuteInterval
		if iv <= 0 {
			iv = time.Minute
		}
		shift = iv
	case hj212.CNHourly:
		iv, shift = time.Hour, time.Hour
	case hj212.CNDaily:
		return aqwarn.Reading{}, reject(ReasonUnsupported, st.ID, "CN=2031 daily data are not taken: daily values are computed from hourly data")
	default:
		return aqwarn.Reading{}, reject(ReasonUnsupported, st.ID, "CN=%s is not a data upload", f.CN)
	}
	r := aqwarn.Reading{Station: st.ID, Time: f.DataTime.Add(shift).UTC(), Interval: iv}
	if rej := checkTime(r, lim, now); rej != nil {
		return aqwarn.Reading{}, rej
	}
	for code, v := range f.Values {
		p, ok := hj212Pollutants[strings.ToLower(code)]
		if !ok {
			continue
		}
		x := v.Avg
		if suffix == "Rtd" {
			x = v.Rtd
		}
		if x == nil {
			continue // e.g. only -Min/-Max, or a flag without a value
		}
		if rej := checkValue(p, *x, *x, "", st.ID); rej != nil {
			return aqwarn.Reading{}, rej
		}
		r.Values = append(r.Values, aqwarn.Measure{Pollutant: p, Value: *x, Flag: strings.ToUpper(v.Flag)})
	}
	if len(r.Values) == 0 {
		return aqwarn.Reading{}, reject(ReasonNoValues, st.ID, "CN=%s frame has no -%s value of %s", f.CN, suffix, strings.Join(aqwarn.Pollutants, ", "))
	}
	aqwarn.SortMeasures(r.Values)
	return r, nil
}

// hj212Station returns the station a frame comes from once its MN is
// known, it agrees with the MQTT topic (when there is one) and its PW is
// the station's (when one is configured).
func hj212Station(f hj212.Frame, topicStation string, reg *Registry) (aqwarn.Station, *Rejection) {
	st, ok := reg.ByMN(f.MN)
	if !ok {
		return aqwarn.Station{}, reject(ReasonUnknownStation, topicStation, "MN %q is not in the registry", f.MN)
	}
	if topicStation != "" && topicStation != st.ID {
		return aqwarn.Station{}, reject(ReasonStationMismatch, topicStation, "topic names station %q but MN %s is station %q", topicStation, f.MN, st.ID)
	}
	// Constant time, so the answer's timing does not grade a guess.
	if st.Password != "" && subtle.ConstantTimeCompare([]byte(f.PW), []byte(st.Password)) != 1 {
		return aqwarn.Station{}, reject(ReasonBadPassword, st.ID, "PW does not match the password configured for MN %s", f.MN)
	}
	return st, nil
}

// HandleHJ212 takes an HJ 212 text frame received over MQTT on the topic of
// station: decoded, checked against the registry, queued (acknowledged once
// durable) or kept as a dead letter (acknowledged once kept).
func (rc *Receiver) HandleHJ212(ctx context.Context, source, station string, payload []byte, ack func()) {
	f, err := hj212.Decode(payload, rc.DecodeOptions())
	if err != nil {
		rc.RejectRaw(ctx, source, payload, HJ212Rejection(rc.Registry, payload, err), ack)
		return
	}
	if !hj212.IsData(f.CN) {
		ack() // a reply (9011–9014) sent our way carries nothing to store
		return
	}
	r, rej := FromHJ212(f, station, rc.Registry, rc.Limits, rc.HJ212, rc.Now())
	if rej != nil {
		rc.RejectRaw(ctx, source, payload, rej, ack)
		return
	}
	if err := rc.Pipeline.Submit(ctx, Item{Reading: r, Ack: ack}); err != nil {
		return // shutting down: not acknowledged, the broker redelivers
	}
}

// ReasonBlocked is the dead-letter reason of a frame refused unchecked
// because its peer or MN is locked out after repeated authentication
// failures (see HJ212Lockout). Only the first few per lockout are kept.
const ReasonBlocked = "blocked"

// HJ212Lockout limits password guessing over the TCP listener. Frames that
// fail authentication (an unknown MN or a wrong PW) are counted per peer
// (its IP, or IPv6 /64: hj212.PeerKey) and, for a wrong PW, per MN. After
// MaxFailures within Window the peer or MN is blocked for Block: its frames
// are refused without being checked, its connections closed, and only the
// first KeepRefused refused frames per block are kept as dead letters (the
// metric counts every one). A peer that authenticated as an MN within the
// last day is not held back by that MN's block, so a stranger who knows a
// station's MN cannot cut the station off by guessing wrong on purpose;
// it is held back by its own peer block like anyone.
type HJ212Lockout struct {
	MaxFailures int           // 0: 5; negative: no lockout
	Window      time.Duration // 0: 10 min
	Block       time.Duration // 0: 15 min
	KeepRefused int           // 0: 3; negative: none
}

// Lockout defaults, and the bounds of what is remembered.
const (
	defaultMaxFailures = 5
	defaultAuthWindow  = 10 * time.Minute
	defaultAuthBlock   = 15 * time.Minute
	defaultKeepRefused = 3
	// A peer that authenticated as an MN stays exempt from that MN's block
	// this long; at most goodPeersPerMN peers are remembered per MN.
	goodPeerFor    = 24 * time.Hour
	goodPeersPerMN = 8
	// Peers remembered at most: beyond, new peers are not counted (the
	// per-MN counters still are), so a spread-out attack cannot grow
	// memory without bound.
	maxTrackedPeers = 1 << 16
)

// HJ212Handler is the ingest side of the HJ 212 TCP listener. The zero
// value with a Receiver works, with the default lockout and its metric
// registered nowhere; NewHJ212Handler registers it.
type HJ212Handler struct {
	Receiver *Receiver
	Lockout  HJ212Lockout
	Logger   *slog.Logger // nil: discard
	// Clock is the wall clock lockouts are timed on (nil: time.Now); not
	// Receiver.Now, which the demo runs thousands of times too fast.
	Clock func() time.Time

	initOnce sync.Once
	guard    *lockout
	failures *prometheus.CounterVec
}

// NewHJ212Handler returns the handler with its metric
// aqwarn_hj212_auth_failures_total{reason} registered with reg (nil: none).
// Reasons: unknown_station, bad_password (checked and failed) and blocked
// (refused unchecked during a lockout).
func NewHJ212Handler(rc *Receiver, lock HJ212Lockout, log *slog.Logger, reg prometheus.Registerer) *HJ212Handler {
	h := &HJ212Handler{Receiver: rc, Lockout: lock, Logger: log}
	h.init()
	if reg != nil {
		reg.MustRegister(h.failures)
	}
	return h
}

var _ hj212.Handler = (*HJ212Handler)(nil)

func (h *HJ212Handler) init() {
	h.initOnce.Do(func() {
		if h.Logger == nil {
			h.Logger = slog.New(slog.DiscardHandler)
		}
		if h.Clock == nil {
			h.Clock = time.Now
		}
		h.guard = newLockout(h.Lockout)
		h.failures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aqwarn_hj212_auth_failures_total",
			Help: "HJ 212 TCP frames that failed authentication (unknown_station, bad_password) or were refused unchecked from a locked-out peer or MN (blocked)."},
			[]string{"reason"})
		for _, r := range []string{ReasonUnknownStation, ReasonBadPassword, ReasonBlocked} {
			h.failures.WithLabelValues(r)
		}
	})
}

// AuthFailures returns the count of aqwarn_hj212_auth_failures_total for a
// reason.
func (h *HJ212Handler) AuthFailures(reason string) float64 {
	h.init()
	return testutil.ToFloat64(h.failures.WithLabelValues(reason))
}

// HandleFrame returns only once the frame's reading is durable (the listener
// then sends the ACK the logger asked for) or its rejection is kept. Every
// frame, data or not, must come from a known MN with its password; frames
// that do not are kept (see HJ212Lockout for how many) and not
// acknowledged: we do not answer a sender we cannot authenticate, and the
// silence is the same as for a bad CRC.
func (h *HJ212Handler) HandleFrame(ctx context.Context, f hj212.Frame, raw []byte) error {
	h.init()
	rc := h.Receiver
	peer := hj212.PeerAddr(ctx)
	source := "tcp:" + peer
	who := hj212.PeerKey(peer)
	now := h.Clock()
	if blocked, keep := h.guard.refuse(who, f.MN, now); blocked {
		h.failures.WithLabelValues(ReasonBlocked).Inc()
		if keep {
			station := ""
			if st, ok := rc.Registry.ByMN(f.MN); ok {
				station = st.ID
			}
			_ = rc.Pipeline.Reject(ctx, source, raw, reject(ReasonBlocked, station,
				"peer %s or MN %q is locked out after repeated authentication failures; frame not checked", who, f.MN))
		}
		return hj212.ErrBlocked
	}
	_, rej := hj212Station(f, "", rc.Registry)
	mon, isMonitor := Monitor{}, false
	if rej != nil && rej.Reason == ReasonUnknownStation {
		// Not a station: a listed source's online emission monitor, with
		// the same authentication and lockout.
		if mon, isMonitor = rc.Sources.Monitor(f.MN); isMonitor {
			rej = monitorPassword(f, mon)
		}
	}
	if rej != nil {
		h.failures.WithLabelValues(rej.Reason).Inc()
		mn := "" // unknown MNs are not counted one by one: that would let noise grow the table
		if rej.Reason == ReasonBadPassword {
			mn = f.MN
		}
		started, blocked := h.guard.fail(who, mn, now)
		// Few get here, MaxFailures per peer and window (plus those
		// checked on the peer's other connections as the block began):
		// all are kept.
		err := rc.Pipeline.Reject(ctx, source, raw, rej)
		for _, b := range started {
			h.Logger.Warn("hj212 sender locked out after repeated authentication failures",
				b.kind, b.key, "failures", h.guard.max, "window", h.guard.window, "until", now.Add(h.guard.block))
		}
		if blocked {
			return errors.Join(hj212.ErrBlocked, rej)
		}
		return errors.Join(hj212.ErrUnauthenticated, rej, err)
	}
	h.guard.succeed(who, f.MN, now)
	if !hj212.IsData(f.CN) {
		return nil
	}
	durable := make(chan struct{})
	it := Item{Ack: func() { close(durable) }}
	if isMonitor {
		e, rej := emissionReading(f, mon, rc.Limits, rc.HJ212, rc.Now())
		if rej != nil {
			return rc.Pipeline.Reject(ctx, source, raw, rej)
		}
		it.Emission = &e
	} else {
		r, rej := FromHJ212(f, "", rc.Registry, rc.Limits, rc.HJ212, rc.Now())
		if rej != nil {
			return rc.Pipeline.Reject(ctx, source, raw, rej)
		}
		it.Reading = r
	}
	if err := rc.Pipeline.Submit(ctx, it); err != nil {
		return err
	}
	select {
	case <-durable:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// HandleInvalid keeps bytes that are not a valid frame as a dead letter.
// Nothing is acknowledged, so a logger whose frame was mangled on the way
// sends it again. A bad CRC is not an authentication failure: a noisy line
// must not lock its own logger out.
func (h *HJ212Handler) HandleInvalid(ctx context.Context, raw []byte, err error) {
	rc := h.Receiver
	rej := HJ212Rejection(rc.Registry, raw, err)
	if rc.Sources.isMonitor(rawMN(raw)) {
		rej.Kind = KindEmission
	}
	_ = rc.Pipeline.Reject(ctx, "tcp:"+hj212.PeerAddr(ctx), raw, rej)
}

// lockout counts authentication failures per peer and per MN and blocks
// those with too many. Times are the handler's wall clock.
type lockout struct {
	max           int // 0: off
	window, block time.Duration
	keep          int
	mu            sync.Mutex
	peers, mns    map[string]*failures
	good          map[string]map[string]time.Time // MN → peer → last authenticated
	sweepAt       int
}

// failures is one peer's or MN's recent failures, or its block.
type failures struct {
	times        []time.Time // within the window, oldest first; at most max
	blockedUntil time.Time
	kept         int // refused frames kept during the current block
}

type blockStart struct{ kind, key string }

func newLockout(o HJ212Lockout) *lockout {
	l := &lockout{max: o.MaxFailures, window: o.Window, block: o.Block, keep: o.KeepRefused,
		peers: map[string]*failures{}, mns: map[string]*failures{}, good: map[string]map[string]time.Time{}, sweepAt: 1024}
	if l.max == 0 {
		l.max = defaultMaxFailures
	}
	if l.max < 0 {
		l.max = 0
	}
	if l.window <= 0 {
		l.window = defaultAuthWindow
	}
	if l.block <= 0 {
		l.block = defaultAuthBlock
	}
	switch {
	case l.keep == 0:
		l.keep = defaultKeepRefused
	case l.keep < 0:
		l.keep = 0
	}
	return l
}

// refuse reports whether a frame from peer who claiming mn is to be
// refused unchecked, and whether it is one of the few refused frames kept.
func (l *lockout) refuse(who, mn string, now time.Time) (blocked, keep bool) {
	if l.max == 0 {
		return false, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.peers[who]
	if f == nil || !now.Before(f.blockedUntil) {
		f = l.mns[mn]
		if f == nil || !now.Before(f.blockedUntil) || l.isGood(mn, who, now) {
			return false, false
		}
	}
	if f.kept < l.keep {
		f.kept++
		return true, true
	}
	return true, false
}

func (l *lockout) isGood(mn, who string, now time.Time) bool {
	t, ok := l.good[mn][who]
	return ok && now.Sub(t) < goodPeerFor
}

// fail counts a failed frame from peer who, and against mn when it is not
// "". It returns the blocks this failure started and whether the sender
// is blocked now (also by a block a concurrent frame started).
func (l *lockout) fail(who, mn string, now time.Time) (started []blockStart, blocked bool) {
	if l.max == 0 {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	start, in := l.count(l.peers, who, now, len(l.peers) < maxTrackedPeers)
	if start {
		started = append(started, blockStart{"peer", who})
	}
	blocked = in
	if mn != "" {
		start, in := l.count(l.mns, mn, now, true)
		if start {
			started = append(started, blockStart{"mn", mn})
		}
		blocked = blocked || in
	}
	if len(l.peers) >= l.sweepAt {
		l.sweep(now)
	}
	return started, blocked
}

// count adds a failure to m[key] (creating it only when add) and reports
// whether it starts a block and whether key is blocked.
func (l *lockout) count(m map[string]*failures, key string, now time.Time, add bool) (start, blocked bool) {
	f := m[key]
	if f == nil {
		if !add {
			return false, false
		}
		f = &failures{}
		m[key] = f
	}
	if now.Before(f.blockedUntil) {
		return false, true // a frame checked while another started the block
	}
	i := 0
	for i < len(f.times) && now.Sub(f.times[i]) >= l.window {
		i++
	}
	f.times = append(f.times[i:], now)
	if len(f.times) < l.max {
		return false, false
	}
	f.times, f.blockedUntil, f.kept = nil, now.Add(l.block), 0
	return true, true
}

// sweep forgets peers with neither recent failures nor a block.
func (l *lockout) sweep(now time.Time) {
	for k, f := range l.peers {
		if !now.Before(f.blockedUntil) && (len(f.times) == 0 || now.Sub(f.times[len(f.times)-1]) >= l.window) {
			delete(l.peers, k)
		}
	}
	l.sweepAt = max(1024, 2*len(l.peers))
}

// succeed notes that peer who authenticated as mn.
func (l *lockout) succeed(who, mn string, now time.Time) {
	if l.max == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	g := l.good[mn]
	if g == nil {
		g = map[string]time.Time{}
		l.good[mn] = g
	}
	g[who] = now
	if len(g) > goodPeersPerMN {
		oldest := ""
		for k, t := range g {
			if oldest == "" || t.Before(g[oldest]) {
				oldest = k
			}
		}
		delete(g, oldest)
	}
}
