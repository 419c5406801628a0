package wecom

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/notify"
)

func TestWeCom(t *testing.T) {
	tests := []struct {
		name    string
		errcode int
		retry   bool
		ok      bool
	}{
		// Accepted.
		{"accepted", 0, false, true},
		// Frequency limit: retried.
		{"rate limited", 45009, true, false},
		// Invalid key: not retried.
		{"invalid key", 93000, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got Message
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				json.NewDecoder(r.Body).Decode(&got)
				json.NewEncoder(w).Encode(Response{ErrCode: tc.errcode})
			}))
			defer srv.Close()
			d := notify.Delivery{Key: "k", Channel: alert.Channel{Kind: "wecom", Target: srv.URL + "/cgi-bin/webhook/send?key=K"},
				Recipient: notify.Recipient{Unit: "publicity", NameZH: "县委宣传部"},
				Message:   notify.Message{HeadlineZH: "黄色预警", Tasks: []notify.Task{{TextZH: "组织媒体发布预警"}}}}
			retry, err := (&Notifier{}).Notify(context.Background(), d)
			if (err == nil) != tc.ok || retry != tc.retry {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			if got.MsgType != "markdown" || !strings.Contains(got.Markdown.Content, "组织媒体发布预警") {
				t.Errorf("message = %+v", got)
			}
		})
	}
}

// TestTruncate: long content is cut on a rune boundary within the limit.
func TestTruncate(t *testing.T) {
	s := strings.Repeat("预警", 1000)
	got := truncate(s, maxContent)
	if len(got) > maxContent || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("len %d, valid %v", len(got), utf8.ValidString(got))
	}
	if truncate("short", maxContent) != "short" {
		t.Error("short text changed")
	}
}
