package membership_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/store/memstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// between is the real in-memory store with a hook that runs once, right
// after the next GetAccount or GetAccess and before the read that follows
// it (ListMemberships, GetMembership): the place where a concurrent
// transaction can commit between a service's reads.
type between struct {
	*memstore.Store
	mu    sync.Mutex
	hook  func()
	armed bool
}

func (b *between) set(h func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.hook, b.armed = h, false
}

func (b *between) arm() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.armed = b.hook != nil
}

// fire runs the hook once, if armed; the hook's own store calls do not
// fire it again.
func (b *between) fire() {
	b.mu.Lock()
	h := b.hook
	if !b.armed {
		h = nil
	}
	if h != nil {
		b.hook, b.armed = nil, false
	}
	b.mu.Unlock()
	if h != nil {
		h()
	}
}

func (b *between) GetAccount(ctx context.Context, id uuid.UUID) (workspace.Account, error) {
	a, err := b.Store.GetAccount(ctx, id)
	b.arm()
	return a, err
}

func (b *between) GetAccess(ctx context.Context, ws uuid.UUID, user workspace.UserID) (workspace.Access, error) {
	a, err := b.Store.GetAccess(ctx, ws, user)
	b.arm()
	return a, err
}

func (b *between) ListMemberships(ctx context.Context, ws uuid.UUID, after workspace.UserID, limit int) ([]workspace.Membership, error) {
	b.fire()
	return b.Store.ListMemberships(ctx, ws, after, limit)
}

func (b *between) GetMembership(ctx context.Context, ws uuid.UUID, user workspace.UserID) (workspace.Membership, error) {
	b.fire()
	return b.Store.GetMembership(ctx, ws, user)
}

// A transfer of the account committing between the team's reads of the
// owner and of the memberships must not show the old owner as owner and
// leave the new one out (found by store/modeltest's contended rounds).
func TestTeamAndMemberReadAroundATransfer(t *testing.T) {
	st := &between{Store: memstore.New()}
	e := testenv.NewOn(t, st, testenv.Unlimited)
	alice, _ := e.Account(t, "alice", "Sales")
	e.Join(t, alice, "bob", workspace.RoleAdmin)
	transfer := func() { require.NoError(t, e.Team.TransferOwnership(alice, "bob", workspace.RoleAdmin)) }

	_, err := e.Team.Team(alice, membership.TeamPage{}) // the Authorizer has loaded the workspace
	require.NoError(t, err)
	st.set(transfer)
	team, err := e.Team.Team(alice, membership.TeamPage{})
	require.NoError(t, err)
	roles := map[workspace.UserID]workspace.Role{}
	owners := 0
	for _, m := range team {
		roles[m.UserID] = m.Role
		if m.AccountOwner {
			owners++
		}
	}
	require.Equal(t, map[workspace.UserID]workspace.Role{"alice": workspace.RoleAdmin, "bob": workspace.RoleOwner}, roles,
		"the team after the transfer, not a mix")
	require.Equal(t, 1, owners)

	// Member: carol is asked about while the account moves to her.
	st2 := &between{Store: memstore.New()}
	e2 := testenv.NewOn(t, st2, testenv.Unlimited)
	alice2, _ := e2.Account(t, "alice", "Sales")
	e2.Join(t, alice2, "carol", workspace.RoleMember)
	_, err = e2.Team.Member(alice2, "carol")
	require.NoError(t, err)
	st2.set(func() { require.NoError(t, e2.Team.TransferOwnership(alice2, "carol", workspace.RoleAdmin)) })
	m, err := e2.Team.Member(alice2, "carol")
	require.NoError(t, err, "not ErrNotFound: carol never lost access")
	require.True(t, m.AccountOwner)
	require.Equal(t, workspace.RoleOwner, m.Role)
}
