package pgguard

import (
	"strconv"

	"github.com/google/uuid"
)

// ColumnWorkspaceID is the column every guarded table keeps its workspace in.
const ColumnWorkspaceID = "workspace_id"

// level is one query level: the ranges its FROM (and an UPDATE, DELETE or
// INSERT target) puts in scope, and the workspace facts its conditions
// establish.
type level struct {
	ranges map[string]int // refname -> how many ranges use it
	guard  map[string]obj // refname -> guarded RangeVar
	facts  []fact
	single bool // exactly one range, and it is guarded
}

// fact is alias.workspace_id = the active workspace (other == ""), or
// alias.workspace_id = other.workspace_id. within, when set, limits the
// ranges the fact may prove to those a join's ON filters.
type fact struct {
	alias, other string
	within       map[string]bool
}

func newLevel() *level {
	return &level{ranges: map[string]int{}, guard: map[string]obj{}}
}

// from adds one FROM item to the level and returns the refnames it puts in
// scope.
func (c *checker) from(lv *level, item any) []string {
	kind, f := node(item)
	if kind == "" {
		if m, ok := item.(obj); ok && isRangeVar(m) {
			kind, f = "RangeVar", m
		}
	}
	switch kind {
	case "RangeVar":
		c.relation(f)
		name := refName(f)
		lv.ranges[name]++
		if c.guarded(f) {
			if a := field(f, "alias"); a != nil && len(list(a, "colnames")) > 0 {
				c.refuse("table %q has a column alias list, which can rename workspace_id", str(f, "relname"))
			}
			lv.guard[name] = f
		}
		return []string{name}
	case "JoinExpr":
		if a := field(f, "alias"); a != nil {
			inner := newLevel()
			c.from(inner, f["larg"])
			c.from(inner, f["rarg"])
			for _, rv := range inner.guard {
				c.refuse("table %q is inside an aliased join, which hides it from the conditions", str(rv, "relname"))
			}
			c.walk(f["quals"])
			name := str(a, "aliasname")
			lv.ranges[name]++
			return []string{name}
		}
		left := c.from(lv, f["larg"])
		right := c.from(lv, f["rarg"])
		if u := field(f, "join_using_alias"); u != nil {
			lv.ranges[str(u, "aliasname")]++
		}
		inside := map[string]bool{}
		for _, n := range append(append([]string(nil), left...), right...) {
			inside[n] = true
		}
		var filtered []string
		switch str(f, "jointype") {
		case "JOIN_INNER":
			filtered = append(left, right...)
		case "JOIN_LEFT":
			filtered = right
		case "JOIN_RIGHT":
			filtered = left
		}
		if len(filtered) > 0 {
			within := map[string]bool{}
			for _, n := range filtered {
				within[n] = true
			}
			for _, cj := range conjuncts(f["quals"], nil) {
				// Names in an ON bind to the join's own ranges; any other
				// qualifier would bind to an outer query.
				if ft, ok := c.fact(cj); ok && ft.alias != "" && inside[ft.alias] && (ft.other == "" || inside[ft.other]) {
					ft.within = within
					lv.facts = append(lv.facts, ft)
				}
			}
		}
		c.walk(f["quals"])
		return append(left, right...)
	case "RangeSubselect":
		c.walk(f["subquery"])
		name := ""
		if a := field(f, "alias"); a != nil {
			name = str(a, "aliasname")
		}
		lv.ranges[name]++
		return []string{name}
	default:
		// Functions, table functions, samples: walked, so a guarded table
		// inside is refused.
		c.walk(item)
		name := ""
		if a := field(f, "alias"); a != nil {
			name = str(a, "aliasname")
		}
		lv.ranges[name]++
		return []string{name}
	}
}

// conjuncts flattens the top-level AND of a condition.
func conjuncts(v any, out []any) []any {
	if v == nil {
		return out
	}
	if k, f := node(v); k == "BoolExpr" && str(f, "boolop") == "AND_EXPR" {
		for _, a := range list(f, "args") {
			out = conjuncts(a, out)
		}
		return out
	}
	return append(out, v)
}

// wsColumn matches [alias.]workspace_id; qualified is false for the bare
// column.
func wsColumn(v any) (alias string, qualified, ok bool) {
	k, f := node(v)
	if k != "ColumnRef" {
		return "", false, false
	}
	n, ok := names(list(f, "fields"))
	switch {
	case !ok:
		return "", false, false
	case len(n) == 1 && n[0] == ColumnWorkspaceID:
		return "", false, true
	case len(n) == 2 && n[1] == ColumnWorkspaceID:
		return n[0], true, true
	}
	return "", false, false
}

// activeValue reports whether v is the active workspace: its id as a
// string constant (canonical text, either letter case) or a $n argument,
// optionally cast to uuid.
func (c *checker) activeValue(v any) bool {
	if c.ws == uuid.Nil {
		return false
	}
	k, f := node(v)
	if k == "TypeCast" {
		tn := field(f, "typeName")
		n, ok := names(list(tn, "names"))
		if !ok || len(list(tn, "arrayBounds")) > 0 || len(list(tn, "typmods")) > 0 ||
			!(len(n) == 1 && n[0] == "uuid" || len(n) == 2 && n[0] == "pg_catalog" && n[1] == "uuid") {
			return false
		}
		k, f = node(f["arg"])
	}
	switch k {
	case "A_Const":
		s := field(f, "sval")
		return s != nil && isActiveText(str(s, "sval"), c.ws)
	case "ParamRef":
		n, _ := f["number"].(float64)
		i := int(n)
		return i >= 1 && i <= len(c.args) && argIs(c.args[i-1].Value, c.ws)
	}
	return false
}

// isActiveText is the one question the verdict asks of a literal; the
// cache key (shape.go) asks it of the same text.
func isActiveText(s string, ws uuid.UUID) bool {
	if len(s) != 36 {
		return false
	}
	var w [36]byte
	encodeUUID(&w, ws)
	return isUUIDText(s, &w)
}

func argIs(v any, ws uuid.UUID) bool {
	switch v := v.(type) {
	case string:
		return isActiveText(v, ws)
	case []byte:
		if len(v) == 16 {
			return uuid.UUID(v) == ws
		}
		return isActiveText(string(v), ws)
	case uuid.UUID:
		return v == ws
	case [16]byte:
		return uuid.UUID(v) == ws
	}
	return false
}

// fact reads one conjunct as a workspace fact: an = (not schema-qualified)
// between a workspace_id column and the active workspace or another
// qualified workspace_id column.
func (c *checker) fact(v any) (fact, bool) {
	k, f := node(v)
	if k != "A_Expr" || str(f, "kind") != "AEXPR_OP" {
		return fact{}, false
	}
	op, ok := names(list(f, "name"))
	if !ok || len(op) != 1 || op[0] != "=" {
		return fact{}, false
	}
	l, r := f["lexpr"], f["rexpr"]
	for _, side := range [2][2]any{{l, r}, {r, l}} {
		a, qa, ok := wsColumn(side[0])
		if !ok {
			continue
		}
		if c.activeValue(side[1]) {
			return fact{alias: a}, true
		}
		if b, qb, ok := wsColumn(side[1]); ok && qa && qb {
			return fact{alias: a, other: b}, true
		}
	}
	return fact{}, false
}

// where adds the facts of a WHERE clause; it reports whether the clause
// has a conjunct besides them.
func (c *checker) where(lv *level, cond any) (other bool) {
	for _, cj := range conjuncts(cond, nil) {
		ft, ok := c.fact(cj)
		if !ok {
			other = true
			continue
		}
		if ft.alias == "" || lv.ranges[ft.alias] > 0 && (ft.other == "" || lv.ranges[ft.other] > 0) {
			lv.facts = append(lv.facts, ft)
		}
	}
	c.walk(cond)
	return other
}

// prove refuses the level unless every guarded range in it is restricted.
func (c *checker) prove(lv *level) {
	for name, n := range lv.ranges {
		if _, ok := lv.guard[name]; ok && n > 1 {
			c.refuse("the name %q stands for more than one range at one level", name)
			return
		}
	}
	single := len(lv.guard) == 1 && len(lv.ranges) == 1
	proven := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, f := range lv.facts {
			if f.alias == "" {
				if single && f.other == "" {
					for n := range lv.guard {
						if !proven[n] {
							proven[n], changed = true, true
						}
					}
				}
				continue
			}
			pairs := [][2]string{{f.alias, ""}}
			if f.other != "" {
				pairs = [][2]string{{f.alias, f.other}, {f.other, f.alias}}
			}
			for _, p := range pairs {
				if proven[p[0]] || (p[1] != "" && !proven[p[1]]) || (f.within != nil && !f.within[p[0]]) {
					continue
				}
				proven[p[0]], changed = true, true
			}
		}
	}
	for name, rv := range lv.guard {
		if !proven[name] {
			c.refuse("table %q (as %q) is not restricted to the active workspace at its level (add %s.workspace_id = the active id as a top-level AND condition)",
				str(rv, "relname"), name, strconv.Quote(name))
			return
		}
	}
}

func (c *checker) withClause(f obj) {
	if w := field(f, "withClause"); w != nil {
		c.walk(list(w, "ctes"))
	}
}

func (c *checker) selectStmt(f obj) {
	if c.unscoped {
		c.walk(obj(f))
		return
	}
	c.withClause(f)
	if op := str(f, "op"); op != "" && op != "SETOP_NONE" {
		for _, arm := range []string{"larg", "rarg"} {
			if a := field(f, arm); a != nil {
				c.selectStmt(a)
			}
		}
		c.walkExcept(f, "withClause", "larg", "rarg")
		return
	}
	if field(f, "intoClause") != nil {
		c.uncacheable = true
	}
	if field(f, "intoClause") != nil && c.mentionsTable(f) {
		c.refuse("SELECT INTO copying a guarded table is refused")
		return
	}
	lv := newLevel()
	for _, item := range list(f, "fromClause") {
		c.from(lv, item)
	}
	c.where(lv, f["whereClause"])
	c.prove(lv)
	c.walkExcept(f, "withClause", "fromClause", "whereClause")
}

// walkExcept walks the fields of f but those named.
func (c *checker) walkExcept(f obj, skip ...string) {
	for k, v := range f {
		if !contains(skip, k) {
			c.walk(v)
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// target adds an UPDATE, DELETE or INSERT target to lv and returns it when
// it is guarded.
func (c *checker) target(lv *level, f obj) obj {
	rv := field(f, "relation")
	if rv == nil {
		return nil
	}
	c.from(lv, rv)
	if c.guarded(rv) {
		return rv
	}
	return nil
}

func (c *checker) updateStmt(f obj) {
	if rv := field(f, "relation"); rv != nil && lower(str(rv, "relname")) == "pg_settings" {
		// Its update rule calls set_config(name, value, false): a
		// session-level change of any setting, out of the text's sight.
		c.refuse("UPDATE of pg_settings is refused on guarded connections (use SET LOCAL)")
		return
	}
	if c.unscoped {
		c.walk(obj(f))
		return
	}
	if t := c.changeLevel(f, "UPDATE", "fromClause"); t != nil {
		c.assignments(list(f, "targetList"), "")
	}
}

func (c *checker) deleteStmt(f obj) {
	if c.unscoped {
		c.walk(obj(f))
		return
	}
	c.changeLevel(f, "DELETE", "usingClause")
}

// changeLevel checks the level of an UPDATE or DELETE: its target, the
// ranges of its FROM or USING, and its WHERE, which must hold a condition
// besides the workspace's (bun refuses a change without WHERE; a scoped
// model's hook must not turn that mistake into "change every row of the
// workspace"). It returns the target when it is guarded.
func (c *checker) changeLevel(f obj, verb, from string) obj {
	c.withClause(f)
	lv := newLevel()
	t := c.target(lv, f)
	for _, item := range list(f, from) {
		c.from(lv, item)
	}
	other := c.where(lv, f["whereClause"])
	c.prove(lv)
	if t != nil && !other {
		c.refuse("%s of %q with no condition besides the workspace would change every row of the workspace (use WherePK or an explicit Where)", verb, str(t, "relname"))
	}
	c.walkExcept(f, "withClause", "relation", from, "whereClause")
	return t
}

// assignments refuses a SET of workspace_id to anything but the active
// workspace (or, in ON CONFLICT DO UPDATE, EXCLUDED.workspace_id, which
// the VALUES check already proved): excluded names the alias allowed.
func (c *checker) assignments(targets []any, excluded string) {
	for _, t := range targets {
		k, f := node(t)
		if k != "ResTarget" || str(f, "name") != ColumnWorkspaceID {
			continue
		}
		if len(list(f, "indirection")) == 0 && c.activeValue(f["val"]) {
			continue
		}
		if a, q, ok := wsColumn(f["val"]); ok && q && excluded != "" && a == excluded {
			continue
		}
		c.refuse("SET workspace_id to anything but the active workspace is refused")
		return
	}
}

func (c *checker) insertStmt(f obj) {
	if c.unscoped {
		c.walk(obj(f))
		return
	}
	c.withClause(f)
	rv := field(f, "relation")
	if rv == nil || !c.guarded(rv) {
		c.walkExcept(f, "withClause", "relation")
		return
	}
	table := str(rv, "relname")
	col := -1
	for i, t := range list(f, "cols") {
		if _, rt := node(t); str(rt, "name") == ColumnWorkspaceID {
			if len(list(rt, "indirection")) > 0 {
				c.refuse("INSERT into %q sets part of workspace_id", table)
				return
			}
			col = i
		}
	}
	if col < 0 {
		c.refuse("INSERT into %q must set workspace_id in its column list", table)
		return
	}
	k, sel := node(f["selectStmt"])
	rows := list(sel, "valuesLists")
	if k != "SelectStmt" || len(rows) == 0 || len(sel) != len(onlyValues(sel)) {
		c.refuse("only INSERT ... VALUES is allowed into %q", table)
		return
	}
	for _, r := range rows {
		_, row := node(r)
		items := list(row, "items")
		if len(items) != len(list(f, "cols")) || hasStar(items) {
			// A .* in a row expands to several values on the server,
			// shifting what lands in workspace_id.
			c.refuse("a row inserted into %q must give one plain value per column (no .* expansion)", table)
			return
		}
		if !c.activeValue(items[col]) {
			c.refuse("a row inserted into %q does not hold the active workspace in workspace_id", table)
			return
		}
	}
	if oc := field(f, "onConflictClause"); oc != nil {
		c.onConflict(rv, oc)
	}
	c.walk(rows)
	c.walk(f["returningList"])
}

// onlyValues returns the fields of a VALUES-only SelectStmt: the rows and
// the defaults libpg_query always writes.
func onlyValues(sel obj) obj {
	out := obj{}
	for k, v := range sel {
		switch k {
		case "valuesLists", "limitOption", "op":
			out[k] = v
		}
	}
	return out
}

func (c *checker) onConflict(rv obj, oc obj) {
	if str(oc, "action") != "ONCONFLICT_UPDATE" {
		return
	}
	name := refName(rv)
	proven := false
	if infer := field(oc, "infer"); infer != nil {
		for _, e := range list(infer, "indexElems") {
			if _, ie := node(e); str(ie, "name") == ColumnWorkspaceID {
				proven = true
			}
		}
	}
	for _, cj := range conjuncts(oc["whereClause"], nil) {
		if ft, ok := c.fact(cj); ok && ft.other == "" && (ft.alias == "" || ft.alias == name) {
			proven = true
		}
	}
	if !proven {
		c.refuse("ON CONFLICT DO UPDATE on %q could update another workspace's row (put workspace_id in the conflict target)", str(rv, "relname"))
		return
	}
	c.assignments(list(oc, "targetList"), "excluded")
	c.walk(oc)
}

// hasStar reports whether any of items expands with .* (t.*, (row).*).
func hasStar(items []any) bool {
	for _, it := range items {
		k, f := node(it)
		var l []any
		switch k {
		case "ColumnRef":
			l = list(f, "fields")
		case "A_Indirection":
			l = list(f, "indirection")
		}
		for _, x := range l {
			if k, _ := node(x); k == "A_Star" {
				return true
			}
		}
	}
	return false
}
