package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/workspacekit/workspacekit/workspace"
)

// Config chooses the store and the demo's settings.
type Config struct {
	// DSN is "" for the in-memory store; otherwise an owner or superuser
	// connection of a development PostgreSQL database, which New migrates
	// and runs in strict mode (see postgres.go).
	DSN string
	// Plans is the plan catalog; nil means DemoPlans.
	Plans workspace.Plans
	// Clock is every service's clock; nil means workspace.UTCClock. Tests
	// move it to expire invitations.
	Clock workspace.Clock
	// Seed loads the demo data (Seed in seed.go). On PostgreSQL it is
	// loaded only into a database without any account, so a restart does
	// not add it twice.
	Seed bool
	// Logger receives start-up notes (strict mode's strength); nil means
	// slog.Default().
	Logger *slog.Logger
	// PublicURL is where people reach this server, such as
	// "https://app.example.com" (a path prefix is kept): the base of the
	// links it hands out to be sent elsewhere, the invitation links. Set
	// it whenever a proxy stands in front. Empty means the address each
	// request reached the server at (the connection's local address),
	// which is right for a server people reach directly. Never the
	// request's Host header: the client picks it (and a proxy may pass it
	// through), so an invitation link built on it could point anywhere.
	PublicURL string
}

// ErrPublicURL is a Config.PublicURL that is not an http(s) URL with a host
// and nothing after the path.
var ErrPublicURL = errors.New("app: public URL must be http(s)://host[:port][/path]")

// publicURL checks s and returns it without a trailing slash ("" stays "").
// Errors: ErrPublicURL.
func publicURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") || strings.Contains(u.Path, `\`) {
		return "", fmt.Errorf("%w: %q", ErrPublicURL, s)
	}
	return strings.TrimRight(s, "/"), nil
}

// The demo's plan names.
const (
	PlanFree = "free"
	PlanTeam = "team"
)

// DemoPlans is the catalog used when Config.Plans is nil: small limits so
// that the plan's refusal is one click away in the demo. MaxAPIKeys counts
// a workspace's keys that still work (revoked and expired ones free their
// place); the seed gives Globex HQ (free) one of its two.
func DemoPlans() workspace.FixedPlans {
	return workspace.FixedPlans{
		PlanFree: {MaxWorkspaces: 2, MaxMembers: 3, MaxAPIKeys: 2},
		PlanTeam: {MaxWorkspaces: 3, MaxMembers: 10, MaxAPIKeys: 10},
	}
}
