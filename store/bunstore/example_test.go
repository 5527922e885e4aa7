package bunstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// Open a database, migrate it, and use the store; a failed transaction
// leaves nothing behind. (The database comes from the package's throwaway
// cluster; a host passes its own DSN.)
func Example() {
	ctx := context.Background()
	name := fmt.Sprintf("bunstore_example_%d", os.Getpid())
	dsn, err := pg.CreateDatabase(ctx, name)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = pg.DropDatabase(name) }()

	db, err := bunstore.Open(dsn)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	if err := bunstore.Migrate(ctx, db); err != nil {
		fmt.Println(err)
		return
	}
	s := bunstore.New(db)

	acct := workspace.Account{ID: uuid.New(), Name: "Acme", OwnerID: "alice", Version: 1, CreatedAt: t0}
	if err := s.CreateAccount(ctx, acct); err != nil {
		fmt.Println(err)
		return
	}
	sales := workspace.Workspace{ID: uuid.New(), AccountID: acct.ID, Name: "Sales", CreatedAt: t0, UpdatedAt: t0}
	fmt.Println("create Sales:", s.CreateWorkspace(ctx, sales))

	dup := workspace.Workspace{ID: uuid.New(), AccountID: acct.ID, Name: "SALES", CreatedAt: t0, UpdatedAt: t0}
	err = s.CreateWorkspace(ctx, dup)
	fmt.Println("create SALES is a conflict:", errors.Is(err, workspace.ErrConflict))

	errLimit := errors.New("over the plan's limit")
	err = s.Atomic(ctx, func(ctx context.Context) error {
		if _, err := s.LockAccount(ctx, acct.ID); err != nil {
			return err
		}
		support := workspace.Workspace{ID: uuid.New(), AccountID: acct.ID, Name: "Support", CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateWorkspace(ctx, support); err != nil {
			return err
		}
		return errLimit
	})
	fmt.Println("Atomic:", err)

	access, err := s.ListAccess(ctx, "alice", workspace.Page{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range access {
		fmt.Println(a.Workspace.Name, a.Role, "account owner:", a.AccountOwner)
	}
	// Output:
	// create Sales: <nil>
	// create SALES is a conflict: true
	// Atomic: over the plan's limit
	// Sales owner account owner: true
}
