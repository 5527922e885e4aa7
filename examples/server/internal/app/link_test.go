package app

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// Links handed out to be sent elsewhere are built on Config.PublicURL,
// else on the address the request reached the server at; never on the
// Host header the client sent.
func TestLink(t *testing.T) {
	for in, want := range map[string]string{
		"https://app.example.com":      "https://app.example.com",
		"https://app.example.com/":     "https://app.example.com",
		"http://127.0.0.1:8080":        "http://127.0.0.1:8080",
		"https://example.com/saas/":    "https://example.com/saas",
		"https://[::1]:8443":           "https://[::1]:8443",
		"":                             "",
		"app.example.com":              "!",
		"//app.example.com":            "!",
		"ftp://app.example.com":        "!",
		"https://":                     "!",
		"https://u:p@app.example.com":  "!",
		"https://app.example.com/?x=1": "!",
		"https://app.example.com/?":    "!",
		"https://app.example.com/#x":   "!",
		"https://app.example.com/\\x":  "!",
		"javascript:alert(1)":          "!",
	} {
		got, err := publicURL(in)
		if want == "!" {
			require.ErrorIs(t, err, ErrPublicURL, in)
			continue
		}
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err := New(t.Context(), Config{PublicURL: "app.example.com"})
	require.ErrorIs(t, err, ErrPublicURL)

	const path = "/invitations/accept?token=x"
	spoofed := func(local net.Addr, tlsConn bool) *http.Request {
		r := httptest.NewRequest("POST", "/w/1/settings/team/invite", nil)
		r.Host = "evil.example"
		if local != nil {
			r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, local))
		}
		if tlsConn {
			r.TLS = &tls.ConnectionState{}
		}
		return r
	}
	local := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 8080}

	a := &App{PublicURL: "https://app.example.com"}
	require.Equal(t, "https://app.example.com"+path, a.Link(spoofed(local, false), path))

	a = &App{}
	require.Equal(t, "http://10.0.0.5:8080"+path, a.Link(spoofed(local, false), path))
	require.Equal(t, "https://10.0.0.5:8080"+path, a.Link(spoofed(local, true), path))
	require.Equal(t, "https://[::1]:8443"+path, a.Link(spoofed(&net.TCPAddr{IP: net.IPv6loopback, Port: 8443}, true), path))
	require.Equal(t, path, a.Link(spoofed(nil, false), path), "no server, no address: the path alone")
}
