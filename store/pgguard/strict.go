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
//     carry a SET clause;
//   - REVOKE USAGE on LANGUAGE plpgsql from PUBLIC: no DO block, whose
//     body runs SET as it likes, even on a connection around the guard;
//   - REVOKE EXECUTE from PUBLIC on the functions behind pg_stat_activity,
//     pg_prepared_statements and pg_cursors: they show the text of other
//     sessions' statements and of the connection's earlier borrowers,
//     which bun fills with values of other workspaces. (Monitoring keeps
//     them through pg_monitor, or a superuser.)
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
		"REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC",
	}
	for _, f := range sessionFunctions {
		out = append(out, "REVOKE EXECUTE ON FUNCTION "+f+" FROM PUBLIC")
	}
	for _, r := range trusted {
		out = append(out, "GRANT EXECUTE ON FUNCTION "+setConfigFunction+" TO "+quoteIdent(r))
	}
	return out
}

// sessionFunctions are the functions behind the views that show other
// sessions' statement text.
var sessionFunctions = []string{
	"pg_catalog.pg_stat_get_activity(integer)",
	"pg_catalog.pg_stat_get_backend_activity(integer)",
	"pg_catalog.pg_prepared_statement()",
	"pg_catalog.pg_cursor()",
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
	{"the role may use plpgsql, so a DO block can SET the key on a connection around the guard (run KeyLockStatements)",
		`SELECT pg_catalog.has_language_privilege('plpgsql', 'USAGE')`},
	{"the role may read other sessions' statement text (pg_stat_activity), which holds other workspaces' values (run KeyLockStatements)",
		`SELECT pg_catalog.has_function_privilege('pg_catalog.pg_stat_get_activity(integer)', 'EXECUTE')`},
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

// VerifyViews checks, through db (the app role's connection), that no
// SECURITY DEFINER function of another role is the role's to call, and no
// view or materialized view the role may read shows rows of tables
// (names, optionally schema-qualified) with someone else's rights: a view
// runs as its owner, so unless it is security_invoker the policies judge
// the owner (who may bypass them or be admitted to every row), and a
// materialized view holds rows read when it was refreshed. Part of
// bunstore's VerifyStrict.
// Errors: ErrNotStrict, the database's.
func VerifyViews(ctx context.Context, db RowQuerier, tables ...string) error {
	if len(tables) == 0 {
		return nil
	}
	quoted := make([]string, len(tables))
	for i, t := range tables {
		parts := strings.Split(t, ".")
		for j, p := range parts {
			parts[j] = quoteIdent(p)
		}
		quoted[i] = "'" + strings.ReplaceAll(strings.Join(parts, "."), "'", "''") + "'"
	}
	var views sql.NullString
	err := db.QueryRowContext(ctx, `SELECT string_agg(DISTINCT v.oid::pg_catalog.regclass::text, ', ')
		FROM pg_catalog.pg_class v
		JOIN pg_catalog.pg_rewrite r ON r.ev_class = v.oid
		JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
			AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
		WHERE d.refobjid = ANY (SELECT pg_catalog.to_regclass(t) FROM unnest(ARRAY[`+strings.Join(quoted, ", ")+`]::text[]) t)
		  AND d.refobjid <> v.oid
		  AND v.relkind IN ('v', 'm')
		  AND pg_catalog.has_table_privilege(v.oid, 'SELECT')
		  AND (v.relkind = 'm' OR NOT coalesce(v.reloptions @> ARRAY['security_invoker=true'] OR v.reloptions @> ARRAY['security_invoker=on'] OR v.reloptions @> ARRAY['security_invoker=1'], false))`).Scan(&views)
	if err != nil {
		return fmt.Errorf("pgguard: verify views: %w", err)
	}
	if views.Valid {
		return fmt.Errorf("%w: the role may read %s, which show rows of strict tables with their owner's rights (make views security_invoker; a materialized view holds every row it was refreshed with)", ErrNotStrict, views.String)
	}
	// A SECURITY DEFINER function runs as its owner too, and PostgreSQL
	// records no dependency of a function body on the tables it reads: any
	// such function the role may call, owned by another role, is flagged.
	var definers sql.NullString
	err = db.QueryRowContext(ctx, `SELECT string_agg(p.oid::pg_catalog.regprocedure::text, ', ')
		FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
		WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		  AND p.proowner <> (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
		  AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE')`).Scan(&definers)
	if err != nil {
		return fmt.Errorf("pgguard: verify definer functions: %w", err)
	}
	if definers.Valid {
		return fmt.Errorf("%w: the role may call %s, SECURITY DEFINER functions of another role, which read with their owner's rights (revoke EXECUTE from the app role, or make them SECURITY INVOKER)", ErrNotStrict, definers.String)
	}
	return nil
}
