package memstore_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/store/modeltest"
	"github.com/workspacekit/workspacekit/workspace"
)

// leaky is the in-memory store with one method that forgets its workspace,
// as a store that dropped a workspace filter would: the suite must catch
// it. It learns the workspaces there are from CreateWorkspace.
type leaky struct {
	*memstore.Store
	leak string
	mu   sync.Mutex
	wss  []uuid.UUID
}

func (s *leaky) CreateWorkspace(ctx context.Context, w workspace.Workspace) error {
	err := s.Store.CreateWorkspace(ctx, w)
	if err == nil {
		s.mu.Lock()
		s.wss = append(s.wss, w.ID)
		s.mu.Unlock()
	}
	return err
}

func (s *leaky) all() []uuid.UUID {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uuid.UUID(nil), s.wss...)
}

// ListPendingInvitations, leaking: every workspace's pending invitations.
func (s *leaky) ListPendingInvitations(ctx context.Context, ws uuid.UUID) ([]membership.Invitation, error) {
	if s.leak != "ListPendingInvitations" {
		return s.Store.ListPendingInvitations(ctx, ws)
	}
	var out []membership.Invitation
	for _, id := range s.all() {
		invs, err := s.Store.ListPendingInvitations(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, invs...)
	}
	return out, nil
}

// DeleteMembership, leaking: the user leaves every workspace.
func (s *leaky) DeleteMembership(ctx context.Context, ws uuid.UUID, user workspace.UserID) error {
	err := s.Store.DeleteMembership(ctx, ws, user)
	if s.leak != "DeleteMembership" {
		return err
	}
	for _, id := range s.all() {
		if e := s.Store.DeleteMembership(ctx, id, user); e != nil && !errors.Is(e, workspace.ErrNotFound) {
			return e
		}
	}
	return err
}

func leakyTarget(leak string) func(testing.TB) *modeltest.Target {
	return func(t testing.TB) *modeltest.Target {
		tg := modelTarget(t)
		tg.Store = &leaky{Store: tg.Store.(*memstore.Store), leak: leak}
		return tg
	}
}

// TestModelCatchesLeaks is the suite's own regression test: Run over a
// store with one method's workspace filter dropped must fail, shrink the
// failure and print the seed that replays it. Each leak runs in a child
// process (this test binary again), since a failing Run fails its test.
func TestModelCatchesLeaks(t *testing.T) {
	if leak := os.Getenv("MODELTEST_LEAK"); leak != "" {
		modeltest.Run(t, modeltest.Harness{New: leakyTarget(leak)}, modeltest.Config{FreshTarget: true})
		return
	}
	for _, leak := range []string{"ListPendingInvitations", "DeleteMembership"} {
		t.Run(leak, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			// Up to a minute of sequences to find it; a few seconds to shrink.
			cmd := exec.Command(os.Args[0], "-test.run=^TestModelCatchesLeaks$", "-modeltest.faults=0",
				"-modeltest.duration=60s", "-rapid.shrinktime=10s")
			cmd.Env = append(os.Environ(), "MODELTEST_LEAK="+leak)
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "the model suite passed over a store whose %s leaks across workspaces:\n%s", leak, out)
			text := string(out)
			require.Contains(t, text, "not as the model says", "failed, but not by a model check:\n%s", text)
			seed := regexp.MustCompile(`-rapid\.seed=\d+`).FindString(text)
			require.NotEmpty(t, seed, "no seed printed:\n%s", text)
			require.Contains(t, text, "the sequence (operation -> outcome):", "no sequence printed:\n%s", text)
			// The failure and the shrunk sequence: from rapid's "Failed
			// test output" to the masked message that ends it.
			report := text[strings.Index(text, "Failed test output:")+len("Failed test output:"):]
			if j := strings.LastIndex(report, "modeltest: "); j >= 0 {
				report = report[:j]
			}
			t.Logf("caught in %v, %s:\n%s", time.Since(start).Round(time.Millisecond), seed, strings.TrimSpace(report))
		})
	}
}
