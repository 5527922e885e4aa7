package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/workspacekit/workspacekit/internal/pgtest"
)

// The test packages' clusters (internal/pgtest) listen on a unix socket
// only; the goal "within 2% on loopback" is about TCP, so the command
// starts its own throwaway cluster on a free 127.0.0.1 port, unless
// $WORKSPACEKIT_TEST_DSN names a server to use.

type server struct {
	dsn  string // superuser DSN of database postgres
	stop func()
	// restart stops the server (fast shutdown: every connection is cut)
	// and starts it again on the same port; nil for an outside server.
	restart func() error
}

func startTCP() (*server, error) {
	if dsn := os.Getenv(pgtest.EnvDSN); dsn != "" {
		return &server{dsn: dsn, stop: func() {}}, nil
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(bins) == 0 {
		return nil, fmt.Errorf("no PostgreSQL binaries under /usr/lib/postgresql (set %s)", pgtest.EnvDSN)
	}
	sort.Strings(bins)
	bin := filepath.Dir(bins[len(bins)-1])
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root without a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	dir, err := os.MkdirTemp("/tmp", "benchtable-")
	if err != nil {
		return nil, err
	}
	if cred != nil {
		_ = os.Chown(dir, int(cred.Uid), int(cred.Gid))
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if out, err := initdb.CombinedOutput(); err != nil {
		cleanup()
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cleanup()
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	args := []string{"-D", filepath.Join(dir, "data"),
		"-c", "listen_addresses=127.0.0.1", "-c", "port=" + strconv.Itoa(port),
		"-c", "unix_socket_directories=" + dir, "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "shared_buffers=64MB", "-c", "max_connections=50"}
	start := func() (*exec.Cmd, error) {
		srv := exec.Command(filepath.Join(bin, "postgres"), args...)
		srv.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
		return srv, srv.Start()
	}
	srv, err := start()
	if err != nil {
		cleanup()
		return nil, err
	}
	stop := func() {
		_ = srv.Process.Signal(syscall.SIGQUIT)
		_ = srv.Wait()
		cleanup()
	}
	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	s := &server{dsn: dsn, stop: stop}
	s.restart = func() error {
		_ = srv.Process.Signal(syscall.SIGINT)
		_ = srv.Wait()
		next, err := start()
		if err != nil {
			return err
		}
		srv = next
		return waitReady(dsn, port)
	}
	if err := waitReady(dsn, port); err != nil {
		stop()
		return nil, err
	}
	return s, nil
}

// waitReady pings the server until it answers, for up to a minute.
func waitReady(dsn string, port int) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres on 127.0.0.1:%d not ready: %w", port, err)
		}
	}
}
