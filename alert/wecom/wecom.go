// Package wecom delivers notices to WeCom (企业微信) group robots: a markdown
// message POSTed to the robot's webhook URL (its key is in the URL).
package wecom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/aqwarn/aqwarn/alert/notify"
)

// Notifier posts to the robot URL of the channel.
type Notifier struct {
	Client *http.Client
}

var _ notify.Notifier = (*Notifier)(nil)

// Message is the robot's markdown message (content at most 4096 bytes).
type Message struct {
	MsgType  string `json:"msgtype"`
	Markdown struct {
		Content string `json:"content"`
	} `json:"markdown"`
}

// Response is the robot's answer; errcode 0 is success.
type Response = notify.RobotAnswer

// rateLimited is "api freq out of limit" (20 messages per minute per robot).
const rateLimited = 45009

const maxContent = 4096

// Notify sends one delivery.
func (n *Notifier) Notify(ctx context.Context, d notify.Delivery) (bool, error) {
	var m Message
	m.MsgType = "markdown"
	m.Markdown.Content = truncate(notify.Text(d, true), maxContent)
	body, err := json.Marshal(m)
	if err != nil {
		return false, err
	}
	retry, err := notify.PostRobot(ctx, n.Client, d.Channel.Target, body, rateLimited)
	if err != nil {
		return retry, fmt.Errorf("wecom: %w", err)
	}
	return false, nil
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "\n…"
	cut := n - len(mark)
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + mark
}
