package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

// The API's cross-origin checks (origin.go): a change the browser marks
// as cross-origin is refused whoever the caller is; a change the session
// cookie authenticates must be application/json even without a body (what
// a browser that sends neither Sec-Fetch-Site nor Origin cannot forge);
// scripts with X-Example-User and same-origin clients pass.
func TestCrossOriginChecks(t *testing.T) {
	e := memory(t)
	session := &http.Cookie{Name: app.SessionCookie, Value: "bob"}
	send := func(path string, h map[string]string, cookie bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "http://app.example.test"+path, strings.NewReader(""))
		for k, v := range h {
			r.Header.Set(k, v)
		}
		if cookie {
			r.AddCookie(session)
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		return rec
	}
	refused := func(rec *httptest.ResponseRecorder, msg string) {
		t.Helper()
		require.Equal(t, http.StatusForbidden, rec.Code, "%s: %s", msg, rec.Body.String())
		require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"), msg)
		var p workspacehttp.Problem
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
		require.Equal(t, "cross-origin", p.Code, msg)
	}
	sw := e.path(app.SeedSales, "/switch")
	leave := e.path(app.SeedSales, "/leave")

	// Marked cross-origin by the browser: refused, cookie or header.
	refused(send(leave, map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, true), "Sec-Fetch-Site cross-site")
	refused(send(leave, map[string]string{"Origin": "http://evil.example", "Content-Type": "application/json"}, true), "foreign Origin")
	refused(send(leave, map[string]string{"Sec-Fetch-Site": "same-site", app.UserHeader: "bob"}, false), "header, same-site")

	// An old browser's form POST: the cookie, no Sec-Fetch-Site, no Origin.
	for _, ct := range []string{"", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"} {
		refused(send(leave, map[string]string{"Content-Type": ct}, true), "cookie with "+ct)
	}
	refused(send("/api/logout", nil, true), "logout with the cookie")
	require.Equal(t, workspace.RoleAdmin, e.selector("bob")[app.SeedSales], "bob is still admin of Sales")

	// What passes: a same-origin client with the cookie as JSON, a script
	// with the header (no Origin, no content type), safe methods, a
	// logout without any session.
	require.Equal(t, http.StatusOK, send(sw, map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}, true).Code)
	require.Equal(t, http.StatusOK, send(sw, map[string]string{"Origin": "http://app.example.test", "Content-Type": "application/json; charset=utf-8"}, true).Code)
	require.Equal(t, http.StatusOK, send(sw, map[string]string{"Content-Type": "application/json"}, true).Code)
	require.Equal(t, http.StatusOK, send(sw, map[string]string{app.UserHeader: "bob"}, false).Code)
	require.Equal(t, http.StatusOK, send(sw, map[string]string{app.UserHeader: "bob"}, true).Code, "the header wins over the cookie")
	r := httptest.NewRequest("GET", "/api/me", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.AddCookie(session)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	require.Equal(t, http.StatusOK, rec.Code, "a GET changes nothing")
	require.Equal(t, http.StatusNoContent, send("/api/logout", nil, false).Code)
	require.Equal(t, http.StatusNoContent, send("/api/logout", map[string]string{"Content-Type": "application/json"}, true).Code)
}
