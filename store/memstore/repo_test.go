package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/store/storetest"
	"github.com/workspacekit/workspacekit/workspace"
)

// widget is a host record as a host on the in-memory store writes it:
// memstore.Record embedded, so the conformance suite runs over the embed.
// The setters are storetest's, not store.Record's.
type widget struct {
	memstore.Record
	Name string
}

func (w *widget) SetRecordID(id uuid.UUID) { w.ID = id }
func (w *widget) RecordName() string       { return w.Name }
func (w *widget) SetRecordName(n string)   { w.Name = n }

func TestRepoIsolation(t *testing.T) {
	storetest.RunRepo(t, storetest.RepoHarness[widget]{New: func(*testing.T) (store.Repo[widget], store.Store, workspace.PurgeFunc) {
		s := memstore.New()
		r := memstore.NewRepo[widget](s)
		return r, s, r.Purge
	}})
}

// TestRepoPurgedWithWorkspace proves that deleting a workspace from the
// store removes its repository rows in the same transaction.
func TestRepoPurgedWithWorkspace(t *testing.T) {
	s := memstore.New()
	r := memstore.NewRepo[widget](s)
	ctx := context.Background()
	now := time.Now().UTC()
	acct := workspace.Account{ID: workspace.NewID(), Name: "acct", OwnerID: "owner", CreatedAt: now}
	require.NoError(t, s.CreateAccount(ctx, acct))
	var ids [2]workspace.Workspace
	for i, name := range []string{"one", "two"} {
		ids[i] = workspace.Workspace{ID: workspace.NewID(), AccountID: acct.ID, Name: name, CreatedAt: now, UpdatedAt: now}
		require.NoError(t, s.CreateWorkspace(ctx, ids[i]))
	}
	in := func(w workspace.Workspace) context.Context {
		return workspace.WithScope(ctx, workspace.Scope{AccountID: acct.ID, WorkspaceID: w.ID, UserID: "owner"})
	}
	for _, w := range ids {
		rec := widget{Record: memstore.Record{ID: workspace.NewID()}, Name: "w"}
		require.NoError(t, r.Insert(in(w), &rec))
	}
	require.NoError(t, s.DeleteWorkspace(ctx, ids[0].ID))
	n, err := r.Count(in(ids[0]))
	require.NoError(t, err)
	require.Zero(t, n)
	n, err = r.Count(in(ids[1]))
	require.NoError(t, err)
	require.Equal(t, 1, n)
}
