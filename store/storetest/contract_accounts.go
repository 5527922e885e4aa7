package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

func runContract(t *testing.T, h Harness) {
	var all []test
	all = append(all, accountTests...)
	all = append(all, workspaceTests...)
	all = append(all, accessTests...)
	all = append(all, membershipTests...)
	all = append(all, invitationTests...)
	all = append(all, roleTests...)
	all = append(all, orderTests...)
	all = append(all, copyTests...)
	all = append(all, textTests...)
	runTests(t, h, all)
}

var accountTests = []test{
	{"CreateAccount/GetAccount round trip", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		require.Equal(t, normAccount(a), e.getAccount(a.ID))
	}},
	{"CreateAccount with an existing id is ErrConflict and changes nothing", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		dup := a
		dup.Name, dup.OwnerID = "Other", e.user("other")
		conflict(t, e.s.CreateAccount(e.ctx, dup))
		require.Equal(t, normAccount(a), e.getAccount(a.ID))
		require.Empty(t, e.access(e.user("other")))
	}},
	{"GetAccount of an unknown id is ErrNotFound", func(t *testing.T, e *env) {
		_, err := e.s.GetAccount(e.ctx, uuid.New())
		notFound(t, err)
	}},
	{"UpdateAccount replaces name, owner, plan and version and keeps the creation time", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		u := a
		u.Name, u.OwnerID, u.Plan, u.Version, u.CreatedAt = "Renamed", e.user("new-owner"), "enterprise", 7, e.at(time.Hour)
		require.NoError(t, e.s.UpdateAccount(e.ctx, u))
		u.CreatedAt = a.CreatedAt
		require.Equal(t, normAccount(u), e.getAccount(a.ID))
	}},
	{"UpdateAccount of an unknown id is ErrNotFound and creates nothing", func(t *testing.T, e *env) {
		a := workspace.Account{ID: uuid.New(), Name: "Ghost", OwnerID: e.user("o"), Version: 1, CreatedAt: e.now}
		notFound(t, e.s.UpdateAccount(e.ctx, a))
		_, err := e.s.GetAccount(e.ctx, a.ID)
		notFound(t, err)
	}},
	{"LockAccount outside a transaction is ErrNoTransaction", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		_, err := e.s.LockAccount(e.ctx, a.ID)
		require.ErrorIs(t, err, workspace.ErrNoTransaction)
		_, err = e.s.LockAccount(e.ctx, uuid.New())
		require.ErrorIs(t, err, workspace.ErrNoTransaction)
	}},
	{"LockAccount inside a transaction returns the account, or ErrNotFound", func(t *testing.T, e *env) {
		a := e.account(e.user("owner"))
		require.NoError(t, e.atomic(func(ctx context.Context) error {
			got, err := e.s.LockAccount(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, normAccount(a), normAccount(got))
			_, err = e.s.LockAccount(ctx, uuid.New())
			notFound(t, err)
			return nil
		}))
	}},
}
