package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// safeNext returns a path of this site exactly as http.Redirect sends it,
// or "": whatever http.Redirect does to the result leaves it unchanged.
func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/w/1/agents":             "/w/1/agents",
		"/w/1/agents?x=1&y=/../z": "/w/1/agents?x=1&y=/../z",
		"/w/1/settings/":          "/w/1/settings/",
		"/":                       "/",
		"/a/./b/../c":             "/a/c",
		"/a//b":                   "/a/b",
		"/../../etc":              "/etc",
		"/%2F%2Fevil.example":     "", // harmless for browsers, but refused: "//" once decoded
		"":                        "",
		"w/1/agents":              "",
		"//evil.example":          "",
		"///evil.example":         "",
		`/\evil.example`:          "",
		`/./\evil.example/phish`:  "",
		`/../\evil.example/phish`: "",
		`/x/..\/evil.example`:     "",
		`/.\/evil.example`:        "",
		"/%5Cevil.example":        "",
		"/%5cevil.example":        "",
		"/\t/evil.example":        "",
		"/\n/evil.example":        "",
		"/\r/evil.example":        "",
		"/\x00":                   "",
		"/\x7f":                   "",
		"https://evil.example/":   "",
		"javascript:alert(1)":     "",
		"/%zz":                    "",
	} {
		got := safeNext(next)
		require.Equal(t, want, got, "%q", next)
		if got == "" {
			continue
		}
		rec := httptest.NewRecorder()
		http.Redirect(rec, httptest.NewRequest("POST", "/login", nil), got, http.StatusSeeOther)
		require.Equal(t, got, rec.Header().Get("Location"), "%q", next)
	}
}
