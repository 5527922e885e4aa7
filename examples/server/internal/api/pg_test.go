package api_test

import (
	"testing"
)

// The core flows again on PostgreSQL in strict mode (app.New on a fresh
// database of a throwaway server, pgtest; its DSN is a superuser's, so the
// key is locked): the library on its own role, the resources on the app
// role through the guard, row-level security under both; API keys in the
// library's tables, used as Bearer tokens.
func TestPostgres(t *testing.T) {
	for _, f := range []struct {
		name string
		run  func(t *testing.T, e *env)
	}{
		{"Selector", flowSelector},
		{"Switch", flowSwitch},
		{"CreateWithinPlan", flowCreateWithinPlan},
		{"Invite", flowInvite},
		{"RevokeExpire", flowRevokeExpire},
		{"Team", flowTeam},
		{"Resources", flowResources},
		{"Viewer", flowViewer},
		{"Foreign", flowForeign},
		{"Delete", flowDelete},
		{"Keys", flowKeys},
		{"KeyPermissions", flowKeyPermissions},
		{"KeyPlanLimit", flowKeyPlanLimit},
	} {
		t.Run(f.name, func(t *testing.T) {
			e := newEnv(t, pg.NewDatabase(t))
			if !e.app.StrictKeyLocked {
				t.Fatal("strict mode's key is not locked")
			}
			f.run(t, e)
		})
	}
}
