package ingest

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

// FuzzDecodeJSON checks that the fast path of the decoder agrees with
// encoding/json whenever it takes a payload, that DecodeJSON never panics, that every rejection
// carries a known reason and a message, and that whatever it accepts is
// something the AQI may see: a registered station matching the topic, an
// allowed interval, a time within the limits, finite possible values in our
// units, in the canonical order. Seeds: testdata/fuzz/FuzzDecodeJSON (CI
// runs them with every `go test`).
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"station":"s1","time":"2026-12-01T13:00:00+08:00","interval":"1h","values":{"pm25":{"value":35,"unit":"ug/m3"}}}`), "s1")
	lim := Limits{MaxFuture: 5 * time.Minute, Retention: 30 * 24 * time.Hour}
	known := map[string]bool{}
	for _, r := range []string{ReasonMalformedJSON, ReasonStationMismatch, ReasonUnknownStation, ReasonBadTime, ReasonFutureTime,
		ReasonTooOld, ReasonBadInterval, ReasonUnitMissing, ReasonUnitUnknown, ReasonBadValue, ReasonNoValues} {
		known[r] = true
	}
	f.Fuzz(func(t *testing.T, payload []byte, topic string) {
		// The fast path agrees with encoding/json whenever it takes a payload.
		var raw rawReading
		if parseJSONFast(payload, &raw) {
			var slow JSONReading
			if err := json.Unmarshal(payload, &slow); err != nil {
				t.Fatalf("fast path took %q, encoding/json says %v", payload, err)
			}
			if fast := raw.jsonReading(); !reflect.DeepEqual(fast, slow) {
				t.Fatalf("fast path %+v, encoding/json %+v for %q", fast, slow, payload)
			}
		}
		r, rej := DecodeJSON(payload, topic, testRegistry, lim, now)
		if rej != nil {
			if !known[rej.Reason] || rej.Message == "" {
				t.Fatalf("rejection %q: %q", rej.Reason, rej.Message)
			}
			return
		}
		if _, ok := testRegistry.Station(r.Station); !ok || (topic != "" && r.Station != topic) {
			t.Fatalf("accepted station %q on topic %q", r.Station, topic)
		}
		if r.Interval != time.Minute && r.Interval != 5*time.Minute && r.Interval != time.Hour {
			t.Fatalf("interval %v", r.Interval)
		}
		if r.Time.Location() != time.UTC || r.Time.Sub(now) > lim.MaxFuture || now.Sub(r.Time) > lim.Retention {
			t.Fatalf("time %v accepted at %v", r.Time, now)
		}
		if len(r.Values) == 0 {
			t.Fatal("accepted a reading without values")
		}
		seen := map[string]bool{}
		for i, m := range r.Values {
			max, ok := impossible[m.Pollutant]
			if !ok || seen[m.Pollutant] || math.IsNaN(m.Value) || m.Value < 0 || m.Value > max {
				t.Fatalf("value %+v accepted", m)
			}
			seen[m.Pollutant] = true
			if i > 0 && rank(r.Values[i-1].Pollutant) > rank(m.Pollutant) {
				t.Fatalf("values out of order: %+v", r.Values)
			}
		}
	})
}

// jsonReading is what encoding/json would have made of r.
func (r *rawReading) jsonReading() JSONReading {
	out := JSONReading{Station: string(r.station), Time: string(r.time), Interval: string(r.interval)}
	if r.hasValues {
		out.Values = map[string]JSONValue{}
	}
	for i := range r.n {
		v := r.at(i)
		jv := JSONValue{Unit: string(v.unit), Flag: string(v.flag)}
		if v.hasValue {
			x := v.value
			jv.Value = &x
		}
		out.Values[string(v.name)] = jv
	}
	return out
}

func rank(p string) int {
	for i, q := range []string{"so2", "no2", "pm10", "co", "o3", "pm25"} {
		if q == p {
			return i
		}
	}
	return -1
}

// BenchmarkDecodeJSON decodes the documented payload (prints ns/op and
// allocations; no assertion).
func BenchmarkDecodeJSON(b *testing.B) {
	payload := []byte(`{"station":"s1","time":"2026-12-01T13:00:00+08:00","interval":"1h","values":{"so2":{"value":7,"unit":"ug/m3"},"no2":{"value":21.5,"unit":"ppb","flag":"N"},"pm10":{"value":58,"unit":"ug/m3"},"co":{"value":0.8,"unit":"mg/m3"},"o3":{"value":88,"unit":"ug/m3"},"pm25":{"value":35,"unit":"ug/m3","flag":"N"}}}`)
	lim := Limits{MaxFuture: 5 * time.Minute}
	b.ReportAllocs()
	for b.Loop() {
		if _, rej := DecodeJSON(payload, "s1", testRegistry, lim, now); rej != nil {
			b.Fatal(rej)
		}
	}
}
