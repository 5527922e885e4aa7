package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/store/pgguard"
	"github.com/workspacekit/workspacekit/workspace"
)

// SettingWorkspace is the transaction-local setting that strict mode's
// policies compare workspace_id with (pgguard.SettingWorkspace).
const SettingWorkspace = pgguard.SettingWorkspace

// PolicyName is the name of the row-level-security policy EnableRLS
// creates on each table (pgguard.PolicyName).
const PolicyName = pgguard.PolicyName

// ErrNotStrict means VerifyStrict found a table without the strict-mode
// policy, a connection role that bypasses row-level security, or a key the
// role could set itself (pgguard.ErrNotStrict).
var ErrNotStrict = pgguard.ErrNotStrict

// PolicyCondition is the condition of the strict-mode policy
// (pgguard.PolicyCondition).
const PolicyCondition = pgguard.PolicyCondition

// RLSStatements returns the SQL that puts table under strict mode
// (pgguard.RLSStatements).
func RLSStatements(table string) []string { return pgguard.RLSStatements(table) }

func quoteQualified(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
	}
	return strings.Join(parts, ".")
}

// EnableRLS puts every registered table, and the extra tables named (for
// instance the library's workspace-owned ones), under strict mode, in one
// transaction serialized with other instances by an advisory lock. Run it
// as the tables' owner (a migration role), not as the app role.
// Errors: the database's.
func (r *Registry) EnableRLS(ctx context.Context, db bun.IDB, extra ...string) error {
	tables := append(r.Tables(), extra...)
	// DDL names the tables; the guard lets it through only unscoped.
	ctx = workspace.Unscoped(ctx, "bunstore: enable row-level security")
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext('workspacekit.rls'))"); err != nil {
			return fmt.Errorf("bunstore: rls lock: %w", err)
		}
		for _, t := range tables {
			for _, s := range RLSStatements(t) {
				if _, err := tx.ExecContext(ctx, s); err != nil {
					return fmt.Errorf("bunstore: rls on %s: %w", t, err)
				}
			}
		}
		return nil
	})
}

// GrantApp grants role (the app's NOSUPERUSER NOBYPASSRLS login role) the
// row privileges it needs on every registered table.
// Errors: the database's.
func (r *Registry) GrantApp(ctx context.Context, db bun.IDB, role string) error {
	ctx = workspace.Unscoped(ctx, "bunstore: grant the app role")
	for _, t := range r.Tables() {
		if _, err := db.ExecContext(ctx, "GRANT SELECT, INSERT, UPDATE, DELETE ON "+quoteQualified(t)+" TO "+quoteQualified(role)); err != nil {
			return fmt.Errorf("bunstore: grant on %s to %s: %w", t, role, err)
		}
	}
	return nil
}

// VerifyStrict checks, through db's connection (the app role's), that
// strict mode really holds: nothing the role can send sets the key
// (pgguard.VerifyKey: not superuser, BYPASSRLS or a member of such a
// role, no EXECUTE on set_config, no TEMPORARY, no CREATE in a schema, no
// default for the key; LockStrictKey), and every registered table (and
// extra table) has row-level security enabled and forced with the policy
// in place, no other permissive policy there applies to the role, and no
// view the role may read shows their rows with its owner's rights
// (pgguard.VerifyViews). Run
// it at start-up in strict mode, with LibraryTables() as extra once
// EnableStrict covers them.
// Errors: ErrNotStrict, the database's.
func (r *Registry) VerifyStrict(ctx context.Context, db bun.IDB, extra ...string) error {
	if err := pgguard.VerifyKey(ctx, db); err != nil {
		return err
	}
	for _, t := range append(r.Tables(), extra...) {
		var enabled, forced, policy bool
		var other sql.NullString
		// Permissive policies are OR-ed: any other one that applies to
		// this role (such as LibraryPolicyName) would open the table.
		err := db.QueryRowContext(ctx, `SELECT c.relrowsecurity, c.relforcerowsecurity,
			EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = ?),
			(SELECT min(p.polname) FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname <> ? AND p.polpermissive
				AND (0 = ANY (p.polroles) OR EXISTS (SELECT 1 FROM unnest(p.polroles) r WHERE r <> 0 AND pg_has_role(current_user, r, 'USAGE'))))
			FROM pg_class c WHERE c.oid = to_regclass(?)`, PolicyName, PolicyName, quoteQualified(t)).Scan(&enabled, &forced, &policy, &other)
		if err != nil {
			return fmt.Errorf("%w: table %s: %v", ErrNotStrict, t, err)
		}
		if !enabled || !forced || !policy {
			return fmt.Errorf("%w: table %s: rls enabled=%t forced=%t policy=%t", ErrNotStrict, t, enabled, forced, policy)
		}
		if other.Valid {
			return fmt.Errorf("%w: table %s: policy %s also applies to the connecting role", ErrNotStrict, t, other.String)
		}
	}
	return pgguard.VerifyViews(ctx, db, append(r.Tables(), extra...)...)
}

// LockStrictKey runs pgguard.KeyLockStatements on superuserDB's database:
// set_config, temporary objects and CREATE in schema public are taken from
// PUBLIC, set_config given back to the trusted roles (the library role, if
// Purge must switch the key for tables without ON DELETE CASCADE). Run it
// once per database as a superuser, after EnableStrict; it is idempotent.
// A managed PostgreSQL without a superuser cannot revoke set_config:
// there strict mode still binds every statement to the key, but the key is
// a label that SQL the server builds (query_to_xml) can change, so it
// stops mistakes, not an attacker who can inject SQL; VerifyStrict says
// so with ErrNotStrict.
// Errors: the database's.
func LockStrictKey(ctx context.Context, superuserDB bun.IDB, trusted ...string) error {
	ctx = workspace.Unscoped(ctx, "bunstore: lock strict mode's key")
	var name string
	if err := superuserDB.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		return fmt.Errorf("bunstore: lock strict key: %w", err)
	}
	for _, s := range pgguard.KeyLockStatements(name, trusted...) {
		if _, err := superuserDB.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("bunstore: lock strict key: %s: %w", s, err)
		}
	}
	return nil
}

// SetWorkspace sets the strict-mode workspace for the rest of the
// transaction in db (a bun.Tx), for system work that must act on one given
// workspace. It acts only under workspace.Unscoped or inside the lifecycle
// service's deletion of that workspace (workspace.Purging): given another
// context, for instance one scoped to another workspace, it refuses with
// workspace.ErrForbidden. It calls set_config, which LockStrictKey leaves
// only to the roles it names: the app role cannot switch the key even
// here. Outside a transaction it has no lasting effect.
// Errors: workspace.ErrForbidden, the database's.
func SetWorkspace(ctx context.Context, db bun.IDB, id uuid.UUID) error {
	if !workspace.MayPurge(ctx, id) {
		return fmt.Errorf("%w: bunstore: set the strict-mode workspace to %s outside system work (workspace.Unscoped)", workspace.ErrForbidden, id)
	}
	v := ""
	if id != uuid.Nil {
		v = id.String()
	}
	ctx = workspace.Unscoped(ctx, "bunstore: set the strict-mode workspace")
	_, err := db.ExecContext(ctx, "SELECT set_config('"+SettingWorkspace+"', ?, true)", v)
	return err
}
