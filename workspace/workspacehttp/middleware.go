package workspacehttp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// Authenticate tells who sends a request: the host's login, session or
// token check. It returns ErrUnauthenticated (401) for no valid login;
// other errors are 500.
type Authenticate func(r *http.Request) (workspace.UserID, error)

// Resolver reads which workspace a request names; ok is false when it
// names none (an unparsable id counts as naming one that does not exist).
type Resolver func(r *http.Request) (id uuid.UUID, ok bool)

// Switcher makes the scope of a user in a workspace; workspace.Service is
// one.
type Switcher interface {
	Switch(ctx context.Context, user workspace.UserID, target uuid.UUID) (workspace.Scope, error)
}

// FromHeader reads the workspace id from a request header, such as
// X-Workspace-ID.
func FromHeader(name string) Resolver {
	return func(r *http.Request) (uuid.UUID, bool) { return parse(r.Header.Get(name)) }
}

// FromPath reads it from a path wildcard of the route pattern
// (http.ServeMux's {name}, Request.PathValue).
func FromPath(name string) Resolver {
	return func(r *http.Request) (uuid.UUID, bool) { return parse(r.PathValue(name)) }
}

// FromCookie reads it from a cookie, such as the one WithRememberCookie
// sets.
func FromCookie(name string) Resolver {
	return func(r *http.Request) (uuid.UUID, bool) {
		c, err := r.Cookie(name)
		if err != nil {
			return uuid.Nil, false
		}
		return parse(c.Value)
	}
}

// First tries resolvers in order and takes the first that names a
// workspace: FromPath, then FromHeader, then the remembered cookie.
func First(rs ...Resolver) Resolver {
	return func(r *http.Request) (uuid.UUID, bool) {
		for _, res := range rs {
			if id, ok := res(r); ok {
				return id, true
			}
		}
		return uuid.Nil, false
	}
}

// parse reads an id; a value that is there but not an id names a
// workspace that cannot exist (uuid.Nil), which Switch refuses as not
// found, like any other it cannot see.
func parse(s string) (uuid.UUID, bool) {
	if s == "" {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, true
	}
	return id, true
}

// Middleware puts the request's user and active workspace in its context.
type Middleware struct {
	switcher Switcher
	authn    Authenticate
	resolve  Resolver
	cookie   string
	optional bool
	keys     KeyAuthenticator
}

// Option configures a Middleware.
type Option func(*Middleware)

// WithRememberCookie remembers the last active workspace in a cookie of
// that name (HttpOnly, SameSite=Lax, Secure on TLS requests, path /), set
// after every successful switch; add FromCookie(name) last to the
// resolvers to fall back on it. When the only workspace a request names is
// the remembered one and the user can no longer open it (removed, or the
// workspace deleted), the cookie is cleared, and with
// WithOptionalWorkspace the request goes on with the user only, as if it
// named none: a stale cookie must not lock anyone out of the selector.
func WithRememberCookie(name string) Option { return func(m *Middleware) { m.cookie = name } }

// WithOptionalWorkspace lets requests that name no workspace through with
// the user only (UserFrom), for pages such as the workspace selector;
// without it they get 404 no-active-workspace.
func WithOptionalWorkspace() Option { return func(m *Middleware) { m.optional = true } }

// KeyAuthenticator turns an API key's secret into the scope the key acts
// in; apikey.Service is one.
type KeyAuthenticator interface {
	Authenticate(ctx context.Context, secret string) (workspace.Scope, error)
}

// WithAPIKeys accepts "Authorization: Bearer <secret>" next to the host's
// login: a request that carries one is the key's, in the key's workspace,
// and the host's Authenticate is not called. A key acts only in its own
// workspace: a request that names another (path, header or cookie) gets
// 404 not-found, as for a workspace the caller cannot see. A bad, revoked
// or expired key gets 401. Without this option an Authorization header is
// left to the host's Authenticate.
func WithAPIKeys(k KeyAuthenticator) Option { return func(m *Middleware) { m.keys = k } }

// New returns the middleware: authn says who, resolve says which workspace,
// sw (workspace.Service) makes the scope.
func New(sw Switcher, authn Authenticate, resolve Resolver, opts ...Option) *Middleware {
	m := &Middleware{switcher: sw, authn: authn, resolve: resolve}
	for _, o := range opts {
		o(m)
	}
	return m
}

type userKey struct{}

// UserFrom returns the authenticated user the middleware put in ctx.
func UserFrom(ctx context.Context) (workspace.UserID, bool) {
	u, ok := ctx.Value(userKey{}).(workspace.UserID)
	return u, ok && u != ""
}

// Handler authenticates the request, switches to the workspace it names
// and calls next with the user and the scope in the context. A workspace
// that does not exist, is deleted, or is not the user's answers 404
// not-found, the same in all three cases. Switch reads the role fresh on
// every request, so a demotion or removal holds from the next request on,
// on every instance.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if secret, ok := bearer(r); ok && m.keys != nil {
			m.serveKey(w, r, secret, next)
			return
		}
		user, err := m.authn(r)
		if err != nil {
			WriteError(w, err)
			return
		}
		if err := workspace.ValidateUser(user); err != nil {
			WriteError(w, fmt.Errorf("%w: %w", ErrUnauthenticated, err))
			return
		}
		ctx := context.WithValue(r.Context(), userKey{}, user)
		id, ok := m.resolve(r)
		if !ok {
			if m.optional {
				next.ServeHTTP(w, r.WithContext(ctx))
				return
			}
			WriteError(w, workspace.ErrNoScope)
			return
		}
		sc, err := m.switcher.Switch(ctx, user, id)
		if err != nil {
			if errors.Is(err, workspace.ErrNotFound) && m.onlyRemembered(r) {
				m.forget(w, r)
				if m.optional {
					next.ServeHTTP(w, r.WithContext(ctx))
					return
				}
			}
			WriteError(w, err)
			return
		}
		if m.cookie != "" {
			http.SetCookie(w, &http.Cookie{Name: m.cookie, Value: sc.WorkspaceID.String(), Path: "/", HttpOnly: true,
				SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
		}
		next.ServeHTTP(w, r.WithContext(workspace.WithScope(ctx, sc)))
	})
}

// onlyRemembered reports whether the workspace r names comes from the
// remember cookie alone: without that cookie, the resolver finds none.
func (m *Middleware) onlyRemembered(r *http.Request) bool {
	if m.cookie == "" {
		return false
	}
	bare := r.Clone(r.Context())
	bare.Header.Del("Cookie")
	for _, c := range r.Cookies() {
		if c.Name != m.cookie {
			bare.AddCookie(c)
		}
	}
	_, named := m.resolve(bare)
	return !named
}

// forget clears the remember cookie.
func (m *Middleware) forget(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: m.cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

// serveKey is Handler for a request that presents an API key.
func (m *Middleware) serveKey(w http.ResponseWriter, r *http.Request, secret string, next http.Handler) {
	sc, err := m.keys.Authenticate(r.Context(), secret)
	if err != nil {
		WriteError(w, err)
		return
	}
	if id, ok := m.resolve(r); ok && id != sc.WorkspaceID {
		WriteError(w, fmt.Errorf("%w: workspace %s", workspace.ErrNotFound, id))
		return
	}
	ctx := context.WithValue(r.Context(), userKey{}, sc.UserID)
	next.ServeHTTP(w, r.WithContext(workspace.WithScope(ctx, sc)))
}

// bearer returns the credentials of an "Authorization: Bearer" header (the
// scheme is case-insensitive, RFC 9110).
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const scheme = "bearer "
	if len(h) <= len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	return strings.TrimSpace(h[len(scheme):]), true
}

// Authorizer decides a permission for the scope in a context;
// rbac.Authorizer (and workspace.Authorizer) is one.
type Authorizer interface {
	Require(ctx context.Context, resource, action string) error
}

// Require calls next only when the request's scope may do action on
// resource; otherwise it answers the problem (403 forbidden, 404
// no-active-workspace without a scope).
func Require(authz Authorizer, resource, action string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := authz.Require(r.Context(), resource, action); err != nil {
			WriteError(w, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}
