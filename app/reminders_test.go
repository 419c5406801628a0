package app

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/reduction"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

type versionsFunc func(year int) []reduction.Version

func (f versionsFunc) ListVersions(_ context.Context, year int) ([]reduction.Version, error) {
	return f(year), nil
}

// The list's revision reminder reaches the command office on its
// channels on the reminder days only, once per reminder however often the
// job runs, and not once the year's list is published or in force.
func TestRemindListRevision(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dl, err := sqlite.NewDeliveries(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var now time.Time
	published := map[int]bool{}
	d := &delivery{list: &reduction.List{Year: 2025, County: "jianghua"}, log: slog.New(slog.DiscardHandler),
		disp: &notify.Dispatcher{Log: dl, Now: func() time.Time { return now }}, now: func() time.Time { return now },
		versions: versionsFunc(func(year int) []reduction.Version {
			if published[year] {
				return []reduction.Version{{Year: year, State: reduction.StatePublished}}
			}
			return []reduction.Version{{Year: year, State: reduction.StateDraft}}
		}),
		office: []alert.Unit{{ID: "ecology_branch", Role: alert.UnitOffice, NameZH: "分局",
			Channels: []alert.Channel{{Kind: notify.ChannelEmail, Target: "office@example.invalid"}, {Kind: notify.ChannelWebhook, Target: "https://duty.example.invalid/x"}}}}}
	count := func() int {
		t.Helper()
		es, err := dl.DeliveryEntries(ctx, sqlite.DeliveryFilter{Unit: "ecology_branch"})
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		pub  bool
		want int // deliveries so far
	}{
		// 31 July: no reminder yet.
		{"31 Jul", time.Date(2026, 7, 31, 12, 0, 0, 0, alert.CST), false, 0},
		// 1 August, 60 days before: one per office channel.
		{"1 Aug", time.Date(2026, 8, 1, 9, 5, 0, 0, alert.CST), false, 2},
		// The hourly job again the same day: nothing new.
		{"1 Aug again", time.Date(2026, 8, 1, 10, 5, 0, 0, alert.CST), false, 2},
		// 31 August, 30 days before.
		{"31 Aug", time.Date(2026, 8, 31, 9, 5, 0, 0, alert.CST), false, 4},
		// Published by 23 September: no 7-day reminder.
		{"23 Sep, published", time.Date(2026, 9, 23, 9, 5, 0, 0, alert.CST), true, 4},
	} {
		now, published[2026] = tc.at, tc.pub
		d.remindListRevision(ctx)
		if got := count(); got != tc.want {
			t.Errorf("%s: %d deliveries, want %d", tc.name, got, tc.want)
		}
	}
	// The list in force is already the year's: no reminder.
	d.list.Year = 2027
	now = time.Date(2027, 8, 1, 9, 5, 0, 0, alert.CST)
	d.remindListRevision(ctx)
	if got := count(); got != 4 {
		t.Errorf("with the year's list in force: %d deliveries", got)
	}
}
