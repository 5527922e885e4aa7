package bunstore

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/workspacekit/workspacekit/workspace"
)

// LibraryPolicyName is the policy that admits the library's own roles to
// every row of the library's tables in strict mode: the library reads
// across workspaces by design (a user's workspaces, an invitation by token
// hash, an account's workspaces, cascades of a deletion).
const LibraryPolicyName = "workspacekit_library"

// LibraryTables returns the library's tables, parents first. In strict
// mode (EnableStrict) each has the isolation policy PolicyName for every
// role and LibraryPolicyName for the library's roles; pass them to
// VerifyStrict as extra tables to check them from the app's connection.
// The change log's tables (ChangesTable, ChangeCounterTable) are among
// them with an isolation policy that admits no row: their rows span
// workspaces, so only the library's roles read them.
func LibraryTables() []string {
	return []string{"accounts", "workspaces", "memberships", "invitations", "invitation_tokens", "custom_roles",
		KeysTable, KeyIDsTable, ChangesTable, ChangeCounterTable}
}

// settingUUID is the active workspace as the policies read it: NULL (no
// row matches) when unset or empty.
const settingUUID = "NULLIF(current_setting('" + SettingWorkspace + "', true), '')::uuid"

// libraryCondition is the isolation condition of each library table: its
// rows of the active workspace. workspaces is keyed by id; an account is
// visible only as the account of the active workspace, so the app role can
// never enumerate accounts. The change log shows the app role nothing: a
// change's payload may name other workspaces (an ownership transfer names
// none, and concerns them all).
func libraryCondition(table string) string {
	switch table {
	case "accounts":
		return "id = (SELECT w.account_id FROM workspaces w WHERE w.id = " + settingUUID + ")"
	case "workspaces":
		return "id = " + settingUUID
	case ChangesTable, ChangeCounterTable:
		return "false"
	}
	return PolicyCondition
}

// LibraryRLSStatements returns the SQL that puts the library's tables
// under strict mode, for hosts that run it with their own migrator (as the
// tables' owner, after Migrate): row-level security enabled and forced, the
// isolation policy for every role, and LibraryPolicyName for the role
// running it (the owner: migrations keep seeing every row) and for
// libraryRole, the role the library's Store connects as ("" when that is
// the owner). Running it again is harmless.
func LibraryRLSStatements(libraryRole string) []string {
	to := "CURRENT_USER"
	if libraryRole != "" {
		to += ", " + quoteQualified(libraryRole)
	}
	var out []string
	for _, table := range LibraryTables() {
		t := quoteQualified(table)
		cond := libraryCondition(table)
		out = append(out,
			"ALTER TABLE "+t+" ENABLE ROW LEVEL SECURITY",
			"ALTER TABLE "+t+" FORCE ROW LEVEL SECURITY",
			"DROP POLICY IF EXISTS "+PolicyName+" ON "+t,
			"CREATE POLICY "+PolicyName+" ON "+t+" USING ("+cond+") WITH CHECK ("+cond+")",
			"DROP POLICY IF EXISTS "+LibraryPolicyName+" ON "+t,
			"CREATE POLICY "+LibraryPolicyName+" ON "+t+" TO "+to+" USING (true) WITH CHECK (true)",
		)
	}
	return out
}

// EnableStrict puts the library's tables (LibraryRLSStatements) and every
// registered host table (RLSStatements) under strict mode in one
// transaction, serialized with other instances by the lock EnableRLS uses.
// Run it as the owner of the tables after Migrate and the host's
// migrations. libraryRole is the role of the library's Store connection
// ("" when the Store connects as the owner): the library's policy admits it
// to every row of the library's tables, while the host tables' policy binds
// it like any role (the only host rows the library touches are a deleted
// workspace's, through Purge, which sets that workspace).
// Errors: the database's (a missing library table: run Migrate first).
func (r *Registry) EnableStrict(ctx context.Context, ownerDB bun.IDB, libraryRole string) error {
	var stmts []string
	for _, t := range r.Tables() {
		stmts = append(stmts, RLSStatements(t)...)
	}
	stmts = append(stmts, LibraryRLSStatements(libraryRole)...)
	ctx = workspace.Unscoped(ctx, "bunstore: enable strict mode")
	return ownerDB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext('workspacekit.rls'))"); err != nil {
			return fmt.Errorf("bunstore: rls lock: %w", err)
		}
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("bunstore: strict mode: %s: %w", s, err)
			}
		}
		return nil
	})
}

// appLibraryTables are the library tables the app role may read (under the
// isolation policy): its workspace, account, members, invitations and
// roles, for host queries that join them. invitation_tokens is left out:
// nothing in a host needs a token lookup table; the API keys' tables too:
// they hold the keys' hashes, and the host reads keys through
// apikey.Service; the change log too: its payloads span workspaces.
var appLibraryTables = []string{"accounts", "workspaces", "memberships", "invitations", "custom_roles"}

// GrantStrict grants the least privileges strict mode needs, as the owner:
//   - appRole (NOSUPERUSER NOBYPASSRLS, the host's connection): SELECT,
//     INSERT, UPDATE, DELETE on every registered table, and SELECT only on
//     the library's tables but invitation_tokens, the API keys' and the
//     change log's; the library writes its tables through its own
//     connection, so the app role cannot change a membership or role even
//     in its own workspace with raw SQL, nor read a key's hash, nor read or
//     forge a change.
//   - libraryRole (unless "", meaning the owner): SELECT, INSERT, UPDATE,
//     DELETE on the library's tables, and SELECT, DELETE on the registered
//     tables, which Purge needs when a workspace is deleted.
//
// Errors: the database's.
func (r *Registry) GrantStrict(ctx context.Context, ownerDB bun.IDB, appRole, libraryRole string) error {
	if err := r.GrantApp(ctx, ownerDB, appRole); err != nil {
		return err
	}
	grants := make([]string, 0, 16)
	for _, t := range appLibraryTables {
		grants = append(grants, "GRANT SELECT ON "+quoteQualified(t)+" TO "+quoteQualified(appRole))
	}
	if libraryRole != "" {
		for _, t := range LibraryTables() {
			grants = append(grants, "GRANT SELECT, INSERT, UPDATE, DELETE ON "+quoteQualified(t)+" TO "+quoteQualified(libraryRole))
		}
		for _, t := range r.Tables() {
			grants = append(grants, "GRANT SELECT, DELETE ON "+quoteQualified(t)+" TO "+quoteQualified(libraryRole))
		}
	}
	ctx = workspace.Unscoped(ctx, "bunstore: grant strict-mode roles")
	for _, g := range grants {
		if _, err := ownerDB.ExecContext(ctx, g); err != nil {
			return fmt.Errorf("bunstore: %s: %w", g, err)
		}
	}
	return nil
}
