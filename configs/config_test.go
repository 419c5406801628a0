package configs

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultIsValidDemo(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if !c.MQTT.Embedded || c.Store.Readings != "embedded" || !c.Demo.Enabled {
		t.Errorf("default should be embedded broker + embedded store + demo, got %+v %+v %+v", c.MQTT, c.Store, c.Demo)
	}
	if len(c.Stations) < 2 || len(c.Regions) < 2 {
		t.Errorf("default has %d stations, %d regions", len(c.Stations), len(c.Regions))
	}
	if _, err := c.OpenPlan(); err != nil {
		t.Errorf("embedded plan: %v", err)
	}
}

func TestEnvOverrides(t *testing.T) {
	c, err := Load("", env(map[string]string{
		"AQWARN_HTTP_ADDR":       "127.0.0.1:0",
		"AQWARN_STORE_READINGS":  "influx",
		"AQWARN_INFLUX_URL":      "http://127.0.0.1:8086",
		"AQWARN_INFLUX_BUCKET":   "db/autogen",
		"AQWARN_MQTT_EMBEDDED":   "false",
		"AQWARN_MQTT_URL":        "tcp://127.0.0.1:1883",
		"AQWARN_AQI_STALE_AFTER": "90m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != "127.0.0.1:0" || c.Store.Readings != "influx" || c.Influx.Bucket != "db/autogen" ||
		c.MQTT.Embedded || c.MQTT.URL != "tcp://127.0.0.1:1883" || c.AQI.StaleAfter != 90*time.Minute {
		t.Errorf("overrides not applied: %+v", c)
	}
}

// One error lists every problem, so an operator fixes them in one go.
func TestValidationListsEveryProblem(t *testing.T) {
	_, err := Parse([]byte(`
mqtt: {embedded: false, url: "", client_id: ""}
store: {readings: cassandra}
aqi: {edition: "1999"}
regions: [{id: county}, {id: town, parent: nowhere}]
stations:
  - {id: "a/b", region: county, pollutants: [pm25, h2s]}
  - {id: s2, region: mars}
`), env(map[string]string{"AQWARN_INGEST_BATCH_SIZE": "many"}))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"mqtt.url", "client_id", "store.readings", "aqi.edition", "parent \"nowhere\"",
		"\"a/b\"", "h2s", "region \"mars\"", "AQWARN_INGEST_BATCH_SIZE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestUnknownKeyIsAnError(t *testing.T) {
	if _, err := Parse([]byte("htp: {addr: x}\n"), nil); err == nil || !strings.Contains(err.Error(), "htp") {
		t.Errorf("want an error naming the unknown key, got %v", err)
	}
}

func TestProductionExampleParses(t *testing.T) {
	// The example names a plan under /etc; point it at the embedded one.
	c, err := Parse(ProductionExample(), env(map[string]string{"AQWARN_PLAN": "embedded:plans/jianghua-2024.yaml"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.MQTT.Embedded || c.Store.Readings != "influx" || c.Demo.Enabled {
		t.Errorf("production example should use external services without demo: %+v", c)
	}
}
