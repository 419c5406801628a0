package notify

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the delivery figures exported on /metrics: outcomes per
// channel kind and state, how long a notice took from the fan-out to its
// receiver (the figure bench-publish measures), and the retained public
// warnings another client overwrote.
type Metrics struct {
	results    *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	overwrites *prometheus.CounterVec
	// NoLatency leaves the latency out: the service's clock is not real
	// time (the demo's compressed clock), so the figure would mean nothing.
	NoLatency bool
}

// NewMetrics registers the delivery metrics with reg (nil: a private registry).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{
		results: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aqwarn_deliveries_total",
			Help: "Delivery attempts by channel kind and resulting state (sent, pending = will retry, failed)."}, []string{"channel", "state"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "aqwarn_delivery_latency_seconds",
			Help: "From the fan-out being recorded to the notice delivered.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}, []string{"channel"}),
		overwrites: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aqwarn_mqtt_retained_overwrites_total",
			Help: "Retained public warnings overwritten by another client (and published again)."}, []string{"topic"}),
	}
	reg.MustRegister(m.results, m.latency, m.overwrites)
	return m
}

// Result counts a recorded result and, once sent, observes its latency
// (Dispatcher.OnResult).
func (m *Metrics) Result(e Entry, r Result) {
	m.results.WithLabelValues(e.Channel.Kind, r.State).Inc()
	if r.State == StateSent && !m.NoLatency {
		m.latency.WithLabelValues(e.Channel.Kind).Observe(r.At.Sub(e.Created).Seconds())
	}
}

// Overwritten counts a retained public warning on topic that another
// client overwrote (mqttpub.Config.OnOverwrite).
func (m *Metrics) Overwritten(topic string) { m.overwrites.WithLabelValues(topic).Inc() }
