package api

import (
	"mime"
	"net/http"
	"strings"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

// The API takes the browser's session cookie (POST /api/login), so a page
// of another origin could make a browser send it: SameSite=Lax still
// sends the cookie on a plain form POST from a sibling subdomain (same
// site, other origin), and a browser without SameSite sends it from
// anywhere. Bodiless POSTs (leave, resend, switch, logout) decode no JSON,
// so the content type check of decode does not cover them. Two checks,
// on every route, before anything runs:
//
//   - http.CrossOriginProtection refuses an unsafe request the browser
//     marks as cross-origin (Sec-Fetch-Site, or an Origin that is not the
//     request's host). Scripts and curl send neither header and pass.
//   - An unsafe request the session cookie authenticates (it carries the
//     cookie and not X-Example-User) must be Content-Type:
//     application/json, even without a body. A form cannot send that
//     type, and a cross-origin fetch that sets it needs a CORS preflight
//     this API never grants; this covers the browsers that send neither
//     Sec-Fetch-Site nor Origin. The header, which a page of another
//     origin cannot set either, is left to the first check.
//
// Both answer 403 cross-origin in the API's problem shape.
//
// A request with "Authorization: Bearer ..." skips both: it is an API
// key's (workspacehttp.WithAPIKeys takes the key whenever the header is
// there, and never falls back to the cookie), and a browser never attaches
// that header by itself: a form cannot set it, and a page of another
// origin that sets it on a fetch needs a CORS preflight this API never
// grants. Nothing ambient to forge, so nothing to refuse: a script calls
// the API with its key however it likes, with or without a body's content
// type, even from a browser tab's console.

// crossOrigin wraps the API's handler with the two checks.
func crossOrigin(next http.Handler) http.Handler {
	xorg := http.NewCrossOriginProtection()
	xorg.SetDenyHandler(http.HandlerFunc(refuseCrossOrigin))
	protected := xorg.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bearerKey(r) {
			next.ServeHTTP(w, r)
			return
		}
		if unsafeMethod(r.Method) && cookieSession(r) && !jsonBody(r) {
			refuseCrossOrigin(w, r)
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// bearerKey reports whether r presents an API key: an Authorization
// header of the Bearer scheme (case-insensitive) with something after it,
// exactly as workspacehttp reads it, so that every request let past the
// checks here is authenticated by its key alone wherever a route
// authenticates at all (the login, logout and the public lists do not,
// and no other origin can make a browser send the header to them either).
func bearerKey(r *http.Request) bool {
	const scheme = "bearer "
	h := r.Header.Get("Authorization")
	return len(h) > len(scheme) && strings.EqualFold(h[:len(scheme)], scheme)
}

func refuseCrossOrigin(w http.ResponseWriter, _ *http.Request) {
	writeProblem(w, workspacehttp.Problem{Type: "urn:workspacekit:example:problem:cross-origin", Title: http.StatusText(http.StatusForbidden),
		Status: http.StatusForbidden, Code: "cross-origin",
		Detail: "Cross-origin request refused: a change authenticated by the session cookie must come from this site as application/json."})
}

func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// cookieSession reports whether app.Authenticate would take r's user from
// the session cookie.
func cookieSession(r *http.Request) bool {
	if r.Header.Get(app.UserHeader) != "" {
		return false
	}
	c, err := r.Cookie(app.SessionCookie)
	return err == nil && c.Value != ""
}

func jsonBody(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}
