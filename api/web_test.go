package api

import (
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
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
		"/assets/layout.html",       // the pages' layout is no asset either
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

// Every page renders with the layout into a whole page: the shared head,
// top bar and dom.js, its own blocks, no template text left, and nothing
// inline (the pages' CSP is default-src 'self'). Each page route serves
// the page rendered at start.
func TestPagesRenderWithLayout(t *testing.T) {
	got, err := renderPages(webFS)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(webFS, "*.html")
	if len(got) != len(names)-2 { // all but the layout and the signboard
		t.Errorf("%d pages rendered of %d files %v", len(got), len(names), names)
	}
	inline := regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]|<script>|<style|\sstyle=|\son[a-z]+=`)
	for name, b := range got {
		page := string(b)
		for _, want := range []string{"<!doctype html>\n<html lang=\"zh-CN\"", `<meta charset="utf-8">`, `<meta name="viewport"`,
			`<link rel="stylesheet" href="/assets/style.css">`, `<link rel="icon" href="/assets/favicon.svg"`,
			`<h1 data-i18n="title">`, `<button id="lang" type="button">`, `<script src="/assets/dom.js"></script>`, "</html>\n"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
		if regexp.MustCompile(`<title>[^<]+</title>`).FindString(page) == "" || regexp.MustCompile(`<h1 data-i18n="title">[^<]+</h1>`).FindString(page) == "" {
			t.Errorf("%s has no title or heading", name)
		}
		if !regexp.MustCompile(`<script src="/assets/[a-z]+\.js"></script>\n</body>`).MatchString(page) {
			t.Errorf("%s does not end with its own script", name)
		}
		if strings.Contains(page, "{{") || strings.Contains(page, "}}") {
			t.Errorf("%s has template text left", name)
		}
		if m := inline.FindString(page); m != "" {
			t.Errorf("%s has something inline: %q", name, m)
		}
	}
	h := NewHandler(testDeps())
	for url, name := range map[string]string{"/": "index.html", "/console": "console.html", "/unit": "unit.html"} {
		if w := get(t, h, url); w.Body.String() != string(got[name]) {
			t.Errorf("%s is not %s as rendered", url, name)
		}
	}
}

// A page that does not render is a build mistake the start reports.
func TestPagesBrokenTemplate(t *testing.T) {
	layout, _ := fs.ReadFile(webFS, "layout.html")
	for name, page := range map[string]string{
		"no-content.html": `{{define "title"}}x{{end}}{{define "heading"}}x{{end}}{{define "scripts"}}x{{end}}`,
		"broken.html":     `{{define "title"}}x{{end`,
	} {
		_, err := renderPages(fstest.MapFS{"layout.html": {Data: layout}, name: {Data: []byte(page)}})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want an error naming the page", name, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a missing page does not panic")
		}
	}()
	handlePage("nope.html")
}
