package notify_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert/notify"
)

// BenchmarkApprovalToDelivered: from the approved transition handed to the
// publisher (CAP built and stored, fan-out enqueued) to every channel of 30
// units delivered and recorded — a signed webhook to a local receiver and a
// retained MQTT message through a real Mosquitto for each unit, plus the
// public message. Prints p50, p99 and max; the target is p99 < 1 s.
//
//	go test -run '^$' -bench ApprovalToDelivered -benchtime 200x ./alert/notify/
func BenchmarkApprovalToDelivered(b *testing.B) {
	r := newRig(b, 30)
	r.open(b, nil)
	defer r.close()
	var done atomic.Int64
	r.disp.Batch, r.disp.Workers = 64, 16
	r.disp.OnResult = func(notify.Entry, notify.Result) { done.Add(1) }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.disp.Run(ctx)
	per := int64(expected(r.plan))
	var lat []time.Duration
	start := time.Date(2026, 12, 1, 16, 0, 0, 0, cst)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		want := done.Load() + per
		c := issue(fmt.Sprintf("w%d-t1", i+1), start.Add(time.Duration(i)*time.Hour))
		c.WarningID = int64(i + 1)
		t0 := time.Now()
		if err := r.pub.Publish(ctx, c); err != nil {
			b.Fatal(err)
		}
		for done.Load() < want {
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	b.ReportMetric(float64(q(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(q(0.50).Microseconds())/1000, "p50-ms")
	fmt.Printf("approval → delivered, 30 units × (webhook + MQTT) + public = %d deliveries, %d runs: p50 %v  p99 %v  max %v\n",
		per, len(lat), q(0.50).Round(time.Microsecond), q(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
	_, _, _, bad := r.hook.snapshot()
	if bad > 0 {
		b.Fatalf("%d webhook requests failed verification", bad)
	}
}
