package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// notAPI are gin routes that are not part of the API contract: the public
// page's static files (described under "/").
var notAPI = map[string]bool{
	"GET /assets/*file": true,
}

func init() {
	// The page is HTML: its body is checked as a string.
	openapi3filter.RegisterBodyDecoder("text/html", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		return string(b), err
	})
}

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

// fullDeps has every optional dependency, so every route is registered.
func fullDeps(t *testing.T) Deps {
	d := historyDeps(t)
	d.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "up 1\n") })
	d.Staff = []StaffToken{{SHA256: HashToken("staff-secret"), User: "duty", Roles: []string{"duty_officer"}}}
	return d
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// Every route the router serves is documented, and every documented
// operation is served.
func TestOpenAPICoversRouter(t *testing.T) {
	doc := loadOpenAPI(t)
	engine := newEngine(fullDeps(t))
	served := map[string]bool{}
	for _, r := range engine.Routes() {
		key := r.Method + " " + r.Path
		if notAPI[key] {
			continue
		}
		served[r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	var undocumented, missing []string
	for k := range served {
		if !documented[k] {
			undocumented = append(undocumented, k)
		}
	}
	for k := range documented {
		if !served[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(missing)
	if len(undocumented) > 0 {
		t.Errorf("routes missing from api/openapi.json:\n  %s", strings.Join(undocumented, "\n  "))
	}
	if len(missing) > 0 {
		t.Errorf("documented in api/openapi.json but not served:\n  %s", strings.Join(missing, "\n  "))
	}
}

// Real answers of the main endpoints, successes and failures, match the
// documented schemas and status codes.
func TestOpenAPIResponses(t *testing.T) {
	doc := loadOpenAPI(t)
	srv := httptest.NewServer(NewHandler(fullDeps(t)))
	defer srv.Close()
	doc.Servers = openapi3.Servers{{URL: srv.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path   string
		hdr    []string
		status int
	}{
		{"/api/v1/aqi/current", nil, 200},
		{"/api/v1/aqi/current?region=town", nil, 200},
		{"/api/v1/aqi/current?station=nope", nil, 404},
		{"/api/v1/aqi/history?region=county", nil, 200},
		{"/api/v1/aqi/history?region=county&granularity=day&from=2026-11-28", nil, 200},
		{"/api/v1/aqi/history?region=county&limit=10", nil, 200},
		{"/api/v1/aqi/history", nil, 422},
		{"/api/v1/aqi/history?station=nope", nil, 404},
		{"/api/v1/stations", nil, 200},
		{"/api/v1/ingest/deadletters", nil, 401},
		{"/api/v1/warnings/active", nil, 503}, // no warning engine in these deps
		{"/api/v1/warnings/1", nil, 503},
		{"/api/v1/plan", nil, 503},
		{"/healthz", nil, 200},
		{"/readyz", nil, 200},
		{"/api/openapi.json", nil, 200},
		{"/", nil, 200},
	} {
		t.Run(tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tc.path, nil)
			for i := 0; i+1 < len(tc.hdr); i += 2 {
				req.Header.Set(tc.hdr[i], tc.hdr[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			validateResponse(t, router, req, resp, body)
		})
	}
}

func validateResponse(t *testing.T, router routers.Router, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("no documented route for %s %s: %v", req.Method, req.URL, err)
	}
	// Authentication is the handlers' business (tested there); here only
	// the shapes are checked.
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		t.Errorf("request does not match the document: %v", err)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("response does not match the document: %v\n%s", err, bytes.TrimSpace(body[:min(len(body), 600)]))
	}
}
