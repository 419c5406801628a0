package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// HEAD is answered like GET without a body; methods a route does not take
// are still refused.
func TestHeadIsAnsweredLikeGet(t *testing.T) {
	srv := httptest.NewServer(NewHandler(fullDeps(t)))
	defer srv.Close()
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/api/v1/aqi/current", http.StatusOK},
		{"/api/v1/stations", http.StatusOK},
		{"/healthz", http.StatusOK},
		{"/", http.StatusOK},
		{"/api/v1/aqi/current?station=nope", http.StatusNotFound},
		{"/api/v1/ingest/deadletters", http.StatusUnauthorized},
		{"/api/v1/proposals/1/approve", http.StatusMethodNotAllowed}, // POST only
	} {
		get, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		get.Body.Close()
		head, err := http.Head(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(head.Body)
		head.Body.Close()
		if head.StatusCode != tc.status {
			t.Errorf("HEAD %s: %d, want %d", tc.path, head.StatusCode, tc.status)
		}
		if tc.status != http.StatusMethodNotAllowed && head.StatusCode != get.StatusCode {
			t.Errorf("HEAD %s: %d, GET gives %d", tc.path, head.StatusCode, get.StatusCode)
		}
		if ct := head.Header.Get("Content-Type"); tc.status == http.StatusOK && ct != get.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: Content-Type %q, GET gives %q", tc.path, ct, get.Header.Get("Content-Type"))
		}
		if len(body) != 0 {
			t.Errorf("HEAD %s sent a body of %d bytes", tc.path, len(body))
		}
	}
}
