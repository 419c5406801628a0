package ingest

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/aqwarn/aqwarn"
)

// Writer makes readings durable in the primary store (InfluxDB or SQLite).
type Writer interface {
	WriteReadings(ctx context.Context, rs []aqwarn.Reading) error
}

// Spool keeps readings durable while the primary store is down and hands
// them back, oldest first, for replay.
type Spool interface {
	Spool(ctx context.Context, rs []aqwarn.Reading) error
	PeekSpool(ctx context.Context, n int) (aqwarn.SpoolBatch, error)
	DropSpool(ctx context.Context, lastID int64) error
}

// SourceWriter makes the listed sources' meter and emission readings
// durable in the primary store. Writing a reading again replaces it.
type SourceWriter interface {
	WritePower(ctx context.Context, ps []aqwarn.PowerReading) error
	WriteEmissions(ctx context.Context, es []aqwarn.EmissionReading) error
}

// SourceSpool is a Spool that also keeps meter and emission readings;
// PeekSpool hands them back with the stations' readings, in one order.
type SourceSpool interface {
	SpoolSources(ctx context.Context, ps []aqwarn.PowerReading, es []aqwarn.EmissionReading) error
}

// DeadLetters keeps rejected input for inspection.
type DeadLetters interface {
	AddDeadLetter(ctx context.Context, d aqwarn.DeadLetter) (int64, error)
}

// Item is one accepted reading and the acknowledgement that tells its
// sender (the MQTT broker, an HJ 212 logger) it is safe. Ack is called
// exactly once, only after the reading is durable.
//
// An item carries a station's Reading, or — when Power or Emission is set —
// a listed source's meter or monitor reading instead: they ride the same
// queue, batches and spool, with the same guarantees.
type Item struct {
	Reading  aqwarn.Reading
	Power    *aqwarn.PowerReading
	Emission *aqwarn.EmissionReading
	Ack      func()
}

// kind is the item's source-readings label ("" for a station's reading).
func (it Item) kind() string {
	switch {
	case it.Power != nil:
		return KindPower
	case it.Emission != nil:
		return KindEmission
	}
	return ""
}

// Pipeline batches readings into the primary store, spilling to the spool
// when the store fails and replaying in order when it is back.
type Pipeline struct {
	Writer Writer
	// Sources stores meter and emission readings (nil: the Writer, when it
	// is a SourceWriter, as both stores are).
	Sources     SourceWriter
	Spool       Spool // nil: no fallback, a failed batch is retried until it succeeds; a SourceSpool also spools meter data
	DeadLetters DeadLetters
	Metrics     *Metrics
	Logger      *slog.Logger
	Now         func() time.Time
	// OnDeadLetter is told of every kept rejection (e.g. to publish it on MQTT).
	OnDeadLetter func(aqwarn.DeadLetter)
	// OnDurable is told of every batch once durable (e.g. to wake the AQI job).
	OnDurable func([]aqwarn.Reading)
	// OnDurablePower is told of every batch's meter readings once durable
	// (the demo clock waits for them).
	OnDurablePower func([]aqwarn.PowerReading)
	// OnStored is told of readings once they are in the primary store:
	// written there at once, or replayed from the spool later (e.g. so the
	// AQI job reads their hours again).
	OnStored func([]aqwarn.Reading)

	BatchSize int
	BatchWait time.Duration
	Writers   int           // batches written at once (default 1)
	Backoff   time.Duration // first retry delay of the primary store, doubled up to MaxBackoff
	MaxBack   time.Duration

	in       chan Item
	initOnce sync.Once
	mu       sync.Mutex
	spooling bool // the spool holds readings the primary store has not seen yet
	wake     chan struct{}
	done     chan struct{}
	sample   sampler
}

// NewPipeline returns a pipeline with a bounded queue of queueSize items.
func NewPipeline(w Writer, queueSize int) *Pipeline {
	p := &Pipeline{Writer: w, in: make(chan Item, queueSize)}
	return p
}

func (p *Pipeline) init() {
	p.initOnce.Do(func() {
		if p.in == nil {
			p.in = make(chan Item, 10000)
		}
		if p.Logger == nil {
			p.Logger = slog.New(slog.DiscardHandler)
		}
		if p.Now == nil {
			p.Now = time.Now
		}
		if p.Metrics == nil {
			p.Metrics = NewMetrics(nil)
		}
		if p.Sources == nil {
			p.Sources, _ = p.Writer.(SourceWriter)
		}
		if p.BatchSize <= 0 {
			p.BatchSize = 2000
		}
		if p.Writers <= 0 {
			p.Writers = 1
		}
		if p.BatchWait <= 0 {
			p.BatchWait = 50 * time.Millisecond
		}
		if p.Backoff <= 0 {
			p.Backoff = 500 * time.Millisecond
		}
		if p.MaxBack <= 0 {
			p.MaxBack = 15 * time.Second
		}
		p.wake = make(chan struct{}, 1)
		p.done = make(chan struct{})
	})
}

// Submit queues a reading. It blocks while the queue is full (back-pressure
// reaches the broker through un-acknowledged messages), until ctx ends.
func (p *Pipeline) Submit(ctx context.Context, it Item) error {
	p.init()
	select {
	case p.in <- it:
		p.Metrics.queued.Inc()
		if k := it.kind(); k != "" {
			p.Metrics.sourceAccepted.WithLabelValues(k).Inc()
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Reject counts a rejection and keeps it as a dead letter. It returns an
// error only when the dead letter could not be stored; the caller must then
// not acknowledge the message, so that it comes back.
func (p *Pipeline) Reject(ctx context.Context, source string, payload []byte, rej *Rejection) error {
	p.init()
	now := p.Now().UTC()
	p.Metrics.rejected.WithLabelValues(rej.Reason).Inc() // exact, kept or not
	if rej.Kind != "" {
		p.Metrics.sourceRejected.WithLabelValues(rej.Kind, rej.Reason).Inc()
	}
	keep, dropped := p.sample.allow(source, rej.Reason, now)
	if dropped > 0 {
		p.Logger.Warn("rejections not kept (repeated from one source)", "source", sourceClass(source), "reason", rej.Reason,
			"count", dropped, "window", DeadLetterWindow)
	}
	if !keep {
		p.Metrics.sampledOut.WithLabelValues(rej.Reason).Inc()
		return nil
	}
	d := aqwarn.DeadLetter{Received: now, Source: source, Reason: rej.Reason, Message: rej.Message, Station: rej.Station}
	boundDeadLetter(&d, payload)
	if p.DeadLetters != nil {
		id, err := p.DeadLetters.AddDeadLetter(ctx, d)
		if err != nil {
			p.Logger.Error("cannot keep dead letter; the message is not acknowledged and will come back", "reason", rej.Reason, "err", err)
			p.Metrics.unkept.WithLabelValues(rej.Reason).Inc()
			return err
		}
		d.ID = id
	}
	p.Logger.Warn("rejected", "source", source, "reason", rej.Reason, "station", rej.Station, "msg", rej.Message)
	if p.OnDeadLetter != nil {
		p.OnDeadLetter(d)
	}
	return nil
}

// Run writes batches until ctx ends, then drains the queue and flushes what
// it holds before returning. Items submitted after Run returned are never
// acknowledged (their sender will send again).
//
// Up to Writers batches are written at once, so the store's write latency
// (InfluxDB syncs its WAL on every request) overlaps; batches may then reach
// the store out of arrival order, which idempotent writes make harmless.
// The spool is still replayed in the order it was filled.
func (p *Pipeline) Run(ctx context.Context) error {
	p.init()
	defer close(p.done)
	// Writes outlive ctx by up to 30 s, so that what was taken from the
	// queue at shutdown is made durable and acknowledged.
	wctx, cancelWrites := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWrites()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
		case <-finished:
			return
		}
		t := time.NewTimer(30 * time.Second)
		defer t.Stop()
		select {
		case <-t.C:
			cancelWrites()
		case <-finished:
		}
	}()
	var wg sync.WaitGroup
	if p.Spool != nil {
		// A spool left by an earlier run is replayed first.
		if b, err := p.Spool.PeekSpool(ctx, 1); err == nil && b.Len() > 0 {
			p.setSpooling(true)
		}
		wg.Add(1)
		go func() { defer wg.Done(); p.replayLoop(ctx) }()
	}
	work := make(chan []Item)
	var writers sync.WaitGroup
	for range p.Writers {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for b := range work {
				p.flush(wctx, b)
			}
		}()
	}
	batch := make([]Item, 0, p.BatchSize)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() {
		if len(batch) > 0 {
			work <- batch // blocks while every writer is busy: back-pressure
			batch = make([]Item, 0, p.BatchSize)
		}
	}
	for {
		select {
		case it := <-p.in:
			if len(batch) == 0 {
				timer.Reset(p.BatchWait)
			}
			batch = append(batch, it)
			if len(batch) >= p.BatchSize {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		case <-ctx.Done():
			// Graceful shutdown: take what is queued and make it durable.
			for {
				select {
				case it := <-p.in:
					batch = append(batch, it)
					if len(batch) >= p.BatchSize {
						flush()
					}
					continue
				default:
				}
				break
			}
			flush()
			close(work)
			writers.Wait()
			wg.Wait()
			return nil
		}
	}
}

// batch is what a flush makes durable, split by kind; done marks the
// parts already durable, so a retry does not write them again.
type batch struct {
	readings     []aqwarn.Reading
	power        []aqwarn.PowerReading
	emissions    []aqwarn.EmissionReading
	readingsDone bool
	sourcesDone  bool
}

func (b *batch) sources() bool { return len(b.power)+len(b.emissions) > 0 }

// flush makes a batch durable and acknowledges it.
func (p *Pipeline) flush(ctx context.Context, items []Item) {
	b := batch{readings: make([]aqwarn.Reading, 0, len(items))}
	for _, it := range items {
		switch {
		case it.Power != nil:
			b.power = append(b.power, *it.Power)
		case it.Emission != nil:
			b.emissions = append(b.emissions, *it.Emission)
		default:
			b.readings = append(b.readings, it.Reading)
		}
	}
	start := p.Now()
	for {
		err := p.writeOrSpool(ctx, &b)
		if err == nil {
			break
		}
		// Neither store took the batch: keep it (nothing is acknowledged)
		// and try again; if we are shutting down the broker redelivers.
		p.Logger.Error("batch not durable, retrying", "n", len(items), "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(p.Backoff):
		}
	}
	p.Metrics.writeSeconds.Observe(p.Now().Sub(start).Seconds())
	p.Metrics.durable.Add(float64(len(items)))
	for _, it := range items {
		if it.Ack != nil {
			it.Ack()
		}
	}
	if p.OnDurable != nil && len(b.readings) > 0 {
		p.OnDurable(b.readings)
	}
	if p.OnDurablePower != nil && len(b.power) > 0 {
		p.OnDurablePower(b.power)
	}
}

func (p *Pipeline) writeOrSpool(ctx context.Context, b *batch) error {
	if !p.isSpooling() {
		err := p.writePrimary(ctx, b)
		if err == nil || p.Spool == nil {
			return err
		}
		p.Logger.Warn("primary store failed, spooling", "n", len(b.readings)+len(b.power)+len(b.emissions), "err", err)
		p.setSpooling(true)
	}
	n := 0
	if len(b.readings) > 0 && !b.readingsDone {
		if err := p.Spool.Spool(ctx, b.readings); err != nil {
			return err
		}
		b.readingsDone, n = true, len(b.readings)
	}
	if b.sources() && !b.sourcesDone {
		ss, ok := p.Spool.(SourceSpool)
		if !ok {
			return errors.New("the spool cannot keep meter and emission readings")
		}
		if err := ss.SpoolSources(ctx, b.power, b.emissions); err != nil {
			return err
		}
		b.sourcesDone = true
		n += len(b.power) + len(b.emissions)
	}
	p.Metrics.spooled.Add(float64(n))
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return nil
}

// writePrimary writes what of b is not durable yet to the primary store.
func (p *Pipeline) writePrimary(ctx context.Context, b *batch) error {
	if len(b.readings) > 0 && !b.readingsDone {
		if err := p.Writer.WriteReadings(ctx, b.readings); err != nil {
			return err
		}
		b.readingsDone = true
		if p.OnStored != nil {
			p.OnStored(b.readings)
		}
	}
	if b.sources() && !b.sourcesDone {
		if p.Sources == nil {
			return errors.New("the primary store cannot keep meter and emission readings")
		}
		if len(b.power) > 0 {
			if err := p.Sources.WritePower(ctx, b.power); err != nil {
				return err
			}
		}
		if len(b.emissions) > 0 {
			if err := p.Sources.WriteEmissions(ctx, b.emissions); err != nil {
				return err // the power part is written again with it: writes are idempotent
			}
		}
		b.sourcesDone = true
	}
	return nil
}

func (p *Pipeline) isSpooling() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.spooling }

func (p *Pipeline) setSpooling(v bool) {
	p.mu.Lock()
	p.spooling = v
	p.mu.Unlock()
	if v {
		p.Metrics.spooling.Set(1)
	} else {
		p.Metrics.spooling.Set(0)
	}
}

// replayLoop moves spooled readings to the primary store, oldest first,
// backing off while it stays down. New batches keep going to the spool until
// it is empty, so the store receives everything in arrival order.
func (p *Pipeline) replayLoop(ctx context.Context) {
	backoff := p.Backoff
	for {
		if !p.isSpooling() {
			select {
			case <-ctx.Done():
				return
			case <-p.wake:
				// A batch was spooled. The flag may have been cleared since
				// (this loop found the spool empty just before the batch
				// was committed): replay anyway, or the batch — already
				// acknowledged — would stay in the spool until the next outage.
				p.setSpooling(true)
				continue
			}
		}
		b, err := p.Spool.PeekSpool(ctx, 5000)
		if err == nil && b.Len() == 0 {
			p.mu.Lock()
			// Re-check under the lock: a batch may have been spooled since.
			p.spooling = false
			p.mu.Unlock()
			if b2, err2 := p.Spool.PeekSpool(ctx, 1); err2 == nil && b2.Len() > 0 {
				p.setSpooling(true)
				continue
			}
			p.Metrics.spooling.Set(0)
			p.Logger.Info("spool drained; writing to the primary store again")
			backoff = p.Backoff
			continue
		}
		if err == nil {
			err = p.writePrimary(ctx, &batch{readings: b.Readings, power: b.Power, emissions: b.Emissions})
			if err == nil {
				err = p.Spool.DropSpool(ctx, b.LastID)
				p.Metrics.replayed.Add(float64(b.Len()))
				backoff = p.Backoff
				continue
			}
		}
		p.Logger.Warn("spool replay waiting for the primary store", "retry_in", backoff, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, p.MaxBack)
	}
}

// Metrics are the ingest counters exported on /metrics.
type Metrics struct {
	rejected     *prometheus.CounterVec
	sampledOut   *prometheus.CounterVec
	unkept       *prometheus.CounterVec
	queued       prometheus.Counter
	durable      prometheus.Counter
	spooled      prometheus.Counter
	replayed     prometheus.Counter
	spooling     prometheus.Gauge
	writeSeconds prometheus.Histogram
	// The listed sources' meter and emission readings, also counted above.
	sourceAccepted *prometheus.CounterVec
	sourceRejected *prometheus.CounterVec
}

// NewMetrics registers the ingest metrics with reg (nil: a private registry).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aqwarn_ingest_rejected_total",
			Help: "Messages rejected by ingest, by reason."}, []string{"reason"}),
		unkept: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aqwarn_ingest_deadletters_unkept_total",
			Help: "Rejections that could not be kept (the store failed, e.g. a full disk): not acknowledged, so the broker delivers them again."}, []string{"reason"}),
		sampledOut: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aqwarn_ingest_deadletters_not_kept_total",
			Help: "Rejections counted but not kept as dead letters (more than the burst from one source and reason in a minute)."}, []string{"reason"}),
		queued: prometheus.NewCounter(prometheus.CounterOpts{Name: "aqwarn_ingest_accepted_total",
			Help: "Readings accepted into the ingest queue."}),
		durable: prometheus.NewCounter(prometheus.CounterOpts{Name: "aqwarn_ingest_durable_total",
			Help: "Readings made durable (primary store or spool) and acknowledged."}),
		spooled: prometheus.NewCounter(prometheus.CounterOpts{Name: "aqwarn_ingest_spooled_total",
			Help: "Readings written to the local spool because the primary store was down."}),
		replayed: prometheus.NewCounter(prometheus.CounterOpts{Name: "aqwarn_ingest_replayed_total",
			Help: "Spooled readings replayed into the primary store."}),
		spooling: prometheus.NewGauge(prometheus.GaugeOpts{Name: "aqwarn_ingest_spooling",
			Help: "1 while readings go to the spool instead of the primary store."}),
		writeSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "aqwarn_ingest_batch_write_seconds",
			Help: "Time to make one batch durable.", Buckets: prometheus.DefBuckets}),
		sourceAccepted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aqwarn_ingest_source_readings_accepted_total",
			Help: "Listed sources' meter (power) and online-monitor (emission) readings accepted into the ingest queue, by kind."}, []string{"kind"}),
		sourceRejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aqwarn_ingest_source_readings_rejected_total",
			Help: "Listed sources' meter (power) and online-monitor (emission) messages rejected, by kind and reason."}, []string{"kind", "reason"}),
	}
	for _, k := range []string{KindPower, KindEmission} {
		m.sourceAccepted.WithLabelValues(k)
	}
	reg.MustRegister(m.rejected, m.sampledOut, m.unkept, m.queued, m.durable, m.spooled, m.replayed, m.spooling, m.writeSeconds,
		m.sourceAccepted, m.sourceRejected)
	return m
}

// SourceAccepted returns the count of accepted meter or emission readings
// (kind KindPower or KindEmission).
func (m *Metrics) SourceAccepted(kind string) float64 {
	return testutil.ToFloat64(m.sourceAccepted.WithLabelValues(kind))
}

// SourceRejected returns the count of rejected meter or emission messages
// of a kind for a reason.
func (m *Metrics) SourceRejected(kind, reason string) float64 {
	return testutil.ToFloat64(m.sourceRejected.WithLabelValues(kind, reason))
}

// Rejected returns the count of rejections for a reason.
func (m *Metrics) Rejected(reason string) float64 {
	return testutil.ToFloat64(m.rejected.WithLabelValues(reason))
}

// Unkept returns the count of rejections that could not be kept.
func (m *Metrics) Unkept(reason string) float64 {
	return testutil.ToFloat64(m.unkept.WithLabelValues(reason))
}

// Durable returns the count of readings made durable.
func (m *Metrics) Durable() float64 { return testutil.ToFloat64(m.durable) }
