package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// An error returned from Atomic's fn undoes every write made with the
// context fn received.
func Example() {
	ctx := context.Background()
	s := memstore.New()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	acct := workspace.Account{ID: uuid.New(), Name: "Acme", OwnerID: "alice", Version: 1, CreatedAt: now}
	if err := s.CreateAccount(ctx, acct); err != nil {
		panic(err)
	}

	errPlan := errors.New("over the plan's limit")
	err := s.Atomic(ctx, func(ctx context.Context) error {
		ws := workspace.Workspace{ID: uuid.New(), AccountID: acct.ID, Name: "Sales", CreatedAt: now, UpdatedAt: now}
		if err := s.CreateWorkspace(ctx, ws); err != nil {
			return err
		}
		n, _ := s.CountWorkspaces(ctx, acct.ID)
		fmt.Println("inside the transaction:", n)
		return errPlan
	})
	fmt.Println("Atomic returned:", err)

	n, _ := s.CountWorkspaces(ctx, acct.ID)
	fmt.Println("after the rollback:", n)

	_, err = s.LockAccount(ctx, acct.ID)
	fmt.Println("lock outside a transaction:", errors.Is(err, workspace.ErrNoTransaction))
	// Output:
	// inside the transaction: 1
	// Atomic returned: over the plan's limit
	// after the rollback: 0
	// lock outside a transaction: true
}
