package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// The API keys page of the active workspace: its keys (revoked and
// expired ones too), a form to create one with a name, a role the user
// may grant and an optional expiry, and a revoke button per key.
//
// A new key's secret is shown once, in the page that answers the POST: it
// is rendered there and kept nowhere (no redirect, no flash cookie), the
// page is Cache-Control: no-store like every page, and app.js puts the
// list's address in the address bar, so a reload GETs the list, which
// never holds a secret.

// keysPath is the page's path under a workspace's base.
const keysPath = "/api-keys"

type keysData struct {
	Keys []keyRow
	// Roles are the roles the user may give a key (CanGrant).
	Roles []workspace.Role
	// Create: api_keys:create and a role to give.
	Create   bool
	Expiries []expiryChoice
	// New is the key just created, with its secret: this page only.
	New *newKey
	// The create form, kept after a refusal.
	Name    string
	Role    workspace.Role
	Expires string
	// The plan's limit: Active keys of Max (-1: unlimited) on Plan.
	Active, Max int
	Plan        string
}

type keyRow struct {
	apikey.Key
	Creator app.User
	Status  string
	// Revocable: api_keys:delete, not revoked, and a role the user may
	// grant (nobody revokes a key above their own role).
	Revocable bool
}

type newKey struct {
	apikey.Key
	Secret string
	// Example is a curl line using the key, on this server.
	Example string
}

type expiryChoice struct {
	Value, Label string
}

// expiries are the create form's choices: days from now, or never ("").
var expiries = []expiryChoice{{"", "Never"}, {"7", "7 days"}, {"30", "30 days"}, {"90", "90 days"}, {"365", "1 year"}}

// expiryOf reads the form's expiry choice; anything else is invalid.
func (s *server) expiryOf(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, c := range expiries {
		if c.Value == v {
			var days int
			_, _ = fmt.Sscan(v, &days)
			return s.app.Now().AddDate(0, 0, days), nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: expiry %q is not one of the choices", workspace.ErrInvalid, v)
}

func (s *server) apiKeys(w http.ResponseWriter, r *http.Request) {
	s.renderKeys(w, r, http.StatusOK, nil, keysData{Role: workspace.RoleViewer})
}

// renderKeys renders the page with f (an outcome) and status. A role that
// may not read keys (viewers) gets the refusal as the page.
func (s *server) renderKeys(w http.ResponseWriter, r *http.Request, status int, f *flash, d keysData) {
	ctx := r.Context()
	p, err := s.newPage(w, r, "API keys", "api-keys")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.loadKeys(ctx, p, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	if f != nil {
		p.Flash = f
	}
	if r.Method == http.MethodPost {
		p.URL = p.Nav.Base + keysPath
	}
	p.Data = d
	s.render(w, status, "apikeys", p)
}

func (s *server) loadKeys(ctx context.Context, p *page, d *keysData) error {
	keys, err := s.allKeys(ctx)
	if err != nil {
		return err
	}
	acct, err := s.app.Kit.Workspaces.Account(ctx)
	if err != nil {
		return err
	}
	limits, err := s.app.Plans.Limits(ctx, acct)
	if err != nil {
		return err
	}
	d.Plan, d.Max, d.Expiries = acct.Plan, limits.MaxAPIKeys, expiries
	if p.Can(rbac.ResourceAPIKeys, rbac.ActionCreate) || p.Can(rbac.ResourceAPIKeys, rbac.ActionDelete) {
		roles := workspace.BuiltinRoles()
		custom, err := s.app.Kit.Authz.ListRoles(ctx)
		if err != nil {
			return err
		}
		for _, c := range custom {
			roles = append(roles, c.Name)
		}
		for _, role := range roles {
			if s.app.Kit.Authz.CanGrant(ctx, role) == nil {
				d.Roles = append(d.Roles, role)
			}
		}
	}
	d.Create = p.Can(rbac.ResourceAPIKeys, rbac.ActionCreate) && len(d.Roles) > 0
	grantable := map[workspace.Role]bool{}
	for _, role := range d.Roles {
		grantable[role] = true
	}
	revoke := p.Can(rbac.ResourceAPIKeys, rbac.ActionDelete)
	for _, k := range keys {
		status := s.app.KeyStatus(k)
		if status == "active" {
			d.Active++
		}
		d.Keys = append(d.Keys, keyRow{Key: k, Creator: s.user(k.CreatedBy), Status: status,
			Revocable: revoke && status != "revoked" && grantable[k.Role]})
	}
	return nil
}

// allKeys is every key of the workspace, every page of List.
func (s *server) allKeys(ctx context.Context) ([]apikey.Key, error) {
	var out []apikey.Key
	page := workspace.Page{Limit: workspace.MaxPageSize}
	for {
		got, err := s.app.Kit.Keys.List(ctx, page)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		if len(got) < page.Limit {
			return out, nil
		}
		page.After = got[len(got)-1].ID
	}
}

func (s *server) createKey(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostForm.Get("name"))
	role := workspace.Role(r.PostForm.Get("role"))
	expires := r.PostForm.Get("expires")
	at, err := s.expiryOf(expires)
	var (
		k      apikey.Key
		secret string
	)
	if err == nil {
		k, secret, err = s.app.Kit.Keys.Create(r.Context(), apikey.NewKey{Name: name, Role: role, ExpiresAt: at})
	}
	if err != nil {
		f, status := problemFlash(err)
		s.renderKeys(w, r, status, f, keysData{Name: name, Role: role, Expires: expires})
		return
	}
	// Rendered, not redirected: the secret is shown this once and is
	// stored nowhere, not even in a flash cookie.
	sc, _ := workspace.ScopeFrom(r.Context())
	example := `curl -H "Authorization: Bearer ` + secret + `" ` + s.app.Link(r, "/api/workspaces/"+sc.WorkspaceID.String()+"/agents")
	s.renderKeys(w, r, http.StatusOK, okFlash("API key “"+k.Name+"” created.", "Copy its secret now: it is shown once."),
		keysData{Role: workspace.RoleViewer, New: &newKey{Key: k, Secret: secret, Example: example}})
}

func (s *server) revokeKey(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		s.keysRefused(w, r, workspace.ErrNotFound) // not an id: as missing as any other
		return
	}
	if err := s.app.Kit.Keys.Revoke(r.Context(), id); err != nil {
		s.keysRefused(w, r, err)
		return
	}
	title := "API key revoked."
	if k, err := s.app.Kit.Keys.Get(r.Context(), id); err == nil {
		title = "API key “" + k.Name + "” revoked."
	}
	sc, _ := workspace.ScopeFrom(r.Context())
	redirectWithFlash(w, r, base(sc)+keysPath, okFlash(title, "It stopped working at once; it stays listed as revoked."))
}

// keysRefused renders the page with the refusal. A key revoked already
// (apikey.ErrKeyRevoked, which workspacehttp maps to 401 for a request
// presenting the key) is a conflict here: the person is signed in.
func (s *server) keysRefused(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, apikey.ErrKeyRevoked) {
		err = fmt.Errorf("%w: the API key is revoked", workspace.ErrConflict)
	}
	f, status := problemFlash(err)
	s.renderKeys(w, r, status, f, keysData{Role: workspace.RoleViewer})
}
