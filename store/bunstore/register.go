package bunstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/workspacekit/workspacekit/store/pgguard"
	"github.com/workspacekit/workspacekit/workspace"
)

// ErrInvalidModel means a model given to Registry.Register is not a
// working workspace-scoped model: it does not embed Scoped, or it hides one
// of Scoped's hooks (an outer BeforeSelect, BeforeUpdate, BeforeDelete or
// BeforeAppendModel that does not call the embedded one), or the SQL its
// hooks produce would not pass the guard.
var ErrInvalidModel = errors.New("bunstore: invalid workspace-scoped model")

// Registry is the set of a host's workspace-scoped tables. It feeds the
// guard (Connector, Check), the purge of a deleted workspace (Purge) and
// strict mode (EnableRLS). It is safe for concurrent use; register every
// model at start-up, before serving.
type Registry struct {
	mu     sync.Mutex
	tables map[string]*schema.Table // by table name
	order  []string                 // registration order
	guard  *pgguard.Guard
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{tables: map[string]*schema.Table{}, guard: pgguard.New()}
}

// Register adds models (pointers to structs embedding Scoped, e.g.
// (*Agent)(nil)) after proving, for each one, that bun really runs Scoped's
// hooks on it and that the select, update, delete and insert they produce
// pass the guard. db supplies bun's table metadata; nothing is sent to the
// server. Registering a model twice is a no-op.
// Errors: ErrInvalidModel.
func (r *Registry) Register(db *bun.DB, models ...any) error {
	for _, m := range models {
		t, err := selfCheck(db, m)
		if err != nil {
			return err
		}
		r.mu.Lock()
		if _, ok := r.tables[t.Name]; !ok {
			r.order = append(r.order, t.Name)
		}
		r.tables[t.Name] = t
		r.guard.SetTables(r.order...)
		r.mu.Unlock()
	}
	return nil
}

// Tables returns the registered table names, sorted.
func (r *Registry) Tables() []string { return r.guard.Tables() }

// registered returns the table names in registration order.
func (r *Registry) registered() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.order...)
}

// probeWorkspace is the workspace the self-check runs the hooks with; the
// hooks look for a probe only when they see it, so the check costs the hot
// path one comparison.
var probeWorkspace = uuid.MustParse("00000000-0000-7000-8000-5c09ed5e1fc4")

type probeKey struct{}

type probe struct{ hits uint8 }

const (
	hookSelect uint8 = 1 << iota
	hookUpdate
	hookDelete
	hookAppend
)

func markProbe(ctx context.Context, ws uuid.UUID, hook uint8) {
	if ws != probeWorkspace {
		return
	}
	if p, ok := ctx.Value(probeKey{}).(*probe); ok {
		p.hits |= hook
	}
}

func selfCheck(db *bun.DB, model any) (*schema.Table, error) {
	typ := reflect.TypeOf(model)
	if typ == nil || typ.Kind() != reflect.Pointer || typ.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("%w: %T: want a pointer to a struct", ErrInvalidModel, model)
	}
	t := db.Table(typ.Elem())
	f, ok := t.FieldMap[ColumnWorkspaceID]
	if !ok || f.IndirectType != reflect.TypeFor[uuid.UUID]() {
		return nil, fmt.Errorf("%w: %s (table %s) has no uuid column %s: embed bunstore.Scoped", ErrInvalidModel, typ.Elem(), t.Name, ColumnWorkspaceID)
	}
	p := &probe{}
	ctx := context.WithValue(workspace.WithScope(context.Background(), workspace.Scope{
		AccountID: probeWorkspace, WorkspaceID: probeWorkspace, UserID: "bunstore-self-check",
	}), probeKey{}, p)
	only := pgguard.New(t.Name)
	fail := func(what string, err error) error {
		return fmt.Errorf("%w: %s (table %s): %s: %v", ErrInvalidModel, typ.Elem(), t.Name, what, err)
	}
	hidden := func(hook string) error {
		return fmt.Errorf("%w: %s (table %s): its %s hook does not run Scoped's (an outer method hides the embedded one; call s.Scoped.%s from it)", ErrInvalidModel, typ.Elem(), t.Name, hook, hook)
	}

	row := reflect.New(typ.Elem()).Interface()
	ah, ok := row.(bun.BeforeAppendModelHook)
	if !ok {
		return nil, hidden("BeforeAppendModel")
	}
	ins := db.NewInsert().Model(row)
	if err := ah.BeforeAppendModel(ctx, ins); err != nil {
		return nil, fail("insert hook", err)
	}
	if p.hits&hookAppend == 0 {
		return nil, hidden("BeforeAppendModel")
	}
	if err := only.Check(ctx, ins.String(), nil); err != nil {
		return nil, fail("insert", err)
	}

	sh, ok := t.ZeroIface.(bun.BeforeSelectHook)
	if !ok {
		return nil, hidden("BeforeSelect")
	}
	sel := db.NewSelect().Model(row)
	if err := sh.BeforeSelect(ctx, sel); err != nil {
		return nil, fail("select hook", err)
	}
	if p.hits&hookSelect == 0 {
		return nil, hidden("BeforeSelect")
	}
	if err := only.Check(ctx, sel.String(), nil); err != nil {
		return nil, fail("select", err)
	}

	uh, ok := t.ZeroIface.(bun.BeforeUpdateHook)
	if !ok {
		return nil, hidden("BeforeUpdate")
	}
	upd := db.NewUpdate().Model(row).Where("TRUE")
	if err := uh.BeforeUpdate(ctx, upd); err != nil {
		return nil, fail("update hook", err)
	}
	if p.hits&hookUpdate == 0 {
		return nil, hidden("BeforeUpdate")
	}
	if err := only.Check(ctx, upd.String(), nil); err != nil {
		return nil, fail("update", err)
	}

	dh, ok := t.ZeroIface.(bun.BeforeDeleteHook)
	if !ok {
		return nil, hidden("BeforeDelete")
	}
	del := db.NewDelete().Model(row).Where("TRUE")
	if err := dh.BeforeDelete(ctx, del); err != nil {
		return nil, fail("delete hook", err)
	}
	if p.hits&hookDelete == 0 {
		return nil, hidden("BeforeDelete")
	}
	if err := only.Check(ctx, del.String(), nil); err != nil {
		return nil, fail("delete", err)
	}
	return t, nil
}
