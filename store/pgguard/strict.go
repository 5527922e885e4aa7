package pgguard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// SettingWorkspace is the transaction-local setting that strict mode's
// policies compare workspace_id with. Strict mode's begin sets it; the
// guard refuses every statement that would set it.
const SettingWorkspace = "app.workspace_id"

// PolicyName is the name of the row-level-security policy RLSStatements
// creates on each table.
const PolicyName = "workspacekit_isolation"

// PolicyCondition is the condition of the strict-mode policy: NULLIF turns
// an unset or empty key into NULL, which matches no row. It compares the
// column itself, so the table's (workspace_id, ...) indexes serve it.
const PolicyCondition = "workspace_id = NULLIF(current_setting('" + SettingWorkspace + "', true), '')::uuid"

// RLSStatements returns the SQL that puts table (a table name, optionally
// schema-qualified) under strict mode, to be run by its owner: row-level
// security enabled and forced (so the owner is bound too) and one policy
// for every command, reading and writing. Running it again is harmless.
func RLSStatements(table string) []string {
	parts := strings.Split(table, ".")
	for i, p := range parts {
		parts[i] = quoteIdent(p)
	}
	t := strings.Join(parts, ".")
	return []string{
		"ALTER TABLE " + t + " ENABLE ROW LEVEL SECURITY",
		"ALTER TABLE " + t + " FORCE ROW LEVEL SECURITY",
		"DROP POLICY IF EXISTS " + PolicyName + " ON " + t,
		"CREATE POLICY " + PolicyName + " ON " + t + " USING (" + PolicyCondition + ") WITH CHECK (" + PolicyCondition + ")",
	}
}

// ErrStrictSession means a new strict-mode connection already had the key
// set (a role or database default: ALTER ROLE ... SET app.workspace_id):
// statements outside a transaction would see that workspace's rows.
var ErrStrictSession = errors.New("pgguard: strict mode: the connection starts with the workspace key set")

// checkStrictSession refuses a connection whose session starts with the
// key set.
func checkStrictSession(ctx context.Context, conn *pgx.Conn) error {
	var v *string
	err := conn.QueryRow(ctx, "SELECT pg_catalog.current_setting('"+SettingWorkspace+"', true)", pgx.QueryExecModeSimpleProtocol).Scan(&v)
	if err != nil {
		return fmt.Errorf("pgguard: strict mode: read the key: %w", err)
	}
	if v != nil && *v != "" {
		return fmt.Errorf("%w: %s = %q", ErrStrictSession, SettingWorkspace, *v)
	}
	return nil
}

// ErrNotStrict means strict mode does not hold for a connection: its role
// bypasses row-level security, a table lacks its policy, or the app role
// could choose the key itself (VerifyKey).
var ErrNotStrict = errors.New("pgguard: strict mode is not in force")

const setConfigFunction = "pg_catalog.set_config(text, text, boolean)"

// KeyLockStatements returns the SQL that makes strict mode's key
// unforgeable for every role but the trusted ones (and superusers), to be
// run once per database by a superuser (set_config belongs to the
// bootstrap superuser, like CREATE EXTENSION needs one):
//
//   - REVOKE EXECUTE on set_config from PUBLIC: the function is then
//     refused for the app role also inside SQL the server builds
//     (query_to_xml, ts_stat, a view's rule: UPDATE pg_settings), where no
//     guard sees a call; the trusted roles get it back (the library role,
//     for purges of tables without ON DELETE CASCADE);
//   - REVOKE TEMPORARY on the database and CREATE on schema public from
//     PUBLIC: no function of the app role's own (pg_temp included) can
//     carry a SET clause.
//
// What is left to the app role is SET sent as text, which the guard
// refuses for the key (SET cannot run inside SQL the server builds: those
// run read-only), so the connector's own begin is the only thing that sets
// the key. The host gives up set_config for the app role: other settings
// take SET LOCAL. database and trusted are role and database names,
// quoted here.
func KeyLockStatements(database string, trusted ...string) []string {
	out := []string{
		"REVOKE EXECUTE ON FUNCTION " + setConfigFunction + " FROM PUBLIC",
		"REVOKE TEMPORARY ON DATABASE " + quoteIdent(database) + " FROM PUBLIC",
		"REVOKE CREATE ON SCHEMA public FROM PUBLIC",
	}
	for _, r := range trusted {
		out = append(out, "GRANT EXECUTE ON FUNCTION "+setConfigFunction+" TO "+quoteIdent(r))
	}
	return out
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// RowQuerier is what VerifyKey reads through: *sql.DB, *sql.Conn, *sql.Tx
// and bun's handles have it.
type RowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// keyChecks are VerifyKey's questions, each answered true when strict mode
// would not hold.
var keyChecks = []struct{ what, query string }{
	{"the role is superuser or BYPASSRLS, or a member of such a role (SET ROLE would bypass the policies)",
		`SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE (r.rolsuper OR r.rolbypassrls) AND pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER'))`},
	{"the role may EXECUTE set_config, so SQL built inside the server can set the key (run KeyLockStatements as a superuser)",
		`SELECT pg_catalog.has_function_privilege('` + setConfigFunction + `', 'EXECUTE')`},
	{"the role may create temporary objects (a pg_temp function with a SET clause): revoke TEMPORARY",
		`SELECT pg_catalog.has_database_privilege(pg_catalog.current_database(), 'TEMPORARY')`},
	{"the role may CREATE in a schema (a function with a SET clause): revoke it",
		`SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%' AND pg_catalog.has_schema_privilege(n.oid, 'CREATE'))`},
	{"a role or database default sets the key (ALTER ROLE/DATABASE ... SET ` + SettingWorkspace + `): statements outside a transaction would see it",
		`SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting s, unnest(s.setconfig) c
			WHERE (s.setrole = 0 OR pg_catalog.pg_has_role(current_user, s.setrole, 'MEMBER'))
			  AND (s.setdatabase = 0 OR s.setdatabase = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()))
			  AND lower(split_part(c, '=', 1)) = '` + SettingWorkspace + `')`},
	{"the connection starts with the key set",
		`SELECT coalesce(pg_catalog.current_setting('` + SettingWorkspace + `', true), '') <> ''`},
}

// VerifyKey checks, through the app role's own connection, that nothing
// the role can send makes the key another workspace's: each of keyChecks.
// Run it at start-up in strict mode (bunstore's VerifyStrict does, with the
// policies).
// Errors: ErrNotStrict, the database's.
func VerifyKey(ctx context.Context, db RowQuerier) error {
	for _, k := range keyChecks {
		var bad bool
		if err := db.QueryRowContext(ctx, k.query).Scan(&bad); err != nil {
			return fmt.Errorf("pgguard: verify strict mode: %w", err)
		}
		if bad {
			return fmt.Errorf("%w: %s", ErrNotStrict, k.what)
		}
	}
	return nil
}
