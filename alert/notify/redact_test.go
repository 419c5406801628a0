package notify_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/dingtalk"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/alert/webhook"
	"github.com/aqwarn/aqwarn/alert/wecom"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// Robot tokens and keys in channel targets never reach the delivery log,
// the API that reads it or the log (audit M1): webhook, DingTalk and WeCom
// targets with secrets in their query, on a closed port, fail; their
// recorded errors and the log lines say what failed, without the secrets.
func TestDeliveryErrorsKeepNoSecret(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log, err := sqlite.NewDeliveries(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close() // nothing listens there now
	targets := map[string]string{
		notify.ChannelWebhook:  "http://" + addr + "/hook?token=SECRET-WEBHOOK-URL-TOKEN",
		notify.ChannelDingTalk: "http://" + addr + "/robot/send?access_token=SECRET-DINGTALK-TOKEN",
		notify.ChannelWeCom:    "http://" + addr + "/webhook/send?key=SECRET-WECOM-KEY",
	}
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	var ds []notify.Delivery
	for kind, target := range targets {
		c := alert.Channel{Kind: kind, Target: target}
		ds = append(ds, notify.Delivery{Key: notify.DeliveryKey("w1-t1", "u", c), Recipient: notify.Recipient{Unit: "u"}, Channel: c,
			Message: notify.Message{Transition: "w1-t1", HeadlineZH: "预警", HeadlineEN: "warning"}})
	}
	if _, err := log.Enqueue(ctx, ds, now); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	secret := func(string) string { return "signing-key" }
	d := &notify.Dispatcher{Log: log, Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Policy: notify.Policy{MaxAttempts: 1},
		Notifiers: map[string]notify.Notifier{notify.ChannelWebhook: &webhook.Notifier{Secret: secret},
			notify.ChannelDingTalk: &dingtalk.Notifier{Secret: secret}, notify.ChannelWeCom: &wecom.Notifier{}}}
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := log.DeliveryEntries(ctx, sqlite.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("%d entries", len(entries))
	}
	for _, e := range entries {
		if e.LastError == "" || !strings.Contains(e.LastError, addr) {
			t.Errorf("%s: the error does not say what failed: %q", e.Channel.Kind, e.LastError)
		}
		if strings.Contains(e.LastError, "SECRET") {
			t.Errorf("%s: the recorded error carries the secret: %q", e.Channel.Kind, e.LastError)
		}
	}
	if strings.Contains(logs.String(), "SECRET") {
		t.Errorf("the log carries a secret:\n%s", logs.String())
	}
}
