package app

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/workspacekit/workspacekit/workspace"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

// EXAMPLE ONLY. The login below is a cookie that names the user, and a
// header that does the same for scripts: anyone can claim to be anyone.
// It exists so that the demo can show several people's views without a
// real identity provider. A real host authenticates with its own sessions
// or tokens and hands the result to workspacehttp through an Authenticate
// function, exactly as Authenticate does here.

// The example-only cookies: the logged-in user, and the last active
// workspace (workspacehttp.WithRememberCookie).
const (
	SessionCookie   = "wk_example_user"
	WorkspaceCookie = "wk_example_workspace"
)

// UserHeader names the user for scripts and tests (example-only, like the
// cookie): curl -H 'X-Example-User: alice' ...
const UserHeader = "X-Example-User"

// ErrUnknownUser means a login named someone who is not one of the demo's
// Users. The list is fixed on purpose: a login that trusts whatever id it
// is given should at least not mint new identities, and erin (who has no
// workspace yet) is there to be invited or to sign up.
var ErrUnknownUser = errors.New("app: unknown user")

// Login starts the example-only session of user by setting SessionCookie.
// Errors: ErrUnknownUser.
func (a *App) Login(w http.ResponseWriter, user workspace.UserID) error {
	if _, ok := a.User(user); !ok {
		return fmt.Errorf("%w: %q", ErrUnknownUser, user)
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: string(user), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return nil
}

// Logout ends the session and forgets the remembered workspace, so the
// next person on the browser starts from the selector.
func (a *App) Logout(w http.ResponseWriter) {
	for _, name := range []string{SessionCookie, WorkspaceCookie} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
}

// Authenticate is the example's workspacehttp.Authenticate: UserHeader if
// present, else SessionCookie, and the user must be one of Users.
// Errors: workspacehttp.ErrUnauthenticated (401), wrapping ErrUnknownUser
// for a name that is not a demo user.
func (a *App) Authenticate(r *http.Request) (workspace.UserID, error) {
	id := r.Header.Get(UserHeader)
	if id == "" {
		c, err := r.Cookie(SessionCookie)
		if err != nil || c.Value == "" {
			return "", workspacehttp.ErrUnauthenticated
		}
		id = c.Value
	}
	if _, ok := a.User(workspace.UserID(id)); !ok {
		return "", fmt.Errorf("%w: %w: %q", workspacehttp.ErrUnauthenticated, ErrUnknownUser, id)
	}
	return workspace.UserID(id), nil
}

// Middleware is workspacehttp's middleware on this app: Authenticate says
// who, resolve says which workspace, the lifecycle service switches (the
// role read fresh on every request).
func (a *App) Middleware(resolve workspacehttp.Resolver, opts ...workspacehttp.Option) *workspacehttp.Middleware {
	return workspacehttp.New(a.Kit.Workspaces, a.Authenticate, resolve, opts...)
}

// InvitationLink is the path at which an invitation's token is accepted:
// what an invitation email would link to. The UI serves it; the API
// returns it next to the token.
func InvitationLink(token string) string {
	return "/invitations/accept?token=" + url.QueryEscape(token)
}
