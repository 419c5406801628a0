package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/broker/mosquitto"
	"github.com/aqwarn/aqwarn/internal/testenv"
	"github.com/aqwarn/aqwarn/simulate"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// `aqwarn broker-acl` with the demo reduction list, against a real
// Mosquitto: each listed source's account (source-ID) writes its own
// meters' power readings, which the service stores; the same account
// publishing another firm's power topic is refused by the broker, and
// nothing of it is stored.
func TestBrokerACLSourcesWriteOnlyTheirOwnPower(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "aqwarn.yaml")
	storeDir := filepath.Join(dir, "store")
	env := map[string]string{"AQWARN_NOTICE_KEY": powerNoticeKey}
	writeCfg := func(url string) {
		os.WriteFile(cfgPath, append(fmt.Appendf(nil, aclConfig, url, storeDir), "reduction_list: embedded:reduction/jianghua-2026.yaml\n"...), 0o644)
	}
	writeCfg("tcp://127.0.0.1:1")
	out := filepath.Join(dir, "broker")
	var stdout, stderr strings.Builder
	if err := run(context.Background(), []string{"broker-acl", "--config", cfgPath, "--out", out}, func(k string) string { return env[k] }, nil, &stdout, &stderr); err != nil {
		t.Fatalf("broker-acl: %v\n%s", err, stderr.String())
	}
	creds, err := mosquitto.ReadCredentials(filepath.Join(out, "credentials.txt"))
	if err != nil {
		t.Fatal(err)
	}
	acl, _ := os.ReadFile(filepath.Join(out, "acl"))
	// Its own block: what a unit may, and its own power and emission topics.
	if !strings.Contains(string(acl), "# source cem-a\nuser source-cem-a\ntopic write aq/units/cem-a/ack\ntopic read aq/units/cem-a/tasks\ntopic write aq/power/cem-a/#\ntopic write aq/emissions/cem-a/hj212\n") {
		t.Errorf("cem-a's ACL block:\n%s", acl)
	}
	conf, err := os.ReadFile(filepath.Join(out, "mosquitto.conf"))
	if err != nil {
		t.Fatal(err)
	}
	mq := testenv.StartMosquittoWith(t, string(conf))
	writeCfg(mq.URL())
	env["AQWARN_MQTT_PASSWORD"] = creds["aqwarn-acl"]
	svc := startService(t, []string{"serve", "--config", cfgPath}, env)
	dumpOnFailure(t, svc)
	eventually(t, "/readyz ready with the service's own accounts", 30*time.Second, func() bool { return getJSON(t, svc.URL+"/readyz", nil) == 200 })

	cemA, err := mqttLogin(mq.URL(), "source-cem-a", "source-cem-a", creds["source-cem-a"])
	if err != nil {
		t.Fatal(err)
	}
	defer cemA.Disconnect(0)
	end := time.Now().UTC().Truncate(aqwarn.PowerInterval)
	reading := func(src, unit, meter string, kwh float64) aqwarn.PowerReading {
		return aqwarn.PowerReading{Enterprise: src, Unit: unit, Meter: meter, Time: end, KWh: kwh}
	}
	publish := func(r aqwarn.PowerReading) {
		cemA.Publish(simulate.PowerTopic("aq", r.Enterprise, r.Meter), 1, false, simulate.EncodePower(r)).WaitTimeout(5 * time.Second)
	}
	// cem-a forges cem-b's kiln at a tenth of its draw, then sends its own kiln's.
	publish(reading("cem-b", "kiln1", "cem-b-m1", 12))
	publish(reading("cem-a", "kiln1", "cem-a-m1", 2100))

	ctx := context.Background()
	db, err := sqlite.Open(ctx, storeDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eventually(t, "cem-a's own reading stored", 30*time.Second, func() bool {
		ps, err := db.PowerReadings(ctx, "cem-a", end.Add(-time.Hour), end)
		return err == nil && len(ps["cem-a-m1"]) == 1 && ps["cem-a-m1"][0].KWh == 2100
	})
	// Mosquitto hands messages of one publisher on in order: the forgery came first.
	if ps, err := db.PowerReadings(ctx, "cem-b", end.Add(-time.Hour), end); err != nil || len(ps) != 0 {
		t.Errorf("cem-b's readings after cem-a's forgery: %+v %v", ps, err)
	}
	if dls, _ := db.ListDeadLetters(ctx, "", "", 0, 10); len(dls) != 0 {
		t.Errorf("the forgery reached the service: %+v", dls)
	}
}
