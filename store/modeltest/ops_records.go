package modeltest

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Record operations are host code: authorize on the table's resource
// (unless raw: system code that trusts its caller, so that only the Repo's
// own scoping stands between the scope and other workspaces' rows), then
// call the Repo in the host's transaction.

// opRecordWrite: Repo Insert, Update or Delete.
type opRecordWrite struct {
	scoped
	table int
	kind  string // insert, update, delete
	id    uuid.UUID
	value string
	raw   bool
}

func (o *opRecordWrite) String() string {
	raw := ""
	if o.raw {
		raw = " raw"
	}
	return fmt.Sprintf("Record%s%s(%s, t%d, id=%s, %q)", strings.ToUpper(o.kind[:1]), o.kind[1:]+raw, o.who(), o.table, short(o.id), o.value)
}

func (o *opRecordWrite) where() (uuid.UUID, bool) { return o.sc.WorkspaceID, true }

var recordAction = map[string]string{"insert": "create", "update": "update", "delete": "delete"}

func (o *opRecordWrite) run(ctx context.Context, s *system) result {
	ctx = o.ctx(ctx)
	t := s.t.Tables[o.table]
	if !o.raw {
		if err := s.k.Authz.Require(ctx, t.Resource(), recordAction[o.kind]); err != nil {
			return observed(err, "")
		}
	}
	err := s.hostTx.Atomic(ctx, func(ctx context.Context) error {
		switch o.kind {
		case "insert":
			return t.Insert(ctx, o.id, o.value)
		case "update":
			return t.Update(ctx, o.id, o.value)
		}
		return t.Delete(ctx, o.id)
	})
	r := observed(err, "")
	if err == nil && o.kind == "insert" {
		r.new.ids = []uuid.UUID{o.id}
	}
	return r
}

func (o *opRecordWrite) expect(m *model, _ result) result {
	if !o.raw {
		// Resource names of built-in tables only (Table.Resource).
		if e := gate(m, o.sc, resourceOf(m, o.table)+":"+recordAction[o.kind]); e != errNone {
			return fail(e)
		}
	}
	if o.kind != "delete" && strings.ContainsRune(o.value, 0) {
		return fail(errInvalid)
	}
	w, ok := m.ws[o.sc.WorkspaceID]
	if !ok {
		return fail(errNotFound)
	}
	rows := w.records[o.table]
	_, exists := rows[o.id]
	switch o.kind {
	case "insert":
		if exists {
			return fail(errConflict)
		}
		rows[o.id] = o.value
	case "update":
		if !exists {
			return fail(errNotFound)
		}
		rows[o.id] = o.value
	default:
		if !exists {
			return fail(errNotFound)
		}
		delete(rows, o.id)
	}
	return result{}
}

func resourceOf(m *model, table int) string { return m.resources[table] }

// opRecordRead: Repo Get, List or Count.
type opRecordRead struct {
	scoped
	table int
	kind  string // get, list, count
	id    uuid.UUID
	raw   bool
}

func (o *opRecordRead) String() string {
	raw := ""
	if o.raw {
		raw = " raw"
	}
	if o.kind == "get" {
		return fmt.Sprintf("RecordGet%s(%s, t%d, id=%s)", raw, o.who(), o.table, short(o.id))
	}
	return fmt.Sprintf("Record%s%s(%s, t%d)", strings.ToUpper(o.kind[:1]), o.kind[1:]+raw, o.who(), o.table)
}

func (o *opRecordRead) where() (uuid.UUID, bool) { return o.sc.WorkspaceID, true }

func (o *opRecordRead) run(ctx context.Context, s *system) result {
	ctx = o.ctx(ctx)
	t := s.t.Tables[o.table]
	if !o.raw {
		if err := s.k.Authz.Require(ctx, t.Resource(), "read"); err != nil {
			return observed(err, "")
		}
	}
	var val string
	err := s.hostTx.Atomic(ctx, func(ctx context.Context) error {
		switch o.kind {
		case "get":
			v, err := t.Get(ctx, o.id)
			val = v
			return err
		case "count":
			n, err := t.Count(ctx)
			val = fmt.Sprint(n)
			return err
		}
		rows, err := t.List(ctx)
		val = renderRows(rows)
		return err
	})
	return observed(err, val)
}

func renderRows(rows []Row) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s=%q; ", r.ID, r.Value)
	}
	return b.String()
}

func (m *model) rows(ws uuid.UUID, table int) []Row {
	w, ok := m.ws[ws]
	if !ok {
		return nil
	}
	var out []Row
	for _, id := range sortedIDs(w.records[table]) {
		out = append(out, Row{ID: id, Value: w.records[table][id]})
	}
	return out
}

func (o *opRecordRead) expect(m *model, _ result) result {
	if !o.raw {
		if e := gate(m, o.sc, resourceOf(m, o.table)+":read"); e != errNone {
			return fail(e)
		}
	}
	rows := m.rows(o.sc.WorkspaceID, o.table)
	switch o.kind {
	case "get":
		for _, r := range rows {
			if r.ID == o.id {
				return result{val: r.Value}
			}
		}
		return fail(errNotFound)
	case "count":
		return result{val: fmt.Sprint(len(rows))}
	}
	return result{val: renderRows(rows)}
}
