package api

import (
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The page and everything it references come from the binary, with the
// right types, and nothing points to another host (no CDN: the page must
// work with no internet).
func TestPublicPageAssets(t *testing.T) {
	h := NewHandler(testDeps())
	var refs [][]string
	for _, url := range []string{"/", "/console", "/unit"} {
		page := get(t, h, url)
		if page.Code != 200 || !strings.HasPrefix(page.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %q", url, page.Code, page.Header().Get("Content-Type"))
		}
		got := regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`).FindAllStringSubmatch(page.Body.String(), -1)
		if len(got) < 3 {
			t.Fatalf("%s references %d assets", url, len(got))
		}
		refs = append(refs, got...)
	}
	wantType := map[string]string{".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
	for _, m := range refs {
		w := get(t, h, m[1])
		ext := m[1][strings.LastIndex(m[1], "."):]
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), wantType[ext]) {
			t.Errorf("%s: %d %q", m[1], w.Code, w.Header().Get("Content-Type"))
		}
	}
	external := regexp.MustCompile(`(?i)(?:src|href|url\(|import|fetch\()\s*=?\s*["']?(?:https?:)?//`)
	fs.WalkDir(webFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(webFS, p)
		if loc := external.FindIndex(b); loc != nil {
			t.Errorf("%s loads from another host: %q", p, b[loc[0]:min(len(b), loc[1]+40)])
		}
		return nil
	})
}

func TestAssetErrors(t *testing.T) {
	h := NewHandler(testDeps())
	for _, path := range []string{
		"/assets/nope.js",           // unknown
		"/assets/",                  // no listing of the folder
		"/assets/../openapi.json",   // no way out of the folder
		"/assets/%2e%2e/openapi.go", // not even encoded
		"/assets/index.html",        // the page lives at / only
		"/assets/console.html",      // and the console at /console
		"/assets/unit.html",         // and the member-unit page at /unit
	} {
		w := get(t, h, path)
		if w.Code != http.StatusNotFound && w.Code != http.StatusMovedPermanently {
			t.Errorf("%s: status %d", path, w.Code)
			continue
		}
		if w.Code == http.StatusNotFound {
			decodeError(t, w.Body.Bytes())
		}
	}
}

// The page reads only public endpoints that exist (or the warnings one,
// which it treats as optional).
func TestPublicPageUsesDocumentedEndpoints(t *testing.T) {
	doc := loadOpenAPI(t)
	for _, name := range []string{"app.js", "console.js", "unit.js", "board.js"} {
		js, err := fs.ReadFile(webFS, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`"(/api/v1/[a-z0-9/_{}.-]+)`).FindAllStringSubmatch(string(js), -1) {
			path := strings.TrimSuffix(m[1], "/")
			if doc.Paths.Find(path) == nil {
				t.Errorf("%s reads %s, which is not in openapi.json", name, path)
			}
		}
	}
}
