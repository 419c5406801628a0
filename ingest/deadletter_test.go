package ingest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/ingest"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// Secrets never stay in what is kept or shown (audit M2).
func TestMask(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// The HJ 212 header's password.
		{"##0152QN=20160801085857223;ST=22;CN=2061;PW=123456;MN=0100;Flag=5;CP=&&&&", "##0152QN=20160801085857223;ST=22;CN=2061;PW=***;MN=0100;Flag=5;CP=&&&&"},
		// A password at the end of a cut frame.
		{"ST=22;PW=secret", "ST=22;PW=***"},
		// Nothing to hide.
		{`{"station":"s1"}`, `{"station":"s1"}`},
	} {
		if got := ingest.Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Dead letters are bounded (audit M4): a big payload is cut to its first
// 4 KiB with its size and hash; 100 identical rejections from one source
// in a minute keep 20 (all 100 counted); a second source and the next
// minute are kept again; TCP peers count by address, not port.
func TestDeadLettersBounded(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	p := ingest.NewPipeline(nil, 10)
	p.DeadLetters = db
	p.Now = func() time.Time { return now }
	rej := &ingest.Rejection{Reason: ingest.ReasonMalformedJSON, Message: "not JSON"}

	big := strings.Repeat("x", 100_000)
	if err := p.Reject(ctx, "mqtt:aq/stations/s9/readings", []byte(big), rej); err != nil {
		t.Fatal(err)
	}
	dls, _ := db.ListDeadLetters(ctx, "", "", 0, 10)
	if len(dls) != 1 || len(dls[0].Payload) != ingest.DeadLetterPayloadBytes || dls[0].Size != 100_000 || !dls[0].Truncated || len(dls[0].SHA256) != 64 {
		t.Fatalf("big payload kept as %d bytes, size %d, truncated %v, sha %q", len(dls[0].Payload), dls[0].Size, dls[0].Truncated, dls[0].SHA256)
	}

	for i := range 100 {
		if err := p.Reject(ctx, "tcp:127.0.0.1:"+string(rune('0'+i%10))+"000", []byte("garbage"), rej); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		dls, err := db.ListDeadLetters(ctx, "", "", 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(dls)
	}
	if n := count(); n != 1+ingest.DeadLetterBurst {
		t.Errorf("%d dead letters after 100 from one peer, want %d", n, 1+ingest.DeadLetterBurst)
	}
	if got := p.Metrics.Rejected(ingest.ReasonMalformedJSON); got != 101 {
		t.Errorf("rejected counter = %v, want 101 (exact, kept or not)", got)
	}
	p.Reject(ctx, "tcp:127.0.0.2:1000", []byte("garbage"), rej) // another peer
	now = now.Add(ingest.DeadLetterWindow)                      // the next minute
	p.Reject(ctx, "tcp:127.0.0.1:5000", []byte("garbage"), rej)
	if n := count(); n != 3+ingest.DeadLetterBurst {
		t.Errorf("%d dead letters, want %d (another peer, then the next minute kept)", n, 3+ingest.DeadLetterBurst)
	}
}

// The store keeps the newest rows within the age limit; a store written
// by a newer schema is refused, not misread.
func TestDeadLetterRetention(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for i := range 50 {
		if _, err := db.AddDeadLetter(ctx, aqwarn.DeadLetter{Received: now.Add(time.Duration(i) * time.Hour), Source: "s", Reason: "r", Payload: "p"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.PruneDeadLetters(ctx, 30, now.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	dls, _ := db.ListDeadLetters(ctx, "", "", 0, 1000)
	if len(dls) != 25 || !dls[len(dls)-1].Received.Equal(now.Add(25*time.Hour)) {
		t.Errorf("%d kept, oldest %v; want 25 (the newest 30, none before +25 h)", len(dls), dls[len(dls)-1].Received)
	}
	if _, err := db.SQL().ExecContext(ctx, `PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := sqlite.Open(ctx, dir); err == nil || !strings.Contains(err.Error(), "newer aqwarn") {
		if db != nil {
			db.Close()
		}
		t.Errorf("a store of schema 99 opened: %v", err)
	}
}
