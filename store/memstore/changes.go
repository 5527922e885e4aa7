package memstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// changeLog is the store's change log: changes in ID order (a pruned
// prefix gone) and the last ID handed out. Both change only under the store
// lock, through a tx that records how to undo the change, so a rollback
// takes back the IDs it used and readers never see a gap.
type changeLog struct {
	rows []workspace.Change
	last int64
}

// AppendChange writes c in the transaction of ctx and returns it with the
// next ID. The transaction holds the store lock, so IDs follow commit order;
// a rollback takes the change and its ID back.
//
// Errors: workspace.ErrNoTransaction (outside Atomic), workspace.ErrInvalid
// (see store.CheckChange).
func (s *Store) AppendChange(ctx context.Context, c workspace.Change) (workspace.Change, error) {
	if s.txOf(ctx) == nil {
		return workspace.Change{}, fmt.Errorf("%w: AppendChange writes in the caller's transaction; call it inside Atomic", workspace.ErrNoTransaction)
	}
	if err := store.CheckChange(c); err != nil {
		return workspace.Change{}, err
	}
	err := s.inTx(ctx, "AppendChange", func(t *tx) error {
		l := &s.changes
		n := len(l.rows)
		l.last++
		c.ID = l.last
		l.rows = append(l.rows, cloneChange(c))
		t.onRollback(func() {
			clear(l.rows[n:])
			l.rows = l.rows[:n]
			l.last--
		})
		return nil
	})
	if err != nil {
		return workspace.Change{}, err
	}
	return cloneChange(c), nil
}

// ChangesAfter returns up to limit changes with ID > after, in ID order.
// Inside a transaction it sees the transaction's own changes; outside one,
// only committed ones (transactions hold the store lock until they end).
//
// Errors: workspace.ErrInvalid (limit < 1 or > workspace.MaxChangesPage).
func (s *Store) ChangesAfter(ctx context.Context, after int64, limit int) ([]workspace.Change, error) {
	if limit < 1 || limit > workspace.MaxChangesPage {
		return nil, fmt.Errorf("%w: a page of changes holds 1-%d, got %d", workspace.ErrInvalid, workspace.MaxChangesPage, limit)
	}
	var out []workspace.Change
	err := s.do(ctx, func(*tx) error {
		rows := s.changes.rows
		i, _ := slices.BinarySearchFunc(rows, after, func(c workspace.Change, id int64) int {
			switch {
			case c.ID <= id:
				return -1
			default:
				return 1
			}
		})
		rows = rows[i:min(len(rows), i+limit)]
		out = make([]workspace.Change, 0, len(rows))
		for _, c := range rows {
			out = append(out, cloneChange(c))
		}
		return nil
	})
	return out, err
}

// LastChange returns the highest ID appended (and committed, outside a
// transaction), 0 when none was.
func (s *Store) LastChange(ctx context.Context) (int64, error) {
	var last int64
	err := s.do(ctx, func(*tx) error {
		last = s.changes.last
		return nil
	})
	return last, err
}

// PruneChanges deletes the changes with ID <= upTo and returns how many.
// The next ID stays where it was.
func (s *Store) PruneChanges(ctx context.Context, upTo int64) (int, error) {
	var n int
	err := s.do(ctx, func(t *tx) error {
		l := &s.changes
		n, _ = slices.BinarySearchFunc(l.rows, upTo, func(c workspace.Change, id int64) int {
			if c.ID <= id {
				return -1
			}
			return 1
		})
		if n == 0 {
			return nil
		}
		old := l.rows
		l.rows = slices.Clone(old[n:])
		t.onRollback(func() { l.rows = old })
		return nil
	})
	return n, err
}

func cloneChange(c workspace.Change) workspace.Change {
	if len(c.Payload) == 0 {
		c.Payload = nil
	} else {
		c.Payload = bytes.Clone(c.Payload)
	}
	return c
}
