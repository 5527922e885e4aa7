package bunstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"

	"github.com/workspacekit/workspacekit/store/changewatch"
)

// ListenOption configures Listen.
type ListenOption func(*pgxlisten.Listener)

// WithListenErrors receives the listener's non-fatal errors (a lost
// connection, a failed reconnect).
func WithListenErrors(fn func(error)) ListenOption {
	return func(l *pgxlisten.Listener) { l.LogError = func(_ context.Context, err error) { fn(err) } }
}

// WithReconnectDelay sets how long the listener waits before connecting
// again after losing its connection (default 25 ms: what a change made
// just after a drop waits for; the watcher's own polling bounds staleness
// meanwhile).
func WithReconnectDelay(d time.Duration) ListenOption {
	return func(l *pgxlisten.Listener) { l.ReconnectDelay = d }
}

// Listen holds one connection (opened from dsn, outside any pool) with
// LISTEN on ChangesChannel until ctx ends, and makes w catch up on every
// notification and after every (re)connect, so that a change reaches this
// instance in about one notification's latency. Notifications are sent by
// the changing transaction itself, so they arrive only for committed
// changes. It reconnects by itself (github.com/jackc/pgxlisten); what a
// dropped connection misses, the catch-up after reconnecting and w's
// polling read from the log. Run it beside w.Run:
//
//	go w.Run(ctx)
//	go bunstore.Listen(ctx, libDSN, w)
//
// Errors: ctx's error when it ends; a DSN that does not parse.
func Listen(ctx context.Context, dsn string, w *changewatch.Watcher, opts ...ListenOption) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	l := &pgxlisten.Listener{
		Connect:        func(ctx context.Context) (*pgx.Conn, error) { return pgx.ConnectConfig(ctx, cfg) },
		ReconnectDelay: 25 * time.Millisecond,
	}
	for _, o := range opts {
		o(l)
	}
	l.Handle(ChangesChannel, notifier{w})
	return l.Listen(ctx)
}

// notifier wakes the watcher; HandleBacklog runs after every connect, when
// changes may have been committed while no connection listened.
type notifier struct{ w *changewatch.Watcher }

func (n notifier) HandleNotification(context.Context, *pgconn.Notification, *pgx.Conn) error {
	n.w.Notify()
	return nil
}

func (n notifier) HandleBacklog(context.Context, string, *pgx.Conn) error {
	n.w.Notify()
	return nil
}
