package pgguard_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/store/pgguard"
	"github.com/workspacekit/workspacekit/workspace"
)

func Example() {
	g := pgguard.New("contacts")
	a := uuid.MustParse("0196b4a2-7c3e-7000-8000-00000000000a")
	ctx := workspace.WithScope(context.Background(), workspace.Scope{AccountID: a, WorkspaceID: a, UserID: "alice", Role: workspace.RoleOwner})

	for _, q := range []string{
		"SELECT name FROM contacts WHERE workspace_id = '" + a.String() + "' AND id = 7",
		"SELECT name FROM contacts WHERE workspace_id = '" + a.String() + "' OR true",
		"SELECT c.name FROM contacts c LEFT JOIN (SELECT 1) u JOIN (SELECT 1) v ON true ON c.workspace_id = '" + a.String() + "'",
		"SET LOCAL app.workspace_id = '0196b4a2-7c3e-7000-8000-00000000000b'",
	} {
		err := g.Check(ctx, q, nil)
		fmt.Println(err == nil, errors.Is(err, pgguard.ErrUnscopedQuery))
	}
	// Output:
	// true false
	// false true
	// false true
	// false true
}
