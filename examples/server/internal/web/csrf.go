package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/workspacekit/workspacekit/workspace"
)

// Forms are protected by a token in a hidden field, derived from a random
// per-session nonce (its own cookie, replaced at every login and logout)
// and the signed-in user, MACed with a key that lives as long as the
// process. A cross-site page can make the browser send the cookies but
// cannot read a page to learn the field, and a token minted for one
// session or user fails for any other. On top of it, http's
// CrossOriginProtection refuses POSTs the browser marks as cross-site.
//
// Example-grade: the key is not persisted (a restart turns open forms
// into a "reload and try again"), and a real host would tie the token to
// its own server-side session rather than to a separate cookie.
const (
	csrfCookie = "wk_example_csrf"
	csrfField  = "csrf"
)

type csrf struct {
	key  []byte
	xorg *http.CrossOriginProtection
}

func newCSRF() *csrf {
	return &csrf{key: randomBytes(32), xorg: http.NewCrossOriginProtection()}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported systems
	return b
}

// token returns the field value for the session of r as user, starting a
// session nonce (cookie) when r has none.
func (c *csrf) token(w http.ResponseWriter, r *http.Request, user workspace.UserID) string {
	nonce := ""
	if ck, err := r.Cookie(csrfCookie); err == nil && ck.Value != "" {
		nonce = ck.Value
	} else {
		nonce = c.rotate(w, r)
	}
	return c.mac(nonce, user)
}

// rotate starts a new session nonce; every token minted before stops
// working. Login and logout call it so a token cannot cross sessions.
func (c *csrf) rotate(w http.ResponseWriter, r *http.Request) string {
	nonce := base64.RawURLEncoding.EncodeToString(randomBytes(24))
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: nonce, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	return nonce
}

func (c *csrf) mac(nonce string, user workspace.UserID) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(nonce))
	m.Write([]byte{0})
	m.Write([]byte(user))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// valid reports whether the posted form (already parsed) carries the token
// of r's session for user, and the browser did not mark r cross-site.
func (c *csrf) valid(r *http.Request, user workspace.UserID) bool {
	if c.xorg.Check(r) != nil {
		return false
	}
	ck, err := r.Cookie(csrfCookie)
	if err != nil || ck.Value == "" {
		return false
	}
	got := r.PostForm.Get(csrfField)
	return got != "" && hmac.Equal([]byte(got), []byte(c.mac(ck.Value, user)))
}
