package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// roleNames returns the library's and the app's role for database db.
// Roles are cluster-wide, so they carry the database's name: two
// databases on one server (or two tests) never share or re-password each
// other's roles.
func roleNames(db string) (library, app string) {
	base := strings.Trim(unsafeRole.ReplaceAllString(strings.ToLower(db), "_"), "_")
	const longest = len("_wk_library")
	if len(base)+longest > 63 {
		sum := sha256.Sum256([]byte(db))
		base = base[:63-longest-9] + "_" + hex.EncodeToString(sum[:4])
	}
	return base + "_wk_library", base + "_wk_app"
}

var unsafeRole = regexp.MustCompile(`[^a-z0-9_]+`)

// ensureRole makes role a LOGIN NOSUPERUSER NOBYPASSRLS role with a new
// random password (creating it if missing) that may connect to db and use
// schema public, and returns dsn rewritten to connect as it. The owner
// needs CREATEROLE (a superuser has it).
func ensureRole(ctx context.Context, owner bun.IDB, dsn, db, role string) (string, error) {
	var pw [24]byte
	if _, err := rand.Read(pw[:]); err != nil {
		return "", fmt.Errorf("app: postgres: password: %w", err)
	}
	password := hex.EncodeToString(pw[:])
	id := pgx.Identifier{role}.Sanitize()
	var exists bool
	if err := owner.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?)", role).Scan(&exists); err != nil {
		return "", fmt.Errorf("app: postgres: role %s: %w", role, err)
	}
	verb := "CREATE"
	if exists {
		verb = "ALTER"
	}
	stmts := []string{
		// The password is hex: nothing in it needs quoting.
		verb + " ROLE " + id + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '" + password + "'",
		"GRANT CONNECT ON DATABASE " + pgx.Identifier{db}.Sanitize() + " TO " + id,
		"GRANT USAGE ON SCHEMA public TO " + id,
	}
	for _, s := range stmts {
		if _, err := owner.ExecContext(ctx, s); err != nil {
			return "", fmt.Errorf("app: postgres: role %s: %w", role, err)
		}
	}
	return roleDSN(dsn, role, password)
}

// roleDSN returns dsn connecting as user with password, with pgx's exec
// mode (bun writes arguments into the text, so caching prepared
// statements would only churn; see bunstore.Open). Both DSN forms work: a
// URL gets new user info, a keyword/value string gets the settings
// appended (a later keyword wins). pgx parses the result to make sure.
func roleDSN(dsn, user, password string) (string, error) {
	var out string
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("app: postgres: dsn: %w", err)
		}
		u.User = url.UserPassword(user, password)
		q := u.Query()
		q.Del("user")
		q.Del("password")
		q.Set("default_query_exec_mode", "exec")
		u.RawQuery = q.Encode()
		out = u.String()
	} else {
		out = dsn + " user=" + quoteValue(user) + " password=" + quoteValue(password) + " default_query_exec_mode=exec"
	}
	cfg, err := pgx.ParseConfig(out)
	if err != nil {
		return "", fmt.Errorf("app: postgres: dsn: %w", err)
	}
	if cfg.User != user || cfg.Password != password {
		return "", fmt.Errorf("app: postgres: dsn: could not connect as %s", user)
	}
	return out, nil
}

func quoteValue(v string) string {
	v = strings.ReplaceAll(v, `\`, `\\`)
	v = strings.ReplaceAll(v, `'`, `\'`)
	return "'" + v + "'"
}
