// Command server is a small SaaS on workspacekit: the product doc's
// workspaces (isolation, roles per workspace, switching, plan limits,
// deletion with the name typed) behind an HTML UI at / and a JSON API at
// /api/, on the in-memory store with demo data, or on PostgreSQL in strict
// mode:
//
//	go run ./examples/server                       # http://127.0.0.1:8080, in memory
//	go run ./examples/server -dsn 'postgres://...' # an owner/superuser DSN of a dev database
//
// Invitation links are built on -public-url when given (set it behind a
// proxy: -public-url https://app.example.com), else on the address each
// request reached the server at; never on the request's Host header, which
// the client chooses (app.Config.PublicURL).
//
// Its login is EXAMPLE-ONLY: pick a demo user (alice, bob, carol, dave,
// erin), or send X-Example-User: <id> to the API. Anyone can be anyone;
// a real host plugs its own authentication into workspacehttp instead.
//
// API keys, on the other hand, are real credentials: create one on a
// workspace's API keys page (or POST /api/workspaces/{ws}/api-keys), copy
// its secret (shown once), and call the API with it, in that workspace
// only, with the key's role:
//
//	curl -H "Authorization: Bearer wsk_..." http://127.0.0.1:8080/api/workspaces/{ws}/agents
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/workspacekit/workspacekit/examples/server/internal/api"
	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/examples/server/internal/web"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dsn := flag.String("dsn", "", "PostgreSQL DSN of an owner or superuser of a development database (default: in memory)")
	public := flag.String("public-url", "", "where people reach this server, the base of invitation links, e.g. https://app.example.com (default: the address each request reached)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := app.Config{DSN: *dsn, PublicURL: *public, Seed: true, Logger: slog.Default()}
	if err := serve(ctx, *addr, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// run serves the seeded app on dsn ("" in memory) until ctx ends.
func run(ctx context.Context, addr, dsn string, out io.Writer) error {
	return serve(ctx, addr, app.Config{DSN: dsn, Seed: true, Logger: slog.Default()}, out)
}

// serve serves the app cfg describes until ctx ends, then shuts down
// gracefully: requests in flight get shutdownGrace to finish before the
// store closes.
func serve(ctx context.Context, addr string, cfg app.Config, out io.Writer) (err error) {
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, a.Close()) }()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler(a), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	fmt.Fprintf(out, "workspacekit example server: http://%s (example-only login: pick a user)\n", ln.Addr())
	if a.PublicURL != "" {
		fmt.Fprintf(out, "invitation links on %s\n", a.PublicURL)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

const shutdownGrace = 10 * time.Second

// handler mounts the JSON API at /api/ and the UI everywhere else.
func handler(a *app.App) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", api.New(a))
	mux.Handle("/", web.Handler(a))
	return mux
}
