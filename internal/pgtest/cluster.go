package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// ErrUnavailable is returned by Start when there is no PostgreSQL to test
// against (no binaries and no WORKSPACEKIT_TEST_DSN).
var ErrUnavailable = errors.New("pgtest: PostgreSQL unavailable")

// EnvDSN names the variable holding a superuser DSN of an existing server to
// use instead of starting a cluster.
const EnvDSN = "WORKSPACEKIT_TEST_DSN"

// Cluster is one PostgreSQL server used by a test package: either a
// throwaway cluster started by Start or an existing server from EnvDSN. A
// nil or unavailable Cluster is valid: its methods that take a testing.TB
// skip the test (fail it under CI=true).
type Cluster struct {
	superDSN    string
	unavailable string // why there is no server; "" when there is one

	// Set only for a cluster this process started.
	dir    string
	proc   *exec.Cmd
	done   chan struct{} // closed when proc has exited
	stop   sync.Once
	launch func() error // starts the server again (Restart)

	mu            sync.Mutex
	admin         *sql.DB
	seq           int
	serverVersion int
}

// startTimeout bounds initdb plus server start-up on a loaded machine.
const startTimeout = 60 * time.Second

// Start returns a server to test against: the one in $WORKSPACEKIT_TEST_DSN,
// else a new throwaway cluster. It returns an error wrapping ErrUnavailable
// when neither is possible (no binaries), and other errors when a server was
// found but could not be started or reached. The caller must call Stop.
func Start() (*Cluster, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		c := &Cluster{superDSN: dsn}
		if err := c.ping(); err != nil {
			return nil, fmt.Errorf("pgtest: %s: %w", EnvDSN, err)
		}
		return c, nil
	}
	bin, why := binDir()
	if bin == "" {
		return nil, fmt.Errorf("%w: %s (set %s to use an existing server)", ErrUnavailable, why, EnvDSN)
	}
	c, err := startLocal(bin)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func startLocal(bin string) (c *Cluster, err error) {
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	base := os.TempDir()
	// A unix socket path must fit in 107 bytes; a long $TMPDIR would not.
	if len(base) > 60 {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: temp dir: %w", err)
	}
	c = &Cluster{dir: dir, done: make(chan struct{})}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("pgtest: chown %s: %w", dir, err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"),
		"-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C",
		"--no-sync", "--no-instructions")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}

	c.launch = func() error { return c.startServer(bin, data, cred) }
	return c, c.launch()
}

// startServer starts the postmaster on data and waits until it answers.
func (c *Cluster) startServer(bin, data string, cred *syscall.Credential) error {
	dir := c.dir
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: log: %w", err)
	}
	defer logFile.Close()
	if cred != nil {
		_ = logFile.Chown(int(cred.Uid), int(cred.Gid))
	}
	srv := exec.Command(filepath.Join(bin, "postgres"), "-D", data,
		"-c", "listen_addresses=",
		"-c", "unix_socket_directories="+dir,
		"-c", "unix_socket_permissions=0777",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "shared_buffers=32MB",
		"-c", "max_connections=200",
		"-c", "log_min_messages=warning",
	)
	srv.Dir = dir
	srv.Stdout, srv.Stderr = logFile, logFile
	// SIGQUIT is PostgreSQL's immediate shutdown: the postmaster takes its
	// backends down with it when this process dies without calling Stop.
	srv.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	// The kernel sends Pdeathsig when the thread that forked the server
	// ends, not the process (go.dev/issue/27505): a 15-minute soak lost
	// its server to a thread the runtime let go. The fork happens on a
	// goroutine locked to its thread, which waits there until the server
	// exits.
	started := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := srv.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = srv.Wait()
		close(done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	c.mu.Lock()
	c.proc, c.done = srv, done
	c.mu.Unlock()

	c.superDSN = fmt.Sprintf("host=%s port=5432 user=postgres dbname=postgres sslmode=disable", dir)
	deadline := time.Now().Add(startTimeout)
	for {
		err := c.ping()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("pgtest: postgres exited at start-up: %w\n%s", err, tail(log))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("pgtest: postgres not ready after %s: %w\n%s", startTimeout, err, tail(log))
		}
	}
}

// Restart stops the server the way an operator's restart does (fast
// shutdown: every session is cut, transactions in flight roll back) and
// starts it again on the same data and socket: for tests of what survives
// a database restart. It fails the test on a server this process did not
// start.
func (c *Cluster) Restart(tb testing.TB) {
	tb.Helper()
	c.Require(tb)
	if c.launch == nil {
		tb.Fatalf("pgtest: Restart needs a cluster started by this process, not %s", EnvDSN)
	}
	c.mu.Lock()
	proc, done := c.proc, c.done
	c.mu.Unlock()
	_ = proc.Process.Signal(syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		tb.Fatalf("pgtest: postgres did not stop for a restart")
	}
	if err := c.launch(); err != nil {
		tb.Fatalf("pgtest: restart: %v", err)
	}
}

// serverCredential returns the credential to run the server binaries with:
// nil when not root, the postgres user's when root.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("%w: running as root and there is no postgres user to run the server as: %v", ErrUnavailable, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("pgtest: postgres user ids %q/%q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func tail(b []byte) []byte {
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return bytes.TrimSpace(b)
}

func (c *Cluster) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	db, err := c.adminDB()
	if err != nil {
		return err
	}
	return db.PingContext(ctx)
}

func (c *Cluster) adminDB() (*sql.DB, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.admin != nil {
		return c.admin, nil
	}
	db, err := sql.Open("pgx", c.superDSN)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	c.admin = db
	return db, nil
}

// Stop shuts the cluster down (immediate mode: the data is throwaway) and
// removes its directory. For a server from WORKSPACEKIT_TEST_DSN it only
// closes connections. Safe to call more than once and on nil.
func (c *Cluster) Stop() {
	if c == nil {
		return
	}
	c.stop.Do(func() {
		c.mu.Lock()
		if c.admin != nil {
			_ = c.admin.Close()
		}
		c.mu.Unlock()
		if c.proc != nil && c.proc.Process != nil {
			_ = c.proc.Process.Signal(syscall.SIGQUIT)
			select {
			case <-c.done:
			case <-time.After(10 * time.Second):
				// Setpgid put the postmaster and its children in their own group.
				_ = syscall.Kill(-c.proc.Process.Pid, syscall.SIGKILL)
				<-c.done
			}
		}
		if c.dir != "" {
			_ = os.RemoveAll(c.dir)
		}
	})
}

// SuperuserDSN returns a superuser DSN for the maintenance database
// "postgres" ("" on an unavailable cluster).
func (c *Cluster) SuperuserDSN() string {
	if c == nil {
		return ""
	}
	return c.superDSN
}
