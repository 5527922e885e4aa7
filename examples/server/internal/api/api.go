package api

import (
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

type server struct{ app *app.App }

// New returns the API's handler, to mount at /api/.
func New(a *app.App) http.Handler {
	s := &server{app: a}
	// Three middlewares, one per kind of route: who only (the selector,
	// signing up, accepting); who and which workspace, from the path;
	// and the same remembering the workspace, for switching. All three
	// take an API key ("Authorization: Bearer <secret>") instead of the
	// login: the key's own workspace with its role, 404 for any other the
	// path names, 401 for a bad, revoked or expired key (never a fall
	// back to the cookie). Routes for a person only refuse keys
	// (peopleOnly): those across workspaces, and those that would give
	// the caller a place of its own (creating a workspace makes its
	// creator a member there: a key would then act outside its
	// workspace), or take one (leave, ownership transfer).
	keys := workspacehttp.WithAPIKeys(a.Kit.Keys)
	user := a.Middleware(noWorkspace, workspacehttp.WithOptionalWorkspace(), keys).Handler
	inWS := a.Middleware(workspacehttp.FromPath("workspace"), keys).Handler
	remember := a.Middleware(workspacehttp.FromPath("workspace"), workspacehttp.WithRememberCookie(app.WorkspaceCookie), keys).Handler

	mux := http.NewServeMux()
	route := func(pattern string, mw func(http.Handler) http.Handler, h handler) {
		if mw == nil {
			mux.Handle(pattern, h)
			return
		}
		mux.Handle(pattern, mw(h))
	}
	const ws = "/api/workspaces/{workspace}"

	route("POST /api/login", nil, s.login)
	route("POST /api/logout", nil, s.logout)
	route("GET /api/users", nil, s.users)
	route("GET /api/resources", nil, s.resources)
	route("GET /api/me", user, peopleOnly(s.me))
	route("POST /api/accounts", user, peopleOnly(s.signUp))
	route("POST /api/invitations/accept", user, peopleOnly(s.accept))
	route("GET /api/workspaces", user, peopleOnly(s.listWorkspaces))

	route("GET "+ws, inWS, s.getWorkspace)
	route("PATCH "+ws, inWS, s.updateWorkspace)
	route("DELETE "+ws, inWS, s.deleteWorkspace)
	route("POST "+ws+"/switch", remember, peopleOnly(s.switchTo))
	route("GET "+ws+"/permissions", inWS, s.permissions)
	route("GET "+ws+"/permissions/{permission}", inWS, s.explain)
	route("GET "+ws+"/account", inWS, s.account)
	route("POST "+ws+"/account/workspaces", inWS, peopleOnly(s.createWorkspace))
	route("POST "+ws+"/account/transfer", inWS, peopleOnly(s.transfer))

	route("GET "+ws+"/invitations", inWS, s.invitations)
	route("POST "+ws+"/invitations", inWS, s.invite)
	route("POST "+ws+"/invitations/{invitation}/resend", inWS, s.resend)
	route("DELETE "+ws+"/invitations/{invitation}", inWS, s.revoke)

	route("GET "+ws+"/team", inWS, s.team)
	route("GET "+ws+"/team/{user}", inWS, s.member)
	route("PATCH "+ws+"/team/{user}", inWS, s.changeRole)
	route("DELETE "+ws+"/team/{user}", inWS, s.removeMember)
	route("POST "+ws+"/leave", inWS, peopleOnly(s.leave))

	route("GET "+ws+"/roles", inWS, s.roles)
	route("POST "+ws+"/roles", inWS, s.createRole)
	route("PATCH "+ws+"/roles/{role}", inWS, s.updateRole)
	route("DELETE "+ws+"/roles/{role}", inWS, s.deleteRole)

	route("GET "+ws+"/api-keys", inWS, s.listKeys)
	route("POST "+ws+"/api-keys", inWS, s.createKey)
	route("GET "+ws+"/api-keys/{key}", inWS, s.getKey)
	route("PATCH "+ws+"/api-keys/{key}", inWS, s.updateKey)
	route("DELETE "+ws+"/api-keys/{key}", inWS, s.revokeKey)

	// The literal routes above are more specific than {kind}, so ServeMux
	// prefers them; any other second segment is a resource kind or not
	// found.
	route("GET "+ws+"/{kind}", inWS, s.listItems)
	route("POST "+ws+"/{kind}", inWS, s.createItem)
	route("GET "+ws+"/{kind}/{item}", inWS, s.getItem)
	route("DELETE "+ws+"/{kind}/{item}", inWS, s.deleteItem)

	// Everything else under /api/ (an unknown path, or a known path with
	// another method) is a problem too, not ServeMux's plain-text page.
	route("/api/", nil, func(http.ResponseWriter, *http.Request) error {
		return fmt.Errorf("%w: no such route", workspace.ErrNotFound)
	})
	// Every route refuses changes a page of another origin could make the
	// browser send with the session cookie (origin.go).
	return crossOrigin(mux)
}

// noWorkspace names no workspace: routes that act before one is active.
func noWorkspace(*http.Request) (uuid.UUID, bool) { return uuid.Nil, false }

// userOf returns the user the middleware authenticated.
func userOf(r *http.Request) workspace.UserID {
	u, _ := workspacehttp.UserFrom(r.Context())
	return u
}

// scopeOf returns the active workspace the middleware switched to.
func scopeOf(r *http.Request) workspace.Scope {
	sc, _ := workspace.ScopeFrom(r.Context())
	return sc
}

// pathID reads an id from the path; one that is not an id names nothing,
// which is not found, like any id the caller cannot see.
func pathID(r *http.Request, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue(name))
	if err != nil {
		return uuid.Nil, fmt.Errorf("%w: %s %q", workspace.ErrNotFound, name, r.PathValue(name))
	}
	return id, nil
}
