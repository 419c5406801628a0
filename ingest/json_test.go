package ingest

import (
	"math"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
)

var testRegistry = NewRegistry([]aqwarn.Station{{ID: "s1", Region: "r"}, {ID: "s2", Region: "r"}})

var now = time.Date(2026, 12, 1, 13, 2, 0, 0, time.FixedZone("CST", 8*3600))

func TestDecodeJSONRejects(t *testing.T) {
	lim := Limits{MaxFuture: 5 * time.Minute, Retention: 30 * 24 * time.Hour}
	cases := []struct {
		name, topic, payload, reason string
	}{
		{"not JSON at all", "s1", `{"station":`, ReasonMalformedJSON},
		{"topic names another station", "s1", `{"station":"s2","time":"2026-12-01T13:00:00+08:00","interval":"1h","values":{"pm25":{"value":1,"unit":"ug/m3"}}}`, ReasonStationMismatch},
		{"station not in the registry", "s9", `{"time":"2026-12-01T13:00:00+08:00","interval":"1h","values":{"pm25":{"value":1,"unit":"ug/m3"}}}`, ReasonUnknownStation},
		{"time without offset", "s1", `{"time":"2026-12-01T13:00:00","interval":"1h","values":{"pm25":{"value":1,"unit":"ug/m3"}}}`, ReasonBadTime},
		{"six minutes in the future", "s1", `{"time":"2026-12-01T13:08:00+08:00","interval":"1m","values":{"pm25":{"value":1,"unit":"ug/m3"}}}`, ReasonFutureTime},
		{"older than retention", "s1", `{"time":"2026-10-01T13:00:00+08:00","interval":"1h","values":{"pm25":{"value":1,"unit":"ug/m3"}}}`, ReasonTooOld},
		{"interval of 2 hours", "s1", `{"time":"2026-12-01T13:00:00+08:00","interval":"2h","values":{"pm25":{"value":1,"unit":"ug/m3"}}}`, ReasonBadInterval},
		{"no unit", "s1", `{"time":"2026-12-01T13:00:00+08:00","interval":"1h","values":{"pm25":{"value":1}}}`, ReasonUnitMissing},
		{"particles in ppb", "s1", `{"time":"2026-12-01T13:00:00+08:00","interval":"1h","values":{"pm25":{"value":1,"unit":"ppb"}}}`, ReasonUnitUnknown},
		{"unknown unit", "s1", `{"time":"2026-12-01T13:00:00+08:00","interval":"1h","values":{"no2":{"value":1,"unit":"grains"}}}`, ReasonUnitUnknown},
		{"negative", "s1", `{"time":"2026-12-01T13:00:00+08:00","interval":"1h","values":{"pm25":{"value":-3,"unit":"ug/m3"}}}`, ReasonBadValue},
		{"impossible", "s1", `{"time":"2026-12-01T13:00:00+08:00","interval":"1h","values":{"pm10":{"value":99999,"unit":"ug/m3"}}}`, ReasonBadValue},
		{"null value", "s1", `{"time":"2026-12-01T13:00:00+08:00","interval":"1h","values":{"pm10":{"value":null,"unit":"ug/m3"}}}`, ReasonBadValue},
		{"one pollutant under two spellings", "s1", `{"time":"2026-12-01T13:00:00+08:00","interval":"1h","values":{"pm25":{"value":1,"unit":"ug/m3"},"PM2.5":{"value":2,"unit":"ug/m3"}}}`, ReasonMalformedJSON},
		{"only weather", "s1", `{"time":"2026-12-01T13:00:00+08:00","interval":"1h","values":{"temp":{"value":3,"unit":"C"}}}`, ReasonNoValues},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, rej := DecodeJSON([]byte(c.payload), c.topic, testRegistry, lim, now)
			if rej == nil {
				t.Fatalf("accepted; want %s", c.reason)
			}
			if rej.Reason != c.reason {
				t.Errorf("reason %s (%s), want %s", rej.Reason, rej.Message, c.reason)
			}
			if rej.Message == "" {
				t.Error("a rejection must explain itself")
			}
		})
	}
}

func TestDecodeJSONAcceptsAndConverts(t *testing.T) {
	payload := `{"station":"s1","time":"2026-12-01T13:00:00+08:00","interval":"1h","values":{
		"pm25":{"value":35,"unit":"µg/m³"},
		"no2":{"value":10,"unit":"ppb","flag":"n"},
		"co":{"value":800,"unit":"ug/m3"},
		"o3":{"value":0.05,"unit":"ppm","flag":"M"},
		"temp":{"value":3,"unit":"C"}}}`
	r, rej := DecodeJSON([]byte(payload), "s1", testRegistry, Limits{MaxFuture: 5 * time.Minute}, now)
	if rej != nil {
		t.Fatal(rej)
	}
	if !r.Time.Equal(time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)) || r.Time.Location() != time.UTC {
		t.Errorf("time %v, want 05:00 UTC", r.Time)
	}
	if r.Interval != time.Hour || len(r.Values) != 4 {
		t.Fatalf("got %+v", r)
	}
	check := func(p string, want float64, valid bool) {
		t.Helper()
		for _, m := range r.Values {
			if m.Pollutant == p {
				if math.Abs(m.Value-want) > 1e-9 || m.Valid() != valid {
					t.Errorf("%s = %v valid=%v, want %v valid=%v", p, m.Value, m.Valid(), want, valid)
				}
				return
			}
		}
		t.Errorf("%s missing", p)
	}
	check("pm25", 35, true)
	check("no2", 10*46.0055/24.465, true) // ppb → µg/m³ at 298.15 K, 1013.25 hPa
	check("co", 0.8, true)                // µg/m³ → mg/m³
	check("o3", 50*47.9982/24.465, false) // flag M: maintenance, stored, not valid
	// Values come out in a stable order, so equal readings encode equally.
	for i, want := range []string{"no2", "co", "o3", "pm25"} {
		if r.Values[i].Pollutant != want {
			t.Errorf("value %d is %s, want %s", i, r.Values[i].Pollutant, want)
		}
	}
}
