// Command worker runs jobs on behalf of a user in a workspace on a real
// queue (River, https://riverqueue.com) on PostgreSQL, and shows why a job
// must not trust the scope it was queued with.
//
// A job outlives the request that queued it: by the time it runs, its user
// may have been removed from the workspace or demoted, or the workspace may
// be gone. The job's args carry the scope captured at enqueue time (user,
// workspace, account, role, membership version); before it does anything,
// the worker
//
//  1. catches its Authorizer up with the change log (changewatch), so that
//     no change committed before the job started is unseen, even when the
//     change was made by another process;
//  2. revalidates the stored scope (workspace.Service.Revalidate), which
//     reads the membership afresh: ErrNotFound means the user lost access
//     or the workspace was deleted;
//  3. asks the Authorizer whether the fresh scope may still do the job's
//     action (conversations:export, a permission this host registers and
//     grants to admins).
//
// A job that fails 2 or 3 is refused: never run, never retried. The refusal
// is recorded twice, for two readers: a row of the host's job_refusals
// table (the durable audit trail, with a reason code; it has no foreign key
// to workspaces so it outlives a deleted one), and River's own cancellation
// with the reason (river.JobCancel), which stops retries and shows why in
// River's tooling until River's retention deletes the job.
//
// A job that passes runs inside workspace.WithScope(ctx, fresh): it reads
// the workspace's conversations through a scoped repository
// (bunstore.NewRepo over the host table conversations) and writes its
// result to the scoped table conversation_exports, completing the River job
// in the same transaction (river.JobCompleteTx), so an export exists if and
// only if its job completed.
//
// Why riverdatabasesql rather than riverpgxv5: the library's store is bun on
// database/sql (pgx's stdlib), so with River on the same *sql.DB a job is
// enqueued in the request's own transaction (bunstore.Atomic) and completed
// in the export's; riverpgxv5 would need a second pool and two-phase
// thinking. The *sql.DB is opened through the workspacekit guard
// (Registry.Connector), so River's own statements pass it too (they name no
// workspace table). LISTEN needs a pgx connection: the worker gives River a
// one-connection pgxpool for it (riverdatabasesql.NewWithPgxListener).
//
// Usage:
//
//	go run ./examples/worker -dsn 'postgres://postgres@localhost:5432/app?sslmode=disable'
//
// It needs PostgreSQL (a superuser or the tables' owner: it runs the
// library's, the host's and River's migrations). Without -dsn it prints
// its usage and exits with status 2. It then creates an account, queues four
// exports, removes one user, demotes another, deletes a workspace, runs the
// queue and prints which jobs ran and which were refused. Its tests start a
// throwaway PostgreSQL themselves (internal/pgtest).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage is a command line that cannot run: no -dsn.
var errUsage = errors.New("worker: -dsn is required (a PostgreSQL DSN; the demo migrates that database)")

// cli runs the command and returns its exit status: 2 for a bad command
// line, as the flag package does, 1 when the demo fails.
func cli(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("dsn", "", "PostgreSQL DSN, e.g. postgres://postgres@localhost:5432/app?sslmode=disable")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: worker -dsn DSN")
		fmt.Fprintln(stderr, "Runs the export-conversations demo on a River queue in that PostgreSQL database.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "worker: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	case *dsn == "":
		fmt.Fprintln(stderr, errUsage)
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := demo(ctx, *dsn, stdout); err != nil {
		fmt.Fprintln(stderr, "worker:", err)
		return 1
	}
	return 0
}
