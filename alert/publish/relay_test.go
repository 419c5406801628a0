package publish

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
)

// memKV is the watermark's store; putErr, when set, fails the next Put.
type memKV struct {
	mu     sync.Mutex
	m      map[string]string
	putErr error
}

func (k *memKV) Get(_ context.Context, key string) (string, bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[key]
	return v, ok, nil
}

func (k *memKV) Put(_ context.Context, key, v string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.putErr; err != nil {
		k.putErr = nil
		return err
	}
	if k.m == nil {
		k.m = map[string]string{}
	}
	k.m[key] = v
	return nil
}

func (k *memKV) mark() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.m[WatermarkKey]
}

// fakePublisher records the changes it took; failures[key] makes that many
// attempts at key fail first.
type fakePublisher struct {
	mu       sync.Mutex
	took     []string
	tried    []string
	failures map[string]int
	taken    chan string
}

func (p *fakePublisher) Publish(_ context.Context, c Change) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tried = append(p.tried, c.Key)
	if p.failures[c.Key] > 0 {
		p.failures[c.Key]--
		return errors.New("broker down")
	}
	p.took = append(p.took, c.Key)
	if p.taken != nil {
		p.taken <- c.Key
	}
	return nil
}

func (p *fakePublisher) keys() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.took)
}

var t0 = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

// record adds a transition of warning w (0: a new warning) to the store
// and returns it as recorded. Warning n is of region "region-n".
func record(t *testing.T, st *lifecycle.MemStore, w int64, kind string) lifecycle.Transition {
	t.Helper()
	n := len(mustTransitions(t, st, 0))
	region := fmt.Sprintf("region-%d", w)
	if w == 0 {
		region = fmt.Sprintf("region-%d", len(st.AllWarnings())+1)
	}
	tr := lifecycle.Transition{Key: fmt.Sprintf("k%d", n+1), Region: region, Kind: kind, FromID: "none", ToID: "yellow",
		At: t0.Add(time.Duration(n) * time.Hour)}
	wr := &lifecycle.Warning{ID: w, Region: region, LevelID: "yellow"}
	got, ok, err := st.Publish(context.Background(), 0, tr, wr, lifecycle.AuditEntry{})
	if err != nil || !ok {
		t.Fatalf("recording a transition: %v, %v", ok, err)
	}
	return got
}

func mustTransitions(t *testing.T, st *lifecycle.MemStore, after int64) []lifecycle.Transition {
	t.Helper()
	ts, err := st.Transitions(context.Background(), after, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestRelayDeliversEachTransitionOnceInOrder(t *testing.T) {
	ctx := context.Background()
	st := lifecycle.NewMemStore()
	record(t, st, 0, "issue")   // w1-t1
	record(t, st, 1, "upgrade") // w1-t2
	record(t, st, 0, "issue")   // w2-t3
	kv := &memKV{}
	pub := &fakePublisher{}
	r := &Relay{Transitions: st, Marks: kv, Publisher: pub, Batch: 2} // two pages
	if err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := pub.keys(), []string{"w1-t1", "w1-t2", "w2-t3"}; !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	if kv.mark() != "3" {
		t.Errorf("watermark %q, want 3", kv.mark())
	}
	// Nothing new: nothing is handed over again.
	if err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(pub.keys()); n != 3 {
		t.Errorf("a second run delivered again: %v", pub.keys())
	}
	// A new transition: only it.
	record(t, st, 2, "lift")
	if err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := pub.keys(), []string{"w1-t1", "w1-t2", "w2-t3", "w2-t4"}; !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
}

// A transition the publisher refuses stops the run there: the watermark
// stays before it, later transitions wait, and the next run starts with it.
func TestRelayRetriesAFailureAndMovesTheWatermarkOnlyAfterSuccess(t *testing.T) {
	ctx := context.Background()
	st := lifecycle.NewMemStore()
	record(t, st, 0, "issue")
	record(t, st, 1, "upgrade")
	record(t, st, 1, "downgrade")
	kv := &memKV{}
	pub := &fakePublisher{failures: map[string]int{"w1-t2": 2}}
	r := &Relay{Transitions: st, Marks: kv, Publisher: pub}

	err := r.RunOnce(ctx)
	if err == nil || !strings.Contains(err.Error(), "transition 2 (upgrade region-1)") {
		t.Fatalf("err = %v, want the failure of transition 2", err)
	}
	if kv.mark() != "1" {
		t.Errorf("watermark %q after the failure, want 1", kv.mark())
	}
	if err := r.RunOnce(ctx); err == nil {
		t.Fatal("the second attempt should fail too")
	}
	if kv.mark() != "1" || !slices.Equal(pub.keys(), []string{"w1-t1"}) {
		t.Errorf("after two failures: watermark %q, delivered %v", kv.mark(), pub.keys())
	}
	if err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := pub.keys(), []string{"w1-t1", "w1-t2", "w1-t3"}; !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v (each once, in order)", got, want)
	}
	if got, want := pub.tried, []string{"w1-t1", "w1-t2", "w1-t2", "w1-t2", "w1-t3"}; !slices.Equal(got, want) {
		t.Errorf("attempts %v, want %v", got, want)
	}
	if kv.mark() != "3" {
		t.Errorf("watermark %q, want 3", kv.mark())
	}
}

// A watermark that could not be written leaves the transition to be handed
// over again (which the publisher's idempotence absorbs): at least once,
// never skipped.
func TestRelayWatermarkNotWrittenHandsOverAgain(t *testing.T) {
	ctx := context.Background()
	st := lifecycle.NewMemStore()
	record(t, st, 0, "issue")
	kv := &memKV{putErr: errors.New("disk full")}
	pub := &fakePublisher{}
	r := &Relay{Transitions: st, Marks: kv, Publisher: pub}
	if err := r.RunOnce(ctx); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the store's", err)
	}
	if kv.mark() != "" {
		t.Errorf("watermark %q, want none", kv.mark())
	}
	if err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := pub.keys(), []string{"w1-t1", "w1-t1"}; !slices.Equal(got, want) {
		t.Errorf("handed over %v, want %v", got, want)
	}
}

// A restart is a new Relay on the same stores: it resumes after the
// watermark, under its key.
func TestRelayRestartResumesFromTheWatermark(t *testing.T) {
	ctx := context.Background()
	st := lifecycle.NewMemStore()
	record(t, st, 0, "issue")
	record(t, st, 1, "upgrade")
	kv := &memKV{}
	first := &fakePublisher{}
	if err := (&Relay{Transitions: st, Marks: kv, Publisher: first}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	record(t, st, 1, "lift") // while stopped
	second := &fakePublisher{}
	if err := (&Relay{Transitions: st, Marks: kv, Publisher: second}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := second.keys(), []string{"w1-t3"}; !slices.Equal(got, want) {
		t.Errorf("after the restart %v, want %v", got, want)
	}
	// Another key is another watermark: everything from the start.
	third := &fakePublisher{}
	if err := (&Relay{Transitions: st, Marks: kv, Publisher: third, Key: "other"}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(third.keys()); n != 3 {
		t.Errorf("a relay with its own key delivered %v, want all 3", third.keys())
	}
}

// Run delivers what is there at start, then what it is woken for, long
// before its retry interval, and returns when ctx ends.
func TestRelayRunWakes(t *testing.T) {
	st := lifecycle.NewMemStore()
	record(t, st, 0, "issue")
	pub := &fakePublisher{taken: make(chan string, 10)}
	r := &Relay{Transitions: st, Marks: &memKV{}, Publisher: pub, Retry: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	next := func() string {
		select {
		case k := <-pub.taken:
			return k
		case <-time.After(5 * time.Second):
			t.Fatal("nothing delivered")
			return ""
		}
	}
	if k := next(); k != "w1-t1" {
		t.Errorf("first %q", k)
	}
	record(t, st, 1, "lift")
	r.Wake()
	if k := next(); k != "w1-t2" {
		t.Errorf("after the wake %q", k)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return when ctx ended")
	}
}

func TestChangeOf(t *testing.T) {
	restart := t0.Add(30 * time.Hour)
	tr := lifecycle.Transition{ID: 7, WarningID: 3, Region: "county", Kind: "upgrade", FromID: "yellow", ToID: "orange",
		At: t0, Start: t0.Add(time.Hour), ExpectedEnd: t0.Add(48 * time.Hour),
		Proposal: alert.Proposal{RestartAt: restart, Evidence: alert.Evidence{Windows: []alert.Window{{AQI: 180}, {AQI: 260}, {AQI: 220}}}}}
	want := Change{Key: "w3-t7", WarningID: 3, Kind: "upgrade", Region: "county", From: "yellow", To: "orange", At: t0,
		Start: t0.Add(time.Hour), ExpectedEnd: t0.Add(48 * time.Hour), RestartAt: restart, MaxAQI: 260}
	if got := ChangeOf(tr); got != want {
		t.Errorf("ChangeOf = %+v\nwant %+v", got, want)
	}
}
