// Package dingtalk delivers notices to DingTalk group robots (钉钉自定义机器人):
// a markdown message POSTed to the robot's webhook URL, which is signed when
// the robot has "加签" on: timestamp (ms) and sign =
// base64(HMAC-SHA256(secret, timestamp + "\n" + secret)) as query parameters.
package dingtalk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/aqwarn/aqwarn/alert/notify"
)

// Notifier posts to the robot URL of the channel.
type Notifier struct {
	Client *http.Client
	Secret func(name string) string // resolves the channel's secret_env (optional)
	Now    func() time.Time
}

var _ notify.Notifier = (*Notifier)(nil)

// Message is the robot's markdown message.
type Message struct {
	MsgType  string `json:"msgtype"`
	Markdown struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	} `json:"markdown"`
}

// Response is the robot's answer; errcode 0 is success.
type Response = notify.RobotAnswer

// rateLimited is the robot's "too many messages" code (20 per minute).
const rateLimited = 130101

// SignURL adds timestamp and sign to a robot URL.
func SignURL(target, secret string, now time.Time) (string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", err
	}
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n" + secret))
	q := u.Query()
	q.Set("timestamp", ts)
	q.Set("sign", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Notify sends one delivery.
func (n *Notifier) Notify(ctx context.Context, d notify.Delivery) (bool, error) {
	var m Message
	m.MsgType = "markdown"
	m.Markdown.Title = d.Message.HeadlineZH
	m.Markdown.Text = notify.Text(d, true)
	body, err := json.Marshal(m)
	if err != nil {
		return false, err
	}
	target := d.Channel.Target
	if d.Channel.SecretEnv != "" && n.Secret != nil {
		if secret := n.Secret(d.Channel.SecretEnv); secret != "" {
			now := time.Now
			if n.Now != nil {
				now = n.Now
			}
			if target, err = SignURL(target, secret, now()); err != nil {
				return false, fmt.Errorf("dingtalk: %w", err)
			}
		}
	}
	retry, err := notify.PostRobot(ctx, n.Client, target, body, rateLimited)
	if err != nil {
		return retry, fmt.Errorf("dingtalk: %w", err)
	}
	return false, nil
}
