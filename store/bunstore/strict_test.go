package bunstore_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// strictLib is a production-shaped strict-mode deployment: the library's
// services run on lib (a NOSUPERUSER NOBYPASSRLS role that owns nothing,
// admitted to the library's tables by LibraryPolicyName), host code runs on
// app (another such role, bound by the isolation policies everywhere), and
// owner (the superuser that ran the migrations) only reads for checks.
type strictLib struct {
	owner, lib, app *bun.DB
	libRole         string
	reg             *bunstore.Registry
	env             *testenv.Env
	host            *bunstore.Store // the host's transactions, on app
	// rawApp is the app role without the guard, so that only row-level
	// security stands between a raw statement and other workspaces' rows.
	rawApp   *bunstore.Store
	rawAppDB *bun.DB
	contacts *bunstore.Repo[Contact, *Contact]
}

func newStrictLib(t *testing.T) *strictLib {
	t.Helper()
	ctx := unscoped()
	owner := migratedDB(t)
	_, err := owner.ExecContext(ctx, hostSchema)
	require.NoError(t, err)
	reg := bunstore.NewRegistry()
	require.NoError(t, reg.Register(owner, (*Contact)(nil), (*Agent)(nil)))
	dsn := pgDSN(t, owner)
	libRole, appRole := pg.NewRole(t, dsn), pg.NewRole(t, dsn)
	require.NoError(t, reg.EnableStrict(ctx, owner, libRole.Name))
	require.NoError(t, reg.GrantStrict(ctx, owner, appRole.Name, libRole.Name))
	require.NoError(t, bunstore.LockStrictKey(ctx, owner, libRole.Name))
	lib, err := reg.OpenDB(libRole.DSN, bunstore.WithStrictMode())
	require.NoError(t, err)
	t.Cleanup(func() { _ = lib.Close() })
	app, err := reg.OpenDB(appRole.DSN, bunstore.WithStrictMode())
	require.NoError(t, err)
	t.Cleanup(func() { _ = app.Close() })
	rawApp, err := bunstore.NewRegistry().OpenDB(appRole.DSN, bunstore.WithStrictMode())
	require.NoError(t, err)
	t.Cleanup(func() { _ = rawApp.Close() })
	env := testenv.NewOn(t, bunstore.New(lib), testenv.Unlimited)
	env.WS.RegisterPurge("host tables", reg.Purge(lib))
	return &strictLib{owner: owner, lib: lib, app: app, libRole: libRole.Name, reg: reg, env: env,
		rawApp: bunstore.New(rawApp), rawAppDB: rawApp, host: bunstore.New(app), contacts: bunstore.NewRepo[Contact](app)}
}

// raw runs query as the app role, unguarded, in a transaction scoped by
// ctx and returns its first column as text.
func (s *strictLib) raw(t *testing.T, ctx context.Context, query string) []string {
	t.Helper()
	var out []string
	require.NoError(t, s.rawApp.Atomic(ctx, func(ctx context.Context) error {
		tx, _ := bunstore.TxFrom(ctx)
		out = rawNames(t, ctx, tx, query)
		return nil
	}))
	return out
}

func (s *strictLib) addContact(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	require.NoError(t, s.host.Atomic(ctx, func(ctx context.Context) error {
		return s.contacts.Insert(ctx, &Contact{ID: workspace.NewID(), Name: name})
	}))
}

func ownerRows(t *testing.T, s *strictLib, query string) []string {
	t.Helper()
	return rawNames(t, unscoped(), s.owner, query)
}

// tenant is one account's first workspace with a member, a pending
// invitation, a custom role and a contact.
type tenant struct {
	ctx context.Context
	ws  workspace.Workspace
}

func (s *strictLib) tenant(t *testing.T, name string) tenant {
	t.Helper()
	ctx, ws := s.env.Account(t, workspace.UserID(name+"-owner"), name)
	s.env.Join(t, ctx, workspace.UserID(name+"-member"), workspace.RoleMember)
	_, _, err := s.env.Team.Invite(ctx, name+"-pending@example.com", workspace.RoleViewer)
	require.NoError(t, err)
	perm := s.env.Authz.RegisteredPermissions()[0]
	_, err = s.env.Authz.CreateRole(ctx, workspace.Role(name+"-role"), []rbac.Permission{perm})
	require.NoError(t, err)
	s.addContact(t, ctx, name+"-contact")
	return tenant{ctx: ctx, ws: ws}
}

func TestStrictLibraryTablesShowTheAppRoleOnlyTheActiveWorkspace(t *testing.T) {
	s := newStrictLib(t)
	a, b := s.tenant(t, "alpha"), s.tenant(t, "bravo")
	queries := map[string]string{
		"memberships":  "SELECT user_id FROM memberships ORDER BY 1",
		"invitations":  "SELECT email FROM invitations ORDER BY 1",
		"custom_roles": "SELECT name FROM custom_roles ORDER BY 1",
		"workspaces":   "SELECT name FROM workspaces ORDER BY 1",
		"accounts":     "SELECT name FROM accounts ORDER BY 1",
		"contacts":     "SELECT name FROM contacts ORDER BY 1",
	}
	for _, tc := range []struct {
		table      string
		alpha, all []string
	}{
		{"memberships", []string{"alpha-member"}, []string{"alpha-member", "bravo-member"}},
		{"invitations", []string{"alpha-member@example.com", "alpha-pending@example.com"}, nil},
		{"custom_roles", []string{"alpha-role"}, []string{"alpha-role", "bravo-role"}},
		{"workspaces", []string{"alpha"}, []string{"alpha", "bravo"}},
		{"accounts", []string{"Acme alpha-owner"}, []string{"Acme alpha-owner", "Acme bravo-owner"}},
		{"contacts", []string{"alpha-contact"}, []string{"alpha-contact", "bravo-contact"}},
	} {
		t.Run(tc.table, func(t *testing.T) {
			q := queries[tc.table]
			require.Equal(t, tc.alpha, s.raw(t, a.ctx, q))
			require.NotEqual(t, s.raw(t, a.ctx, q), s.raw(t, b.ctx, q))
			require.Empty(t, s.raw(t, context.Background(), q), "no scope, no rows")
			// The rows are there: the owner sees both tenants.
			if tc.all != nil {
				require.Equal(t, tc.all, ownerRows(t, s, q))
			}
		})
	}
	// SELECT * as well, and a WhereOr-shaped escape attempt.
	require.Len(t, s.raw(t, a.ctx, "SELECT to_jsonb(m)::text FROM (SELECT * FROM memberships) m"), 1)
	require.Equal(t, []string{"alpha-member"}, s.raw(t, a.ctx, "SELECT user_id FROM memberships WHERE user_id = 'alpha-member' OR user_id = 'bravo-member'"))
	require.Equal(t, []string{"alpha"}, s.raw(t, a.ctx, "SELECT name FROM workspaces WHERE id = '"+b.ws.ID.String()+"' OR true"))
}

func TestStrictAppRoleCannotWriteLibraryTables(t *testing.T) {
	s := newStrictLib(t)
	a := s.tenant(t, "alpha")
	for _, stmt := range []string{
		"UPDATE memberships SET role = 'owner'",
		"INSERT INTO memberships (workspace_id, user_id, role, version, created_at, updated_at) VALUES ('" + a.ws.ID.String() + "', 'intruder', 'owner', 1, now(), now())",
		"DELETE FROM custom_roles",
		"UPDATE workspaces SET name = 'taken'",
		"SELECT count(*) FROM invitation_tokens",
	} {
		t.Run(strings.Fields(stmt)[0]+" "+stmt[strings.LastIndex(stmt, " ")+1:], func(t *testing.T) {
			err := s.rawApp.Atomic(a.ctx, func(ctx context.Context) error {
				tx, _ := bunstore.TxFrom(ctx)
				_, err := tx.ExecContext(ctx, stmt)
				return err
			})
			var pe *pgconn.PgError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, "42501", pe.Code, "insufficient privilege")
		})
	}
	require.Equal(t, []string{"alpha-member"}, ownerRows(t, s, "SELECT user_id FROM memberships"))
}

func TestStrictPooledConnectionForgetsTheWorkspaceOnLibraryTables(t *testing.T) {
	s := newStrictLib(t)
	a := s.tenant(t, "alpha")
	s.rawAppDB.SetMaxOpenConns(1) // every borrower gets the same connection
	for _, commit := range []bool{true, false} {
		err := s.rawApp.Atomic(a.ctx, func(ctx context.Context) error {
			tx, _ := bunstore.TxFrom(ctx)
			require.Equal(t, []string{"alpha-member"}, rawNames(t, ctx, tx, "SELECT user_id FROM memberships"))
			if !commit {
				return sql.ErrTxDone
			}
			return nil
		})
		if !commit {
			require.ErrorIs(t, err, sql.ErrTxDone)
		}
		var setting sql.NullString
		require.NoError(t, s.rawAppDB.QueryRowContext(context.Background(), "SELECT current_setting('"+bunstore.SettingWorkspace+"', true)").Scan(&setting))
		require.Empty(t, setting.String)
		for _, q := range []string{"SELECT user_id FROM memberships", "SELECT name FROM workspaces", "SELECT name FROM accounts"} {
			require.Empty(t, s.raw(t, context.Background(), q), q)
		}
	}
}

// TestStrictLibraryFlow runs the product's whole lifecycle through the
// services on the library's connection while strict mode holds, with host
// data written through the app role.
func TestStrictLibraryFlow(t *testing.T) {
	s := newStrictLib(t)
	ctx := context.Background()
	aliceAlpha, alpha := s.env.Account(t, "alice", "alpha")
	beta, err := s.env.WS.Create(aliceAlpha, workspace.NewWorkspace{Name: "beta"})
	require.NoError(t, err)
	aliceBeta := s.env.SwitchTo(t, "alice", beta)
	s.addContact(t, aliceAlpha, "alpha-contact")
	s.addContact(t, aliceBeta, "beta-contact")

	// Invite and accept: the token is found by its hash, before any scope.
	bobAlpha := s.env.Join(t, aliceAlpha, "bob", workspace.RoleMember)
	sc, err := s.env.WS.Switch(ctx, "bob", alpha.ID)
	require.NoError(t, err)
	require.Equal(t, workspace.RoleMember, sc.Role)
	_, err = s.env.WS.Switch(ctx, "bob", beta.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound)
	list, err := s.env.WS.List(ctx, "alice", workspace.Page{Limit: 10})
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, []string{"alpha-contact"}, s.raw(t, bobAlpha, "SELECT name FROM contacts"))

	// Transfer reads and writes every workspace of the account.
	require.NoError(t, s.env.Team.TransferOwnership(aliceAlpha, "bob", workspace.RoleAdmin))
	bobAlpha = s.env.SwitchTo(t, "bob", alpha)
	_, err = s.env.WS.Switch(ctx, "bob", beta.ID)
	require.NoError(t, err, "the new owner reaches every workspace of the account")
	require.Equal(t, []string{"alice"}, s.raw(t, bobAlpha, "SELECT user_id FROM memberships"))
	require.Equal(t, []string{"alice admin", "alice admin"},
		ownerRows(t, s, "SELECT user_id || ' ' || role FROM memberships ORDER BY workspace_id"))

	// Delete beta: cascades in the library's tables and the host purge,
	// both on the library's connection, in one transaction.
	require.NoError(t, s.env.WS.Delete(bobAlpha, beta.ID, "beta"))
	require.Equal(t, []string{"alpha-contact"}, ownerRows(t, s, "SELECT name FROM contacts"))
	require.Equal(t, []string{"alpha"}, ownerRows(t, s, "SELECT name FROM workspaces"))
	require.Equal(t, []string{alpha.ID.String()}, ownerRows(t, s, "SELECT workspace_id::text FROM memberships"))
	list, err = s.env.WS.List(ctx, "alice", workspace.Page{Limit: 10})
	require.NoError(t, err)
	require.Len(t, list, 1)
}

func TestVerifyStrictLibraryTables(t *testing.T) {
	s := newStrictLib(t)
	ctx := context.Background()
	require.NoError(t, s.reg.VerifyStrict(ctx, s.app, bunstore.LibraryTables()...))
	// The library's role is trusted with set_config (LockStrictKey) and
	// admitted by LibraryPolicyName: not strict, by design.
	err := s.reg.VerifyStrict(ctx, s.lib, bunstore.LibraryTables()...)
	require.ErrorIs(t, err, bunstore.ErrNotStrict)
	require.Contains(t, err.Error(), "set_config")
	_, err = s.owner.ExecContext(unscoped(), "ALTER TABLE memberships NO FORCE ROW LEVEL SECURITY")
	require.NoError(t, err)
	require.ErrorIs(t, s.reg.VerifyStrict(ctx, s.app, bunstore.LibraryTables()...), bunstore.ErrNotStrict)
}

func TestEnableStrictIsIdempotentAndItsLibraryPolicyIsWhatAdmitsTheLibrary(t *testing.T) {
	s := newStrictLib(t)
	require.NoError(t, s.reg.EnableStrict(unscoped(), s.owner, s.libRole))
	a := s.tenant(t, "alpha")
	_, err := s.env.WS.Switch(context.Background(), "alpha-member", a.ws.ID)
	require.NoError(t, err)
	// Without the library's role the policy admits only the owner: the
	// library's connection is then bound like the app's, and a switch
	// (no workspace set yet) finds nothing.
	require.NoError(t, s.reg.EnableStrict(unscoped(), s.owner, ""))
	_, err = s.env.WS.Switch(context.Background(), "alpha-member", a.ws.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound)
	// Naming the owner itself as the library's role is the same as "".
	var me string
	require.NoError(t, s.owner.QueryRowContext(unscoped(), "SELECT current_user").Scan(&me))
	require.NoError(t, s.reg.EnableStrict(unscoped(), s.owner, me))
	require.Equal(t, []string{"{" + me + "}"}, ownerRows(t, s, "SELECT DISTINCT roles::text FROM pg_policies WHERE policyname = '"+bunstore.LibraryPolicyName+"'"))
}

func (c *Contact) RecordID() uuid.UUID { return c.ID }
