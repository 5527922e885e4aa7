package pgguard

import (
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// The rule, decided on PostgreSQL's own parse tree (libpg_query):
//
//   - Every reference to a guarded table (a RangeVar with its name, in any
//     schema or catalog, with or without ONLY) must be restricted at its own
//     query level by a top-level AND-ed condition alias.workspace_id = the
//     active workspace (a string constant holding its id, optionally cast to
//     uuid, or a $n argument holding it), or alias.workspace_id =
//     other.workspace_id with other restricted. A condition counts in the
//     WHERE clause and in the ON of a join for the side(s) that join
//     filters (both of an inner join, the nullable side of an outer one).
//     An unqualified workspace_id counts only in a level whose one range is
//     the guarded table. A guarded table may not have a column alias list,
//     share its name with another range of its level, or sit inside an
//     aliased join (whose alias hides it, so a qualified name could bind to
//     an outer query instead).
//   - INSERT into a guarded table: a column list naming workspace_id and
//     VALUES rows that all hold the active workspace there; ON CONFLICT DO
//     UPDATE only with workspace_id in the conflict target (or its WHERE
//     restricting the table), setting workspace_id only to the active
//     workspace or EXCLUDED.workspace_id.
//   - UPDATE may set workspace_id only to the active workspace; UPDATE and
//     DELETE need a condition besides the workspace's.
//   - Anything else that touches a guarded table is refused (MERGE, COPY,
//     TRUNCATE, DDL, INSERT ... SELECT into one, SELECT INTO, a guarded
//     table named in a utility statement).
//   - Statements the guard or strict mode relies on are refused whatever
//     they touch: changing the strict-mode key, standard_conforming_strings,
//     search_path, role or session_authorization (SET, RESET ALL,
//     set_config, ALTER ROLE/DATABASE/SYSTEM ... SET), DO, CREATE
//     FUNCTION/PROCEDURE, COPY, PREPARE, EXECUTE, DECLARE CURSOR, and the
//     built-in functions that run SQL text or read a table named in text
//     (query_to_xml, table_to_xml, ts_stat, ...). Under workspace.Unscoped
//     (system work) only session-level changes of those settings stay
//     refused, as they would outlive the work on a pooled connection, and
//     SET/RESET of the key, which needs no privilege; a transaction-local
//     set_config is left to the privileges strict mode reserves it by.
//
// The verdict depends on the statement's literals only through one
// question, "is this constant the active workspace's id (36 characters,
// canonical, either letter case)?": the verdict cache (shape.go) relies on
// it, and FuzzGuard checks it.

// checker decides one statement text.
type checker struct {
	tables   map[string]struct{}
	ws       uuid.UUID // uuid.Nil: no scope
	args     []driver.NamedValue
	unscoped bool
	err      error
	// uncacheable is set when the verdict may depend on a literal's
	// value beyond "is it the active workspace".
	uncacheable bool
}

func (c *checker) refuse(format string, a ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: %s", ErrUnscopedQuery, fmt.Sprintf(format, a...))
	}
}

func (c *checker) guarded(rv obj) bool {
	_, ok := c.tables[str(rv, "relname")]
	return ok
}

// check parses query and applies the rule to each of its statements.
func (c *checker) check(query string) error {
	if strings.IndexByte(query, 0) >= 0 {
		// The C parser would read up to the NUL only.
		return fmt.Errorf("%w: the statement holds a NUL byte", ErrUnscopedQuery)
	}
	js, err := parseToJSON(query)
	if err != nil {
		return fmt.Errorf("%w: the statement does not parse: %v", ErrUnscopedQuery, err)
	}
	stmts, err := decodeTree(js)
	if err != nil {
		return fmt.Errorf("%w: cannot read the parse tree: %v", ErrUnscopedQuery, err)
	}
	for _, s := range stmts {
		c.statement(s)
	}
	return c.err
}

// dmlKinds are the statements that are query levels of their own.
var dmlKinds = map[string]bool{"SelectStmt": true, "InsertStmt": true, "UpdateStmt": true, "DeleteStmt": true}

// harmlessUtility are the utility statements that may name anything: none
// of them reads or changes a table's rows (EXPLAIN's statement is checked
// as one; SET is checked for the settings the guard relies on).
var harmlessUtility = map[string]bool{
	"TransactionStmt": true, "VariableSetStmt": true, "VariableShowStmt": true, "DeallocateStmt": true,
	"DiscardStmt": true, "ListenStmt": true, "UnlistenStmt": true, "NotifyStmt": true, "ExplainStmt": true,
	"CheckPointStmt": true, "LoadStmt": true,
}

// neverRun are the statements refused on guarded connections even under
// workspace.Unscoped: each can run SQL the guard never sees, or leave it
// behind on the pooled connection for a later borrower in another
// workspace (a prepared statement, a cursor WITH HOLD), or set the key
// out of sight (DO runs SET as it likes). Migrations that need them run
// on the owner's own connection, not the app's guarded pool.
var neverRun = map[string]string{
	"DoStmt":            "DO blocks",
	"PrepareStmt":       "PREPARE (prepare through the driver: it is checked at every execution)",
	"ExecuteStmt":       "EXECUTE of a prepared statement",
	"DeclareCursorStmt": "DECLARE CURSOR",
}

// neverScoped are the statements refused outside workspace.Unscoped
// whatever they name: each runs SQL the guard never sees (a function
// body, a trigger, an operator) or copies rows out in bulk.
var neverScoped = map[string]string{
	"CreateFunctionStmt":  "CREATE FUNCTION/PROCEDURE",
	"CopyStmt":            "COPY",
	"CreateTrigStmt":      "CREATE TRIGGER",
	"RuleStmt":            "CREATE RULE",
	"CreateEventTrigStmt": "CREATE EVENT TRIGGER",
	"DefineStmt":          "CREATE OPERATOR/AGGREGATE/TYPE",
	"CreateCastStmt":      "CREATE CAST",
	"ViewStmt":            "CREATE VIEW (a view over pg_settings sets session-level settings)",
	"CreateSchemaStmt":    "CREATE SCHEMA",
}

// forbidden refuses the statement kinds refused whatever they name.
func (c *checker) forbidden(kind string) bool {
	if reason, ok := neverRun[kind]; ok {
		c.refuse("%s is refused on guarded connections", reason)
		return true
	}
	if reason, ok := neverScoped[kind]; ok && !c.unscoped {
		c.refuse("%s is refused on guarded connections outside workspace.Unscoped", reason)
		return true
	}
	return false
}

func (c *checker) statement(s obj) {
	kind, f := node(s)
	if !dmlKinds[kind] && !harmlessUtility[kind] {
		// Its verdict may read a literal (a table named in an option's
		// string): decided by a full parse every time.
		c.uncacheable = true
	}
	if c.forbidden(kind) {
		return
	}
	switch kind {
	case "VariableSetStmt":
		c.variableSet(f)
		return
	case "AlterRoleSetStmt", "AlterDatabaseSetStmt":
		if set := field(f, "setstmt"); set != nil {
			c.settingDefault(set)
		}
	case "AlterSystemStmt":
		if set := field(f, "setstmt"); set != nil {
			c.settingDefault(set)
		}
	}
	if c.unscoped {
		// System work: only what would outlive it on the connection.
		c.walk(s)
		return
	}
	if !dmlKinds[kind] && !harmlessUtility[kind] && c.mentionsTable(s) {
		c.refuse("%s naming a guarded table is refused outside workspace.Unscoped", kind)
		return
	}
	c.walk(s)
}

// protectedSetting reports what the guard and strict mode rely on: the
// key, how the server reads string literals (standard_conforming_strings,
// and client_encoding: in SJIS or GBK a backslash can end a multi-byte
// character the parser reads as two), which schemas names resolve in, and
// who the session is.
func (c *checker) protectedSetting(name string) bool {
	switch lower(name) {
	case lower(SettingWorkspace), "standard_conforming_strings", "client_encoding", "search_path", "role", "session_authorization":
		return true
	}
	return false
}

func (c *checker) variableSet(f obj) {
	name, kind := str(f, "name"), str(f, "kind")
	switch {
	case kind == "VAR_RESET_ALL":
		if !c.unscoped {
			c.refuse("RESET ALL is refused on guarded connections outside workspace.Unscoped")
		}
	case lower(name) == lower(SettingWorkspace):
		// Not even under Unscoped: SET needs no privilege, so a text SET
		// is the one way the app role could choose the key. System work
		// switches it with set_config, which privileges reserve.
		c.refuse("SET/RESET of %s is refused on guarded connections (strict mode's key)", name)
	case !c.protectedSetting(name):
		// Any other setting: a session-level SET would stay on the pooled
		// connection for its next borrower, in another workspace (a
		// statement_timeout of 1 ms, read-only transactions).
		sessionLevel := !flag(f, "is_local") && (kind == "VAR_SET_VALUE" || kind == "VAR_SET_DEFAULT" || kind == "VAR_SET_CURRENT" ||
			kind == "VAR_SET_MULTI" && name == "SESSION CHARACTERISTICS")
		if sessionLevel && !c.unscoped {
			c.refuse("a session-level SET of %s is refused outside workspace.Unscoped: it would stay on the pooled connection (use SET LOCAL)", name)
		}
	case !c.unscoped:
		c.refuse("SET/RESET of %s is refused on guarded connections outside workspace.Unscoped", name)
	case !flag(f, "is_local") && kind != "VAR_RESET":
		c.refuse("a session-level SET of %s is refused: it would stay on the pooled connection", name)
	}
}

// settingDefault refuses ALTER ROLE/DATABASE/SYSTEM ... SET of a protected
// setting: a default reaches every later session.
func (c *checker) settingDefault(set obj) {
	if str(set, "kind") == "VAR_RESET_ALL" || c.protectedSetting(str(set, "name")) {
		c.refuse("a default for %q is refused on guarded connections", str(set, "name"))
	}
}

// mentionsTable reports whether a guarded table is named anywhere in v:
// as a RangeVar, or as any string at all (DROP's name lists, a RENAME's
// new name, an index's name, an option's value), since a utility
// statement can make a name mean another relation.
func (c *checker) mentionsTable(v any) bool {
	switch v := v.(type) {
	case string:
		_, ok := c.tables[v]
		return ok
	case obj:
		for _, x := range v {
			if c.mentionsTable(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if c.mentionsTable(x) {
				return true
			}
		}
	}
	return false
}

// sqlRunners are built-in functions that run SQL text or read a table
// named in text, out of the guard's sight. Strict mode is what holds
// against the ones not listed (a host's own functions, views).
var sqlRunners = map[string]bool{
	"query_to_xml": true, "query_to_xmlschema": true, "query_to_xml_and_xmlschema": true,
	"cursor_to_xml": true, "cursor_to_xmlschema": true,
	"table_to_xml": true, "table_to_xmlschema": true, "table_to_xml_and_xmlschema": true,
	"schema_to_xml": true, "schema_to_xmlschema": true, "schema_to_xml_and_xmlschema": true,
	"database_to_xml": true, "database_to_xmlschema": true, "database_to_xml_and_xmlschema": true,
	"ts_stat": true, "ts_rewrite": true,
	"dblink": true, "dblink_exec": true, "dblink_open": true, "dblink_send_query": true,
	// Contrib modules that run SQL text (tablefunc is a trusted
	// extension: a database owner can install it). Strict mode is what
	// holds against the ones no list can know.
	"crosstab": true, "crosstab2": true, "crosstab3": true, "crosstab4": true, "connectby": true,
	"xpath_table": true,
	// A table's files hold every workspace's rows (superusers and
	// pg_read_server_files only; the app role should be neither).
	"pg_read_file": true, "pg_read_binary_file": true, "pg_ls_dir": true, "pg_stat_file": true,
	"lo_import": true, "lo_export": true, "pg_relation_filepath": true,
}

// funcCall refuses calls that change protected settings or run SQL text.
// The verdict must not depend on a literal's value (see above), so
// set_config is refused outright in scoped work, and under Unscoped unless
// its third argument is the keyword true (transaction-local).
func (c *checker) funcCall(f obj) {
	name := lower(lastName(list(f, "funcname")))
	switch {
	case sqlRunners[name] && !c.unscoped:
		c.refuse("%s runs SQL out of the guard's sight and is refused outside workspace.Unscoped", name)
	case sessionFuncs[name] && !c.unscoped:
		c.refuse("%s shows other sessions' statements, which hold other workspaces' values", name)
	case name == "set_config" && !c.unscoped:
		c.refuse("set_config is refused on guarded connections outside workspace.Unscoped (use SET LOCAL for other settings)")
	case name == "set_config":
		args := list(f, "args")
		if len(args) != 3 || !isTrue(args[2]) {
			c.refuse("a session-level set_config is refused: it would stay on the pooled connection")
		}
	}
}

func isTrue(v any) bool {
	k, f := node(v)
	if k != "A_Const" {
		return false
	}
	b := field(f, "boolval")
	return b != nil && flag(b, "boolval")
}

// walk visits v: query levels get the rule, a guarded RangeVar met
// anywhere else is refused, function calls are screened.
func (c *checker) walk(v any) {
	if c.err != nil {
		return
	}
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			c.walk(x)
		}
	case obj:
		kind, f := node(v)
		// Statements nest (CREATE TABLE AS EXECUTE, EXPLAIN EXECUTE,
		// CREATE SCHEMA ... CREATE TRIGGER): refused wherever they stand.
		if c.forbidden(kind) {
			return
		}
		switch kind {
		case "":
			if isRangeVar(v) {
				c.rangeVar(v)
				return
			}
			for _, x := range v {
				c.walk(x)
			}
			return
		case "SelectStmt":
			c.selectStmt(f)
		case "InsertStmt":
			c.insertStmt(f)
		case "UpdateStmt":
			c.updateStmt(f)
		case "DeleteStmt":
			c.deleteStmt(f)
		case "RangeVar":
			c.rangeVar(f)
		case "FuncCall":
			c.funcCall(f)
			c.walk(obj(f))
		case "VariableSetStmt":
			c.variableSet(f)
		default:
			c.walk(obj(f))
		}
	}
}

// sessionViews show the SQL text of other sessions or of the connection's
// earlier borrowers, which bun fills with values: another workspace's
// data. They are refused outside workspace.Unscoped, with the functions
// behind them (KeyLockStatements also revokes those from the app role).
var sessionViews = map[string]bool{
	"pg_stat_activity": true, "pg_prepared_statements": true, "pg_cursors": true,
	"pg_stat_statements": true, "pg_stat_statements_info": true,
	// Planner statistics hold sampled values of every workspace's rows.
	"pg_stats": true, "pg_stats_ext": true, "pg_stats_ext_exprs": true,
	"pg_statistic": true, "pg_statistic_ext": true, "pg_statistic_ext_data": true,
}

var sessionFuncs = map[string]bool{
	"pg_stat_get_activity": true, "pg_stat_get_backend_activity": true, "pg_prepared_statement": true,
	"pg_cursor": true, "pg_stat_statements": true,
}

// relation screens every table reference, accounted for by a level or
// not.
func (c *checker) relation(rv obj) {
	if str(rv, "relpersistence") == "t" {
		// A temporary relation outlives the work on the pooled connection
		// and is found before the schema's tables of the same name.
		c.refuse("temporary relations are refused on guarded connections (%s)", str(rv, "relname"))
	}
	if sessionViews[lower(str(rv, "relname"))] && !c.unscoped {
		c.refuse("%s shows other sessions' statements, which hold other workspaces' values", str(rv, "relname"))
	}
}

// rangeVar is a table reference that no query level accounted for.
func (c *checker) rangeVar(rv obj) {
	c.relation(rv)
	if c.guarded(rv) && !c.unscoped {
		c.refuse("table %q is referenced where no workspace condition can restrict it", str(rv, "relname"))
	}
}
