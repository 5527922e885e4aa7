package bunstore_test

import (
	"database/sql"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/workspacekit/workspacekit/store/bunstore"
)

var fuzzWS = uuid.MustParse("0196b4a2-7c3e-7000-8000-00000000000a")

// A verdict cached before a table was registered must not outlive it.
func TestRegisterForgetsCachedVerdicts(t *testing.T) {
	reg := bunstore.NewRegistry()
	db := bun.NewDB(&sql.DB{}, pgdialect.New())
	require.NoError(t, reg.Register(db, (*Agent)(nil)))
	ctx := scopeCtx(fuzzWS)
	q := `SELECT * FROM agents a JOIN contacts c ON c.id = a.contact_id WHERE a.workspace_id = '` + fuzzWS.String() + `'`
	require.NoError(t, reg.Check(ctx, q, nil))
	require.NoError(t, reg.Register(db, (*Contact)(nil)))
	require.ErrorIs(t, reg.Check(ctx, q, nil), bunstore.ErrUnscopedQuery)
}
