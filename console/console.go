// Package console is the web console of `switchboard serve`: a few server-rendered pages with a
// little JavaScript that calls the same REST API as every other client. It has no back door: the
// pages carry no data, the browser fetches everything with the token the user signed in with,
// kept in sessionStorage (gone when the tab closes) and sent as the `token` header, never in a
// URL or a cookie. Everything is embedded, so `go run ./cmd/switchboard serve` serves it with no
// build step.
package console

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Options is what the pages need to know about the server.
type Options struct {
	// Sandbox adds the page that plays the simulated phones.
	Sandbox bool
	// Version is shown in the footer.
	Version string
}

// page is one console page: its path under /console/, its template and its script.
type page struct {
	path, title, template string
	scripts               []string // the page's own scripts, after api.js
	sandboxOnly           bool
}

var pages = []page{
	{path: "/console/", title: "Sign in", template: "signin.html", scripts: []string{"signin.js"}},
	{path: "/console/instances", title: "Instances", template: "instances.html", scripts: []string{"instances.js"}},
	{path: "/console/instance", title: "Instance", template: "instance.html", scripts: []string{"instance.js", "webhooks.js"}},
	{path: "/console/sandbox", title: "Sandbox", template: "sandbox.html", scripts: []string{"sandbox.js"}, sandboxOnly: true},
}

// contentSecurityPolicy allows only the console's own scripts and styles (no inline script, so
// an injected string cannot run), images from itself and data: URIs (the QR code), and fetches
// to the same origin.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Handler serves the console: `/` redirects to it, `/console/...` are its pages and
// `/console/static/...` its scripts and styles.
func Handler(o Options) http.Handler {
	tmpl := template.Must(template.New("").ParseFS(templateFiles, "templates/*.html"))
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embed directive above guarantees the directory
	}
	mux := http.NewServeMux()
	mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	toConsole := func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/console/", http.StatusFound) }
	mux.HandleFunc("GET /{$}", toConsole)
	mux.HandleFunc("GET /console", toConsole)
	for _, p := range pages {
		if p.sandboxOnly && !o.Sandbox {
			continue
		}
		mux.HandleFunc("GET "+p.path+pathEnd(p.path), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			err := tmpl.ExecuteTemplate(w, p.template, view{Title: p.title, Scripts: p.scripts, Sandbox: o.Sandbox, Version: o.Version})
			if err != nil {
				http.Error(w, "console page failed", http.StatusInternalServerError)
			}
		})
	}
	return secure(mux)
}

// pathEnd makes a page path exact: "/console/" must not swallow every unknown page.
func pathEnd(path string) string {
	if strings.HasSuffix(path, "/") {
		return "{$}"
	}
	return ""
}

// view is what every template gets.
type view struct {
	Title, Version string
	Scripts        []string
	Sandbox        bool
}

// secure sets the headers every console answer carries.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// Owns reports whether a request path belongs to the console rather than to the API: `/` and
// everything under /console/.
func Owns(path string) bool {
	return path == "/" || path == "/console" || strings.HasPrefix(path, "/console/")
}
