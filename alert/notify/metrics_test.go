package notify

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/aqwarn/aqwarn/alert"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	created := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	mqtt := Entry{Delivery: Delivery{Channel: alert.Channel{Kind: ChannelMQTT}}, Created: created}
	mail := Entry{Delivery: Delivery{Channel: alert.Channel{Kind: ChannelEmail}}, Created: created}
	m.Result(mqtt, Result{State: StateSent, At: created.Add(300 * time.Millisecond)})
	m.Result(mqtt, Result{State: StateSent, At: created.Add(2 * time.Second)})
	m.Result(mail, Result{State: StatePending, At: created.Add(time.Second)})
	m.Result(mail, Result{State: StateFailed, At: created.Add(time.Minute)})
	m.Overwritten("aq/warnings/jianghua")

	for _, c := range []struct {
		labels []string
		want   float64
	}{{[]string{ChannelMQTT, StateSent}, 2}, {[]string{ChannelEmail, StatePending}, 1}, {[]string{ChannelEmail, StateFailed}, 1}, {[]string{ChannelEmail, StateSent}, 0}} {
		if got := testutil.ToFloat64(m.results.WithLabelValues(c.labels...)); got != c.want {
			t.Errorf("aqwarn_deliveries_total%v = %v, want %v", c.labels, got, c.want)
		}
	}
	if got := testutil.ToFloat64(m.overwrites.WithLabelValues("aq/warnings/jianghua")); got != 1 {
		t.Errorf("overwrites = %v, want 1", got)
	}
	// Only sent notices have a latency: two for mqtt, summing to 2.3 s.
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fams {
		if f.GetName() != "aqwarn_delivery_latency_seconds" {
			continue
		}
		found = true
		if len(f.GetMetric()) != 1 || f.GetMetric()[0].GetLabel()[0].GetValue() != ChannelMQTT {
			t.Fatalf("latency series %v, want mqtt's only", f.GetMetric())
		}
		h := f.GetMetric()[0].GetHistogram()
		if h.GetSampleCount() != 2 || math.Abs(h.GetSampleSum()-2.3) > 1e-9 {
			t.Errorf("latency: %d observations summing to %v, want 2 and 2.3", h.GetSampleCount(), h.GetSampleSum())
		}
	}
	if !found {
		t.Error("no aqwarn_delivery_latency_seconds")
	}

	// On a clock that is not real time no latency is observed.
	m2 := NewMetrics(nil)
	m2.NoLatency = true
	m2.Result(mqtt, Result{State: StateSent, At: created.Add(time.Hour)})
	if n := testutil.CollectAndCount(m2.latency); n != 0 {
		t.Errorf("%d latency series on a compressed clock, want none", n)
	}
	if got := testutil.ToFloat64(m2.results.WithLabelValues(ChannelMQTT, StateSent)); got != 1 {
		t.Errorf("results %v, want 1", got)
	}
}
