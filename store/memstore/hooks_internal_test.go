package memstore

// Internal: the delete hooks are the package's extension point for tables
// added in other files, so they are tested from inside.

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

// widgets is a table added the way doc.go says: rows keyed by workspace,
// purged with it.
type widgets struct {
	s    *Store
	rows *table[uuid.UUID, string]
	byWS *index[uuid.UUID, uuid.UUID]
	fail error
}

func newWidgets(s *Store) *widgets {
	w := &widgets{s: s, rows: newTable[uuid.UUID, string](), byWS: newIndex[uuid.UUID, uuid.UUID]()}
	s.onDeleteWorkspace(func(t *tx, ws uuid.UUID) error {
		for _, id := range w.byWS.keys(ws) {
			w.rows.del(t, id)
			w.byWS.del(t, ws, id)
		}
		return w.fail
	})
	return w
}

func (w *widgets) add(ctx context.Context, ws uuid.UUID, name string) error {
	return w.s.do(ctx, func(t *tx) error {
		id := uuid.New()
		w.rows.put(t, id, name)
		w.byWS.add(t, ws, id)
		return nil
	})
}

func (w *widgets) count(ctx context.Context, ws uuid.UUID) int {
	var n int
	_ = w.s.do(ctx, func(*tx) error { n = w.byWS.count(ws); return nil })
	return n
}

func seed(t *testing.T, s *Store) workspace.Workspace {
	t.Helper()
	a := workspace.Account{ID: uuid.New(), Name: "Acme", OwnerID: "alice", Version: 1}
	require.NoError(t, s.CreateAccount(t.Context(), a))
	w := workspace.Workspace{ID: uuid.New(), AccountID: a.ID, Name: "Sales"}
	require.NoError(t, s.CreateWorkspace(t.Context(), w))
	return w
}

func TestAddedTableJoinsTransactionsAndIsPurged(t *testing.T) {
	s := New()
	wg := newWidgets(s)
	a, b := seed(t, s), seed(t, s)
	ctx := t.Context()
	require.NoError(t, wg.add(ctx, a.ID, "x"))
	require.NoError(t, wg.add(ctx, b.ID, "y"))

	err := s.Atomic(ctx, func(ctx context.Context) error {
		require.NoError(t, wg.add(ctx, a.ID, "z"))
		require.Equal(t, 2, wg.count(ctx, a.ID))
		return errors.New("rollback")
	})
	require.Error(t, err)
	require.Equal(t, 1, wg.count(ctx, a.ID), "the added table rolled back with the transaction")

	require.NoError(t, s.DeleteWorkspace(ctx, a.ID))
	require.Zero(t, wg.count(ctx, a.ID))
	require.Equal(t, 1, wg.count(ctx, b.ID))
}

func TestFailingDeleteHookRollsTheDeletionBack(t *testing.T) {
	s := New()
	wg := newWidgets(s)
	a := seed(t, s)
	ctx := t.Context()
	require.NoError(t, s.CreateMembership(ctx, workspace.Membership{WorkspaceID: a.ID, UserID: "bob", Role: workspace.RoleMember, Version: 1}))
	require.NoError(t, wg.add(ctx, a.ID, "x"))
	wg.fail = errors.New("purge failed")

	require.ErrorIs(t, s.DeleteWorkspace(ctx, a.ID), wg.fail)
	_, err := s.GetWorkspace(ctx, a.ID)
	require.NoError(t, err)
	_, err = s.GetMembership(ctx, a.ID, "bob")
	require.NoError(t, err)
	require.Equal(t, 1, wg.count(ctx, a.ID))
}

func TestOverlappingUseOfATransactionPanics(t *testing.T) {
	s := New()
	a := seed(t, s)
	var txCtx context.Context
	s.onDeleteWorkspace(func(*tx, uuid.UUID) error {
		// A second call while DeleteWorkspace still runs in the same
		// transaction is what two goroutines sharing its context do.
		_, err := s.GetWorkspace(txCtx, a.ID)
		return err
	})
	require.PanicsWithValue(t, "memstore: a transaction's context was used from several goroutines at once (like sql.Tx, it must not be)", func() {
		_ = s.Atomic(t.Context(), func(ctx context.Context) error {
			txCtx = ctx
			return s.DeleteWorkspace(ctx, a.ID)
		})
	})
	_, err := s.GetWorkspace(t.Context(), a.ID)
	require.NoError(t, err, "the panic rolled the deletion back")
}
