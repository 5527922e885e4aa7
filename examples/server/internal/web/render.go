package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/rbac"
)

// The templates and the static files are compiled in, so the binary is the
// whole UI.
//
//go:embed templates static
var assets embed.FS

// views are the pages, each parsed with both frames: "layout" (sidebar,
// inside a workspace) and "bare" (sign-in, errors outside a workspace,
// invitations); page.Nav chooses.
var views = []string{"login", "error", "noworkspace", "accept", "resource", "workspaces", "team", "apikeys"}

var funcs = template.FuncMap{
	"initial": func(s string) string {
		r, _ := utf8.DecodeRuneInString(s)
		return string(unicode.ToUpper(r))
	},
	"when":  func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
	"lower": strings.ToLower,
	// dict passes several values to a sub-template.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
}

func parseViews() (map[string]*template.Template, error) {
	out := make(map[string]*template.Template, len(views))
	for _, name := range views {
		t, err := template.New(name).Funcs(funcs).ParseFS(assets,
			"templates/layout.html", "templates/bare.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// page is what every template gets.
type page struct {
	Title string
	// User is the signed-in user (zero when signed out).
	User app.User
	// CSRF is the form token of this session (csrf.go).
	CSRF  string
	Flash *flash
	// Nav is the sidebar; nil outside a workspace, which renders the bare
	// frame.
	Nav *nav
	// URL, when set, is the page's own address: a page rendered in answer
	// to a POST puts it in the address bar (app.js), so a reload does not
	// post again.
	URL  string
	Data any

	perms map[rbac.Permission]bool
}

// Can reports whether the active role holds resource:action, to show or
// hide a control; the services decide again on every request.
func (p *page) Can(resource, action string) bool {
	return p.perms[rbac.Permission{Resource: resource, Action: action}]
}

// render writes the view with the status. It renders to a buffer first so
// that a template error becomes a clean 500, not half a page.
func (s *server) render(w http.ResponseWriter, status int, view string, p *page) {
	frame := "bare"
	if p.Nav != nil {
		frame = "layout"
	}
	var buf bytes.Buffer
	if err := s.views[view].ExecuteTemplate(&buf, frame, p); err != nil {
		s.log.Error("web: rendering", "view", view, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// Invitation tokens travel in the accept page's URL: no Referer may
	// carry them elsewhere.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
