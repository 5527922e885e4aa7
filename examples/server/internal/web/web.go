package web

import (
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

type server struct {
	app   *app.App
	mw    *workspacehttp.Middleware
	csrf  *csrf
	views map[string]*template.Template
	log   *slog.Logger
}

// maxForm bounds a posted form; the largest field is a 500-character
// description.
const maxForm = 64 << 10

// Handler is the HTML UI of a, to mount at "/" (the JSON API lives at
// /api/, elsewhere). It panics if the embedded templates do not parse,
// which a test catches before any release.
func Handler(a *app.App) http.Handler {
	v, err := parseViews()
	if err != nil {
		panic(err)
	}
	s := &server{
		app: a,
		// The workspace is in the path; the remembered cookie only serves
		// "/" (home), which redirects into the path.
		mw:    a.Middleware(workspacehttp.FromPath("ws"), workspacehttp.WithRememberCookie(app.WorkspaceCookie)),
		csrf:  newCSRF(),
		views: v,
		log:   slog.Default(),
	}
	return s.checkCSRF(s.routes())
}

func (s *server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /invitations/accept", s.acceptForm)
	mux.HandleFunc("POST /invitations/accept", s.accept)

	mux.Handle("GET /w/{ws}/{$}", s.scoped(s.workspaceHome))
	for _, res := range s.app.Resources {
		mux.Handle("GET /w/{ws}/"+res.Kind, s.scoped(s.resourceList(res)))
		mux.Handle("POST /w/{ws}/"+res.Kind, s.scoped(s.resourceCreate(res)))
		mux.Handle("POST /w/{ws}/"+res.Kind+"/{id}/delete", s.scoped(s.resourceDelete(res)))
	}

	mux.Handle("GET /w/{ws}"+keysPath, s.scoped(s.apiKeys))
	mux.Handle("POST /w/{ws}"+keysPath, s.scoped(s.createKey))
	mux.Handle("POST /w/{ws}"+keysPath+"/{id}/revoke", s.scoped(s.revokeKey))

	mux.Handle("GET /w/{ws}/settings/workspaces", s.scoped(s.workspaces))
	mux.Handle("POST /w/{ws}/settings/workspaces", s.scoped(s.createWorkspace))
	mux.Handle("POST /w/{ws}/settings/workspaces/{id}/delete", s.scoped(s.deleteWorkspace))

	mux.Handle("GET /w/{ws}/settings/team", s.scoped(s.team))
	mux.Handle("POST /w/{ws}/settings/team/invite", s.scoped(s.invite))
	mux.Handle("POST /w/{ws}/settings/team/role", s.scoped(s.changeRole))
	mux.Handle("POST /w/{ws}/settings/team/remove", s.scoped(s.removeMember))
	mux.Handle("POST /w/{ws}/settings/team/invitations/{id}/resend", s.scoped(s.resend))
	mux.Handle("POST /w/{ws}/settings/team/invitations/{id}/revoke", s.scoped(s.revoke))

	mux.HandleFunc("/", s.notFound)
	return mux
}

// scoped runs h inside the workspace the path names: workspacehttp's
// middleware authenticates, switches (the role read fresh) and remembers
// the workspace; its refusals become pages.
func (s *server) scoped(h http.HandlerFunc) http.Handler {
	return s.htmlProblems(s.mw.Handler(h))
}

// checkCSRF refuses every unsafe request whose form lacks the session's
// token (csrf.go), before any handler runs.
func (s *server) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			s.problemPage(w, r, workspacehttp.Problem{Status: http.StatusBadRequest, Title: http.StatusText(http.StatusBadRequest),
				Detail: "The form could not be read.", Code: "bad-form"})
			return
		}
		user, _ := s.app.Authenticate(r) // "" signed out: the sign-in form
		if !s.csrf.valid(r, user) {
			s.problemPage(w, r, workspacehttp.Problem{Status: http.StatusForbidden, Title: http.StatusText(http.StatusForbidden),
				Detail: "This form has expired or came from another site. Reload the page and try again.", Code: "csrf"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
