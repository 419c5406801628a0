package dingtalk_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/dingtalk"
	"github.com/aqwarn/aqwarn/alert/notify"
)

// robot plays DingTalk's robot endpoint: it checks the signature the way
// DingTalk documents it and answers with errcode.
func robot(t *testing.T, secret string, errcode int, got *dingtalk.Message) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(q.Get("timestamp") + "\n" + secret))
		if q.Get("access_token") != "tok" || q.Get("sign") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
			json.NewEncoder(w).Encode(dingtalk.Response{ErrCode: 310000, ErrMsg: "sign not match"})
			return
		}
		json.NewDecoder(r.Body).Decode(got)
		json.NewEncoder(w).Encode(dingtalk.Response{ErrCode: errcode, ErrMsg: "x"})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDingTalk(t *testing.T) {
	d := notify.Delivery{Key: "k", Recipient: notify.Recipient{Unit: "education", NameZH: "县教育局"},
		Message: notify.Message{HeadlineZH: "江华县发布重污染天气黄色预警", HeadlineEN: "Yellow warning", LevelZH: "黄色预警",
			Tasks: []notify.Task{{TextZH: "中小学减少户外活动", TextEN: "Schools reduce outdoor activity"}}}}
	secrets := func(string) string { return "SEC123" }
	tests := []struct {
		name    string
		errcode int
		secret  string
		retry   bool
		ok      bool
	}{
		// Signed correctly, accepted.
		{"accepted", 0, "SEC123", false, true},
		// Rate limited: try again later.
		{"rate limited", 130101, "SEC123", true, false},
		// The robot's secret differs: a configuration error, not retried.
		{"wrong secret", 0, "OTHER", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got dingtalk.Message
			srv := robot(t, tc.secret, tc.errcode, &got)
			d.Channel = alert.Channel{Kind: "dingtalk", Target: srv.URL + "/robot/send?access_token=tok", SecretEnv: "X"}
			retry, err := (&dingtalk.Notifier{Secret: secrets}).Notify(context.Background(), d)
			if (err == nil) != tc.ok || retry != tc.retry {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			if tc.ok && (got.MsgType != "markdown" || !strings.Contains(got.Markdown.Text, "中小学减少户外活动")) {
				t.Errorf("message = %+v", got)
			}
		})
	}
}

func TestSignURL(t *testing.T) {
	u, err := dingtalk.SignURL("https://oapi.dingtalk.com/robot/send?access_token=abc", "SEC", time.UnixMilli(1700000000000))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte("SEC"))
	mac.Write([]byte("1700000000000\nSEC"))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !strings.Contains(u, "timestamp=1700000000000") || !strings.Contains(u, "access_token=abc") ||
		!strings.Contains(u, "sign="+strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(want)) {
		t.Errorf("signed URL = %s", u)
	}
}
