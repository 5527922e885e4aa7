package app

import (
	"log/slog"

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
}

// The demo's plan names.
const (
	PlanFree = "free"
	PlanTeam = "team"
)

// DemoPlans is the catalog used when Config.Plans is nil: small limits so
// that the plan's refusal is one click away in the demo.
func DemoPlans() workspace.FixedPlans {
	return workspace.FixedPlans{
		PlanFree: {MaxWorkspaces: 2, MaxMembers: 3},
		PlanTeam: {MaxWorkspaces: 3, MaxMembers: 10},
	}
}
