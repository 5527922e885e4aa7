package modeltest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/kit"
	"github.com/workspacekit/workspacekit/workspace"
)

// Harness gives the suite the system under test.
type Harness struct {
	// New returns the target one sequence (or one concurrent run) works
	// on. It may hand out the same database every time: every sequence
	// makes fresh users and accounts and looks only at its own. Release
	// resources with t.Cleanup.
	New func(t testing.TB) *Target
}

// Target is one store under test with the host's tables on it.
type Target struct {
	// Store is the library's store; the suite wires kit.New (and, when
	// Store implements apikey.Store, the API key service) on it.
	Store kit.Store
	// HostTx runs the host's transactions on Tables' database; nil means
	// Store (one database and role for both, as memstore and guard mode).
	HostTx workspace.Transactor
	// Tables are the host tables, 2-3 of them: their workspace must
	// cascade with the workspace's deletion (store.Repo's contract).
	Tables []Table
	// Snapshot, when set, reads the rows of the given workspaces of every
	// table through a path independent of the Repos (a separate
	// connection, bypassing the guard and row-level security): map key is
	// the table's index in Tables, then workspace, then id. Without it the
	// suite reads through the Repos with a scope it makes itself.
	Snapshot func(ctx context.Context, workspaces []uuid.UUID) (map[int]map[uuid.UUID]map[uuid.UUID]string, error)
	// Rows, when set, counts every row of every table, whatever its
	// workspace: a write into a workspace no sequence knows shows there.
	Rows func(ctx context.Context) (int, error)
	// Faults, when set, injects faults into sequences (see Faults).
	Faults Faults
	// KitOptions are passed to kit.New (purge functions of the host
	// tables, for instance).
	KitOptions []kit.Option
	// Stats, when set, reports the connections the store's pools have in
	// use; the soak requires 0 at its end.
	InUse func() int
}

// Faults injects the faults of a real database into single operations.
type Faults interface {
	// Kinds names the faults Run knows.
	Kinds() []string
	// Run runs op under the fault kind. ctx carries the operation's scope
	// when it has one (the workspace a fault may lock or write to); host
	// says op runs in the host's transaction (Target.HostTx) rather than
	// the library's. It returns op's own error when op failed, else what
	// the fault did to the transaction (nil when it committed anyway), and
	// marks every error the fault caused with ErrInjected (errors.Join):
	// only those may differ from the model's prediction, and the suite
	// then checks that the operation changed nothing.
	Run(ctx context.Context, kind string, host bool, op func(ctx context.Context) error) error
}

// ErrInjected marks an error a fault caused (Faults.Run).
var ErrInjected = errors.New("modeltest: injected fault")
