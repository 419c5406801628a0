// Package sms delivers notices as text messages through an SMS gateway's
// HTTP API: the county's (or its operator's) gateway takes a signed JSON
// POST {to, text, key} and sends the message. The channel's target is the
// phone number; the gateway's URL and signing key are the service's
// configuration (publish.sms), never the list's or the plan's.
//
// A text message is short: it carries the headline, the start, the
// recipient's own tasks in brief, the notice's serial and verification
// code with where to check them, and where to acknowledge.
package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/alert/webhook"
)

// Request is the gateway's JSON body.
type Request struct {
	To   string `json:"to"`   // the phone number (the channel's target)
	Text string `json:"text"` // the message, Chinese
	Key  string `json:"key"`  // the delivery's idempotency key: the gateway drops a repeat
}

// Notifier posts to the gateway.
type Notifier struct {
	Gateway string // the gateway's URL; empty: every SMS delivery fails, named
	Secret  string // signs the body as webhook does (X-Aqwarn-Signature)
	Client  *http.Client
	Now     func() time.Time
}

var _ notify.Notifier = (*Notifier)(nil)

// Notify sends one delivery as a text message.
func (n *Notifier) Notify(ctx context.Context, d notify.Delivery) (bool, error) {
	if n.Gateway == "" {
		return false, fmt.Errorf("sms: no gateway configured (publish.sms.gateway)")
	}
	if n.Secret == "" {
		return false, fmt.Errorf("sms: no signing key for the gateway (AQWARN_SMS_SECRET)")
	}
	if d.Channel.Target == "" {
		return false, fmt.Errorf("sms: the channel names no phone number")
	}
	body, err := json.Marshal(Request{To: d.Channel.Target, Text: Text(d), Key: d.Key})
	if err != nil {
		return false, err
	}
	now := time.Now
	if n.Now != nil {
		now = n.Now
	}
	if _, retry, err := notify.Post(ctx, n.Client, n.Gateway, body, webhook.Headers([]byte(n.Secret), now().Unix(), body, d)); err != nil {
		return retry, fmt.Errorf("sms: %w", err)
	}
	return false, nil
}

// Text is the message: Chinese only, as short as it can be while still
// naming what to do, from when, and how to check the notice is genuine.
func Text(d notify.Delivery) string {
	m := d.Message
	var b strings.Builder
	if m.Overdue != nil {
		fmt.Fprintf(&b, "【未叫应】%s未确认收到通知。", m.Overdue.NameZH)
	}
	if m.Reminder > 0 {
		fmt.Fprintf(&b, "【第%d次提醒】", m.Reminder)
	}
	b.WriteString("【" + m.HeadlineZH + "】")
	if d.Recipient.NameZH != "" {
		b.WriteString(d.Recipient.NameZH + "：")
	}
	at := func(t time.Time) string { return t.In(alert.CST).Format("01-02 15:04") }
	switch {
	case m.Kind == string(alert.ActionPause):
		fmt.Fprintf(&b, "措施暂停，预计%s恢复。", at(m.RestartAt))
	case m.Kind == string(alert.ActionLift):
		fmt.Fprintf(&b, "%s起解除，应急措施结束。", at(later(m.At, m.Start)))
	case !m.Start.IsZero():
		fmt.Fprintf(&b, "%s起执行：", at(m.Start))
	}
	for i, t := range m.Tasks {
		if i > 0 {
			b.WriteString("；")
		}
		b.WriteString(t.TextZH)
	}
	if len(m.Tasks) > 0 {
		b.WriteString("。")
	}
	if m.Serial != "" {
		fmt.Fprintf(&b, "编号%s，验证码%s，核验%s。", m.Serial, m.VerifyCode, m.VerifyURL)
	}
	if m.AckURL != "" {
		fmt.Fprintf(&b, "请收到后立即确认：%s", m.AckURL)
	}
	return b.String()
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
