package web

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

// A flash is the one-line outcome shown at the top of the next page: a
// success carried across the redirect that follows a POST (in a cookie
// read once), or a refusal rendered at once with the problem's status.
type flash struct {
	Kind   string // "ok" or "error"
	Title  string
	Detail string
}

const flashCookie = "wk_example_flash"

func okFlash(title, detail string) *flash { return &flash{Kind: "ok", Title: title, Detail: detail} }

// problemFlash is err as workspacehttp maps it: "402 Payment Required" and
// the fixed detail, never the error's own text (which may name ids).
func problemFlash(err error) (*flash, int) {
	p := workspacehttp.ProblemOf(err)
	return &flash{Kind: "error", Title: fmt.Sprintf("%d %s", p.Status, p.Title), Detail: p.Detail}, p.Status
}

// redirectWithFlash ends a successful POST: 303 to the page to show, with
// the flash for it.
func redirectWithFlash(w http.ResponseWriter, r *http.Request, to string, f *flash) {
	if f != nil {
		b, _ := json.Marshal(f)
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: 60})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// takeFlash reads and clears the flash the last redirect left. It is only
// text rendered escaped, so a forged cookie can at worst show a wrong
// message to the one who forged it.
func takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	var f flash
	if json.Unmarshal(b, &f) != nil || (f.Kind != "ok" && f.Kind != "error") {
		return nil
	}
	return &f
}
