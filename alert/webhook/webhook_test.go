package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/notify"
	"github.com/aqwarn/aqwarn/alert/webhook"
)

const secret = "s3cret"

type received struct {
	header http.Header
	body   []byte
	err    error // Verify's verdict
}

// receiver is a local HTTP server that verifies what it gets.
func receiver(t *testing.T, status int) (*httptest.Server, func() []received) {
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		err := webhook.Verify([]byte(secret), r.Header, b, time.Now(), webhook.DefaultTolerance)
		mu.Lock()
		got = append(got, received{r.Header.Clone(), b, err})
		mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received { mu.Lock(); defer mu.Unlock(); return append([]received(nil), got...) }
}

func delivery(url string) notify.Delivery {
	return notify.Delivery{Key: "w1-t1/education/webhook-0000", Recipient: notify.Recipient{Unit: "education", NameZH: "县教育局"},
		Channel: alert.Channel{Kind: "webhook", Target: url, SecretEnv: "EDU_SECRET"},
		Message: notify.Message{Transition: "w1-t1", Kind: "issue", LevelID: "yellow", HeadlineZH: "发布黄色预警",
			Tasks: []notify.Task{{ID: "r3-schools-reduce-outdoor", TextZH: "中小学减少户外活动"}}}}
}

func secrets(name string) string {
	if name == "EDU_SECRET" {
		return secret
	}
	return ""
}

// TestSignedDelivery: a local receiver gets the JSON and its signature verifies.
func TestSignedDelivery(t *testing.T) {
	srv, got := receiver(t, http.StatusNoContent)
	n := &webhook.Notifier{Secret: secrets}
	retry, err := n.Notify(context.Background(), delivery(srv.URL))
	if err != nil || retry {
		t.Fatalf("notify = %v, %v", retry, err)
	}
	r := got()
	if len(r) != 1 {
		t.Fatalf("received %d requests", len(r))
	}
	if r[0].err != nil {
		t.Fatalf("signature does not verify: %v", r[0].err)
	}
	if k := r[0].header.Get(webhook.HeaderKey); k != "w1-t1/education/webhook-0000" {
		t.Errorf("idempotency key = %q", k)
	}
	if !strings.Contains(string(r[0].body), `"r3-schools-reduce-outdoor"`) {
		t.Errorf("body lacks the task: %s", r[0].body)
	}
	// The same request tampered with, or replayed later, fails.
	if err := webhook.Verify([]byte(secret), r[0].header, append(r[0].body, ' '), time.Now(), webhook.DefaultTolerance); err != webhook.ErrBadSignature {
		t.Errorf("tampered body: %v", err)
	}
	if err := webhook.Verify([]byte(secret), r[0].header, r[0].body, time.Now().Add(10*time.Minute), webhook.DefaultTolerance); err != webhook.ErrStale {
		t.Errorf("replay 10 min later: %v", err)
	}
	if err := webhook.Verify([]byte("other"), r[0].header, r[0].body, time.Now(), webhook.DefaultTolerance); err != webhook.ErrBadSignature {
		t.Errorf("wrong secret: %v", err)
	}
}

// TestRetryClassification: which answers are worth retrying.
func TestRetryClassification(t *testing.T) {
	tests := []struct {
		name   string
		status int
		retry  bool
	}{
		{"server error is retried", 503, true},
		{"rate limit is retried", 429, true},
		{"bad request is not", 400, false},
		{"unauthorized is not", 401, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := receiver(t, tc.status)
			retry, err := (&webhook.Notifier{Secret: secrets}).Notify(context.Background(), delivery(srv.URL))
			if err == nil || retry != tc.retry {
				t.Fatalf("got retry=%v err=%v, want retry=%v and an error", retry, err, tc.retry)
			}
		})
	}
	// A refused connection is retried.
	srv, _ := receiver(t, 200)
	url := srv.URL
	srv.Close()
	if retry, err := (&webhook.Notifier{Secret: secrets}).Notify(context.Background(), delivery(url)); err == nil || !retry {
		t.Errorf("closed server: retry=%v err=%v", retry, err)
	}
	// Without a secret nothing is sent, and retrying will not help.
	if retry, err := (&webhook.Notifier{}).Notify(context.Background(), delivery(url)); err == nil || retry {
		t.Errorf("no secret: retry=%v err=%v", retry, err)
	}
}
