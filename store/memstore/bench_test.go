package memstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// BenchmarkAtomicLockAndWrite is the shape of every service write: a
// transaction that locks a row, counts, and inserts.
func BenchmarkAtomicLockAndWrite(b *testing.B) {
	s := memstore.New()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := workspace.Account{ID: uuid.New(), Name: "Acme", OwnerID: "alice", Version: 1, CreatedAt: now}
	if err := s.CreateAccount(ctx, a); err != nil {
		b.Fatal(err)
	}
	w := workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "Sales", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateWorkspace(ctx, w); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		err := s.Atomic(ctx, func(ctx context.Context) error {
			if _, err := s.LockWorkspace(ctx, w.ID); err != nil {
				return err
			}
			if _, err := s.CountMemberships(ctx, w.ID); err != nil {
				return err
			}
			return s.CreateMembership(ctx, workspace.Membership{WorkspaceID: w.ID, UserID: workspace.UserID(fmt.Sprint("u", i)), Role: workspace.RoleMember, Version: 1})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListAccessPage is one page of 50 for a user in 2,000 workspaces.
func BenchmarkListAccessPage(b *testing.B) {
	s := memstore.New()
	ctx := context.Background()
	a := workspace.Account{ID: uuid.New(), Name: "Acme", OwnerID: "alice", Version: 1}
	if err := s.CreateAccount(ctx, a); err != nil {
		b.Fatal(err)
	}
	for i := range 2000 {
		w := workspace.Workspace{ID: workspace.NewID(), AccountID: a.ID, Name: fmt.Sprint("W", i)}
		if err := s.CreateWorkspace(ctx, w); err != nil {
			b.Fatal(err)
		}
		if err := s.CreateMembership(ctx, workspace.Membership{WorkspaceID: w.ID, UserID: "bob", Role: workspace.RoleMember, Version: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		page, err := s.ListAccess(ctx, "bob", workspace.Page{Limit: workspace.DefaultPageSize})
		if err != nil || len(page) != workspace.DefaultPageSize {
			b.Fatal(len(page), err)
		}
	}
}
