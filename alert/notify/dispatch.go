package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aqwarn/aqwarn/alert"
)

// Dispatcher runs the pipeline: Publish routes and enqueues a transition;
// Run claims due entries, sends them through the notifier of their channel
// kind and records the outcome.
type Dispatcher struct {
	Log       Log
	Notifiers map[string]Notifier // by channel kind
	Policy    Policy
	// Now is the clock of the log (due times, backoff). Default time.Now.
	Now func() time.Time
	// Batch is how many entries are claimed at once (default 64); Workers
	// how many of them are sent in parallel (default 16).
	Batch   int
	Workers int
	// SendTimeout bounds one attempt (default 15 s). An attempt under way
	// when Run's context ends still finishes, within this bound, and is
	// recorded: a stop never leaves a sent notice unrecorded.
	SendTimeout time.Duration
	// Poll is how often Run looks for due retries when nothing wakes it
	// (default 1 s).
	Poll   time.Duration
	Logger *slog.Logger
	// OnResult, if set, sees every recorded result (metrics, tests).
	OnResult func(Entry, Result)

	once  sync.Once
	wake  chan struct{}
	owner string
}

func (d *Dispatcher) init() {
	d.once.Do(func() {
		if d.Now == nil {
			d.Now = time.Now
		}
		if d.Batch <= 0 {
			d.Batch = 64
		}
		if d.Workers <= 0 {
			d.Workers = 16
		}
		if d.SendTimeout <= 0 {
			d.SendTimeout = 15 * time.Second
		}
		if d.Poll <= 0 {
			d.Poll = time.Second
		}
		if d.Logger == nil {
			d.Logger = slog.New(slog.DiscardHandler)
		}
		d.wake = make(chan struct{}, 1)
		var b [8]byte
		rand.Read(b[:])
		d.owner = hex.EncodeToString(b[:])
	})
}

// Publish routes one transition and enqueues the deliveries (the fan-out is
// durable when it returns), then wakes Run. Publishing the same transition
// again adds nothing.
func (d *Dispatcher) Publish(ctx context.Context, ev Event, units []alert.Unit) (int, error) {
	d.init()
	n, err := d.Log.Enqueue(ctx, Route(ev, units), d.Now())
	if err != nil {
		return 0, fmt.Errorf("notify: enqueue %s: %w", ev.Message.Transition, err)
	}
	d.Wake()
	return n, nil
}

// Enqueue adds deliveries made elsewhere (reminders, escalations) and wakes
// Run; known keys are not added again.
func (d *Dispatcher) Enqueue(ctx context.Context, ds []Delivery) (int, error) {
	d.init()
	n, err := d.Log.Enqueue(ctx, ds, d.Now())
	if err != nil {
		return 0, fmt.Errorf("notify: enqueue: %w", err)
	}
	d.Wake()
	return n, nil
}

// Wake makes Run look for due entries now.
func (d *Dispatcher) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends. It returns nil on a clean stop.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.init()
	for {
		n, err := d.RunOnce(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			d.Logger.Error("delivery round failed", "err", err)
		}
		if ctx.Err() != nil {
			return nil
		}
		if n == d.Batch {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return nil
		case <-d.wake:
		case <-time.After(d.Poll):
		}
	}
}

// RunOnce claims one batch of due entries, sends them and records the
// results. It returns how many entries it claimed.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	d.init()
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	entries, err := d.Log.Claim(ctx, d.owner, d.Now(), d.Batch)
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	// Claimed entries are finished even if ctx ends now: each attempt has
	// its own deadline, and the results are recorded without ctx. Each is
	// recorded as soon as its attempt ends, not with the batch: a process
	// killed mid-batch then leaves only the attempts in flight to be sent
	// again (as redeliveries, same key), not every notice the batch had
	// already sent.
	sendCtx := context.WithoutCancel(ctx)
	results := make([]Result, len(entries))
	recErrs := make([]error, len(entries))
	sem := make(chan struct{}, d.Workers)
	var wg sync.WaitGroup
	for i := range entries {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			results[i] = d.attempt(sendCtx, entries[i])
			recErrs[i] = d.Log.Record(sendCtx, results[i:i+1])
		}(i)
	}
	wg.Wait()
	if err := errors.Join(recErrs...); err != nil {
		return len(entries), fmt.Errorf("notify: record results: %w", err)
	}
	for i, r := range results {
		e := entries[i]
		switch r.State {
		case StateFailed:
			d.Logger.Warn("delivery failed; duty staff must reach the unit another way",
				"key", e.Key, "unit", e.Recipient.Unit, "channel", e.Channel.Kind, "attempts", e.Attempts, "err", r.LastError)
		case StatePending:
			d.Logger.Info("delivery will be retried", "key", e.Key, "at", r.NextAt, "err", r.LastError)
		}
		if d.OnResult != nil {
			d.OnResult(e, r)
		}
	}
	return len(entries), nil
}

func (d *Dispatcher) attempt(ctx context.Context, e Entry) Result {
	n, ok := d.Notifiers[e.Channel.Kind]
	if !ok {
		return Next(e, false, fmt.Errorf("no notifier for channel kind %q", e.Channel.Kind), d.Now(), d.Policy)
	}
	ctx, cancel := context.WithTimeout(ctx, d.SendTimeout)
	defer cancel()
	retry, err := safeNotify(ctx, n, e.Delivery)
	if err != nil && errors.Is(err, context.DeadlineExceeded) {
		retry = true
	}
	err = redactError(err, e.Channel.Target) // before it is recorded or logged
	return Next(e, retry, err, d.Now(), d.Policy)
}

// safeNotify turns a notifier's panic into a non-retryable failure.
func safeNotify(ctx context.Context, n Notifier, dl Delivery) (retry bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			retry, err = false, fmt.Errorf("notifier panic: %v", r)
		}
	}()
	return n.Notify(ctx, dl)
}
