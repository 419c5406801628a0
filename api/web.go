package api

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aqwarn/aqwarn"
)

// The public page and its assets are part of the binary: the page must work
// where there is no internet, so nothing is loaded from elsewhere.
//
//go:embed web
var webFiles embed.FS

// webFS is the web folder as the root of the assets.
var webFS, _ = fs.Sub(webFiles, "web")

// handlePublicPage serves the public page (/).
func handlePublicPage() gin.HandlerFunc { return handlePage("index.html") }

// handleConsolePage serves the duty console (/console). The page itself is
// public; everything it shows comes from staff endpoints with the token the
// user types in.
func handleConsolePage() gin.HandlerFunc { return handlePage("console.html") }

// handleUnitPage serves the member-unit page (/unit): a unit signs in with
// its own token, sees its tasks, acknowledges and reports them done.
func handleUnitPage() gin.HandlerFunc { return handlePage("unit.html") }

// pages are the pages, each rendered once with the layout.
var pages = mustRenderPages(webFS)

// layoutFile is the layout every page is rendered with; the signboard is a
// template of its own (sources.go), made per request.
const layoutFile, signboardFile = "layout.html", "signboard.html"

// renderPages renders every page of fsys (each .html file but the layout
// and the signboard) with the layout: its own blocks (title, heading,
// content, scripts…) in the shared head, top bar and scripts.
func renderPages(fsys fs.FS) (map[string][]byte, error) {
	names, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, name := range names {
		if name == layoutFile || name == signboardFile {
			continue
		}
		t, err := template.ParseFS(fsys, layoutFile, name)
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", name, err)
		}
		var b bytes.Buffer
		if err := t.ExecuteTemplate(&b, "layout", nil); err != nil {
			return nil, fmt.Errorf("page %s: %w", name, err)
		}
		out[name] = b.Bytes()
	}
	return out, nil
}

func mustRenderPages(fsys fs.FS) map[string][]byte {
	p, err := renderPages(fsys)
	if err != nil {
		panic("api: the embedded pages do not render: " + err.Error()) // a build mistake, not a runtime state
	}
	return p
}

func handlePage(name string) gin.HandlerFunc {
	page, ok := pages[name]
	if !ok {
		panic("api: the embedded page is missing: " + name) // a build mistake, not a runtime state
	}
	return func(c *gin.Context) {
		// Everything comes from this server; nothing may frame the pages
		// (the console holds a token).
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		c.Data(http.StatusOK, "text/html; charset=utf-8", page)
	}
}

// handleAsset serves one embedded file under /assets/. Folders are not
// listed; unknown names get the one error shape.
func handleAsset() gin.HandlerFunc {
	return func(c *gin.Context) {
		name := strings.TrimPrefix(path.Clean("/"+c.Param("file")), "/")
		b, err := fs.ReadFile(webFS, name)
		if err != nil || path.Ext(name) == ".html" { // pages have their own routes
			writeError(c, aqwarn.Errorf(aqwarn.ENOTFOUND, "no such asset: %s", name))
			return
		}
		ct := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
			".svg": "image/svg+xml", ".json": "application/json", ".png": "image/png", ".ico": "image/x-icon"}[path.Ext(name)]
		if ct == "" {
			ct = "application/octet-stream"
		}
		c.Data(http.StatusOK, ct, b)
	}
}
