package sms

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/alert/webhook"
)

func delivery() notify.Delivery {
	start := time.Date(2026, 12, 2, 0, 0, 0, 0, alert.CST)
	return notify.Delivery{Key: "w1/t2/cement-b/sms-1a2b3c4d",
		Recipient: notify.Recipient{Unit: "cement-b", NameZH: "江华某水泥有限公司", Role: alert.UnitSource},
		Channel:   alert.Channel{Kind: notify.ChannelSMS, Target: "+8613800000001"},
		Message: notify.Message{Kind: "issue", HeadlineZH: "江华瑶族自治县发布重污染天气橙色预警", At: start.Add(-20 * time.Hour), Start: start,
			Tasks:  []notify.Task{{ID: "m1", TextZH: "熟料线限产20%"}, {ID: "m2", TextZH: "停用国四及以下重型货车运输"}},
			Serial: "JH1-7Q4K2M9D", VerifyCode: "483920", VerifyURL: "https://aq.example/n/JH1-7Q4K2M9D", AckURL: "https://aq.example/enterprise"}}
}

// The gateway receives the phone number, a short Chinese text with the
// source's own measures, the serial and code, and a valid signature.
func TestNotifyPostsSignedText(t *testing.T) {
	var got Request
	var sigOK bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sigOK = webhook.Verify([]byte("k"), r.Header, body, time.Now(), time.Minute) == nil
		json.Unmarshal(body, &got)
	}))
	defer srv.Close()
	n := &Notifier{Gateway: srv.URL, Secret: "k"}
	if retry, err := n.Notify(context.Background(), delivery()); err != nil {
		t.Fatalf("retry %v, err %v", retry, err)
	}
	if !sigOK {
		t.Error("the gateway could not verify the signature")
	}
	if got.To != "+8613800000001" || got.Key != "w1/t2/cement-b/sms-1a2b3c4d" {
		t.Errorf("request %+v", got)
	}
	for _, want := range []string{"江华某水泥有限公司", "12-02 00:00起执行", "熟料线限产20%；停用国四", "编号JH1-7Q4K2M9D，验证码483920", "https://aq.example/enterprise"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, got.Text)
		}
	}
}

// What cannot work is refused without a retry, and a gateway's 5xx is
// retried.
func TestNotifyFailures(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer down.Close()
	noPhone := delivery()
	noPhone.Channel.Target = ""
	for _, tc := range []struct {
		name  string
		n     *Notifier
		d     notify.Delivery
		retry bool
	}{
		// No gateway configured: an operator must act.
		{"no gateway", &Notifier{Secret: "k"}, delivery(), false},
		// No signing key.
		{"no key", &Notifier{Gateway: down.URL}, delivery(), false},
		// No phone number on the channel.
		{"no phone", &Notifier{Gateway: down.URL, Secret: "k"}, noPhone, false},
		// The gateway is down: try again later.
		{"gateway 503", &Notifier{Gateway: down.URL, Secret: "k"}, delivery(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			retry, err := tc.n.Notify(context.Background(), tc.d)
			if err == nil || retry != tc.retry {
				t.Errorf("retry %v, err %v; want retry %v and an error", retry, err, tc.retry)
			}
		})
	}
}
