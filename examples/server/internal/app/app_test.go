package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
	"github.com/workspacekit/workspacekit/workspace/workspacehttp"
)

// seeded is a seeded app with the seeded workspaces by name.
type seeded struct {
	*App
	ws map[string]workspace.Workspace
}

func newSeeded(t *testing.T, cfg Config) seeded {
	t.Helper()
	cfg.Seed = true
	a, err := New(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	s := seeded{App: a, ws: map[string]workspace.Workspace{}}
	for _, u := range []workspace.UserID{"alice", "dave"} {
		acc, err := a.Kit.Workspaces.List(t.Context(), u, workspace.Page{})
		require.NoError(t, err)
		for _, x := range acc {
			s.ws[x.Workspace.Name] = x.Workspace
		}
	}
	require.Len(t, s.ws, 3)
	return s
}

// in is user's context in the named workspace.
func (s seeded) in(t *testing.T, user workspace.UserID, name string) context.Context {
	t.Helper()
	ctx, _, err := s.Kit.Workspaces.Enter(context.Background(), user, s.ws[name].ID)
	require.NoError(t, err)
	return ctx
}

// roles is the selector of user: workspace name -> role.
func (s seeded) roles(t *testing.T, user workspace.UserID) map[string]workspace.Role {
	t.Helper()
	acc, err := s.Kit.Workspaces.List(t.Context(), user, workspace.Page{})
	require.NoError(t, err)
	out := map[string]workspace.Role{}
	for _, x := range acc {
		out[x.Workspace.Name] = x.Role
	}
	return out
}

func names(items []Item) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.Name)
	}
	return out
}

// checkSeed asserts the demo data: who holds which role where, and that
// each workspace's resources hold its own two items of every kind.
func checkSeed(t *testing.T, s seeded) {
	t.Helper()
	require.Equal(t, map[string]workspace.Role{SeedSales: workspace.RoleOwner, SeedSupport: workspace.RoleOwner}, s.roles(t, "alice"))
	require.Equal(t, map[string]workspace.Role{SeedSales: workspace.RoleAdmin, SeedSupport: workspace.RoleViewer}, s.roles(t, "bob"))
	require.Equal(t, map[string]workspace.Role{SeedSales: workspace.RoleMember}, s.roles(t, "carol"))
	require.Equal(t, map[string]workspace.Role{SeedGlobexHQ: workspace.RoleOwner}, s.roles(t, "dave"))
	require.Empty(t, s.roles(t, "erin"))
	require.Len(t, s.Resources, 7)
	_, generic := s.Resource("api_keys")
	require.False(t, generic, "API keys are the library's, not a host resource")
	keys := map[string][]string{SeedSales: {SeedKeySales}, SeedSupport: {}, SeedGlobexHQ: {SeedKeyGlobex}}
	for _, name := range []string{SeedSales, SeedSupport, SeedGlobexHQ} {
		owner := workspace.UserID("alice")
		if name == SeedGlobexHQ {
			owner = "dave"
		}
		ctx := s.in(t, owner, name)
		for _, r := range s.Resources {
			items, err := r.List(ctx)
			require.NoError(t, err)
			smp := samples[r.Kind]
			require.Equal(t, []string{name + ": " + smp[0][0], name + ": " + smp[1][0]}, names(items), "%s in %s", r.Kind, name)
		}
		list, err := s.Kit.Keys.List(ctx, workspace.Page{})
		require.NoError(t, err)
		got := []string{}
		for _, k := range list {
			got = append(got, k.Name)
			require.Equal(t, "active", s.KeyStatus(k))
			require.Equal(t, owner, k.CreatedBy)
		}
		require.Equal(t, keys[name], got, "API keys of %s", name)
	}
}

func TestSeed(t *testing.T) {
	checkSeed(t, newSeeded(t, Config{}))
}

// Each resource is its own table: an item of one kind is not found as
// another kind, nor from another workspace, and deleting it there
// changes nothing.
func TestResourcesAreIsolatedPerWorkspaceAndKind(t *testing.T) {
	checkIsolation(t, newSeeded(t, Config{}))
}

func checkIsolation(t *testing.T, s seeded) {
	t.Helper()
	sales, support := s.in(t, "alice", SeedSales), s.in(t, "alice", SeedSupport)
	for _, r := range s.Resources {
		mine, err := r.Create(sales, "only in Sales", "")
		require.NoError(t, err)
		_, err = r.Get(support, mine.ID)
		require.ErrorIs(t, err, workspace.ErrNotFound, r.Kind)
		require.ErrorIs(t, r.Delete(support, mine.ID), workspace.ErrNotFound, r.Kind)
		got, err := r.Get(sales, mine.ID)
		require.NoError(t, err)
		require.Equal(t, mine.Name, got.Name)
		for _, other := range s.Resources {
			if other != r {
				_, err := other.Get(sales, mine.ID)
				require.ErrorIs(t, err, workspace.ErrNotFound, "%s as %s", r.Kind, other.Kind)
			}
		}
		items, err := r.List(support)
		require.NoError(t, err)
		require.NotContains(t, names(items), "only in Sales")
		require.NoError(t, r.Delete(sales, mine.ID))
	}
}

func TestResourcesAuthorizeOnTheServer(t *testing.T) {
	s := newSeeded(t, Config{})
	bobSupport := s.in(t, "bob", SeedSupport) // viewer
	agents, _ := s.Resource("agents")
	items, err := agents.List(bobSupport)
	require.NoError(t, err)
	_, err = agents.Create(bobSupport, "sneaky", "")
	require.ErrorIs(t, err, workspace.ErrForbidden)
	require.ErrorIs(t, agents.Delete(bobSupport, items[0].ID), workspace.ErrForbidden)
	_, err = s.Kit.Keys.List(bobSupport, workspace.Page{})
	require.ErrorIs(t, err, workspace.ErrForbidden, "viewers do not read API keys")
	_, err = agents.List(context.Background())
	require.ErrorIs(t, err, workspace.ErrNoScope)
	_, err = agents.Create(s.in(t, "alice", SeedSales), " ", "")
	require.ErrorIs(t, err, workspace.ErrInvalid)
	_, err = agents.Create(s.in(t, "alice", SeedSales), "nul\x00", "")
	require.ErrorIs(t, err, workspace.ErrInvalid)
}

// Deleting a workspace takes every kind's items with it: a scope of the
// deleted workspace, made by hand, finds none in the tables.
func TestDeletedWorkspaceTakesItsItems(t *testing.T) {
	checkDeletePurges(t, newSeeded(t, Config{}))
}

func checkDeletePurges(t *testing.T, s seeded) {
	t.Helper()
	sales := s.ws[SeedSales]
	ctx := s.in(t, "alice", SeedSales)
	sc, _ := workspace.ScopeFrom(ctx)
	require.NoError(t, s.Kit.Workspaces.Delete(ctx, sales.ID, SeedSales))
	for _, r := range s.Resources {
		var items []Item
		require.NoError(t, r.tx.Atomic(workspace.WithScope(context.Background(), sc), func(ctx context.Context) (err error) {
			items, err = r.table.list(ctx)
			return err
		}))
		require.Empty(t, items, r.Kind)
		_, err := r.List(ctx)
		require.ErrorIs(t, err, workspace.ErrForbidden, "the old scope holds no role any more")
	}
	_, err := s.Kit.Workspaces.Get(t.Context(), "bob", sales.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound)
}

func TestLoginAndAuthenticate(t *testing.T) {
	a, err := New(t.Context(), Config{})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	require.ErrorIs(t, a.Login(rec, "mallory"), ErrUnknownUser)
	require.NoError(t, a.Login(rec, "bob"))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range rec.Result().Cookies() {
		r.AddCookie(c)
	}
	u, err := a.Authenticate(r)
	require.NoError(t, err)
	require.Equal(t, workspace.UserID("bob"), u)

	r = httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set(UserHeader, "carol")
	u, err = a.Authenticate(r)
	require.NoError(t, err)
	require.Equal(t, workspace.UserID("carol"), u)
	r.Header.Set(UserHeader, "mallory")
	_, err = a.Authenticate(r)
	require.ErrorIs(t, err, workspacehttp.ErrUnauthenticated)
	require.ErrorIs(t, err, ErrUnknownUser)
	_, err = a.Authenticate(httptest.NewRequest(http.MethodGet, "/", nil))
	require.ErrorIs(t, err, workspacehttp.ErrUnauthenticated)

	rec = httptest.NewRecorder()
	a.Logout(rec)
	for _, c := range rec.Result().Cookies() {
		require.Equal(t, -1, c.MaxAge)
	}
	require.Len(t, rec.Result().Cookies(), 2)
}

func TestRoleNames(t *testing.T) {
	lib, app := roleNames("My-DB.test")
	require.Equal(t, "my_db_test_wk_library", lib)
	require.Equal(t, "my_db_test_wk_app", app)
	long := "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghij_0123"
	lib, app = roleNames(long)
	require.LessOrEqual(t, len(lib), 63)
	require.LessOrEqual(t, len(app), 63)
	lib2, _ := roleNames(long + "9")
	require.NotEqual(t, lib, lib2, "long names differ by their hash")
}

func TestRoleDSN(t *testing.T) {
	for _, dsn := range []string{
		"postgres://owner:secret@localhost:5432/dev?sslmode=disable&user=owner",
		"host=/tmp dbname=dev user=owner password='a b'",
	} {
		out, err := roleDSN(dsn, "dev_wk_app", "p'w")
		require.NoError(t, err, dsn)
		require.NotContains(t, out, "secret")
	}
}
