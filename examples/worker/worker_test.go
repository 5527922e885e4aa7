package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/changewatch"
	"github.com/workspacekit/workspacekit/workspace"
)

// An admin's job runs in the fresh scope: its export is in the workspace,
// holds the workspace's conversations, and names who asked.
func TestAdminJobRuns(t *testing.T) {
	w := newWorld(t, appConfig{})
	id := w.enqueue(w.bob)
	job := w.run(id)[id]
	require.Equal(t, rivertype.JobStateCompleted, job.State)

	e, err := w.web.exports.Get(w.alice, exportID(id))
	require.NoError(t, err)
	require.Equal(t, workspace.UserID("bob"), e.RequestedBy)
	require.Equal(t, 3, e.Conversations)
	require.Equal(t, id, e.JobID)
	_, err = w.worker.refusalOf(t.Context(), id)
	require.ErrorIs(t, err, workspace.ErrNotFound)
}

// A user removed from the workspace after queueing: refused, recorded,
// and nothing exported.
func TestRemovedUsersJobIsRefused(t *testing.T) {
	w := newWorld(t, appConfig{})
	id := w.enqueue(w.bob)
	require.NoError(t, w.web.team.Remove(w.alice, "bob"))

	r := w.requireRefused(w.run(id)[id], reasonAccessGone, "bob")
	require.Equal(t, mustScope(t, w.alice).WorkspaceID, r.WorkspaceID)
	require.Contains(t, r.Detail, "not found")
}

// A user demoted below the job's permission (admin to member; members may
// not export) is refused, though still a member.
func TestDemotedUsersJobIsRefused(t *testing.T) {
	w := newWorld(t, appConfig{})
	id := w.enqueue(w.carol)
	_, err := w.web.team.ChangeRole(w.alice, "carol", workspace.RoleMember)
	require.NoError(t, err)

	r := w.requireRefused(w.run(id)[id], reasonForbidden, "carol")
	require.Contains(t, r.Detail, "forbidden")
}

// A job of a deleted workspace is refused; its refusal outlives the
// workspace, whose rows (exports included) went with it.
func TestDeletedWorkspacesJobIsRefused(t *testing.T) {
	w := newWorld(t, appConfig{})
	id := w.enqueue(w.aliceSupport)
	require.NoError(t, w.web.workspaces.Delete(w.alice, w.support.ID, w.support.Name))

	r := w.requireRefused(w.run(id)[id], reasonAccessGone, "alice")
	require.Equal(t, w.support.ID, r.WorkspaceID)
}

// A job of workspace A reads A's conversations only: the export holds
// exactly A's, none of workspace B's (another account's). A job whose args
// were forged to name B with a user of A is refused before anything is
// read: args are a claim, Revalidate is the check.
func TestJobNeverReadsAnotherWorkspace(t *testing.T) {
	w := newWorld(t, appConfig{})
	ctx := t.Context()
	_, ops, err := w.web.workspaces.CreateAccount(ctx, workspace.NewAccount{
		Name: "Globex", Owner: "dora", Workspace: workspace.NewWorkspace{Name: "Ops"}})
	require.NoError(t, err)
	dora, doraScope, err := w.web.workspaces.Enter(ctx, "dora", ops.ID)
	require.NoError(t, err)
	secret := &conversation{ID: uuid.New(), Subject: "Globex secret", Body: "B's data", CreatedAt: w.web.clock()}
	require.NoError(t, w.web.conversations.Insert(dora, secret))

	salesIDs := map[uuid.UUID]bool{}
	sales, err := w.web.conversations.List(w.alice, workspace.Page{})
	require.NoError(t, err)
	for _, c := range sales {
		salesIDs[c.ID] = true
	}

	allowed := w.enqueue(w.alice)
	aliceScope := mustScope(t, w.alice)
	forged := []exportArgs{
		// alice's scope, pointed at B's workspace.
		{Scope: storeScope(withWorkspace(aliceScope, ops.ID))},
		// and at B's account too: alice is still no member of Ops.
		{Scope: storeScope(withWorkspace(withAccount(aliceScope, doraScope.AccountID), ops.ID))},
		// dora's own scope with A's account: the workspace is not A's.
		{Scope: storeScope(withAccount(doraScope, aliceScope.AccountID))},
	}
	ids := []int64{allowed}
	for _, args := range forged {
		// Straight into River's table: what enqueueExport would have
		// refused, as a compromised or buggy producer could write it.
		res, err := w.web.queue.Insert(ctx, args, nil)
		require.NoError(t, err)
		ids = append(ids, res.Job.ID)
	}
	ended := w.run(ids...)

	require.Equal(t, rivertype.JobStateCompleted, ended[allowed].State)
	e, err := w.web.exports.Get(w.alice, exportID(allowed))
	require.NoError(t, err)
	require.NotContains(t, e.Content, secret.Subject)
	lines := strings.Split(strings.TrimSpace(e.Content), "\n")
	require.Len(t, lines, len(salesIDs))
	for _, l := range lines {
		var got exportLine
		require.NoError(t, json.Unmarshal([]byte(l), &got))
		require.True(t, salesIDs[got.ID], "export of Sales holds %s, not a Sales conversation", got.ID)
	}
	for i, id := range ids[1:] {
		user := string(forged[i].Scope.UserID)
		w.requireRefused(ended[id], reasonAccessGone, user)
	}
	// And B's workspace has no export at all.
	n, err := w.web.exports.Count(dora)
	require.NoError(t, err)
	require.Zero(t, n)
}

// A job whose stored scope names nothing (a malformed or truncated args
// row) is refused as invalid, not failed and retried.
func TestJobWithoutAScopeIsRefused(t *testing.T) {
	w := newWorld(t, appConfig{})
	res, err := w.web.queue.Insert(t.Context(), exportArgs{}, nil)
	require.NoError(t, err)
	id := res.Job.ID
	r := w.requireRefused(w.run(id)[id], reasonInvalid, "")
	require.Contains(t, r.Detail, "invalid")
}

func withWorkspace(sc workspace.Scope, id uuid.UUID) workspace.Scope {
	sc.WorkspaceID = id
	return sc
}

func withAccount(sc workspace.Scope, id uuid.UUID) workspace.Scope {
	sc.AccountID = id
	return sc
}

// The worker is another process than the web tier that changes roles: its
// Authorizer may hold a snapshot from before the change (for up to the
// watcher's bound; here an hour, so the test does not depend on timing).
// Catching up before each job is what refuses the demoted user at once.
func TestWorkerSeesAnotherProcesssRoleChange(t *testing.T) {
	w := newWorld(t, appConfig{watcher: []changewatch.Option{changewatch.WithBound(time.Hour)}})
	ctx := t.Context()
	asCarol := workspace.WithScope(ctx, mustScope(t, w.carol))
	// The worker decided for carol before (as for an earlier job): its
	// snapshot of Sales says admin.
	require.NoError(t, w.worker.watcher.CatchUp(ctx))
	require.NoError(t, w.worker.authz.Require(asCarol, resourceConversations, actionExport))

	id := w.enqueue(w.carol)
	_, err := w.web.team.ChangeRole(w.alice, "carol", workspace.RoleMember)
	require.NoError(t, err)
	// The hazard is real: the worker's snapshot still allows carol.
	require.NoError(t, w.worker.authz.Require(asCarol, resourceConversations, actionExport))

	w.requireRefused(w.run(id)[id], reasonForbidden, "carol")
}

// Enqueueing refuses at once what the job would refuse: a user who may not
// export now gets the error in the request.
func TestEnqueueRefusesAUserWhoMayNotExport(t *testing.T) {
	w := newWorld(t, appConfig{})
	_, err := w.web.team.ChangeRole(w.alice, "carol", workspace.RoleMember)
	require.NoError(t, err)
	carol, err := w.web.workspaces.Switch(t.Context(), "carol", mustScope(t, w.alice).WorkspaceID)
	require.NoError(t, err)
	_, err = w.web.enqueueExport(workspace.WithScope(t.Context(), carol))
	require.ErrorIs(t, err, workspace.ErrForbidden)
	require.ErrorIs(t, err, rbac.ErrForbidden)

	_, err = w.web.enqueueExport(t.Context())
	require.ErrorIs(t, err, workspace.ErrNoScope)
}

// A job queued in the request's transaction exists only if it commits:
// River shares the store's *sql.DB (riverdatabasesql).
func TestEnqueueTakesPartInTheRequestsTransaction(t *testing.T) {
	w := newWorld(t, appConfig{})
	errAbort := errors.New("the request failed after queueing")
	var id int64
	err := w.web.store.Atomic(w.alice, func(ctx context.Context) error {
		var err error
		if id, err = w.web.enqueueExport(ctx); err != nil {
			return err
		}
		return errAbort
	})
	require.ErrorIs(t, err, errAbort)
	require.NotZero(t, id)
	_, err = w.web.queue.JobGet(t.Context(), id)
	require.ErrorIs(t, err, rivertype.ErrNotFound)

	require.NoError(t, w.web.store.Atomic(w.alice, func(ctx context.Context) error {
		id, err = w.web.enqueueExport(ctx)
		return err
	}))
	require.Equal(t, rivertype.JobStateCompleted, w.run(id)[id].State)
}

func mustScope(t *testing.T, ctx context.Context) workspace.Scope {
	t.Helper()
	sc, ok := workspace.ScopeFrom(ctx)
	require.True(t, ok)
	return sc
}
