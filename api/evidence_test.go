package api

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/alert/followup"
	"github.com/aqwarn/aqwarn/store/sqlite"
)

// A listed source sends a photo of its report for its own task, on real
// SQLite: kept and listed, served to it and to staff byte for byte, not
// to another source; not an image, not its task, another's token, too
// large — each refused with its reason.
func TestEvidenceAPI(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dl, err := sqlite.NewDeliveries(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, CST)
	if err := dl.Assign(ctx, 7, []followup.Notice{{Transition: "w7-t1", WarningID: 7, Unit: "cem-b", Sent: at}},
		[]followup.TaskState{{WarningID: 7, Unit: "cem-b", Task: "orange:limit_pct:20", Kind: "reduction", TextZH: "限产20%", State: followup.TaskAssigned, Assigned: at, Updated: at}}); err != nil {
		t.Fatal(err)
	}
	d := testDeps()
	d.Staff = []StaffToken{
		{SHA256: HashToken("tok-cem-b"), User: "cem-b duty", Roles: []string{"source:cem-b"}},
		{SHA256: HashToken("tok-brick"), User: "brick duty", Roles: []string{"source:brick-c"}},
		{SHA256: HashToken("tok-duty"), User: "duty", Roles: []string{"duty_officer"}},
	}
	d.MaxBodyBytes = 64 << 10
	d.Publish = &PublishDeps{Store: dl, Evidence: db, Now: func() time.Time { return at }, Units: []alert.Unit{
		{ID: "cem-b", Role: alert.UnitSource, NameZH: "水泥"}, {ID: "brick-c", Role: alert.UnitSource, NameZH: "砖厂"}}}
	h := NewHandler(d)
	do := func(method, url, tok string, body []byte) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(method, url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 8, 8)))
	photo := img.Bytes()
	url := "/api/v1/units/cem-b/tasks/orange:limit_pct:20/photos?warning_id=7"

	w := do("POST", url, "tok-cem-b", photo)
	if w.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", w.Code, w.Body)
	}
	var up struct {
		Photo followup.Evidence `json:"photo"`
		URL   string            `json:"url"`
	}
	json.Unmarshal(w.Body.Bytes(), &up)
	if up.Photo.ContentType != "image/png" || up.Photo.By != "cem-b duty" || up.Photo.Size != len(photo) {
		t.Errorf("kept as %+v", up)
	}
	for _, tc := range []struct {
		name, method, url, tok string
		body                   []byte
		want                   int
	}{
		// Not an image: refused, whatever it claims to be.
		{"not an image", "POST", url, "tok-cem-b", []byte("<svg onload=alert(1)>"), 422},
		// A task the source does not have in that warning.
		{"not its task", "POST", "/api/v1/units/cem-b/tasks/red:stop_unit/photos?warning_id=7", "tok-cem-b", photo, 404},
		// No warning named.
		{"no warning", "POST", "/api/v1/units/cem-b/tasks/orange:limit_pct:20/photos", "tok-cem-b", photo, 422},
		// Another source's token.
		{"another source", "POST", url, "tok-brick", photo, 403},
		// Beyond the body limit.
		{"too large", "POST", url, "tok-cem-b", append(append([]byte{}, photo...), make([]byte, 70<<10)...), 413},
		// The photo: to its source and to staff, not to another source.
		{"its source sees it", "GET", up.URL, "tok-cem-b", nil, 200},
		{"staff see it", "GET", up.URL, "tok-duty", nil, 200},
		{"another source does not", "GET", up.URL, "tok-brick", nil, 404},
		{"no token", "GET", up.URL, "", nil, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(tc.method, tc.url, tc.tok, tc.body)
			if w.Code != tc.want {
				t.Errorf("%d, want %d: %s", w.Code, tc.want, w.Body)
			}
			if tc.want == 200 && (!bytes.Equal(w.Body.Bytes(), photo) || w.Header().Get("Content-Type") != "image/png") {
				t.Errorf("served %d bytes as %q", w.Body.Len(), w.Header().Get("Content-Type"))
			}
		})
	}
	w = do("GET", "/api/v1/units/cem-b/photos?warning_id=7", "tok-cem-b", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), up.Photo.SHA256) {
		t.Errorf("list: %d %s", w.Code, w.Body)
	}
}
