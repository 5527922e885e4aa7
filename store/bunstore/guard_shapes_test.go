package bunstore_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/workspacekit/workspacekit/store/bunstore"
)

// shape is one of the query shapes seen to escape bun's model hooks
// (DESIGN.md): the unsafe form must be refused before it reaches the
// server, and the documented safe form must see and change only the active
// workspace's rows.
type shape struct {
	name    string
	refused func(ctx context.Context, w *world) error
	correct func(t *testing.T, ctx context.Context, w *world)
}

func ws(ctx context.Context) func(bun.QueryBuilder) bun.QueryBuilder {
	return bunstore.WhereWorkspace(ctx)
}

func shapes() []shape {
	return []shape{
		{
			name: "Count",
			refused: func(ctx context.Context, w *world) error {
				_, err := w.db.NewSelect().Model((*Agent)(nil)).Count(ctx)
				return err
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				n, err := w.db.NewSelect().Model((*Agent)(nil)).ApplyQueryBuilder(ws(ctx)).Count(ctx)
				require.NoError(t, err)
				require.EqualValues(t, 2, n)
			},
		},
		{
			name: "Exists",
			refused: func(ctx context.Context, w *world) error {
				_, err := w.db.NewSelect().Model((*Agent)(nil)).Where("id = ?", w.b1).Exists(ctx)
				return err
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				ok, err := w.db.NewSelect().Model((*Agent)(nil)).Where("id = ?", w.b1).ApplyQueryBuilder(ws(ctx)).Exists(ctx)
				require.NoError(t, err)
				require.False(t, ok)
				ok, err = w.db.NewSelect().Model((*Agent)(nil)).Where("id = ?", w.a1).ApplyQueryBuilder(ws(ctx)).Exists(ctx)
				require.NoError(t, err)
				require.True(t, ok)
			},
		},
		{
			name: "ScanAndCount with a limit",
			refused: func(ctx context.Context, w *world) error {
				var as []Agent
				_, err := w.db.NewSelect().Model(&as).Limit(1).ScanAndCount(ctx)
				return err
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				var as []Agent
				n, err := w.db.NewSelect().Model(&as).ApplyQueryBuilder(ws(ctx)).Order("id").Limit(1).ScanAndCount(ctx)
				require.NoError(t, err)
				require.EqualValues(t, 2, n)
				require.Len(t, as, 1)
				require.Equal(t, w.wsA, as[0].WorkspaceID)
			},
		},
		{
			name: "Rows",
			refused: func(ctx context.Context, w *world) error {
				rows, err := w.db.NewSelect().Model((*Agent)(nil)).Column("name").Rows(ctx)
				if rows != nil {
					_ = rows.Close()
				}
				return err
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				rows, err := w.db.NewSelect().Model((*Agent)(nil)).Column("name").ApplyQueryBuilder(ws(ctx)).Order("name").Rows(ctx)
				require.NoError(t, err)
				defer rows.Close()
				require.Equal(t, []string{"a1", "a2"}, scanNames(t, rows))
			},
		},
		{
			name: "SelectQuery.Exec into a destination",
			refused: func(ctx context.Context, w *world) error {
				var names []string
				_, err := w.db.NewSelect().Model((*Agent)(nil)).Column("name").Exec(ctx, &names)
				return err
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				var names []string
				_, err := w.db.NewSelect().Model((*Agent)(nil)).Column("name").ApplyQueryBuilder(ws(ctx)).Order("name").Exec(ctx, &names)
				require.NoError(t, err)
				require.Equal(t, []string{"a1", "a2"}, names)
			},
		},
		{
			name: "Table-only select",
			refused: func(ctx context.Context, w *world) error {
				var names []string
				return w.db.NewSelect().Table("agents").Column("name").Scan(ctx, &names)
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				var names []string
				require.NoError(t, w.db.NewSelect().Table("agents").Column("name").ApplyQueryBuilder(ws(ctx)).Order("name").Scan(ctx, &names))
				require.Equal(t, []string{"a1", "a2"}, names)
			},
		},
		{
			name: "TableExpr-only select",
			refused: func(ctx context.Context, w *world) error {
				var names []string
				return w.db.NewSelect().TableExpr("agents AS x").Column("x.name").Scan(ctx, &names)
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				var names []string
				require.NoError(t, w.db.NewSelect().TableExpr("agents AS x").Column("x.name").Where("x.workspace_id = ?", w.wsA).Order("x.name").Scan(ctx, &names))
				require.Equal(t, []string{"a1", "a2"}, names)
			},
		},
		{
			name: "Table-only update",
			refused: func(ctx context.Context, w *world) error {
				_, err := w.db.NewUpdate().Table("agents").Set("name = 'stolen'").Where("id = ?", w.b1).Exec(ctx)
				return err
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				requireAffected(t, 0)(w.db.NewUpdate().Table("agents").Set("name = 'stolen'").Where("id = ?", w.b1).ApplyQueryBuilder(ws(ctx)).Exec(ctx))
				requireAffected(t, 1)(w.db.NewUpdate().Table("agents").Set("name = 'renamed'").Where("id = ?", w.a1).ApplyQueryBuilder(ws(ctx)).Exec(ctx))
			},
		},
		{
			name: "Table-only delete",
			refused: func(ctx context.Context, w *world) error {
				_, err := w.db.NewDelete().TableExpr("agents").Where("id = ?", w.b1).Exec(ctx)
				return err
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				requireAffected(t, 0)(w.db.NewDelete().TableExpr("agents").Where("id = ?", w.b1).ApplyQueryBuilder(ws(ctx)).Exec(ctx))
				requireAffected(t, 1)(w.db.NewDelete().TableExpr("agents").Where("id = ?", w.a1).ApplyQueryBuilder(ws(ctx)).Exec(ctx))
			},
		},
		{
			name: "second struct on the table without the embed",
			refused: func(ctx context.Context, w *world) error {
				var rows []AgentRow
				return w.db.NewSelect().Model(&rows).Scan(ctx)
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				var rows []AgentRow
				require.NoError(t, w.db.NewSelect().Model(&rows).ApplyQueryBuilder(ws(ctx)).Scan(ctx))
				requireOnly(t, w.wsA, 2, len(rows), func(i int) uuid.UUID { return rows[i].WorkspaceID })
				// Writing another workspace's row through it is refused too.
				_, err := w.db.NewInsert().Model(&AgentRow{ID: uuid.New(), WorkspaceID: w.wsB, Name: "planted"}).Exec(ctx)
				require.ErrorIs(t, err, bunstore.ErrUnscopedQuery)
			},
		},
		{
			name: "NewRaw",
			refused: func(ctx context.Context, w *world) error {
				var names []string
				return w.db.NewRaw("SELECT name FROM agents").Scan(ctx, &names)
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				var names []string
				require.NoError(t, w.db.NewRaw("SELECT name FROM agents WHERE workspace_id = ? ORDER BY name", w.wsA).Scan(ctx, &names))
				require.Equal(t, []string{"a1", "a2"}, names)
				// Naming another workspace is not a proof.
				require.ErrorIs(t, w.db.NewRaw("SELECT name FROM agents WHERE workspace_id = ?", w.wsB).Scan(ctx, &names), bunstore.ErrUnscopedQuery)
			},
		},
		{
			name: "subquery",
			refused: func(ctx context.Context, w *world) error {
				var as []Agent
				return w.db.NewSelect().Model(&as).Where("contact_id IN (?)", w.db.NewSelect().Model((*Contact)(nil)).Column("id")).Scan(ctx)
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				var as []Agent
				require.NoError(t, w.db.NewSelect().Model(&as).Where("contact_id IN (?)", w.db.NewSelect().Model((*Contact)(nil)).Column("id").ApplyQueryBuilder(ws(ctx))).Scan(ctx))
				require.Len(t, as, 1)
				require.Equal(t, w.a1, as[0].ID)
			},
		},
		{
			name: "CTE",
			refused: func(ctx context.Context, w *world) error {
				var names []string
				return w.db.NewSelect().With("x", w.db.NewSelect().Model((*Agent)(nil))).Table("x").Column("name").Scan(ctx, &names)
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				var names []string
				require.NoError(t, w.db.NewSelect().With("x", w.db.NewSelect().Model((*Agent)(nil)).ApplyQueryBuilder(ws(ctx))).Table("x").Column("name").Order("name").Scan(ctx, &names))
				require.Equal(t, []string{"a1", "a2"}, names)
			},
		},
		{
			name: "union",
			refused: func(ctx context.Context, w *world) error {
				var as []Agent
				return w.db.NewSelect().Model(&as).Where("name = 'a1'").Union(w.db.NewSelect().Model((*Agent)(nil)).Where("name = 'b1'")).Scan(ctx)
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				var as []Agent
				require.NoError(t, w.db.NewSelect().Model(&as).Where("name = 'a1'").Union(w.db.NewSelect().Model((*Agent)(nil)).Where("name = 'b1'").ApplyQueryBuilder(ws(ctx))).Scan(ctx))
				requireOnly(t, w.wsA, 1, len(as), func(i int) uuid.UUID { return as[i].WorkspaceID })
			},
		},
		{
			name: "manual Join",
			refused: func(ctx context.Context, w *world) error {
				var names []string
				return w.db.NewSelect().Model((*Agent)(nil)).Join("JOIN contacts AS c ON c.id = agent.contact_id").Column("c.name").Scan(ctx, &names)
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				var names []string
				require.NoError(t, w.db.NewSelect().Model((*Agent)(nil)).
					Join("JOIN contacts AS c ON c.workspace_id = agent.workspace_id AND c.id = agent.contact_id").
					ColumnExpr("c.name").Scan(ctx, &names))
				require.Equal(t, []string{"contact-a"}, names)
			},
		},
		{
			name: "belongs-to Relation",
			refused: func(ctx context.Context, w *world) error {
				var as []Agent
				return w.db.NewSelect().Model(&as).Relation("Contact").Scan(ctx)
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				var as []AgentWithContact
				require.NoError(t, w.db.NewSelect().Model(&as).Relation("Contact").Order("agent.name").Scan(ctx))
				require.Len(t, as, 2)
				require.NotNil(t, as[0].Contact)
				require.Equal(t, "contact-a", as[0].Contact.Name)
				require.Nil(t, as[1].Contact, "a2 points at B's contact, which must not be joined")
			},
		},
		{
			name: "top-level WhereOr",
			refused: func(ctx context.Context, w *world) error {
				var as []Agent
				return w.db.NewSelect().Model(&as).Where("name = 'a1'").WhereOr("name = 'b1'").Scan(ctx)
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				var as []Agent
				require.NoError(t, w.db.NewSelect().Model(&as).WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
					return q.Where("name = 'a1'").WhereOr("name = 'b1'")
				}).Scan(ctx))
				requireOnly(t, w.wsA, 1, len(as), func(i int) uuid.UUID { return as[i].WorkspaceID })
			},
		},
		{
			name: "ON CONFLICT DO UPDATE",
			refused: func(ctx context.Context, w *world) error {
				_, err := w.db.NewInsert().Model(&Agent{ID: w.b1, Name: "stolen"}).On("CONFLICT (id) DO UPDATE").Set("name = EXCLUDED.name").Exec(ctx)
				return err
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				requireAffected(t, 1)(w.db.NewInsert().Model(&Agent{ID: w.a1, Name: "upserted"}).On("CONFLICT (workspace_id, id) DO UPDATE").Set("name = EXCLUDED.name").Exec(ctx))
				var a Agent
				require.NoError(t, w.db.NewSelect().Model(&a).Where("id = ?", w.a1).Scan(ctx))
				require.Equal(t, "upserted", a.Name)
				// B's id: the conflict target cannot match B's row, so the
				// insert hits the table's unique id instead of moving it.
				_, err := w.db.NewInsert().Model(&Agent{ID: w.b1, Name: "stolen"}).On("CONFLICT (workspace_id, id) DO UPDATE").Set("name = EXCLUDED.name").Exec(ctx)
				require.Error(t, err)
			},
		},
		{
			name: "NewMerge",
			refused: func(ctx context.Context, w *world) error {
				_, err := w.db.NewMerge().Model((*Agent)(nil)).
					With("src", w.db.NewValues(&[]Agent{{ID: w.b1, Name: "stolen"}})).
					Using("src").On("agent.id = src.id").
					WhenUpdate("MATCHED", func(q *bun.UpdateQuery) *bun.UpdateQuery { return q.Set("name = src.name") }).
					Exec(ctx)
				return err
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				requireAffected(t, 1)(w.db.NewInsert().Model(&Agent{ID: w.a1, Name: "merged"}).On("CONFLICT (workspace_id, id) DO UPDATE").Set("name = EXCLUDED.name").Exec(ctx))
			},
		},
		{
			name: "map insert through TableExpr",
			refused: func(ctx context.Context, w *world) error {
				row := map[string]any{"id": uuid.New(), "workspace_id": w.wsB, "name": "planted"}
				_, err := w.db.NewInsert().Model(&row).TableExpr("agents").Exec(ctx)
				return err
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				row := map[string]any{"id": uuid.New(), "workspace_id": w.wsA, "name": "mapped"}
				requireAffected(t, 1)(w.db.NewInsert().Model(&row).TableExpr("agents").Exec(ctx))
				// Without the column the row's workspace is not shown.
				row = map[string]any{"id": uuid.New(), "name": "mapped"}
				_, err := w.db.NewInsert().Model(&row).TableExpr("agents").Exec(ctx)
				require.ErrorIs(t, err, bunstore.ErrUnscopedQuery)
			},
		},
		{
			name: "update without WherePK",
			refused: func(ctx context.Context, w *world) error {
				_, err := w.db.NewUpdate().Model(&Agent{ID: w.a1, Name: "everyone"}).Exec(ctx)
				return err
			},
			correct: func(t *testing.T, ctx context.Context, w *world) {
				requireAffected(t, 1)(w.db.NewUpdate().Model(&Agent{ID: w.a1, Name: "one"}).WherePK().Exec(ctx))
				requireAffected(t, 0)(w.db.NewUpdate().Model(&Agent{ID: w.b1, Name: "stolen"}).WherePK().Exec(ctx))
			},
		},
	}
}

func TestGuardQueryShapes(t *testing.T) {
	w := newWorld(t)
	for _, s := range shapes() {
		t.Run(s.name, func(t *testing.T) {
			w.seed(t)
			ctx := scopeCtx(w.wsA)
			before := w.snapshot(t)
			err := s.refused(ctx, w)
			require.ErrorIs(t, err, bunstore.ErrUnscopedQuery)
			require.Equal(t, before, w.snapshot(t), "a refused statement changed rows")

			s.correct(t, ctx, w)
			require.Equal(t, rowsOf(before, w.wsB), rowsOf(w.snapshot(t), w.wsB), "workspace B's rows changed")
		})
	}
}

func rowsOf(rows []string, ws uuid.UUID) []string {
	var out []string
	for _, r := range rows {
		if strings.Contains(r, ws.String()) {
			out = append(out, r)
		}
	}
	return out
}

func scanNames(t *testing.T, rows *sql.Rows) []string {
	t.Helper()
	var out []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		out = append(out, n)
	}
	require.NoError(t, rows.Err())
	return out
}

func requireAffected(t *testing.T, want int64) func(sql.Result, error) {
	return func(res sql.Result, err error) {
		t.Helper()
		require.NoError(t, err)
		n, err := res.RowsAffected()
		require.NoError(t, err)
		require.Equal(t, want, n)
	}
}

func requireOnly(t *testing.T, ws uuid.UUID, want, n int, at func(int) uuid.UUID) {
	t.Helper()
	require.Equal(t, want, n)
	for i := 0; i < n; i++ {
		require.Equal(t, ws, at(i))
	}
}
