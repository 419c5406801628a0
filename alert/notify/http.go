package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// The HTTP kit the webhook, DingTalk and WeCom channels share: one POST,
// one classification of what may pass later.

// maxAnswer is how much of an answer is read.
const maxAnswer = 64 << 10

// Post sends body to target as JSON (with the extra headers) and returns
// the answer's body. retry says whether a failure may pass later: network
// failures, timeouts, 408, 429 and 5xx do; other non-2xx answers do not.
// Errors name the target without its query (robot tokens).
func Post(ctx context.Context, c *http.Client, target string, body []byte, header http.Header) (answer []byte, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, false, fmt.Errorf("POST %s: %w", redactURL(target), err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, true, fmt.Errorf("POST %s: %w", redactURL(target), err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode/100 == 2 {
		return b, false, nil
	}
	retry = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout
	return b, retry, fmt.Errorf("POST %s: %s: %s", redactURL(target), resp.Status, strings.TrimSpace(string(b)))
}

// RobotAnswer is the chat robots' answer (DingTalk, WeCom): errcode 0 is
// success.
type RobotAnswer struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// PostRobot posts to a chat robot and reads its errcode; rateLimited is
// the robot's "too many messages" code, which may pass later.
func PostRobot(ctx context.Context, c *http.Client, target string, body []byte, rateLimited int) (bool, error) {
	b, retry, err := Post(ctx, c, target, body, nil)
	if err != nil {
		return retry, err
	}
	var r RobotAnswer
	if err := json.Unmarshal(b, &r); err != nil {
		return true, fmt.Errorf("POST %s: unreadable answer: %w", redactURL(target), err)
	}
	if r.ErrCode != 0 {
		return r.ErrCode == rateLimited, fmt.Errorf("POST %s: errcode %d: %s", redactURL(target), r.ErrCode, r.ErrMsg)
	}
	return false, nil
}
