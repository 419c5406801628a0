package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The shared POST classifies what may pass later, one case per answer;
// a robot's errcode decides even with 200; errors never repeat the query.
func TestPostClassifies(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		robot  bool
		retry  bool
		ok     bool
	}{
		{200, `{}`, false, false, true},                                   // delivered
		{503, `busy`, false, true, false},                                 // the receiver is down: later
		{429, `slow down`, false, true, false},                            // throttled: later
		{408, ``, false, true, false},                                     // timed out: later
		{400, `bad`, false, false, false},                                 // refused: never
		{200, `{"errcode":0}`, true, false, true},                         // robot: delivered
		{200, `{"errcode":45009,"errmsg":"freq"}`, true, true, false},     // robot: rate-limited, later
		{200, `{"errcode":93000,"errmsg":"bad key"}`, true, false, false}, // robot: refused
		{200, `not json`, true, true, false},                              // robot: unreadable, later
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Content-Type") != "application/json; charset=utf-8" || r.Header.Get("X-Extra") != "1" && !tc.robot {
				w.WriteHeader(418)
				return
			}
			w.WriteHeader(tc.status)
			w.Write([]byte(tc.body))
		}))
		target := srv.URL + "/send?key=SECRET-KEY"
		var retry bool
		var err error
		if tc.robot {
			retry, err = PostRobot(context.Background(), srv.Client(), target, []byte(`{}`), 45009)
		} else {
			_, retry, err = Post(context.Background(), srv.Client(), target, []byte(`{}`), http.Header{"X-Extra": {"1"}})
		}
		srv.Close()
		if (err == nil) != tc.ok || retry != tc.retry {
			t.Errorf("%d %q: retry %v err %v, want retry %v ok %v", tc.status, tc.body, retry, err, tc.retry, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), "SECRET") {
			t.Errorf("the error repeats the query: %v", err)
		}
	}
}
